"""Cache backends: SQLite (several processes at once), Redis (a real server),
snapshots, and the guard that keeps a broken cache from breaking a run."""

from __future__ import annotations

import asyncio
import multiprocessing
import socket
import warnings
from pathlib import Path

import pytest

from lockaudit.errors import CacheError
from lockaudit.index import FetchStatus, IndexClient, IndexSettings, IndexURL
from lockaudit.index.cache import (
    CacheEntry,
    CacheUnavailableWarning,
    export_snapshot,
    import_snapshot,
    open_cache,
    page_key,
)


def _entry(i: int) -> CacheEntry:
    return CacheEntry(f"data {i}".encode() * 10, 1000.0 + i, f'"etag{i}"', None)


@pytest.fixture(params=["sqlite", "redis"])
def cache(request, tmp_path):
    if request.param == "sqlite":
        c = open_cache(str(tmp_path / "c.sqlite3"))
        yield c
        c.close()
    else:
        yield request.getfixturevalue("redis_cache")


def test_put_get_touch_clear_info(cache):
    cache.put_many({page_key("http://i/simple/", f"p{i}"): _entry(i) for i in range(5)})
    cache.put("metadata sha256:00", _entry(9))
    got = cache.get_many([page_key("http://i/simple/", "p1"), page_key("http://i/simple/", "absent")])
    assert list(got) == [page_key("http://i/simple/", "p1")]
    assert got[page_key("http://i/simple/", "p1")] == _entry(1)
    cache.touch(page_key("http://i/simple/", "p1"), 5000.0)
    assert cache.get(page_key("http://i/simple/", "p1")).fetched_at == 5000.0
    info = cache.info()
    assert (info.pages, info.metadata) == (5, 1) and info.newest == 5000.0
    assert cache.clear() == 6
    assert cache.info().pages == 0 and cache.failed is None


def test_snapshot_round_trip_between_backends(cache, tmp_path):
    cache.put_many({page_key("http://i/simple/", f"p{i}"): _entry(i) for i in range(3)})
    path = tmp_path / "snap" / "histories.jsonl.gz"
    assert export_snapshot(cache, path) == 3
    other = open_cache(str(tmp_path / "other.sqlite3"))
    assert import_snapshot(other, path) == 3
    assert other.get(page_key("http://i/simple/", "p2")) == _entry(2)
    # an entry newer in the cache is kept
    other.put(page_key("http://i/simple/", "p0"), CacheEntry(b"newer", 9e9))
    assert import_snapshot(other, path) == 0
    assert other.get(page_key("http://i/simple/", "p0")).data == b"newer"


def test_import_refuses_what_is_not_a_snapshot(tmp_path):
    bogus = tmp_path / "x.gz"
    bogus.write_bytes(b"not gzip")
    with pytest.raises(CacheError):
        import_snapshot(open_cache(str(tmp_path / "c.sqlite3")), bogus)


def _writer(path: str, worker: int, n: int) -> None:
    cache = open_cache(path)
    for i in range(n):
        cache.put(page_key("http://i/simple/", f"w{worker}-{i}"), _entry(i))
        cache.get_many([page_key("http://i/simple/", f"w{(worker + 1) % 4}-{i}")])
    assert cache.failed is None, cache.failed
    cache.close()


def test_several_processes_share_one_sqlite_file(tmp_path):
    path = str(tmp_path / "shared" / "c.sqlite3")
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_writer, args=(path, w, 40)) for w in range(4)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(timeout=60)
    assert [p.exitcode for p in procs] == [0, 0, 0, 0]
    cache = open_cache(path)
    assert cache.info().pages == 160


def test_several_clients_fetching_at_once_on_one_sqlite_file(index_server, tmp_path):
    path = str(tmp_path / "c.sqlite3")
    settings = IndexSettings(IndexURL.parse(index_server.url))

    async def one():
        async with IndexClient(settings, cache=path) as client:
            return await client.fetch_histories(["six", "mdurl", "pluggy", "iniconfig"])

    async def many():
        return await asyncio.gather(*(one() for _ in range(4)))

    results = asyncio.run(many())
    assert all(h.ok for r in results for h in r.values())
    assert open_cache(path).info().pages == 4


def test_redis_backend_serves_the_client(index_server, redis_cache, redis_url):
    settings = IndexSettings(IndexURL.parse(index_server.url))

    async def go(**kw):
        async with IndexClient(settings, cache=redis_url, **kw) as client:
            return await client.fetch_histories(["six", "nope"])

    first = asyncio.run(go())
    second = asyncio.run(go())
    assert first["six"].ok and second["six"].from_cache
    assert second["six"].version_strings() == first["six"].version_strings()
    assert second["nope"].status is FetchStatus.NOT_FOUND
    assert index_server.hits("/simple/six/") == 1
    assert redis_cache.info().pages == 2


def test_unreachable_redis_warns_once_and_carries_on(index_server):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # nothing listens here once closed
    settings = IndexSettings(IndexURL.parse(index_server.url))

    async def go():
        async with IndexClient(settings, cache=f"redis://127.0.0.1:{port}/0") as client:
            return client, await client.fetch_histories(["six", "mdurl"])

    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        client, results = asyncio.run(go())
    assert all(h.ok for h in results.values())
    assert len([w for w in record if issubclass(w.category, CacheUnavailableWarning)]) == 1
    assert client.cache_warning


def test_redis_that_dies_midway_warns_once(own_redis):
    cache = open_cache(own_redis.url)
    cache.put("page x y", _entry(1))
    own_redis.stop()
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        assert cache.get_many(["page x y"]) == {}
        cache.put("page x z", _entry(2))
    assert len(record) == 1 and cache.failed


def test_default_location_and_none(tmp_path, monkeypatch):
    monkeypatch.setenv("LOCKAUDIT_CACHE_DIR", str(tmp_path / "here"))
    c = open_cache(None)
    c.put("page a b", _entry(1))
    assert (tmp_path / "here" / "index-cache.sqlite3").exists()
    assert open_cache("none").get("page a b") is None
    assert open_cache(f"sqlite:///{tmp_path}/x.sqlite3").backend.path == Path(f"{tmp_path}/x.sqlite3")


def test_new_sqlite_files_use_large_pages_and_older_ones_keep_theirs(tmp_path):
    import sqlite3

    from lockaudit.index.cache.sqlite import SQLiteCache

    fresh = SQLiteCache(tmp_path / "new.sqlite3")
    try:
        assert fresh._db.execute("PRAGMA page_size").fetchone()[0] == 65536
        # Checkpoints come every ~4 MB of WAL, not all at once when the cache closes.
        assert fresh._db.execute("PRAGMA wal_autocheckpoint").fetchone()[0] == 64
    finally:
        fresh.close()
    old_path = tmp_path / "old.sqlite3"
    with sqlite3.connect(old_path) as db:  # a file an earlier lockaudit made
        db.execute("CREATE TABLE t (x)")
    old = SQLiteCache(old_path)
    try:
        assert old._db.execute("PRAGMA page_size").fetchone()[0] == 4096
        old.put_many({"page https://i/ x": CacheEntry(b"y" * 300_000, 1.0)})
        assert old.get_many(["page https://i/ x"])["page https://i/ x"].data == b"y" * 300_000
    finally:
        old.close()
