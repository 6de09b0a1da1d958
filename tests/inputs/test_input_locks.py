"""The lock formats: poetry.lock (1.x and 2.x), uv.lock, pylock.toml, Pipfile.lock."""

from __future__ import annotations

import json

import pytest
from inputs.helpers import TOOLS, codes, only, pins

from lockaudit.inputs import load, parse
from lockaudit.model import SourceKind


def pin(lockfile, name):
    found = [p for p in lockfile.packages if p.name == name]
    assert len(found) == 1, [(p.name, p.version) for p in lockfile.packages]
    return found[0]


# --------------------------------------------------------------------------- poetry.lock


def test_poetry_lock_2(in_fixtures):
    lf = load("pyproject/poetry/poetry.lock")
    assert lf.problems == () and lf.formats == (("pyproject/poetry/poetry.lock", "poetry.lock"),)
    core = pin(lf, "billing-core")
    assert core.source.kind is SourceKind.VCS
    assert core.source.commit == "0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c"
    assert pin(lf, "company-sdk").source.index_url == "https://pkgs.example.com/simple"
    assert pin(lf, "shared-utils").source.kind is SourceKind.PATH and pin(lf, "shared-utils").source.editable
    assert pin(lf, "vendored").source.kind is SourceKind.URL
    numpy = [(p.version, p.marker) for p in lf.packages if p.name == "numpy"]
    assert numpy == [("1.26.4", 'python_version < "3.12"'), ("2.1.3", 'python_version >= "3.12"')]
    requests = pin(lf, "requests")
    assert requests.groups == ("main", "test")
    assert requests.marker == '(python_version >= "3.10") or (sys_platform != "win32")'
    assert str(requests.origin) == "pyproject/poetry/poetry.lock:71:1"


def test_poetry_lock_1_keeps_hashes_in_metadata(in_fixtures):
    lf = load("pyproject/poetry-legacy/poetry.lock")
    assert pins(lf) == {"certifi": "2024.2.2", "pytest": "7.4.4"}
    assert len(pin(lf, "certifi").hashes) == 2
    assert pin(lf, "pytest").groups == ("dev",)


def test_lock_entry_without_version_is_reported():
    lf = parse('[[package]]\nname = "a"\n\n[[package]]\nname = "b"\nversion = "1"\n', "poetry.lock")
    assert pins(lf) == {"b": "1"}
    assert only(lf.problems, "missing-field").line == 1


# --------------------------------------------------------------------------- uv.lock


def test_uv_lock_splits_one_package_by_markers():
    lf = parse((TOOLS / "uv-split" / "uv.lock").read_text(), "uv.lock")
    numpy = [(p.version, p.marker) for p in lf.packages if p.name == "numpy"]
    assert numpy == [
        ("2.0.2", "python_full_version < '3.10'"),
        ("2.2.6", "python_full_version == '3.10.*'"),
        ("2.4.6", "python_full_version == '3.11.*'"),
        ("2.5.5", "python_full_version >= '3.12'"),
    ]
    assert lf.problems == ()  # split entries are not duplicates
    # The project itself (virtual ".") is the project, not a pin; its metadata
    # says what it declared.
    assert "uv-split" not in {p.name for p in lf.packages}
    (numpy,) = lf.requirements
    assert (numpy.name, numpy.pep440, str(numpy.origin)) == ("numpy", ">=1.26", "uv.lock:301:28")


