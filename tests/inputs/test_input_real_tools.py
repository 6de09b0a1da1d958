"""Every lock format as the real tools write it today: lockaudit reads exactly their pins.

uv (lock, export to requirements and pylock, pip compile to requirements and
pylock), pip-compile (pip-tools), Poetry and pipenv run here for real, against
a synthetic index served on 127.0.0.1 (they talk to nothing else). The project
they lock has packages that split by Python version, so universal locks hold
several entries of one name; lockaudit must read every (name, version) entry
each tool wrote, as an independent reading of the file (TOML, JSON, or pip's
own requirements parser) finds them, and pair each output with its input.

uv comes with the bench extra; pip-tools, Poetry and pipenv are installed by
``make tools`` into .venv-tools (``make test`` does it). Without them these
tests skip, except under ``LOCKAUDIT_REQUIRE_TOOLS=1`` (``make test``), where
a missing tool fails.
"""

from __future__ import annotations

import json
import shutil
import tomllib
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from packaging.utils import canonicalize_name
from pip._internal.network.session import PipSession
from pip._internal.req.req_file import parse_requirements
from resolve.conftest import build_index

from lockaudit.inputs import load, parse
from support.index_server import IndexServer
from support.locking_tools import TOOLS_BIN, run, tool, tools_env

# Versions split by Python: a universal lock keeps webapp-core, helper and numlib twice.
SPEC = {
    "projects": {
        "webapp-core": {
            "1.0": {"requires": ["helper>=1"]},
            "2.0": {"requires": ["helper>=2", "Tiny_Util>=1"], "requires-python": ">=3.10"},
        },
        "helper": {"1.0": {}, "2.0": {}, "2.1": {"requires-python": ">=3.11"}},
        "tiny-util": {"0.9": {}, "1.0": {}},
        "win-only": {"1.0": {}},
        "devtool": {"3.0": {"requires": ["helper"]}},
        "numlib": {"1.26.4": {}, "2.2.6": {"requires-python": ">=3.10"}},
        "dotted-name": {"1.0": {}},
    }
}

REQUIREMENTS_IN = """\
webapp-core>=1
numlib<2; python_version < "3.10"
numlib>=2; python_version >= "3.10"
win-only; sys_platform == "win32"
Dotted.Name
"""

PYPROJECT = """\
[project]
name = "Tool_Agreement"
version = "0.1.0"
requires-python = ">=3.9"
dependencies = [
    "webapp-core>=1",
    "numlib<2; python_version < '3.10'",
    "numlib>=2; python_version >= '3.10'",
    "win-only; sys_platform == 'win32'",
    "Dotted.Name",
]

[dependency-groups]
dev = ["devtool>=3", {include-group = "test"}]
test = ["tiny-util>=0.9"]
"""

POETRY_EXTRA = """
[tool.poetry]
package-mode = false

[tool.poetry.group.dev.dependencies]
devtool = ">=3"

[[tool.poetry.source]]
name = "local"
url = "{url}"
priority = "primary"
"""

PIPFILE = """\
[[source]]
url = "{url}"
verify_ssl = false
name = "local"

[packages]
webapp-core = ">=1"
numlib = {{version = "*", markers = "python_version >= '3.10'"}}
win-only = {{version = "*", sys_platform = "== 'win32'"}}
"Dotted.Name" = "*"

[dev-packages]
devtool = ">=3"

[pipenv]
use_pylock = true
"""


@pytest.fixture(scope="module")
def index() -> Iterator[IndexServer]:
    with build_index(SPEC).server() as server:
        yield server


@pytest.fixture
def env(index: IndexServer, tmp_path: Path) -> dict[str, str]:
    """The tools' environment, with the local index as uv's default."""
    return tools_env(tmp_path, UV_DEFAULT_INDEX=index.url)


# --------------------------------------------------------------------------- independent readings


def pins_by_pip(path: Path) -> Counter:
    """(name, version) of every ``==`` line, as pip's own parser reads the file."""
    out: Counter = Counter()
    for parsed in parse_requirements(str(path), session=PipSession()):
        text = parsed.requirement.split(";", 1)[0]
        name, sep, version = text.partition("==")
        assert sep, f"not a pin: {parsed.requirement}"
        out[(canonicalize_name(name.split("[", 1)[0].strip()), version.strip())] += 1
    return out


def pins_by_toml(path: Path, table: str) -> Counter:
    """(name, version) of every entry of a TOML lock but the project itself."""
    doc = tomllib.loads(path.read_text())
    out: Counter = Counter()
    for entry in doc[table]:
        source = entry.get("source", {})
        if source.get("editable") == "." or source.get("virtual") == "." or "directory" in entry:
            continue
        out[(canonicalize_name(entry["name"]), entry.get("version", ""))] += 1
    return out


def pins_by_json(path: Path) -> Counter:
    """(name, version, category) of every Pipfile.lock entry ("*" is no version)."""
    doc = json.loads(path.read_text())
    out: Counter = Counter()
    for category, entries in doc.items():
        if category == "_meta":
            continue
        for name, entry in entries.items():
            version = entry.get("version", "").removeprefix("==")
            out[(canonicalize_name(name), "" if version == "*" else version, category)] += 1
    return out


def pins_by_lockaudit(path: Path, *, groups: bool = False) -> Counter:
    lf = parse(path.read_text(), str(path))
    assert [p.render() for p in lf.problems if p.severity == "error"] == []
    if groups:
        return Counter((p.name, p.version, g) for p in lf.packages for g in p.groups)
    return Counter((p.name, p.version) for p in lf.packages)


def multi(counter: Counter) -> set[str]:
    """Names that appear with more than one version."""
    versions: dict[str, set[str]] = {}
    for key in counter:
        versions.setdefault(key[0], set()).add(key[1])
    return {name for name, v in versions.items() if len(v) > 1}


