"""``lockaudit versions`` and the CLI's edges: --format json / --json, the
dialect hint, a closed pipe, and --version naming the core in use."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator

import pytest

from support.index_server import IndexServer
from support.synthetic_index import Project, Release, install

MANY = [Release(f"1.{i}.0", "2024-01-01") for i in range(1500)]


@pytest.fixture(scope="module")
def index() -> Iterator[IndexServer]:
    with IndexServer(projects={}, metadata={}) as server:
        install(
            server,
            [Project("tiny", [Release("1.0", "2024-01-01"), Release("2.0", "2025-01-01")]), Project("many", MANY)],
        )
        yield server


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PIP_", "LOCKAUDIT_"))}
    env["PIP_CONFIG_FILE"] = os.devnull
    return env


def _cmd(index: IndexServer, *args: str) -> list[str]:
    return [sys.executable, "-m", "lockaudit", "versions", *args, "--index-url", index.url, "--cache", "none"]


@pytest.mark.parametrize("flag", [["--format", "json"], ["--json"]])
def test_versions_json_by_format_or_alias(index: IndexServer, flag: list[str]) -> None:
    proc = subprocess.run(_cmd(index, "tiny", ">=1,<2", *flag), capture_output=True, text=True, env=_env(), timeout=60)
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    assert doc["name"] == "tiny" and [r["version"] for r in doc["releases"] if r["admitted"]] == ["1.0"]


def test_versions_table_by_default(index: IndexServer) -> None:
    proc = subprocess.run(
        _cmd(index, "tiny", "--color", "never"), capture_output=True, text=True, env=_env(), timeout=60
    )
    assert proc.returncode == 0 and "2.0" in proc.stdout and "\x1b[" not in proc.stdout


def test_poetry_range_without_dialect_suggests_it() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "lockaudit", "versions", "django", "^4.2"],
        capture_output=True,
        text=True,
        env=_env(),
        timeout=60,
    )
    assert proc.returncode == 2
    assert "--dialect poetry" in proc.stderr and "Traceback" not in proc.stderr


def test_a_closed_pipe_ends_quietly(index: IndexServer) -> None:
    # 1500 releases as JSON are far more than a pipe buffer: the writer meets the closed pipe
    proc = subprocess.Popen(_cmd(index, "many", "--json"), stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=_env())
    assert proc.stdout is not None and proc.stderr is not None
    first = proc.stdout.readline()
    proc.stdout.close()  # as `| head -1` does
    err = proc.stderr.read().decode()
    code = proc.wait(timeout=60)
    assert first.startswith(b"{")
    assert err == "", err
    assert code == 141


def test_version_names_the_core_in_use() -> None:
    # _env() leaves LOCKAUDIT_NO_EXTENSIONS out: the compiled core loads (tests/core fails when it cannot)
    out = subprocess.run(
        [sys.executable, "-m", "lockaudit", "--version"], capture_output=True, text=True, env=_env()
    ).stdout
    assert out.startswith("lockaudit ") and "(compiled core;" in out
    pure = subprocess.run(
        [sys.executable, "-m", "lockaudit", "--version"],
        capture_output=True,
        text=True,
        env={**_env(), "LOCKAUDIT_NO_EXTENSIONS": "1"},
    ).stdout
    assert "pure-Python core" in pure and "LOCKAUDIT_NO_EXTENSIONS" in pure
