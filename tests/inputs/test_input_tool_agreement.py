"""One input locked by every real tool: lockaudit must read the same pins from each.

The files in tests/fixtures/inputs/tools were produced by
scripts/gen_input_fixtures.py from one set of nine requirements (requests,
flask, pydantic, sqlalchemy, click, python-dateutil, attrs, httpx[http2],
uvloop on non-Windows) for CPython 3.11: pip-compile (with hashes), uv pip
compile, pip lock (pylock.toml), pip freeze of an install, uv lock and uv export
(pylock.uv.toml), poetry lock, pipenv lock. URLs were rewritten to example.com.
"""

from __future__ import annotations

import pytest
from inputs.helpers import TOOLS
from packaging.markers import Marker

from lockaudit.inputs import load
from lockaudit.model import SourceKind

LOCKS = {
    "requirements.pip-compile.txt": "pip-compile",
    "requirements.uv.txt": "uv pip compile",
    "pip-freeze.txt": "pip freeze",
    "pylock.toml": "pip lock",
    "uv.lock": "uv lock",
    "pylock.uv.toml": "uv export",
    "poetry.lock": "poetry lock",
    "Pipfile.lock": "pipenv lock",
}
# The environment the non-universal tools resolved for.
LINUX_311 = {
    "python_version": "3.11",
    "python_full_version": "3.11.7",
    "sys_platform": "linux",
    "platform_system": "Linux",
    "os_name": "posix",
    "platform_machine": "x86_64",
    "implementation_name": "cpython",
    "platform_python_implementation": "CPython",
}


def installed_pins(name: str) -> set[tuple[str, str]]:
    """(name, version) of every index pin that applies on CPython 3.11 / Linux."""
    lf = load(str(TOOLS / name))
    assert lf.problems == (), [p.render() for p in lf.problems]
    return {
        (p.name, p.version)
        for p in lf.packages
        # uv.lock also lists the project itself, as a local path: not a dependency.
        if p.source.kind is SourceKind.INDEX
        # Universal locks (uv, poetry) may hold pins for other platforms; none here, but
        # the comparison is for the environment every tool was run for.
        and (p.marker is None or Marker(p.marker).evaluate(LINUX_311))
    }


@pytest.fixture(scope="module")
def reference() -> set[tuple[str, str]]:
    return installed_pins("requirements.pip-compile.txt")


def test_reference_is_the_full_resolution(reference):
    assert len(reference) == 29
    assert ("flask", "3.1.3") in reference and ("uvloop", "0.23.0") in reference


@pytest.mark.parametrize("name", [n for n in LOCKS if n != "requirements.pip-compile.txt"], ids=LOCKS.get)
def test_every_tool_locks_the_same_pins(name, reference):
    assert installed_pins(name) == reference


def test_uv_lock_reads_the_project_itself_as_the_project_not_a_pin():
    lf = load(str(TOOLS / "uv.lock"))
    assert [p.name for p in lf.packages if p.source.kind is not SourceKind.INDEX] == []
    assert "tool-agreement" not in {p.name for p in lf.packages}
    # its [package.metadata] are the nine declared ranges
    assert {(r.name, r.pep440) for r in lf.requirements} >= {("flask", ">=3.0"), ("uvloop", ">=0.19")}
    assert len(lf.requirements) == 9


@pytest.mark.parametrize("declared", ["requirements.in", "pyproject.toml", "Pipfile"])
def test_every_declared_form_reads_the_same_nine_ranges(declared):
    lf = load(str(TOOLS / declared))
    assert lf.problems == ()
    got = {(r.name, r.pep440, frozenset(r.extras)) for r in lf.requirements}
    assert got == {
        ("requests", ">=2.31", frozenset()),
        ("flask", ">=3.0", frozenset()),
        ("pydantic", ">=2.6", frozenset()),
        ("sqlalchemy", ">=2.0", frozenset()),
        ("click", ">=8.1", frozenset()),
        ("python-dateutil", ">=2.8", frozenset()),
        ("attrs", ">=23.1", frozenset()),
        ("httpx", ">=0.27", frozenset({"http2"})),
        ("uvloop", ">=0.19", frozenset()),
    }
    (uvloop,) = [r for r in lf.requirements if r.name == "uvloop"]
    assert Marker(uvloop.marker) == Marker('sys_platform != "win32"')


def test_hashes_agree_between_tools_that_record_them():
    def hashes(name):
        return {p.name: set(p.hashes) for p in load(str(TOOLS / name)).packages if p.source.kind is SourceKind.INDEX}

    compiled, uv, poetry = hashes("requirements.pip-compile.txt"), hashes("uv.lock"), hashes("poetry.lock")
    # pip-compile and poetry record every file of the pinned release; uv leaves out the
    # wheels no Python allowed by requires-python (>=3.11) can install (cp310 and older).
    assert compiled == poetry
    assert all(uv[n] <= compiled[n] for n in compiled)
    assert compiled["flask"] == uv["flask"]
    assert len(uv["uvloop"]) < len(compiled["uvloop"])
