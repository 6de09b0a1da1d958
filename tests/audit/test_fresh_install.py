"""What a fresh install takes: one resolution per project and target behind every answer.

Each case is shaped like a real file the issue names (a celery lock whose
python-dateutil is held by celery, requests ~2.28 with its urllib3 in a Poetry
lock, a uv export that splits numpy by Python, a project whose requires-python
excludes the newest release, django locked as 4.2.0 while the index says
4.2, a lock made offline, the --as-of day boundary), on a local index of
synthetic projects with real wheels and metadata. The projects keep their own
names; what matters is the shape of their dependencies and dates.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from support.index_server import IndexServer
from support.synthetic_index import Project, Release, install

AS_OF = "2026-11-20"

PROJECTS = [
    # celery ~= 5.3 pins python-dateutil exactly; the newest python-dateutil is 4.0.0.
    Project(
        "tasker",
        [
            Release("5.6.0", "2026-01-10", requires=("dateparse==2.9.0.post0", "vinelike>=5.1")),
            Release("5.7.0", "2026-09-01", requires=("dateparse==2.9.0.post0", "vinelike>=5.1")),
        ],
    ),
    Project(
        "dateparse",
        [
            Release("2.9.0.post0", "2024-03-01", requires=("sixish>=1.5",)),
            Release("4.0.0", "2026-10-01", requires_python=">=3.9"),
        ],
    ),
    Project("sixish", [Release("1.16.0", "2023-05-01"), Release("1.17.0", "2024-12-01")]),
    Project("vinelike", [Release("5.1.0", "2023-10-01")]),
    # requests ~2.28 holds urllib3 below 1.27; requests 2.31 would allow 2.x.
    Project(
        "fetcher",
        [
            Release("2.28.0", "2022-06-29", requires=("urlkit>=1.21.1,<1.27",)),
            Release("2.28.2", "2023-01-12", requires=("urlkit>=1.21.1,<1.27",)),
            Release("2.31.0", "2023-05-22", requires=("urlkit>=1.21.1,<3",)),
        ],
    ),
    Project(
        "urlkit", [Release("1.26.18", "2023-10-17"), Release("1.26.20", "2024-08-29"), Release("2.2.3", "2024-09-12")]
    ),
    # numpy: the newest release needs Python 3.12, an older line serves 3.10.
    Project(
        "numeric",
        [
            Release("2.2.6", "2025-05-17", requires_python=">=3.10"),
            Release("2.3.0", "2025-06-07", requires_python=">=3.11"),
            Release("2.4.6", "2026-03-01", requires_python=">=3.11"),
            Release("2.5.5", "2026-10-01", requires_python=">=3.12"),
        ],
    ),
    # django: the index spells the version 4.2, locks often write 4.2.0.
    Project("webfw", [Release("4.2", "2023-04-03"), Release("4.2.1", "2023-05-03")]),
    # A parent whose newer release adds a dependency (a package nobody tested).
    Project(
        "parent",
        [
            Release("1.0", "2025-01-01", requires=("oldchild>=1",)),
            Release("2.0", "2026-06-01", requires=("newchild>=1",)),
        ],
    ),
    Project("oldchild", [Release("1.0", "2024-01-01")]),
    Project("newchild", [Release("1.0", "2026-05-01")]),
    # Released on the as-of day itself, early in the morning.
    Project("dayrel", [Release("1.0", "2026-01-01"), Release("1.1", "2026-11-01T07:02:00Z")]),
    # Only an sdist whose metadata cannot be read: its dependencies are unknown.
    Project("opaque", [Release("1.0", "2025-01-01", sdist_only=True)]),
]


@pytest.fixture(scope="module")
def index() -> Iterator[IndexServer]:
    with IndexServer(projects={}, metadata={}) as server:
        install(server, PROJECTS)
        yield server


def _env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PIP_", "LOCKAUDIT_")) and k != "NETRC"}
    env.update(PIP_CONFIG_FILE=os.devnull, NO_COLOR="1", LOCKAUDIT_CACHE_DIR=str(tmp_path / "cache-dir"))
    return env


@pytest.fixture
def cli(index: IndexServer, tmp_path: Path):
    """``lockaudit ARGS`` in a project folder (files written first), against the local index."""

    def run(files: dict[str, str], *args: str, cache: str = "c.db", json_out: bool = True, env: dict | None = None):
        root = tmp_path / "project"
        root.mkdir(exist_ok=True)
        for name, text in files.items():
            path = root / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
        cmd = [sys.executable, "-m", "lockaudit", *args, "--index-url", index.url, "--cache", str(tmp_path / cache)]
        if json_out:
            cmd += ["--format", "json"]
        proc = subprocess.run(
            cmd, capture_output=True, text=True, cwd=root, env={**_env(tmp_path), **(env or {})}, timeout=120
        )
        report = json.loads(proc.stdout) if json_out and proc.stdout.strip().startswith("{") else None
        return proc.returncode, report, proc

    return run


def _findings(report: dict, code: str | None = None, package: str | None = None) -> list[dict]:
    return [
        f
        for f in report["findings"]
        if (code is None or f["code"] == code) and (package is None or f["package"] == package)
    ]


def _row(report: dict, name: str) -> dict:
    rows = [p for p in report["packages"] if p["name"] == name]
    assert rows, f"no row for {name}: {[p['name'] for p in report['packages']]}"
    return rows[0]


def _high(report: dict) -> list[tuple[str, str, str]]:
    return [
        (f["code"], f["package"], f["message"]) for f in report["findings"] if f["severity"] in ("high", "critical")
    ]


UV_HEADER = (
    "# This file was autogenerated by uv via the following command:\n"
    "#    uv pip compile requirements.in -o requirements.txt --python-version 3.11\n"
)


# -- a transitive pin held back by its parent is not drift ------------------------------------------


def test_pin_held_by_its_parent_is_information_not_drift(cli):
    files = {
        "requirements.in": "tasker~=5.3\n",
        "requirements.txt": UV_HEADER
        + "dateparse==2.9.0.post0\n    # via tasker\nsixish==1.17.0\n    # via dateparse\n"
        "tasker==5.7.0\n    # via -r requirements.in\nvinelike==5.1.0\n    # via tasker\n",
    }
    code, report, proc = cli(files, ".", "--as-of", AS_OF)
    assert code == 0, proc.stderr
    assert not _findings(report, "LA003") and not _findings(report, "LA018"), report["findings"]
    assert _high(report) == []
    row = _row(report, "dateparse")
    assert (row["locked"], row["fresh"], row["newest"], row["change"]) == (
        "2.9.0.post0",
        "2.9.0.post0",
        "4.0.0",
        "same",
    )
    assert row["held_by"] == [{"by": "tasker 5.7.0", "requirement": "==2.9.0.post0"}]
    assert row["status"] == "ok" and not row["direct"]
    # The range's own view stays where it belongs: tasker ~=5.3 admits 5.7.0, which is what is taken.
    assert _row(report, "tasker")["range_newest"] == "5.7.0"
    # The header names the target the lock says it was made for.
    assert [t["label"] for t in report["targets"]] == ["py3.11-linux"]
    # ... and the table tells what holds the pin.
    _, _, proc = cli(files, ".", "--as-of", AS_OF, json_out=False, env={"COLUMNS": "200"})
    assert "held at 2.9.0.post0 by tasker 5.7.0 ==2.9.0.post0" in " ".join(proc.stdout.split())


def test_poetry_lock_pin_held_by_a_tilde_range(cli):
    files = {
        "pyproject.toml": '[tool.poetry]\nname = "app"\nversion = "0.1.0"\n\n'
        '[tool.poetry.dependencies]\npython = "^3.11"\nfetcher = "~2.28"\n',
        "poetry.lock": '[[package]]\nname = "fetcher"\nversion = "2.28.2"\ndescription = ""\noptional = false\n'
        'python-versions = ">=3.7"\nfiles = []\n\n[package.dependencies]\nurlkit = ">=1.21.1,<1.27"\n\n'
        '[[package]]\nname = "urlkit"\nversion = "1.26.20"\ndescription = ""\noptional = false\n'
        'python-versions = ">=3.7"\nfiles = []\n\n'
        '[metadata]\nlock-version = "2.0"\npython-versions = "^3.11"\ncontent-hash = "0"\n',
    }
    code, report, proc = cli(files, ".", "--as-of", AS_OF, "--fail-on", "high")
    assert code == 0, proc.stderr + json.dumps(_high(report))
    assert not _findings(report, "LA003", "urlkit") and not _findings(report, "LA018", "urlkit")
    row = _row(report, "urlkit")
    assert (row["fresh"], row["newest"]) == ("1.26.20", "2.2.3")
    assert row["held_by"] == [{"by": "fetcher 2.28.2", "requirement": "<1.27,>=1.21.1"}]
    # Poetry's python = "^3.11": the lowest Python it admits.
    assert [t["label"] for t in report["targets"]] == [f"py3.11-{_platform()}"]


def _platform() -> str:
    return "win32" if sys.platform.startswith("win") else ("darwin" if sys.platform == "darwin" else "linux")


# -- universal locks: one pin per environment ---------------------------------------------------------


def test_uv_export_marker_split_is_one_pin_per_environment(cli):
    files = {
        "pyproject.toml": '[project]\nname = "app"\nversion = "0.1"\nrequires-python = ">=3.10"\n'
        'dependencies = ["numeric"]\n',
        "requirements.txt": "# This file was autogenerated by uv via the following command:\n"
        "#    uv export --format requirements-txt\n"
        "numeric==2.2.6 ; python_full_version < '3.11'\n"
        "numeric==2.4.6 ; python_full_version >= '3.11'\n",
    }
    code, report, proc = cli(files, "pyproject.toml", "requirements.txt", "--as-of", "2026-09-01")
    assert code == 0, proc.stderr + json.dumps(_high(report))
    assert not _findings(report, "LA004"), _findings(report, "LA004")
    assert not _findings(report, "LA003") and not _findings(report, "LA018")
    labels = [t["label"] for t in report["targets"]]
    assert labels == [f"py3.10-{_platform()}", f"py3.11-{_platform()}"]
    per_target = {t["target"]["label"]: (t["locked"], t["fresh"]) for t in _row(report, "numeric")["targets"]}
    assert per_target == {labels[0]: ("2.2.6", "2.2.6"), labels[1]: ("2.4.6", "2.4.6")}


def test_uv_lock_with_a_package_twice_for_different_pythons(cli):
    lock = (
        'version = 1\nrequires-python = ">=3.10"\nresolution-markers = [\n'
        "    \"python_full_version >= '3.11'\",\n    \"python_full_version < '3.11'\",\n]\n\n"
        '[[package]]\nname = "app"\nversion = "0.1"\nsource = { virtual = "." }\n'
        'dependencies = [\n    { name = "numeric", version = "2.2.6", '
        'source = { registry = "https://example.test/simple" }, '
        "marker = \"python_full_version < '3.11'\" },\n"
        '    { name = "numeric", version = "2.4.6", source = { registry = "https://example.test/simple" }, '
        "marker = \"python_full_version >= '3.11'\" },\n]\n\n"
        '[package.metadata]\nrequires-dist = [{ name = "numeric" }]\n\n'
        '[[package]]\nname = "numeric"\nversion = "2.2.6"\nsource = { registry = "https://example.test/simple" }\n'
        "resolution-markers = [\n    \"python_full_version < '3.11'\",\n]\n\n"
        '[[package]]\nname = "numeric"\nversion = "2.4.6"\nsource = { registry = "https://example.test/simple" }\n'
        "resolution-markers = [\n    \"python_full_version >= '3.11'\",\n]\n"
    )
    files = {
        "pyproject.toml": '[project]\nname = "app"\nversion = "0.1"\nrequires-python = ">=3.10"\n'
        'dependencies = ["numeric"]\n',
        "uv.lock": lock,
    }
    code, report, proc = cli(files, ".", "--as-of", "2026-09-01")
    assert code == 0, proc.stderr + json.dumps(_high(report))
    assert not _findings(report, "LA003", "numeric") and not _findings(report, "LA004")
    # Later, 2.5.5 (Python >= 3.12) exists: on 3.11 a fresh install still takes 2.4.6.
    code, report, _ = cli(files, ".", "--as-of", AS_OF)
    assert not _findings(report, "LA003", "numeric")
    per_target = {t["target"]["python"]: t["fresh"] for t in _row(report, "numeric")["targets"]}
    assert per_target == {"3.10": "2.2.6", "3.11": "2.4.6"}


def test_requires_python_is_the_target(cli):
    files = {
        "pyproject.toml": '[project]\nname = "app"\nversion = "0.1"\nrequires-python = ">=3.11"\n'
        'dependencies = ["numeric>=2"]\n',
    }
    _, report, _ = cli(files, ".", "--as-of", AS_OF)
    row = _row(report, "numeric")
    # 2.5.5 needs Python 3.12: the project's lowest Python, 3.11, takes 2.4.6.
    assert row["fresh"] == "2.4.6" and row["newest"] == "2.5.5"
    assert [t["label"] for t in report["targets"]] == [f"py3.11-{_platform()}"]
    assert "any" not in json.dumps(report["targets"])
    assert "requires-python" in report["units"][0]["targets_from"]
    # An explicit target wins.
    _, report, _ = cli(files, ".", "--as-of", AS_OF, "--python", "3.12")
    assert _row(report, "numeric")["fresh"] == "2.5.5"


# -- added and dropped packages ------------------------------------------------------------------------


def test_an_old_lock_shows_added_and_dropped_packages(cli):
    files = {
        "requirements.in": "parent\n",
        "requirements.txt": UV_HEADER + "oldchild==1.0\n    # via parent\nparent==1.0\n    # via -r requirements.in\n",
    }
    # At the lock's own date it is exactly what a fresh install takes.
    code, report, _ = cli(files, ".", "--as-of", "2025-06-01")
    assert not _findings(report, "LA003") and not _findings(report, "LA018") and code == 0
    # Later parent 2.0 drops oldchild and brings newchild, which nobody tested.
    code, report, _ = cli(files, ".", "--as-of", AS_OF)
    assert code == 1
    added = _findings(report, "LA018", "newchild")
    assert added and added[0]["severity"] == "high" and added[0]["data"]["change"] == "added"
    assert "parent" in added[0]["message"]
    dropped = _findings(report, "LA018", "oldchild")
    assert dropped and dropped[0]["data"]["change"] == "removed"
    assert _findings(report, "LA003", "parent")[0]["data"]["fresh"] == "2.0"
    assert _row(report, "newchild")["change"] == "added" and _row(report, "oldchild")["change"] == "dropped"


def test_a_cached_answer_is_the_same_answer(cli):
    files = {
        "requirements.in": "parent\n",
        "requirements.txt": UV_HEADER + "oldchild==1.0\n    # via parent\nparent==1.0\n    # via -r requirements.in\n",
    }
    _, first, _ = cli(files, ".", "--as-of", AS_OF, cache="same.db")
    _, second, _ = cli(files, ".", "--as-of", AS_OF, cache="same.db")
    _, fresh, _ = cli(files, ".", "--as-of", AS_OF, "--refresh", cache="same.db")
    assert first == second == fresh
    assert _findings(first, "LA012", "parent")  # compared from the cached releases' metadata too


# -- unknown is never fine -----------------------------------------------------------------------------


def test_unreadable_metadata_is_unknown_not_a_smaller_graph(cli):
    files = {"requirements.in": "opaque\n", "requirements.txt": UV_HEADER + "opaque==1.0\n"}
    code, report, _ = cli(files, ".", "--as-of", AS_OF)
    assert code == 3
    row = _row(report, "opaque")
    assert row["status"] == "unknown" and "dependencies" in row["reason"]
    assert _findings(report, "LA019", "opaque")


def test_lock_offline_without_metadata_fails_and_writes_nothing(cli, tmp_path):
    # The history is cached (versions), the metadata is not.
    code, _, proc = cli({}, "versions", "fetcher", json_out=False, cache="offline.db")
    assert code == 0, proc.stderr
    code, _, proc = cli(
        {"requirements.in": "fetcher==2.28.2\n"},
        "lock", "requirements.in", "-o", "requirements.txt", "--offline", "--python", "3.11",
        json_out=False, cache="offline.db",
    )  # fmt: skip
    assert code == 3, proc.stderr
    assert "fetcher 2.28.2" in proc.stderr and "nothing was written" in proc.stderr
    assert not (tmp_path / "project" / "requirements.txt").exists()
    # Online it locks, with urlkit; then offline it can lock from the cache.
    code, _, proc = cli(
        {}, "lock", "requirements.in", "-o", "requirements.txt", "--python", "3.11", json_out=False, cache="offline.db"
    )
    assert code == 0, proc.stderr
    assert "urlkit==1.26.20" in (tmp_path / "project" / "requirements.txt").read_text()


# -- versions compare as PEP 440, one date everywhere --------------------------------------------------


def test_check_compares_versions_as_pep440(cli):
    files = {"requirements.in": "webfw>=4.2,<5\n", "requirements.txt": UV_HEADER + "webfw==4.2.0\n"}
    code, report, proc = cli(files, "check", "requirements.in", "--lock", "requirements.txt", "--as-of", "2023-04-10")
    assert code == 0, proc.stderr + json.dumps(report["findings"])
    assert not [
        f for f in report["findings"] if f["code"] == "LA017" and f["data"].get("kind") == "version-not-on-index"
    ]
    assert [t["label"] for t in report["targets"]] == ["py3.11-linux"]
    # One row per package the lock or a fresh install has, and the summary counts them.
    assert [p["name"] for p in report["packages"]] == ["webfw"] and report["summary"]["packages"] == 1


def test_as_of_a_date_is_that_whole_day_everywhere(cli):
    files = {"requirements.in": "dayrel\n", "requirements.txt": UV_HEADER + "dayrel==1.0\n"}
    _, report, _ = cli(files, ".", "--as-of", "2026-11-01")
    assert _row(report, "dayrel")["fresh"] == "1.1"  # uploaded at 07:02 that day
    assert report["cutoff"] == "2026-11-02T00:00:00Z" and report["as_of"] == "2026-11-01"
    _, report, proc = cli(files, ".", "--as-of", "2026-11-01T00:00:00Z")
    assert report is not None, proc.stderr
    assert _row(report, "dayrel")["fresh"] == "1.0"
    code, _, proc = cli(files, "lock", "requirements.in", "--as-of", "2026-11-01", "--python", "3.11", json_out=False)
    assert code == 0 and "dayrel==1.1" in proc.stdout
    code, _, proc = cli(
        files, "lock", "requirements.in", "--as-of", "2026-11-01T07:00:00Z", "--python", "3.11", json_out=False
    )
    assert code == 0 and "dayrel==1.0" in proc.stdout
    code, report, _ = cli(files, "check", "requirements.in", "--lock", "requirements.txt", "--as-of", "2026-11-01")
    assert [f["data"]["fresh"] for f in report["findings"] if f["code"] == "LA018"] == ["1.1"]


# -- a local project stands for its own dependencies ----------------------------------------------------


def test_a_local_project_brings_its_declared_dependencies(cli):
    files = {
        "pyproject.toml": '[project]\nname = "app"\nversion = "0.1"\ndependencies = ["parent"]\n',
        "requirements.in": "-e .\n",
        "requirements.txt": UV_HEADER + "-e .\n    # via -r requirements.in\n"
        "oldchild==1.0\n    # via parent\nparent==1.0\n    # via app\n",
    }
    code, report, proc = cli(files, "requirements.in", "requirements.txt", "--as-of", "2025-06-01")
    assert code == 0, proc.stderr + json.dumps(report["findings"])
    assert _row(report, "parent")["change"] == "same" and _row(report, "oldchild")["change"] == "same"
    assert not _findings(report, "LA018")
    # Later, what the project's own range admits moves: parent 2.0 brings newchild.
    _, report, _ = cli(files, "requirements.in", "requirements.txt", "--as-of", AS_OF)
    assert _findings(report, "LA018", "newchild") and _row(report, "oldchild")["change"] == "dropped"


def test_a_local_project_without_static_metadata_leaves_its_dependencies_unknown(cli):
    files = {
        "legacy/setup.py": "from setuptools import setup\nsetup(name='legacy', install_requires=['parent'])\n",
        "requirements.in": "-e ./legacy\n",
        "requirements.txt": UV_HEADER + "-e ./legacy\n    # via -r requirements.in\n"
        "oldchild==1.0\n    # via parent\nparent==1.0\n    # via legacy\n",
    }
    code, report, _ = cli(files, "requirements.in", "requirements.txt", "--as-of", "2025-06-01")
    # Nothing can tell whether a fresh install still takes them: unknown, never "dropped".
    assert code == 3
    assert not [f for f in _findings(report, "LA018") if f["data"].get("change") == "removed"]
    row = _row(report, "parent")
    assert row["status"] == "unknown" and row["change"] == "unknown" and "legacy" in row["reason"]