def roles(directory: Path) -> dict[str, tuple[str, str]]:
    lf = load(str(directory))
    return {Path(i.path).name: (i.role, Path(i.project).name) for i in lf.inputs if not i.included_by}


# --------------------------------------------------------------------------- the tools


def test_uv_lock_and_its_exports(env, tmp_path):
    uv = tool("uv")
    (tmp_path / "pyproject.toml").write_text(PYPROJECT)
    run([uv, "lock", "-q"], tmp_path, env)
    run([uv, "export", "--format", "requirements-txt", "--all-groups", "-q", "-o", "requirements.txt"], tmp_path, env)
    run([uv, "export", "--format", "pylock.toml", "--all-groups", "-q", "-o", "pylock.toml"], tmp_path, env)

    written = pins_by_toml(tmp_path / "uv.lock", "package")
    assert pins_by_lockaudit(tmp_path / "uv.lock") == written
    assert {"webapp-core", "helper", "numlib"} <= multi(written)  # every entry of a split package

    exported = pins_by_pip(tmp_path / "requirements.txt")
    assert pins_by_lockaudit(tmp_path / "requirements.txt") == exported
    assert pins_by_lockaudit(tmp_path / "pylock.toml") == pins_by_toml(tmp_path / "pylock.toml", "packages")
    assert exported == written  # uv's three files agree, and lockaudit reads each the same

    # the project itself is the project: its metadata are ranges, it is no pin
    lf = parse((tmp_path / "uv.lock").read_text(), "uv.lock")
    assert "tool-agreement" not in {p.name for p in lf.packages}
    assert {r.name for r in lf.requirements} >= {"webapp-core", "numlib", "dotted-name", "devtool"}
    assert roles(tmp_path) == {
        "pyproject.toml": ("declared", "pyproject.toml"),
        "uv.lock": ("locked", "pyproject.toml"),
        "requirements.txt": ("locked", "pyproject.toml"),  # its header: `uv export` of the project
        "pylock.toml": ("locked", "pyproject.toml"),
    }


def test_uv_pip_compile_to_requirements_and_pylock(env, tmp_path):
    uv = tool("uv")
    (tmp_path / "requirements.in").write_text(REQUIREMENTS_IN)
    base = [uv, "pip", "compile", "requirements.in", "--universal", "--python-version", "3.9", "-q"]
    run([*base, "--generate-hashes", "-o", "requirements.txt"], tmp_path, env)
    run([*base, "--format", "pylock.toml", "-o", "pylock.toml"], tmp_path, env)

    written = pins_by_pip(tmp_path / "requirements.txt")
    assert pins_by_lockaudit(tmp_path / "requirements.txt") == written
    assert {"webapp-core", "helper", "numlib"} <= multi(written)
    pylock = pins_by_toml(tmp_path / "pylock.toml", "packages")
    assert pins_by_lockaudit(tmp_path / "pylock.toml") == pylock == written
    assert roles(tmp_path) == {
        "requirements.in": ("declared", "requirements.in"),
        "requirements.txt": ("locked", "requirements.in"),
        "pylock.toml": ("locked", "requirements.in"),  # its header names requirements.in
    }


def test_pip_compile(env, tmp_path, index):
    pip_compile = tool("pip-compile")
    (tmp_path / "requirements.in").write_text(REQUIREMENTS_IN)
    run(
        [pip_compile, "requirements.in", "--generate-hashes", "--strip-extras", "--index-url", index.url,
         "--cache-dir", str(tmp_path / "pip-tools-cache"), "-q", "-o", "requirements.txt"],
        tmp_path,
        env,
    )  # fmt: skip
    written = pins_by_pip(tmp_path / "requirements.txt")
    assert len(written) >= 5
    assert pins_by_lockaudit(tmp_path / "requirements.txt") == written
    assert roles(tmp_path)["requirements.txt"] == ("locked", "requirements.in")


def test_poetry_lock(env, tmp_path, index):
    poetry = tool("poetry")
    (tmp_path / "pyproject.toml").write_text(
        PYPROJECT.split("[dependency-groups]")[0] + POETRY_EXTRA.format(url=index.url)
    )
    run([poetry, "lock"], tmp_path, env)
    written = pins_by_toml(tmp_path / "poetry.lock", "package")
    assert pins_by_lockaudit(tmp_path / "poetry.lock") == written
    assert "numlib" in multi(written)
    assert roles(tmp_path)["poetry.lock"] == ("locked", "pyproject.toml")


def test_pipenv_lock_and_its_pylock(env, tmp_path, index):
    pipenv = tool("pipenv")
    (tmp_path / "Pipfile").write_text(PIPFILE.format(url=index.url))
    run([pipenv, "--python", str(TOOLS_BIN / "python"), "lock"], tmp_path, env)
    written = pins_by_json(tmp_path / "Pipfile.lock")
    assert pins_by_lockaudit(tmp_path / "Pipfile.lock", groups=True) == written
    assert ("helper", "2.1", "develop") in written and ("helper", "2.1", "default") in written
    assert ("win-only", "", "default") in written  # "*": not resolved on this platform, no pin
    assert pins_by_lockaudit(tmp_path / "pylock.toml") == pins_by_toml(tmp_path / "pylock.toml", "packages")
    shutil.rmtree(tmp_path / ".venv", ignore_errors=True)
    assert roles(tmp_path) == {
        "Pipfile": ("declared", "Pipfile"),
        "Pipfile.lock": ("locked", "Pipfile"),
        "pylock.toml": ("locked", "Pipfile"),  # created by pipenv; the Pipfile sets use_pylock
    }