UV_PROJECT = """version = 1
revision = 3
requires-python = ">=3.10"
resolution-markers = [
    "python_full_version >= '3.11'",
    "python_full_version < '3.11'",
]

[[package]]
name = "docs-tool"
version = "8.1.3"
source = { registry = "https://example.com/simple" }
resolution-markers = [
    "python_full_version < '3.11'",
]

[[package]]
name = "docs-tool"
version = "8.2.3"
source = { registry = "https://example.com/simple" }
resolution-markers = [
    "python_full_version >= '3.11'",
]

[[package]]
name = "web-app"
version = "3.2.0.dev0"
source = { editable = "." }
dependencies = [
    { name = "blinker" },
]

[package.optional-dependencies]
async = [
    { name = "asgiref" },
]

[package.dev-dependencies]
docs = [
    { name = "docs-tool", version = "8.1.3", source = { registry = "https://example.com/simple" }, marker = "python_full_version < '3.11'" },
    { name = "docs-tool", version = "8.2.3", source = { registry = "https://example.com/simple" }, marker = "python_full_version >= '3.11'" },
]

[package.metadata]
requires-dist = [
    { name = "asgiref", marker = "extra == 'async'", specifier = ">=3.2" },
    { name = "blinker", specifier = ">=1.9.0" },
    { name = "helper", editable = "libs/helper" },
    { name = "gha-update", marker = "python_full_version >= '3.12' and extra == 'ci'" },
]
provides-extras = ["async", "ci"]

[package.metadata.requires-dev]
docs = [
    { name = "docs-tool", specifier = "<9" },
]
typing = [{ name = "mypy", extras = ["reports"], specifier = ">=1" }]

[[package]]
name = "helper"
source = { editable = "libs/helper" }
"""  # noqa: E501 (a TOML inline table stays on one line)


def test_uv_lock_keeps_every_entry_and_reads_the_project_metadata():
    lf = parse(UV_PROJECT, "uv.lock")
    assert lf.problems == ()
    assert [(p.name, p.version, p.marker) for p in lf.packages] == [
        ("docs-tool", "8.1.3", "python_full_version < '3.11'"),
        ("docs-tool", "8.2.3", "python_full_version >= '3.11'"),
        ("helper", "", None),  # a workspace member stays a (local) pin
    ]
    got = [(r.name, r.pep440, r.group, r.optional, r.marker, str(r.origin)) for r in lf.requirements]
    assert got == [
        ("asgiref", ">=3.2", "async", True, None, "uv.lock:46:15"),
        ("blinker", ">=1.9.0", None, False, None, "uv.lock:47:15"),
        ("helper", "", None, False, None, "uv.lock:48:15"),
        ("gha-update", "", "ci", True, 'python_full_version >= "3.12"', "uv.lock:49:15"),
        ("docs-tool", "<9", "docs", False, None, "uv.lock:55:15"),
        ("mypy", ">=1", "typing", False, None, "uv.lock:57:21"),
    ]
    helper = next(r for r in lf.requirements if r.name == "helper")
    assert helper.source.kind is SourceKind.PATH and helper.source.editable
    assert next(r for r in lf.requirements if r.name == "mypy").extras == frozenset({"reports"})


def test_uv_lock_keeps_one_version_from_two_indexes():
    text = """version = 1
[[package]]
name = "torch"
version = "2.5.1"
source = { registry = "https://cpu.example.com/simple" }

[[package]]
name = "torch"
version = "2.5.1"
source = { registry = "https://gpu.example.com/simple" }
"""
    lf = parse(text, "uv.lock")
    assert lf.problems == ()
    assert [p.source.index_url for p in lf.packages] == [
        "https://cpu.example.com/simple",
        "https://gpu.example.com/simple",
    ]


def test_uv_lock_read_alone_declares_the_project_metadata(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "uv.lock").write_text(UV_PROJECT)
    lf = load("uv.lock")
    assert [(i.path, i.role) for i in lf.inputs] == [("uv.lock", "both")]
    docs = next(d for d in lf.dependencies if d.name == "docs-tool")
    assert [r.pep440 for r in docs.requirements] == ["<9"]
    assert [p.version for p in docs.locked] == ["8.1.3", "8.2.3"]  # every entry, each with its markers


