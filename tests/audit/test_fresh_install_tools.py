"""A lock made today audits clean today; an old lock's drift is what a fresh install changes.

Held-out-style sets are locked for real, at a date D1, by uv (``uv pip
compile --exclude-newer``, ``uv lock``, ``uv export`` to requirements and
pylock), pip-compile, Poetry and pipenv, against a synthetic index on
127.0.0.1 whose releases carry exact upload times (Poetry, pipenv and
pip-compile, which know no exclude-newer, get an index that stops at D1).
Then:

1. each lock, audited with its inputs as of D1, has no drift (LA003, LA018),
   no disagreement with its inputs (LA004, LA017) and nothing high or critical;
2. audited as of a later D2, every package a fresh install takes on each
   target is exactly what ``uv pip compile --exclude-newer D2`` pins for
   that Python, added and dropped packages included.

The index has what trips a per-range view: a pin held back by its parent, a
dependency that a newer parent adds and one it drops, a package whose newest
release needs a newer Python, and a release on the D1 day itself.

uv comes with the bench extra; pip-tools, Poetry and pipenv with ``make
tools`` (.venv-tools). Without them these tests skip, except under
``LOCKAUDIT_REQUIRE_TOOLS=1`` (``make test``), where a missing tool fails.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from resolve.conftest import build_index

from support.index_server import IndexServer
from support.locking_tools import run, tool, tools_env

D1 = "2026-03-01"
D2 = "2026-10-01"


def _r(uploaded: str, **extra: Any) -> dict[str, Any]:
    return {"uploaded": uploaded if "T" in uploaded else f"{uploaded}T12:00:00Z", **extra}


SPEC = {
    "projects": {
        # A newer release adds newdep and drops oldlib.
        "webframe": {
            "1.0": _r("2025-01-10", requires=["helper>=1", "tinyutil>=1", "oldlib>=1"]),
            "1.1": _r("2026-05-01", requires=["helper>=1", "tinyutil>=1", "newdep>=1"]),
        },
        # helper 2.1 needs Python 3.12: 3.10 and 3.11 keep 2.0.
        "helper": {
            "1.0": _r("2025-01-01"),
            "2.0": _r("2026-01-15"),
            "2.1": _r("2026-06-01", **{"requires-python": ">=3.12"}),
        },
        "tinyutil": {"1.0": _r("2025-01-01"), "1.1": _r("2026-07-01")},
        "oldlib": {"1.0": _r("2025-01-01")},
        "newdep": {"1.0": _r("2026-04-01")},
        # pinner holds dateish at 2.9 although 4.0 exists (celery and python-dateutil).
        "pinner": {
            "5.0": _r("2025-06-01", requires=["dateish==2.9"]),
            "5.1": _r("2026-08-01", requires=["dateish==2.9"]),
        },
        "dateish": {"2.9": _r("2024-01-01"), "4.0": _r("2026-02-01")},
        # numpy's shape: each line needs a newer Python.
        "numlib": {
            "1.26.4": _r("2024-01-01"),
            "2.2.6": _r("2025-06-01", **{"requires-python": ">=3.10"}),
            "2.3.0": _r("2026-02-15", **{"requires-python": ">=3.11"}),
            "2.4.0": _r("2026-09-01", **{"requires-python": ">=3.12"}),
        },
        # Released on D1 itself, in the morning: a lock "as of D1" has it.
        "morning": {"1.0": _r("2025-01-01"), "1.1": _r(f"{D1}T07:02:00Z")},
    }
}

REQUIREMENTS_IN = "webframe>=1\npinner~=5.0\nnumlib\nmorning\n"

PYPROJECT = """\
[project]
name = "heldout-app"
version = "0.1.0"
requires-python = ">=3.10"
dependencies = ["webframe>=1", "pinner~=5.0", "numlib", "morning"]

[dependency-groups]
dev = ["tinyutil>=1"]
"""

POETRY_PYPROJECT = """\
[project]
name = "heldout-app"
version = "0.1.0"
requires-python = ">=3.11,<4"
dependencies = ["webframe>=1", "pinner~=5.0", "numlib", "morning"]

[tool.poetry]
package-mode = false

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
webframe = ">=1"
pinner = "~=5.0"
numlib = "*"
morning = "*"

