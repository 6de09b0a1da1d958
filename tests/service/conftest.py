"""Fixtures for the service tests: real ``lockaudit serve`` processes against the
local test index, a real redis-server. Every process a fixture starts, it stops."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from service.helpers import PROJECTS, RedisProcess, ServiceProcess, corpus_pages

from support.index_server import IndexServer
from support.synthetic_index import Project, Release, install

# --------------------------------------------------------------------------- fixtures


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No in-process test reads this machine's pip configuration, netrc or cache."""
    for var in list(os.environ):
        if (
            var.startswith(("PIP_", "LOCKAUDIT_", "PROMETHEUS_")) and var != "LOCKAUDIT_NO_EXTENSIONS"
        ) or var == "NETRC":
            monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("PIP_CONFIG_FILE", os.devnull)
    monkeypatch.setenv("NETRC", str(tmp_path / "no-netrc"))
    monkeypatch.setenv("LOCKAUDIT_CACHE_DIR", str(tmp_path / "default-cache"))


@pytest.fixture(scope="session")
def index() -> Iterator[IndexServer]:
    """The local test index: the synthetic projects and the 268 corpus packages."""
    metadata: dict[str, bytes] = {}
    server = IndexServer(projects=corpus_pages(metadata), metadata=metadata)
    server.cache_pages = True
    with server:
        install(server, PROJECTS)
        yield server


@pytest.fixture(scope="session")
def allowed_index() -> Iterator[IndexServer]:
    """A second index the main server allow-lists; only it has ``svc-private``."""
    with IndexServer(projects={}, metadata={}) as server:
        install(server, [Project("svc-private", [Release("1.0", "2024-01-01"), Release("1.5", "2025-01-01")])])
        yield server


@pytest.fixture(scope="session")
def evil_index() -> Iterator[IndexServer]:
    """An index nobody allow-lists: a request that reaches it is a forgery that worked."""
    with IndexServer(projects={}, metadata={}) as server:
        install(server, [Project("svc-alpha", [Release("9.9.9", "2024-01-01")])])
        yield server


@pytest.fixture(scope="session")
def server(tmp_path_factory, index: IndexServer, allowed_index: IndexServer) -> Iterator[ServiceProcess]:
    """The main server: SQLite cache, tokens on, small limits, one allow-listed index."""
    work = tmp_path_factory.mktemp("server")
    proc = ServiceProcess(
        work,
        "--index-url", index.url,
        "--allow-index-url", allowed_index.url,
        "--cache", str(work / "cache.sqlite3"),
        "--max-files", "6",
        "--max-lines", "3000",
        "--max-body-bytes", str(256 * 1024),
        "--max-match-pairs", "50",
        "--index-retries", "1",
    )  # fmt: skip
    try:
        yield proc
    finally:
        proc.stop()


@pytest.fixture
def http(server: ServiceProcess) -> Iterator[httpx.Client]:
    with server.client() as client:
        yield client


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory) -> Iterator[RedisProcess]:
    proc = RedisProcess(tmp_path_factory.mktemp("redis"))
    try:
        yield proc
    finally:
        proc.stop()
