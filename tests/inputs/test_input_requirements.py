"""requirements files: pip's whole syntax, includes, provenance, bad lines."""

from __future__ import annotations

import pytest
from inputs.helpers import CORPUS, codes, only, pins, write

from lockaudit.inputs import load, parse, requirements_txt
from lockaudit.model import SourceKind

ENV = {"INDEX_USER": "ci", "INDEX_TOKEN": "s3cret", "NUMPY_VERSION": "1.26.4", "GIT_TOKEN": "ghp_token"}


def by_name(lockfile, name):
    found = [r for r in lockfile.requirements if r.name == name]
    assert found, f"{name} not in {[r.name for r in lockfile.requirements]}"
    return found


# --------------------------------------------------------------------------- full syntax


@pytest.fixture
def full(in_fixtures):
    return load("requirements/full-syntax.txt", env=ENV)


def test_full_syntax_has_no_problems(full):
    assert full.problems == ()


def test_index_options_are_captured(full):
    idx = full.index
    assert idx.index_url == "https://ci:s3cret@pkgs.example.com/simple"
    assert idx.extra_index_urls == ("https://example.org/extra/simple",)
    assert idx.find_links == ("./wheelhouse",)
    assert idx.trusted_hosts == ("pkgs.example.com",)
    assert idx.only_binary == (":all:",)
    assert idx.no_binary == ("lxml", "psycopg")
    assert idx.pre and idx.prefer_binary and not idx.no_index


def test_includes_are_relative_to_the_including_file(full):
    assert full.files == (
        "requirements/full-syntax.txt",
        "requirements/common.txt",
        "requirements/nested/extra.txt",
        "requirements/constraints.txt",
    )
    (structlog,) = by_name(full, "structlog")
    assert str(structlog.origin) == "requirements/nested/extra.txt:2:1"
    included = {f.path: f for f in full.inputs if f.included_by}
    assert included["requirements/nested/extra.txt"].included_by == "requirements/common.txt"
    assert included["requirements/constraints.txt"].constraint


def test_constraints_are_marked(full):
    django = by_name(full, "django")
    assert [(r.specifier, r.constraint) for r in django] == [("<4.2.99", True), (">=4.2,<5.0", False)]


def test_specifier_as_written_and_as_pep440(full):
    (requests,) = by_name(full, "requests")
    assert requests.specifier == ">= 2.31"
    assert requests.pep440 == ">=2.31"
    assert requests.extras == frozenset({"socks", "security"})
    assert requests.marker == 'python_version >= "3.8"'
    assert requests.dialect == "pep440"
    (django,) = [r for r in by_name(full, "django") if not r.constraint]
    assert django.specifier == ">=4.2,<5.0"
    assert str(django.origin) == "requirements/full-syntax.txt:14:1"


def test_hashes_on_continuation_lines(full):
    (gunicorn,) = by_name(full, "gunicorn")
    assert gunicorn.hashes == ("sha256:" + "a" * 64, "sha256:" + "b" * 64)
    assert full.packages[[p.name for p in full.packages].index("gunicorn")].hashes == gunicorn.hashes


def test_marker_on_a_continuation_line(full):
    (celery,) = by_name(full, "celery")
    assert celery.marker == 'python_version >= "3.9"'
    assert celery.extras == frozenset({"redis"})
    assert celery.origin.line == 20


def test_environment_variables_are_expanded_like_pip(full):
    (numpy,) = by_name(full, "numpy")
    assert numpy.specifier == "==1.26.4"
    (internal,) = by_name(full, "internal-lib")
    assert "${" in internal.marker  # unknown variables stay as written


def test_direct_references_are_kept_as_not_from_the_index(full):
    direct = {r.raw_name: r.source for r in full.requirements if r.source.kind is not SourceKind.INDEX}
    assert direct["editable-lib"].kind is SourceKind.VCS and direct["editable-lib"].editable
    assert direct["./packages/local-pkg"].kind is SourceKind.PATH and direct["./packages/local-pkg"].editable
    assert direct["."].editable
    assert direct["mylib"].kind is SourceKind.VCS
    assert direct["vendored-tool"].kind is SourceKind.URL
    assert direct["patched-pkg"].kind is SourceKind.PATH
    assert direct["pinned"].kind is SourceKind.PATH
    assert len(direct) == 7
    (local,) = by_name(full, "./packages/local-pkg")
    assert local.extras == frozenset({"dev"})
    assert str(local.origin) == "requirements/full-syntax.txt:27:4"  # the value after "-e "


def test_credentials_never_reach_a_source(full):
    (mylib,) = by_name(full, "mylib")
    assert mylib.source.location == "git+https://github.com/example/mylib.git@4f5a6b7"
    assert "ghp_token" not in repr(full.requirements)