[requires]
python_version = "3.11"
"""


def _before(spec: dict[str, Any], moment: str) -> dict[str, Any]:
    """The index as it stood at ``moment`` (exclusive): for tools that know no exclude-newer."""
    return {
        "projects": {
            name: {v: r for v, r in releases.items() if r["uploaded"] < moment}
            for name, releases in spec["projects"].items()
        }
    }


@pytest.fixture(scope="module")
def index() -> Iterator[IndexServer]:
    with build_index(SPEC).server() as server:
        yield server


@pytest.fixture(scope="module")
def index_at_d1() -> Iterator[IndexServer]:
    # The end of D1 as lockaudit and uv read a bare date: everything uploaded that day.
    with build_index(_before(SPEC, "2026-03-02T00:00:00Z")).server() as server:
        yield server


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return tools_env(tmp_path)


def audit(files: list[str], cwd: Path, env: dict[str, str], index: IndexServer, as_of: str) -> dict[str, Any]:
    cmd = [
        sys.executable, "-m", "lockaudit", *files, "--index-url", index.url, "--as-of", as_of,
        "--format", "json", "--fail-on", "never", "--cache", str(cwd / "lockaudit.sqlite3"),
    ]  # fmt: skip
    proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=300, check=False)
    assert proc.returncode == 0, f"{' '.join(cmd)}\n{proc.stdout[-3000:]}\n{proc.stderr}"
    return json.loads(proc.stdout)


def uv_pins(
    env: dict[str, str], cwd: Path, index: IndexServer, source: str, python: str, as_of: str, *extra: str
) -> dict[str, str]:
    """What ``uv pip compile --exclude-newer`` pins for one Python on Linux."""
    out = run(
        [
            tool("uv"), "pip", "compile", source, "--index-url", index.url, "--exclude-newer", as_of,
            "--python-version", python, "--python-platform", "x86_64-unknown-linux-gnu",
            "--no-header", "--no-annotate", "--quiet", *extra,
        ],
        cwd,
        env,
    )  # fmt: skip
    return dict(re.findall(r"^([a-z0-9-]+)==(\S+)", out, re.MULTILINE))


def assert_clean(report: dict[str, Any], what: str) -> None:
    bad = [
        (f["code"], f["package"], f["message"])
        for f in report["findings"]
        if f["code"] in ("LA003", "LA004", "LA017", "LA018") or f["severity"] in ("high", "critical")
    ]
    assert bad == [], f"{what} made at D1 does not audit clean at D1: {bad}"
    assert report["summary"]["unknown"] == 0, [p for p in report["packages"] if p["status"] != "ok"]


def fresh_by_target(report: dict[str, Any]) -> dict[str, dict[str, str]]:
    """Per target Python: every package a fresh install takes there, with its version."""
    out: dict[str, dict[str, str]] = {}
    for pkg in report["packages"]:
        if pkg["source"] != "index":
            continue
        for t in pkg["targets"]:
            if t["fresh"] is not None:
                out.setdefault(t["target"]["python"], {})[pkg["name"]] = t["fresh"]
    return out


def assert_drift_is_uv(report: dict[str, Any], expected: dict[str, dict[str, str]], what: str) -> None:
    got = fresh_by_target(report)
    assert got == expected, f"{what}: lockaudit's fresh installs differ from uv's"
    # ... and the changes are findings: every pin that moved, every package added or dropped.
    moved = {(f["package"], f["data"].get("change")) for f in report["findings"] if f["code"] in ("LA003", "LA018")}
    assert ("webframe", "upgrade") in moved and ("newdep", "added") in moved and ("oldlib", "removed") in moved, moved
    assert not any(p == "dateish" for p, _ in moved), "a pin its parent holds is not drift"


# --------------------------------------------------------------------------- the tools


def test_uv_pip_compile(env, tmp_path, index):
    (tmp_path / "requirements.in").write_text(REQUIREMENTS_IN)
    run(
        [tool("uv"), "pip", "compile", "requirements.in", "-o", "requirements.txt", "--index-url", index.url,
         "--exclude-newer", D1, "--python-version", "3.11", "--quiet"],
        tmp_path,
        env,
    )  # fmt: skip
    lock = (tmp_path / "requirements.txt").read_text()
    assert "morning==1.1" in lock and "dateish==2.9" in lock
    files = ["requirements.in", "requirements.txt"]
    assert_clean(audit(files, tmp_path, env, index, D1), "uv pip compile")
    later = audit(files, tmp_path, env, index, D2)
    expected = {"3.11": uv_pins(env, tmp_path, index, "requirements.in", "3.11", D2)}
    assert_drift_is_uv(later, expected, "uv pip compile")


def test_uv_lock_and_exports(env, tmp_path, index):
    uv = tool("uv")
    (tmp_path / "pyproject.toml").write_text(PYPROJECT)
    base = ["--default-index", index.url, "--exclude-newer", D1, "--quiet"]
    run([uv, "lock", *base], tmp_path, env)
    run([uv, "export", "--format", "requirements-txt", "--no-hashes", "-o", "requirements.txt", *base], tmp_path, env)
    run([uv, "export", "--format", "pylock.toml", "-o", "pylock.toml", *base], tmp_path, env)

    for lock in ("uv.lock", "requirements.txt", "pylock.toml"):
        folder = tmp_path / lock.replace(".", "-")
        folder.mkdir()
        shutil.copy(tmp_path / "pyproject.toml", folder)
        shutil.copy(tmp_path / lock, folder)
        files = ["pyproject.toml", lock]
        now = audit(files, folder, env, index, D1)
        assert_clean(now, f"uv {lock}")
        # uv forks numlib by Python: 3.10, 3.11 and 3.12 are each a target of the universal lock.
        pythons = [t["python"] for t in now["targets"]]
        assert pythons[0] == "3.10" and "3.11" in pythons, pythons
        later = audit(files, folder, env, index, D2)
        expected = {
            python: uv_pins(env, folder, index, "pyproject.toml", python, D2, "--group", "dev")
            for python in [t["python"] for t in later["targets"]]
        }
        assert_drift_is_uv(later, expected, f"uv {lock}")


def test_pip_compile(env, tmp_path, index, index_at_d1):
    (tmp_path / "requirements.in").write_text(REQUIREMENTS_IN)
    run(
        [tool("pip-compile"), "requirements.in", "-o", "requirements.txt", "--index-url", index_at_d1.url,
         "--no-emit-index-url", "--quiet", "--cache-dir", str(tmp_path / "pip-cache")],
        tmp_path,
        env,
    )  # fmt: skip
    files = ["requirements.in", "requirements.txt"]
    assert_clean(audit(files, tmp_path, env, index, D1), "pip-compile")
    later = audit(files, tmp_path, env, index, D2)
    python = later["targets"][0]["python"]
    assert_drift_is_uv(later, {python: uv_pins(env, tmp_path, index, "requirements.in", python, D2)}, "pip-compile")


def test_poetry_lock(env, tmp_path, index, index_at_d1):
    (tmp_path / "pyproject.toml").write_text(POETRY_PYPROJECT.format(url=index_at_d1.url))
    run([tool("poetry"), "lock"], tmp_path, env)
    files = ["pyproject.toml", "poetry.lock"]
    assert_clean(audit(files, tmp_path, env, index, D1), "poetry.lock")
    later = audit(files, tmp_path, env, index, D2)
    expected = {t["python"]: uv_pins(env, tmp_path, index, "pyproject.toml", t["python"], D2) for t in later["targets"]}
    assert_drift_is_uv(later, expected, "poetry.lock")


def test_pipenv_lock(env, tmp_path, index, index_at_d1):
    (tmp_path / "Pipfile").write_text(PIPFILE.format(url=index_at_d1.url))
    run([tool("pipenv"), "lock"], tmp_path, env)
    files = ["Pipfile", "Pipfile.lock"]
    assert_clean(audit(files, tmp_path, env, index, D1), "Pipfile.lock")
    later = audit(files, tmp_path, env, index, D2)
    assert [t["python"] for t in later["targets"]] == ["3.11"]
    (tmp_path / "requirements.in").write_text(REQUIREMENTS_IN)
    assert_drift_is_uv(later, {"3.11": uv_pins(env, tmp_path, index, "requirements.in", "3.11", D2)}, "Pipfile.lock")
