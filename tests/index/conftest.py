"""Fixtures for the index tests: a real local index server, a real redis-server,
and a client factory with fast retries. Other test packages reuse
``index_server`` through tests/support/index_server.py."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from lockaudit.index import IndexClient, IndexSettings, IndexURL, RetryPolicy
from lockaudit.index.cache import open_cache
from support.index_server import IndexServer
from support.redis_server import RedisProcess

FAST_RETRY = RetryPolicy(attempts=3, backoff=0.001, max_backoff=0.01, max_retry_after=5)


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No test reads the machine's pip configuration, netrc or cache directory."""
    for var in list(os.environ):
        if var.startswith(("PIP_", "LOCKAUDIT_")) or var == "NETRC":
            monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("PIP_CONFIG_FILE", os.devnull)
    monkeypatch.setenv("NETRC", str(tmp_path / "no-netrc"))
    monkeypatch.setenv("LOCKAUDIT_CACHE_DIR", str(tmp_path / "default-cache"))


@pytest.fixture
def index_server() -> Iterator[IndexServer]:
    with IndexServer() as server:
        yield server


@pytest.fixture
def make_client(index_server: IndexServer, tmp_path: Path):
    """``make_client(**options)`` -> IndexClient on the local server with a
    per-test SQLite cache and fast retries. Use each client
    on one event loop and close it there."""

    def make(url: str | None = None, **options) -> IndexClient:
        options.setdefault("cache", str(tmp_path / "cache.sqlite3"))
        options.setdefault("retry", FAST_RETRY)
        options.setdefault("timeout", 5.0)
        settings = options.pop("settings", None) or IndexSettings(IndexURL.parse(url or index_server.url))
        return IndexClient(settings, **options)

    return make


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real redis-server for this test session only."""
    server = RedisProcess(tmp_path_factory.mktemp("redis"))
    try:
        yield server.url
    finally:
        server.stop()


@pytest.fixture
def own_redis(tmp_path: Path) -> Iterator[RedisProcess]:
    """A redis-server for one test, which the test may stop."""
    server = RedisProcess(tmp_path)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def redis_cache(redis_url: str):
    cache = open_cache(redis_url)
    cache.clear()
    yield cache
    cache.clear()
    cache.close()