def test_only_exact_pins_are_pins(full):
    assert pins(full) == {"uvloop": "0.19.0", "gunicorn": "22.0.0", "numpy": "1.26.4", "internal-lib": "1.0"}


# --------------------------------------------------------------------------- small cases


def test_comments_and_inline_comments(tmp_path):
    text = "# top\nfoo==1.0 # trailing\n  # indented comment\nbar>=2#not-a-comment-without-space\n"
    lf = parse(text, "r.txt")
    assert [(r.name, r.specifier) for r in lf.requirements] == [("foo", "==1.0")]
    assert codes(lf) == ["invalid-requirement"]  # "bar>=2#..." is one (bad) token, as in pip


def test_comment_ends_a_continuation():
    lf = parse("foo==1.0 \\\n# a comment\nbar==2.0\n", "r.txt")
    assert pins(lf) == {"foo": "1.0", "bar": "2.0"}
    assert lf.problems == ()


def test_continuation_at_end_of_file():
    lf = parse("foo>=1.0,\\\n<2", "r.txt")
    assert lf.requirements[0].pep440 == "<2,>=1.0"


def test_options_in_every_spelling():
    text = "-ihttps://a.example.com/simple\n--extra-index-url=https://b.example.com/simple\n--extra-index https://c.example.com/simple\n--no-index\n--require-hashes\n"
    lf = parse(text, "r.txt")
    assert lf.index.index_url == "https://a.example.com/simple"
    assert lf.index.extra_index_urls == ("https://b.example.com/simple", "https://c.example.com/simple")
    assert lf.index.no_index and lf.index.require_hashes
    assert lf.problems == ()


def test_only_binary_none_resets():
    lf = parse("--only-binary :all:\n--only-binary :none:\n--no-binary Foo_Bar\n", "r.txt")
    assert lf.index.only_binary == ()
    assert lf.index.no_binary == ("foo-bar",)


def test_environment_is_injectable_and_pip_only_expands_uppercase():
    lf = parse("foo==${V}\nbar==${lower}\n", "r.txt", env={"V": "2.0", "lower": "9"})
    assert lf.requirements[0].specifier == "==2.0"
    assert codes(lf) == ["invalid-requirement"]  # "${lower}" is left as is and is no version
    assert lf.problems[0].line == 2


def test_column_after_expansion_points_into_the_written_line():
    lf = parse("foo==${V} bar\n", "r.txt", env={"V": "123456"})
    (p,) = lf.problems
    assert p.column == 11 and p.text == "foo==${V} bar"


def test_unnamed_and_named_urls():
    lf = parse(
        "https://example.com/x/pkg-1.0.tar.gz\n"
        "git+https://example.com/r.git@v1#egg=thing[extra]\n"
        "pkg2 @ https://example.com/pkg2-2.0-py3-none-any.whl ; python_version < '3.12'\n"
        "C:\\src\\winpkg\n",
        "r.txt",
    )
    got = [(r.name, r.source.kind.value, r.marker) for r in lf.requirements]
    assert got == [
        ("pkg", "url", None),
        ("thing", "vcs", None),
        ("pkg2", "url", 'python_version < "3.12"'),
        ("C:\\src\\winpkg", "path", None),
    ]
    assert lf.requirements[1].extras == frozenset({"extra"})
    assert lf.packages == ()


def test_triple_equals_is_a_pin_and_wildcards_are_not():
    lf = parse("a===1.0+local\nb==1.*\nc==1.0,<2\n", "r.txt")
    assert pins(lf) == {"a": "1.0+local"}


def test_via_annotations_single_multi_and_inline():
    text = (
        "a==1\n    # via b\n"
        "c==2\n    # via\n    #   -r requirements.in\n    #   d\n"
        "e==3  # via f, g\n"
        "h==4\n    # via i, j\n"
    )
    lf = parse(text, "r.txt")
    assert {p.name: p.via for p in lf.packages} == {
        "a": ("b",),
        "c": ("-r requirements.in", "d"),
        "e": ("f", "g"),
        "h": ("i", "j"),
    }


def test_corpus_lock_keeps_provenance():
    lf = load(str(CORPUS / "app-requirements.lock.txt"))
    assert len(lf.packages) == 268 and lf.problems == ()
    anyio = next(p for p in lf.packages if p.name == "anyio")
    assert anyio.via == ("fastapi", "httpx", "httpx2", "jupyter-server", "starlette", "watchfiles")
    aiohttp = next(p for p in lf.packages if p.name == "aiohttp")
    assert aiohttp.via == ("-r app-requirements.in",)


