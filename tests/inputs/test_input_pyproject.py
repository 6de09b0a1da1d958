"""pyproject.toml: PEP 621, PEP 735 groups, Poetry's dialect, uv sources; Pipfile."""

from __future__ import annotations

import pytest
from inputs.helpers import codes, only

from lockaudit.inputs import load, parse
from lockaudit.inputs.pyproject import python_marker
from lockaudit.model import SourceKind


def req(lockfile, name, **where):
    found = [r for r in lockfile.requirements if r.name == name and all(getattr(r, k) == v for k, v in where.items())]
    assert len(found) == 1, (name, [(r.name, r.group, r.marker) for r in lockfile.requirements])
    return found[0]


# --------------------------------------------------------------------------- PEP 621 / PEP 735


@pytest.fixture
def pep621(in_fixtures):
    return load("pyproject/pep621/pyproject.toml")


def test_pep621_reads_dependencies_and_extras(pep621):
    assert pep621.problems == ()
    main = [r.name for r in pep621.requirements if r.group is None]
    assert main == ["fastapi", "sqlalchemy", "pydantic-settings", "httpx", "internal-auth", "shared-models"]
    fastapi = req(pep621, "fastapi")
    assert (fastapi.specifier, fastapi.pep440, fastapi.extras) == (">=0.110,<1", "<1,>=0.110", frozenset({"standard"}))
    assert str(fastapi.origin) == "pyproject/pep621/pyproject.toml:16:6"
    assert req(pep621, "pydantic-settings").marker == 'python_version >= "3.10"'
    psycopg = req(pep621, "psycopg")
    assert (psycopg.group, psycopg.optional, psycopg.origin.line, psycopg.origin.column) == ("postgres", True, 25, 31)


def test_multiline_strings_that_look_like_tables_do_not_confuse_positions(pep621):
    # The readme holds "[not.a.header]" and a fake "dependencies = [...]".
    assert "not-a-dependency" not in [r.name for r in pep621.requirements]
    assert req(pep621, "httpx").origin.line == 19


def test_dependency_groups_and_include_group(pep621):
    groups = {}
    for r in pep621.requirements:
        groups.setdefault(r.group, []).append(r.name)
    assert groups["test"] == ["pytest", "pytest-asyncio", "respx"]
    assert groups["lint"] == ["ruff", "mypy"]
    assert groups["dev"] == ["ipython"]
    assert pep621.group_includes == (("dev", "test"), ("dev", "lint"))


def test_included_groups_follow_pep_735_includes():
    from lockaudit.inputs.groups import included_groups

    edges = [("dev", "test"), ("dev", "Lint"), ("lint", "typing"), ("docs", "nowhere")]
    assert included_groups(edges, ["dev"]) == {"dev", "test", "lint", "typing"}
    assert included_groups(edges, ["Lint"]) == {"lint", "typing"}
    known = ["dev", "test", "lint", "typing", "docs"]
    assert included_groups(edges, ["docs"], known) == {"docs"}  # an unknown include is reported by the reader
    assert included_groups([("a", "b"), ("b", "a")], ["a"]) == {"a"}  # a cycle: the group alone
    assert included_groups([], ["test"]) == {"test"}


def test_uv_sources_mark_requirements_not_from_the_index(pep621):
    assert req(pep621, "internal-auth").source.index_url == "https://pkgs.example.com/simple"
    assert req(pep621, "internal-auth").source.kind is SourceKind.INDEX
    assert req(pep621, "shared-models").source.kind is SourceKind.PATH
    respx = req(pep621, "respx")
    assert respx.source.kind is SourceKind.VCS and respx.source.location.endswith("@0.21.1")
    assert pep621.index.named == (("private", "https://pkgs.example.com/simple"),)