def test_uv_lock_beside_its_pyproject_gives_only_pins(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "uv.lock").write_text(UV_PROJECT)
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "web-app"\nversion = "1"\ndependencies = ["blinker>=1.9"]\n'
        '[dependency-groups]\ndocs = ["docs-tool<9"]\n'
    )
    lf = load(".")
    assert [(i.path, i.role) for i in lf.inputs] == [("pyproject.toml", "declared"), ("uv.lock", "locked")]
    docs = next(d for d in lf.dependencies if d.name == "docs-tool")
    assert [str(r.origin) for r in docs.requirements] == ["pyproject.toml:6:10"]
    assert [p.version for p in docs.locked] == ["8.1.3", "8.2.3"]


def test_uv_lock_sources_hashes_and_upload_times():
    lf = parse((TOOLS / "uv.lock").read_text(), "uv.lock")
    flask = pin(lf, "flask")
    assert flask.source.kind is SourceKind.INDEX and flask.source.index_url == "https://example.com/simple"
    assert flask.hashes and all(h.startswith("sha256:") for h in flask.hashes)
    assert flask.locked_at and flask.locked_at.endswith("Z")


def test_uv_lock_other_sources():
    text = """version = 1
[[package]]
name = "from-git"
version = "0.1.0"
source = { git = "https://github.com/example/from-git?rev=main#0123456789abcdef0123456789abcdef01234567" }

[[package]]
name = "member"
source = { editable = "packages/member" }

[[package]]
name = "wheel"
version = "1.0"
source = { url = "https://example.com/wheel-1.0-py3-none-any.whl" }
"""
    lf = parse(text, "uv.lock")
    assert lf.problems == ()
    assert pin(lf, "from-git").source.commit == "0123456789abcdef0123456789abcdef01234567"
    member = pin(lf, "member")
    assert member.version == "" and member.source.editable  # a dynamic version is not an error
    assert pin(lf, "wheel").source.kind is SourceKind.URL


# --------------------------------------------------------------------------- pylock.toml


def test_pylock_named_file(in_fixtures):
    lf = load("pylock/pylock.deploy.toml")
    assert lf.formats == (("pylock/pylock.deploy.toml", "pylock"),)
    assert lf.problems == ()
    attrs = pin(lf, "attrs")
    assert attrs.hashes == ("sha256:c75a69e28a550a7e93789579c22aa26b0f5b83b75dc4e08fe092980051e1090a",)
    assert attrs.locked_at == "2025-01-25T11:30:10.164985Z"
    cattrs = pin(lf, "cattrs")
    assert cattrs.marker == "python_version >= '3.11'" and len(cattrs.hashes) == 2
    assert cattrs.locked_at == "2024-09-22T14:58:34Z"
    vcs = pin(lf, "pip-tools-fork")
    assert vcs.source.kind is SourceKind.VCS and vcs.version == ""
    assert vcs.source.commit == "8c7d6e5f4a3b2c1d0e9f8a7b6c5d4e3f2a1b0c9d"
    assert pin(lf, "local-plugin").source.editable
    assert pin(lf, "vendored").source.kind is SourceKind.URL


def test_pylock_unknown_major_version():
    text = 'lock-version = "2.0"\n[[packages]]\nname = "a"\nversion = "1"\nindex = "https://example.com/simple"\n'
    lf = parse(text, "pylock.toml")
    # packaging.pylock wants files or a source for the entry: a warning, read as written
    assert codes(lf) == ["unknown-version", "pylock-invalid"] and pins(lf) == {"a": "1"}