def test_freeze_output_is_detected_and_read(in_fixtures):
    text = (
        "Flask==3.1.3\n"
        "-e git+https://example.com/me/proj.git@0123abc#egg=proj\n"
        "# Editable install with no version control (other==0.1)\n"
        "-e /home/me/src/other\n"
        "local-thing @ file:///home/me/wheels/local_thing-1.0-py3-none-any.whl\n"
    )
    lf = parse(text, "frozen.txt")
    assert lf.formats == (("frozen.txt", "pip-freeze"),)
    assert pins(lf) == {"flask": "3.1.3"}
    kinds = {r.name: r.source.kind for r in lf.requirements}
    assert kinds["proj"] is SourceKind.VCS and kinds["local-thing"] is SourceKind.PATH
    assert lf.problems == ()


# --------------------------------------------------------------------------- bad input


def test_bad_lines_are_all_reported_and_the_rest_is_read(in_fixtures):
    lf = load("requirements/bad-lines.txt")
    # pip rejects line 6 whole (md5 is no allowed --hash), so numpy is not read.
    assert [r.name for r in lf.requirements] == ["requests", "click"]
    assert [(p.line, p.column, p.code, p.severity) for p in lf.problems] == [
        (2, 14, "invalid-requirement", "error"),
        (3, 1, "ignored-option", "warning"),  # pip: "has --hash but no requirement, and will be ignored"
        (4, 15, "invalid-requirement", "error"),
        (5, 1, "invalid", "error"),
        (6, 13, "invalid", "error"),
        (7, 1, "unknown-option", "error"),
        (8, 35, "invalid-requirement", "error"),
    ]


def test_a_problem_renders_file_line_column_and_caret(in_fixtures):
    lf = load("requirements/bad-lines.txt")
    assert lf.problems[0].render() == (
        "requirements/bad-lines.txt:2:14: error: invalid requirement (expected comma (within version specifier), "
        "semicolon (after version specifier) or end)\n"
        "    flask >= 3.0 werkzeug\n"
        "                 ^^^^^^^^"
    )


def test_problem_on_a_continued_line_points_at_the_physical_line():
    lf = parse("foo==1.0 \\\n    --hash=sha1:abc\n", "r.txt")
    (p,) = lf.problems
    assert (p.line, p.column, p.text) == (2, 5, "    --hash=sha1:abc")
    assert p.expected == "sha256, sha384, sha512"


def test_include_cycle_is_reported_once_and_both_files_are_read(in_fixtures):
    lf = load("requirements/cycle-a.txt")
    assert pins(lf) == {"alpha": "1.0", "beta": "2.0"}
    p = only(lf.problems, "include-cycle")
    assert (p.path, p.line, p.column) == ("requirements/cycle-b.txt", 2, 4)
    assert "requirements/cycle-a.txt -> requirements/cycle-b.txt -> requirements/cycle-a.txt" in p.message