def test_bad_pyproject_reports_every_problem_and_keeps_the_rest(in_fixtures):
    lf = load("pyproject/bad/pyproject.toml")
    assert [r.name for r in lf.requirements] == ["requests", "click", "pytest", "ruff"]
    assert [(p.line, p.column, p.code) for p in lf.problems] == [
        (6, 19, "invalid-requirement"),
        (7, 20, "invalid-requirement"),
        (12, 1, "invalid-type"),
        (15, 26, "unknown-group"),
        (17, 24, "include-cycle"),  # at the include that closes the cycle (packaging finds it)
        (21, 10, "invalid-range"),
        (22, 1, "invalid-type"),
    ]
    assert lf.problems[0].render().splitlines()[1:] == ['        "flask >= 3.0 werkzeug",', " " * 22 + "^^^^^^^^"]
    assert "'b' includes 'a', which includes 'b' again" in only(lf.problems, "include-cycle").message


def test_toml_syntax_error_names_file_and_line(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\ndependencies = ["a",\n  "b"\n[tool]\n')
    lf = load("pyproject.toml")
    p = only(lf.problems, "toml-syntax")
    assert (p.path, p.line) == ("pyproject.toml", 5)
    assert p.column is not None and p.text == "[tool]"
    assert lf.requirements == ()


def test_pyproject_with_no_dependencies_is_fine():
    lf = parse("[tool.black]\nline-length = 100\n", "pyproject.toml")
    assert lf.requirements == () and lf.problems == ()


# --------------------------------------------------------------------------- Poetry


@pytest.fixture
def poetry(in_fixtures):
    return load("pyproject/poetry/pyproject.toml")


def test_poetry_ranges_are_translated(poetry):
    assert poetry.problems == ()
    got = {r.name: (r.specifier, r.pep440) for r in poetry.requirements if r.name != "numpy"}
    assert got["requests"] == ("^2.31", ">=2.31,<3.0")
    assert got["celery"] == ("~5.4", ">=5.4,<5.5")
    assert got["pendulum"] == ("3.*", "==3.*")
    assert got["boto3"] == (">=1.34,<2.0", ">=1.34,<2.0")
    assert got["legacy-client"] == ("1.2.3 || ^2.0", "==1.2.3 || >=2.0,<3.0")
    assert got["attrs"] == ("*", "")
    assert all(r.dialect == "poetry" for r in poetry.requirements)
    assert "python" not in got


def test_poetry_tables_give_markers_extras_and_flags(poetry):
    assert req(poetry, "celery").extras == frozenset({"redis"})
    assert req(poetry, "uvloop").marker == 'sys_platform != "win32"'
    assert req(poetry, "pywin32").marker == 'sys_platform == "win32"'
    assert req(poetry, "tomli").marker == 'python_version < "3.11"'
    assert req(poetry, "orjson").optional
    assert req(poetry, "company-sdk").source.index_url == "https://pkgs.example.com/simple/"


def test_poetry_multiple_constraints(poetry):
    numpy = [(r.pep440, r.marker) for r in poetry.requirements if r.name == "numpy"]
    assert numpy == [(">=1.26,<2.0", 'python_version < "3.12"'), (">=2.0,<3.0", 'python_version >= "3.12"')]


def test_poetry_sources_and_groups(poetry):
    assert req(poetry, "billing-core").source.kind is SourceKind.VCS
    shared = req(poetry, "shared-utils").source
    assert shared.kind is SourceKind.PATH and shared.editable
    assert req(poetry, "vendored").source.kind is SourceKind.URL
    assert req(poetry, "black").group == "dev"
    assert req(poetry, "pytest").group == "test" and not req(poetry, "pytest").optional
    assert req(poetry, "sphinx").group == "docs" and req(poetry, "sphinx").optional
    assert str(req(poetry, "sphinx").origin) == "pyproject/poetry/pyproject.toml:43:1"


@pytest.mark.parametrize(
    "constraint, marker",
    [
        ("^3.10", 'python_version >= "3.10" and python_version < "4.0"'),
        (">=3.8.1", 'python_full_version >= "3.8.1"'),
        (
            "~3.11 || ~3.12",
            '(python_version >= "3.11" and python_version < "3.12") or '
            '(python_version >= "3.12" and python_version < "3.13")',
        ),
        ("*", None),
    ],
)
def test_python_constraint_as_marker(constraint, marker):
    assert python_marker(constraint) == marker


def test_duplicate_keys_in_one_poetry_table_warn():
    text = '[tool.poetry.dependencies]\nDjango = "^4.2"\ndjango = "^4.2"\n'
    lf = parse(text, "pyproject.toml")
    assert codes(lf) == ["duplicate"] and lf.problems[0].line == 3


# --------------------------------------------------------------------------- Pipfile


@pytest.fixture
def pipfile(in_fixtures):
    return load("pipfile/Pipfile")


def test_pipfile_categories_and_specs(pipfile):
    assert pipfile.problems == ()
    by_group = {}
    for r in pipfile.requirements:
        by_group.setdefault(r.group, []).append(r.name)
    assert by_group == {
        "default": [
            "django",
            "requests",
            "flask-login",
            "gunicorn",
            "pywin32",
            "company-sdk",
            "billing-core",
            "shared-utils",
        ],
        "develop": ["pytest", "pytest-django", "requests"],
        "docs": ["sphinx"],
    }
    assert req(pipfile, "flask-login").specifier == ""
    assert req(pipfile, "requests", group="default").extras == frozenset({"socks"})
    assert req(pipfile, "gunicorn").marker == 'sys_platform != "win32"'
    assert req(pipfile, "pywin32").marker == 'sys_platform == "win32"'
    assert req(pipfile, "company-sdk").source.index_url == "http://pkgs.internal.example.com/simple"
    assert req(pipfile, "billing-core").source.kind is SourceKind.VCS
    assert req(pipfile, "shared-utils").source.editable
    assert str(req(pipfile, "django").origin) == "pipfile/Pipfile:12:1"


def test_pipfile_sources_become_index_options(pipfile):
    idx = pipfile.index
    assert idx.index_url == "https://example.com/simple"
    assert idx.extra_index_urls == ("http://pkgs.internal.example.com/simple",)
    assert idx.trusted_hosts == ("pkgs.internal.example.com",)
    assert idx.pre


def test_pipfile_bad_version_points_at_the_value():
    lf = parse('[packages]\nrequests = ">=2.31 beta"\nflask = ">=3"\n', "Pipfile")
    assert [r.name for r in lf.requirements] == ["flask"]
    (p,) = lf.problems
    assert (p.line, p.code) == (2, "invalid-requirement") and p.column >= 12


@pytest.mark.parametrize(
    ("written", "pep440"),
    [("3.*", "==3.*"), ("26.1.*", "==26.1.*"), ("2.23.0", "==2.23.0"), ("==4.*", "==4.*"), (">=2.7.0", ">=2.7.0")],
)
def test_pipfile_version_without_operator_means_equal(written, pep440):
    # pipenv puts "==" in front of a version that starts with no operator.
    text = f'[dev-packages]\nwaitress = {{version = "{written}", sys_platform = "== \'win32\'"}}\n'
    lf = parse(text, "Pipfile")
    assert lf.problems == ()
    (req,) = lf.requirements
    assert (req.specifier, req.pep440, req.group) == (pep440, pep440, "develop")


def test_the_project_referring_to_itself_is_not_a_dependency():
    from lockaudit.inputs import parse

    text = """
[project]
name = "My_Tool"
dependencies = ["requests>=2"]

[project.optional-dependencies]
service = ["fastapi>=0.100"]
test = ["pytest>=8", "my-tool[service]"]

[dependency-groups]
dev = ["my.tool[test]", "ruff"]
"""
    result = parse(text, "pyproject.toml")
    assert {r.name for r in result.requirements} == {"requests", "fastapi", "pytest", "ruff"}
    assert not result.problems
