"""The entry point: detection, pairing ranges with locks, directory discovery."""

from __future__ import annotations

import pytest
from inputs.helpers import CORPUS, FIXTURES, TOOLS, codes, pins, write

from lockaudit.errors import InputError
from lockaudit.inputs import FORMATS, detect_format, discover, load, load_texts, parse
from lockaudit.inputs.detect import format_from_content, is_candidate
from lockaudit.model import InputProblem, SourceKind

# --------------------------------------------------------------------------- detection


@pytest.mark.parametrize(
    "path, fmt",
    [
        ("requirements.txt", "requirements"),
        ("requirements/dev.in", "requirements"),
        ("constraints.txt", "requirements"),
        ("requirements-dev.lock", "requirements"),
        ("pyproject.toml", "pyproject"),
        ("sub/poetry.lock", "poetry.lock"),
        ("uv.lock", "uv.lock"),
        ("Pipfile", "pipfile"),
        ("Pipfile.lock", "pipfile.lock"),
        ("pylock.toml", "pylock"),
        ("pylock.dev.toml", "pylock"),
    ],
)
def test_detect_by_name(path, fmt):
    assert detect_format(path) == fmt


@pytest.mark.parametrize(
    "fixture, fmt",
    [
        ("tools/uv.lock", "uv.lock"),
        ("tools/poetry.lock", "poetry.lock"),
        ("tools/pylock.toml", "pylock"),
        ("tools/Pipfile.lock", "pipfile.lock"),
        ("tools/Pipfile", "pipfile"),
        ("tools/pyproject.toml", "pyproject"),
        ("tools/pip-freeze.txt", "pip-freeze"),
        ("tools/requirements.pip-compile.txt", "requirements"),
    ],
)
def test_detect_by_content_when_the_name_says_nothing(fixture, fmt):
    assert format_from_content((FIXTURES / fixture).read_text()) == fmt
    assert detect_format("renamed.lockfile", (FIXTURES / fixture).read_text()) == fmt


def test_freeze_is_told_from_a_compiled_file():
    assert detect_format("x.txt", (TOOLS / "pip-freeze.txt").read_text()) == "pip-freeze"
    assert detect_format("x.txt", (TOOLS / "requirements.uv.txt").read_text()) == "requirements"
    assert detect_format("x.in", (TOOLS / "pip-freeze.txt").read_text()) == "requirements"


def test_discovery_reads_only_dependency_file_names():
    assert is_candidate("requirements/base.txt") and is_candidate("dev-requirements.txt")
    assert is_candidate("app/requirements_test.in") and is_candidate("pylock.ci.toml")
    assert not is_candidate("docs/notes.txt") and not is_candidate("CMakeLists.txt")
    assert not is_candidate("yarn.lock") and not is_candidate("setup.cfg")