def test_self_include_is_a_cycle(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write(tmp_path, "self.txt", "a==1\n-r ./self.txt\n")
    lf = load("self.txt")
    assert codes(lf) == ["include-cycle"] and pins(lf) == {"a": "1"}


def test_diamond_includes_are_read_once(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write(tmp_path, "top.txt", "-r left.txt\n-r right.txt\n")
    write(tmp_path, "left.txt", "-r base.txt\n")
    write(tmp_path, "right.txt", "-r base.txt\n")
    write(tmp_path, "base.txt", "x==1\n")
    lf = load("top.txt")
    assert len(lf.requirements) == 1 and lf.problems == ()


def test_missing_and_remote_includes(in_fixtures):
    lf = load("requirements/missing-include.txt")
    assert pins(lf) == {"gamma": "3.0", "delta": "4.0"}
    assert codes(lf) == ["missing-include", "missing-include", "remote-include"]
    first = lf.problems[0]
    assert (first.line, first.column, first.width) == (2, 4, len("does-not-exist.txt"))
    assert "constraints file" in lf.problems[1].message


def test_duplicates_with_other_spellings_are_one_package(in_fixtures):
    lf = load("requirements/duplicates.txt")
    warnings = [p for p in lf.problems if p.code == "duplicate"]
    assert [(p.line, p.severity) for p in warnings] == [(2, "warning"), (4, "warning"), (6, "warning")]
    assert "'Django'" in warnings[0].message
    # Identical pins collapse into one; different pins under one name are an error, both kept.
    assert [(p.name, p.version) for p in lf.packages] == [
        ("django", "4.2.11"),
        ("zope-interface", "6.4"),
        ("ruamel-yaml", "0.18.6"),
        ("ruamel-yaml", "0.18.5"),
    ]
    assert only(lf.problems, "conflicting-pins").line == 6
    assert [d.name for d in lf.dependencies] == ["django", "ruamel-yaml", "zope-interface"]


def test_same_name_split_by_markers_is_not_a_duplicate():
    lf = parse('numpy==1.26 ; python_version < "3.12"\nnumpy==2.1 ; python_version >= "3.12"\n', "r.txt")
    assert lf.problems == () and len(lf.packages) == 2


def test_option_on_a_requirement_line_that_pip_ignores_is_a_warning():
    lf = parse("foo==1 --index-url https://example.com/simple\n", "r.txt")
    assert pins(lf) == {"foo": "1"}
    assert [(p.code, p.severity) for p in lf.problems] == [("ignored-option", "warning")]


def test_unbalanced_quote():
    lf = parse('foo==1 --config-settings "a=b\n', "r.txt")
    assert pins(lf) == {}  # pip cannot split the options and rejects the line
    assert codes(lf) == ["invalid"] and lf.problems[0].column == 26


def test_editable_needs_a_path_or_url():
    lf = parse("-e requests\n", "r.txt")
    assert lf.requirements == () and codes(lf) == ["invalid"]


# --------------------------------------------------------------------------- encodings and size

TEXT = "# deps\nrequests==2.32.3\nflask>=3.0 ; python_version >= '3.9'\n"


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(TEXT.encode("utf-8"), id="utf-8"),
        pytest.param(b"\xef\xbb\xbf" + TEXT.encode("utf-8"), id="utf-8-bom"),
        pytest.param(TEXT.encode("utf-16"), id="utf-16-bom"),
        pytest.param(TEXT.replace("\n", "\r\n").encode("utf-16-le"), id="utf-16-le-no-bom-crlf"),
        pytest.param(TEXT.replace("\n", "\r\n").encode("utf-8"), id="crlf"),
        pytest.param(b"\xef\xbb\xbf" + TEXT.replace("\n", "\r\n").encode("utf-8"), id="bom-crlf"),
    ],
)
def test_encodings_and_line_ends(tmp_path, monkeypatch, data):
    monkeypatch.chdir(tmp_path)
    write(tmp_path, "requirements.txt", data)
    lf = load("requirements.txt")
    assert lf.problems == ()
    assert [(r.name, r.specifier, r.origin.line, r.origin.column) for r in lf.requirements] == [
        ("requests", "==2.32.3", 2, 1),
        ("flask", ">=3.0", 3, 1),
    ]


def test_bytes_that_are_not_utf8_are_reported_where_they_are(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write(tmp_path, "requirements.txt", b"ok==1\ncaf\xe9==2\nfine==3\n")
    lf = load("requirements.txt")
    enc = only(lf.problems, "encoding")
    assert (enc.line, enc.column) == (2, 4)
    assert {"ok", "fine"} <= set(pins(lf))


def test_pep263_coding_line_is_honoured(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write(tmp_path, "requirements.txt", "# -*- coding: latin-1 -*-\nfoo==1 # café\n".encode("latin-1"))
    lf = load("requirements.txt")
    assert lf.problems == () and pins(lf) == {"foo": "1"}


def test_a_file_of_100000_lines(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    lines = []
    for i in range(25_000):
        lines.append(f"package-{i}=={i % 50}.{i % 7}.0 \\")
        lines.append(f"    --hash=sha256:{i:064x}")
        lines.append("    # via")
        lines.append(f"    #   parent-{i % 100}")
    write(tmp_path, "requirements.txt", "\n".join(lines) + "\n")
    lf = load("requirements.txt")
    assert lf.problems == ()
    assert len(lf.packages) == 25_000
    last = lf.packages[-1]
    assert (last.name, last.origin.line, last.via) == ("package-24999", 99_997, ("parent-99",))


def test_parser_module_reads_includes_through_the_given_reader():
    files = {"sub/inc.txt": "b==2\n"}

    def read(path):
        return files[path], []

    lf = requirements_txt.parse("a==1\n-r sub/inc.txt\n", "top.txt", read=read)
    assert pins(lf) == {"a": "1", "b": "2"}


def test_unnamed_url_is_named_by_its_location_without_credentials():
    lf = parse("-e git+https://user:tok3n@example.com/r.git@main\n", "r.txt")
    (r,) = lf.requirements
    assert r.name == r.raw_name == r.source.location == "git+https://example.com/r.git@main"
    assert "tok3n" not in repr(lf)


def test_absolute_paths_stay_absolute(tmp_path):
    write(tmp_path, "requirements.txt", "a==1\n")
    lf = load(str(tmp_path / "requirements.txt"))
    assert lf.packages[0].origin.path == str(tmp_path / "requirements.txt")
