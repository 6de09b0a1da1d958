"""What the report shows is what the files and the index write: versions in the
lock's spelling for "locked" and the index's for "fresh"/"newest" (never mixed),
a local project installed with ``-e .[extra]`` by its name, markers as PEP 508."""

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

PROJECTS = [
    Project("alpr", [Release("2020.7.28", "2020-07-28"), Release("2020.9.1", "2020-09-01", yanked="broken")]),
    Project("padded", [Release("2021.01.05", "2021-01-05")]),
    Project("brotli", [Release("1.1.0", "2024-01-01")]),
]


@pytest.fixture(scope="module")
def server() -> Iterator[IndexServer]:
    with IndexServer(projects={}, metadata={}) as srv:
        install(srv, PROJECTS)
        yield srv


def audit(server: IndexServer, root: Path, files: dict[str, str], *args: str) -> tuple[int, dict, str]:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PIP_", "LOCKAUDIT_"))}
    env.update(PIP_CONFIG_FILE=os.devnull, NO_COLOR="1", LOCKAUDIT_CACHE_DIR=str(root / ".cache-dir"))
    cmd = [sys.executable, "-m", "lockaudit", str(root), "--index-url", server.url, "--cache", str(root / "c.db")]
    cmd += ["--as-of", "2026-01-01", "--format", "json", "--no-progress", *args]
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=120)
    return proc.returncode, json.loads(proc.stdout), proc.stderr


def test_each_version_as_its_source_spells_it(server, tmp_path):
    files = {"requirements.txt": "alpr==2020.07.28\npadded==2021.1.5\n"}
    _, report, _ = audit(server, tmp_path, files)
    rows = {p["name"]: (p["locked"], p["fresh"], p["newest"]) for p in report["packages"]}
    # locked as the lock writes it; fresh and newest as the index does
    assert rows["alpr"] == ("2020.07.28", "2020.7.28", "2020.7.28")
    assert rows["padded"] == ("2021.1.5", "2021.01.05", "2021.01.05")
    found = {(f["code"], f["package"]) for f in report["findings"]}
    # one release spelled two ways is no drift, and the yanked 2020.9.1 is outside ==2020.07.28
    assert not {c for c, _ in found} & {"LA003", "LA004", "LA006", "LA013"}, found


def test_the_project_installed_with_extras_is_shown_by_its_name(server, tmp_path):
    files = {
        "requirements.txt": "-e .[brotli]\nalpr==2020.7.28\n",
        "pyproject.toml": '[project]\nname = "Http_Client"\nversion = "1.0"\n',
    }
    _, report, _ = audit(server, tmp_path, files)
    names = {p["name"] for p in report["packages"]}
    assert "http-client" in names and "." not in names
    (own,) = [p for p in report["packages"] if p["name"] == "http-client"]
    assert own["source"] == "path" and own["status"] == "not-from-index"