PYODIDE_LOCK = """lock-version = "1.0"
created-by = "pip"

[[packages]]
name = "annotated-types"
version = "0.8.0"

[[packages.wheels]]
name = "annotated_types-0.8.0-py3-none-any.whl"
url = "https://files.example.com/packages/99/91/annotated_types-0.8.0-py3-none-any.whl"

[packages.wheels.hashes]
sha256 = "f072f4d804ea359e4eaf198b1af7a8b0943881a87f31bb764f8bf219bb9419e0"

[[packages]]
name = "attrs"
version = "26.1.0"

[[packages.wheels]]
name = "attrs-26.1.0-py3-none-any.whl"
url = "https://cdn.example.net/pyodide/v314.0.4/full/attrs-26.1.0-py3-none-any.whl"

[packages.wheels.hashes]
sha256 = "0000000000000000000000000000000000000000000000000000000000000001"

[[packages]]
name = "dirty-equals"
version = "0.11"

[[packages.wheels]]
name = "dirty_equals-0.11-py3-none-any.whl"
url = "https://files.example.com/packages/bb/8d/dirty_equals-0.11-py3-none-any.whl"

[packages.wheels.hashes]
sha256 = "0000000000000000000000000000000000000000000000000000000000000002"

[[packages]]
name = "local-wheel"
version = "1.0"

[[packages.wheels]]
name = "local_wheel-1.0-py3-none-any.whl"
path = "dist/local_wheel-1.0-py3-none-any.whl"

[packages.wheels.hashes]
sha256 = "0000000000000000000000000000000000000000000000000000000000000003"
"""


def test_pylock_files_from_another_host_are_not_from_the_index():
    lf = parse(PYODIDE_LOCK, "pylock.toml")
    assert lf.problems == ()
    kinds = {p.name: (p.source.kind, p.source.location) for p in lf.packages}
    assert kinds == {
        "annotated-types": (SourceKind.INDEX, None),
        "attrs": (SourceKind.URL, "https://cdn.example.net/pyodide/v314.0.4/full/attrs-26.1.0-py3-none-any.whl"),
        "dirty-equals": (SourceKind.INDEX, None),
        "local-wheel": (SourceKind.PATH, "dist/local_wheel-1.0-py3-none-any.whl"),
    }


def test_pylock_entries_that_name_an_index_decide_the_index_host():
    text = PYODIDE_LOCK.replace(
        'version = "26.1.0"\n', 'version = "26.1.0"\nindex = "https://cdn.example.net/pyodide/simple"\n'
    )
    lf = parse(text, "pylock.toml")
    kinds = {p.name: p.source.kind for p in lf.packages}
    assert kinds["attrs"] is SourceKind.INDEX
    assert (
        next(p for p in lf.packages if p.name == "attrs").source.index_url == "https://cdn.example.net/pyodide/simple"
    )
    # the others' files are on a host no index entry uses
    assert kinds["annotated-types"] is SourceKind.URL and kinds["dirty-equals"] is SourceKind.URL


def test_pylock_deviations_from_pep_751_are_warnings():
    text = """lock-version = "1.0"
created-by = "pipenv"

[[packages]]
name = "jaraco.classes"
version = "3.4.0"
index = "https://example.com/simple/"
wheels = [{name = "jaraco.classes-3.4.0-py3-none-any.whl", url = "https://example.com/simple/jaraco-classes/jaraco.classes-3.4.0-py3-none-any.whl", upload-time = "2024-03-31T07:27:34Z", hashes = {sha256 = "f662826b6bed8cace05e7ff873ce0f9283b5c924470fe664fff1c2f00f581649"}}]
"""  # noqa: E501 (a TOML inline table stays on one line)
    lf = parse(text, "pylock.toml")
    (p,) = lf.problems
    assert (p.severity, p.code, p.line) == ("warning", "pylock-invalid", 5)
    assert "not normalized" in p.message
    assert pins(lf) == {"jaraco-classes": "3.4.0"}


# --------------------------------------------------------------------------- Pipfile.lock


def test_pipfile_lock(in_fixtures):
    lf = load("pipfile/Pipfile.lock")
    assert lf.problems == ()
    requests = pin(lf, "requests")  # in default and develop: one pin, both groups
    assert requests.groups == ("default", "develop")
    assert str(requests.origin) == "pipfile/Pipfile.lock:63:9"  # where it is first locked
    assert pin(lf, "company-sdk").source.index_url == "http://pkgs.internal.example.com/simple"
    core = pin(lf, "billing-core")
    assert core.source.kind is SourceKind.VCS and core.source.editable and core.version == ""
    assert pin(lf, "sphinx").groups == ("docs",)
    assert pin(lf, "django").marker == "python_version >= '3.8'"


