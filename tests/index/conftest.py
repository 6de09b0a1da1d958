"""Fixtures for the index tests: a real local index server, a real redis-server,
and a client factory with fast retries. Other test packages reuse
``index_server`` through tests/support/index_server.py."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from support.index_server import IndexServer

from lockaudit.index import IndexClient, IndexSettings, IndexURL, RetryPolicy
from lockaudit.index.cache import open_cache

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


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class RedisProcess:
    """A redis-server of our own on a free loopback port."""

    def __init__(self, workdir: Path) -> None:
        exe = shutil.which("redis-server")
        if exe is None:
            pytest.fail("redis-server is not installed (scripts/ensure-services.sh installs it)")
        self.port = _free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.proc = subprocess.Popen(
            [exe, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", str(workdir)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        deadline = time.monotonic() + 10
        while True:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return
            except OSError:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    self.stop()
                    pytest.fail("redis-server did not start")
                time.sleep(0.02)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


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