def test_format_can_be_forced(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write(tmp_path, "deps.list", "flask>=3\n")
    write(tmp_path, "locked.data", (TOOLS / "uv.lock").read_text())
    assert load("deps.list", format="requirements").formats == (("deps.list", "requirements"),)
    assert load("locked.data").formats == (("locked.data", "uv.lock"),)  # sniffed
    assert load("locked.data", format="uv-lock").formats == (("locked.data", "uv.lock"),)  # an alias


def test_unknown_format_name_raises():
    with pytest.raises(InputError, match="unknown input format 'yaml'"):
        load("x", format="yaml")
    assert "pylock" in FORMATS


# --------------------------------------------------------------------------- pairing


def test_corpus_lock_pairs_with_its_declared_ranges():
    lf = load([CORPUS / "app-requirements.in", CORPUS / "app-requirements.lock.txt"])
    assert lf.problems == ()
    assert len(lf.requirements) == 60 and len(lf.packages) == 268
    roles = {i.path.rsplit("/", 1)[1]: i.role for i in lf.inputs}
    assert roles == {"app-requirements.in": "declared", "app-requirements.lock.txt": "locked"}
    assert len(lf.dependencies) == 268
    declared = [d for d in lf.dependencies if d.requirements]
    assert len(declared) == 60 and all(len(d.locked) == 1 for d in declared)
    fastapi = next(d for d in lf.dependencies if d.name == "fastapi")
    assert fastapi.requirements[0].extras == frozenset({"standard"})
    assert fastapi.locked[0].via == ("-r app-requirements.in",)


def test_directory_pairs_the_corpus_by_stem(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for name in ("app-requirements.in", "app-requirements.lock.txt"):
        write(tmp_path, f"corpus/{name}", (CORPUS / name).read_text())
    lf = load("corpus")
    assert [(i.path, i.role) for i in lf.inputs] == [
        ("corpus/app-requirements.in", "declared"),
        ("corpus/app-requirements.lock.txt", "locked"),
    ]


def test_lone_pinned_file_is_both_ranges_and_pins(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write(tmp_path, "requirements.txt", "flask==3.1.3\nrequests>=2.31\n")
    lf = load("requirements.txt")
    assert lf.inputs[0].role == "both"
    (flask,) = [d for d in lf.dependencies if d.name == "flask"]
    assert flask.requirements[0].specifier == "==3.1.3" and flask.locked[0].version == "3.1.3"
    (requests,) = [d for d in lf.dependencies if d.name == "requests"]
    assert requests.locked == ()


def test_a_paired_lock_gives_pins_and_keeps_its_other_lines(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write(tmp_path, "requirements.in", "Flask>=3\n-e ./local\n")
    write(tmp_path, "requirements.txt", "flask==3.1.3\n    # via -r requirements.in\n-e ./local\n")
    lf = load(["requirements.in", "requirements.txt"])
    flask = next(d for d in lf.dependencies if d.name == "flask")
    assert [r.specifier for r in flask.requirements] == [">=3"]  # the pin is a pin, not a range
    assert [(p.version, p.via) for p in flask.locked] == [("3.1.3", ("-r requirements.in",))]
    local = [r for r in lf.requirements if r.source.kind is SourceKind.PATH]
    assert [str(r.origin) for r in local] == ["requirements.in:2:4", "requirements.txt:3:4"]


def test_pyproject_with_each_lock(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write(tmp_path, "pyproject.toml", (TOOLS / "pyproject.toml").read_text())
    for lock in ("uv.lock", "poetry.lock", "pylock.toml"):
        write(tmp_path, lock, (TOOLS / lock).read_text())
    lf = load(".")
    assert {i.path: (i.role, i.project) for i in lf.inputs} == {
        "pyproject.toml": ("declared", "pyproject.toml"),
        "poetry.lock": ("locked", "pyproject.toml"),
        "uv.lock": ("locked", "pyproject.toml"),
        # pip lock records nothing of what it was made from: no evidence, read alone
        "pylock.toml": ("locked", "pylock.toml"),
    }
    reasons = {i.path: i.reason for i in lf.inputs}
    assert "root package 'tool-agreement'" in reasons["uv.lock"]
    assert "Poetry" in reasons["poetry.lock"]
    assert reasons["pylock.toml"].startswith("created by pip, which does not record")
    flask = [d for d in lf.dependencies if d.name == "flask"]
    assert [(d.project, [r.specifier for r in d.requirements]) for d in flask] == [
        ("pyproject.toml", [">=3.0"]),
        ("pylock.toml", []),
    ]
    assert sorted(p.origin.path for d in flask for p in d.locked) == ["poetry.lock", "pylock.toml", "uv.lock"]
    assert {p.version for d in flask for p in d.locked} == {"3.1.3"}


def test_pyproject_pairs_with_compiled_requirements_when_no_lock(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write(tmp_path, "pyproject.toml", '[project]\nname = "x"\nversion = "1"\ndependencies = ["flask>=3"]\n')
    write(tmp_path, "requirements.txt", "flask==3.1.3\n    # via x (pyproject.toml)\n")
    lf = load(".")
    (flask,) = lf.dependencies
    assert flask.requirements[0].origin.path == "pyproject.toml" and flask.locked[0].version == "3.1.3"


def test_pipfile_pairs_with_its_lock(in_fixtures):
    lf = load("pipfile")
    assert [i.role for i in lf.inputs] == ["declared", "locked"]
    requests = next(d for d in lf.dependencies if d.name == "requests")
    assert [r.group for r in requests.requirements] == ["default", "develop"]
    assert [p.version for p in requests.locked] == ["2.32.3"]
    sqlparse = next(d for d in lf.dependencies if d.name == "sqlparse")
    assert sqlparse.requirements == () and sqlparse.locked[0].version == "0.5.1"


def test_monorepo_discovery_groups_by_directory(in_fixtures):
    lf = load("monorepo")
    projects = {}
    for i in lf.inputs:
        if not i.included_by:
            projects.setdefault(i.project, []).append((i.path.removeprefix("monorepo/"), i.role))
    assert projects == {
        "monorepo/libs/legacy/Pipfile": [("libs/legacy/Pipfile", "declared"), ("libs/legacy/Pipfile.lock", "locked")],
        "monorepo/services/api/pyproject.toml": [
            ("services/api/pyproject.toml", "declared"),
            ("services/api/uv.lock", "locked"),
        ],
        "monorepo/services/worker/requirements/base.in": [
            ("services/worker/requirements/base.in", "declared"),
            ("services/worker/requirements/base.txt", "locked"),
        ],
        "monorepo/services/worker/requirements/dev.in": [
            ("services/worker/requirements/dev.in", "declared"),
            ("services/worker/requirements/dev.txt", "locked"),
        ],
        # requirements-shared-pins.txt is read through its includer, not twice
        "monorepo/tools/requirements-dev.txt": [("tools/requirements-dev.txt", "both")],
    }
    assert not any(skipped in f for f in lf.files for skipped in ("venv", ".tox", "node_modules", "notes", "CMake"))
    assert lf.problems == ()


def test_same_package_in_two_projects_stays_apart(in_fixtures):
    lf = load("monorepo")
    celery = [
        (d.project.rsplit("/", 1)[1], [p.version for p in d.locked]) for d in lf.dependencies if d.name == "celery"
    ]
    assert celery == [("base.in", ["5.4.0"]), ("dev.in", ["5.4.0"])]
    dev = next(d for d in lf.dependencies if d.name == "celery" and d.project.endswith("dev.in"))
    assert sorted((r.specifier, r.constraint) for r in dev.requirements) == [("==5.4.0", True), (">=5.3", False)]


def test_missing_paths_and_empty_directories_are_problems(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "empty").mkdir()
    write(tmp_path, "requirements.txt", "a==1\n")
    lf = load(["nope.txt", "empty", "requirements.txt"])
    assert codes(lf) == ["missing-file", "no-input"]
    assert pins(lf) == {"a": "1"}
    projects, problems = discover(["nope.txt"])
    assert projects == [] and [p.code for p in problems] == ["missing-file"]


def test_load_texts_pairs_uploaded_contents_and_never_reads_disk():
    lf = load_texts(
        {
            "svc/requirements.in": "flask>=3\n-r ../shared/base.in\n",
            "svc/requirements.txt": b"\xef\xbb\xbfflask==3.1.3\r\nitsdangerous==2.2.0\r\n",
        }
    )
    assert [i.role for i in lf.inputs if not i.included_by] == ["declared", "locked"]
    assert pins(lf) == {"flask": "3.1.3", "itsdangerous": "2.2.0"}
    assert codes(lf) == ["missing-include"]


def test_parse_reads_one_file_alone():
    lf = parse("flask==3.1.3\n", "requirements.txt")
    assert len(lf.requirements) == 1 and len(lf.packages) == 1
    assert lf.dependencies == ()  # pairing is load()'s job


def test_problems_render_with_tabs_aligned():
    p = InputProblem("r.txt", 1, "bad", column=3, text="\tx bad", width=3)
    assert p.render().splitlines()[2] == "    \t ^^^"