PIPENV_OWN_LOCK = """{
    "_meta": {
        "hash": {"sha256": "8f2c"},
        "pipfile-spec": 6,
        "requires": {},
        "sources": [{"name": "pypi", "url": "https://example.com/simple", "verify_ssl": true}]
    },
    "default": {
        "exceptiongroup": {
            "hashes": ["sha256:1111111111111111111111111111111111111111111111111111111111111111"],
            "index": "pypi",
            "markers": "python_version < '3.11'",
            "version": "==1.1.0"
        },
        "pytz": {"hashes": [], "index": "pypi", "version": "==2026.1.post1"}
    },
    "develop": {
        "atomicwrites": {
            "markers": "sys_platform == 'win32'",
            "version": "*"
        },
        "exceptiongroup": {
            "hashes": ["sha256:2222222222222222222222222222222222222222222222222222222222222222"],
            "index": "pypi",
            "markers": "python_version < '3.11'",
            "version": "==1.2.2"
        },
        "pytz": {"hashes": [], "index": "pypi", "version": "==2026.1.post1"}
    }
}
"""


def test_pipfile_lock_keeps_each_category_version():
    lf = parse(PIPENV_OWN_LOCK, "Pipfile.lock")
    assert lf.problems == ()
    got = [(p.name, p.version, p.groups, p.origin.line) for p in lf.packages]
    assert got == [
        # default and develop resolved apart: both versions kept, each with its category
        ("exceptiongroup", "1.1.0", ("default",), 9),
        ("pytz", "2026.1.post1", ("default", "develop"), 15),  # the same pin: one, both categories
        ("atomicwrites", "", ("develop",), 18),  # "*": pipenv did not resolve it here; no pin
        ("exceptiongroup", "1.2.2", ("develop",), 22),
    ]


def test_pipfile_lock_categories_meet_the_pipfile_groups(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "Pipfile").write_text(
        '[dev-packages]\nexceptiongroup = "==1.2.2"\natomicwrites = {version = "*", sys_platform = "== \'win32\'"}\n'
        '[packages]\npytz = "*"\n'
    )
    (tmp_path / "Pipfile.lock").write_text(PIPENV_OWN_LOCK)
    lf = load(".")
    (eg,) = [d for d in lf.dependencies if d.name == "exceptiongroup"]
    assert [r.group for r in eg.requirements] == ["develop"]
    # both pins kept; the develop one first, as the requirement is a dev-package
    assert [(p.version, p.groups) for p in eg.locked] == [("1.2.2", ("develop",)), ("1.1.0", ("default",))]
    (aw,) = [d for d in lf.dependencies if d.name == "atomicwrites"]
    assert [p.version for p in aw.locked] == [""]


def test_json_syntax_error_names_file_and_line():
    text = json.dumps({"_meta": {}, "default": {"a": {"version": "==1"}}}, indent=4).replace('"==1"', '"==1",')
    lf = parse(text, "Pipfile.lock")
    p = only(lf.problems, "json-syntax")
    assert (p.path, p.line) == ("Pipfile.lock", 6)
    assert p.text is not None and p.column is not None


@pytest.mark.parametrize(
    "name, text",
    [
        ("poetry.lock", "[[package]\nname = 'x'\n"),
        ("uv.lock", "version = 1\n[[package]]\nname = \n"),
        ("pylock.toml", "lock-version = '1.0'\n[[packages]]\nname = 'a' version = '1'\n"),
        ("Pipfile", "[packages]\nrequests = *\n"),
    ],
)
def test_toml_errors_in_every_toml_format(name, text):
    lf = parse(text, name)
    (p,) = lf.problems
    assert p.code == "toml-syntax" and p.path == name and p.line is not None
