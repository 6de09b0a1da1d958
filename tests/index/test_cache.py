"""Cache backends: SQLite (several processes at once), Redis (a real server),
snapshots, and the guard that keeps a broken cache from breaking a run."""

from __future__ import annotations

import asyncio
import multiprocessing
import socket
import warnings
from datetime import UTC
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


def _history_blob(name: str, files: int) -> bytes:
    from datetime import datetime

    from lockaudit.index.history import build_history_blob

    rows = [
        [f"{name}-1.0-{i}-py3-none-any.whl", "", {"sha256": f"{i:064x}"}, None, False, None, 10, None]
        for i in range(files)
    ]
    return build_history_blob(
        name,
        {"1.0": rows},
        fetched_at=datetime(2026, 1, 1, tzinfo=UTC),
        index="https://i/simple/",
        api_version="1.1",
    )


def test_history_rows_are_kept_apart_and_read_only_when_looked_at(cache, tmp_path):
    from lockaudit.index.history import decode_history, rows_offset

    blob = _history_blob("demo", 50)
    key = page_key("https://i/simple/", "demo")
    cache.put_many({key: CacheEntry(blob, 1.0, split=rows_offset(blob))})
    whole = cache.get_many([key])[key]
    assert whole.data == blob  # every backend gives the whole entry back
    head = cache.get_many_heads([key])[key]
    if cache.name == "sqlite":
        assert len(head.data) == rows_offset(blob) and head.tail is not None
    else:  # Redis keeps entries whole
        assert head.data == blob and head.tail is None
    history = decode_history(head.data, rows=head.tail)
    assert [f.filename for f in history.versions[0].files] == [f"demo-1.0-{i}-py3-none-any.whl" for i in range(50)]
    # A snapshot carries the rows too.
    snap = tmp_path / "snap.tar"
    export_snapshot(cache, snap)
    other = open_cache(str(tmp_path / "other.sqlite3"))
    try:
        import_snapshot(other, snap)
        assert other.get_many([key])[key].data == blob
    finally:
        other.close()


def test_rows_of_a_replaced_entry_are_never_joined_to_the_old_head(tmp_path):
    from lockaudit.index.history import HistoryDecodeError, decode_history, rows_offset

    path = str(tmp_path / "c.sqlite3")
    key = page_key("https://i/simple/", "demo")
    cache = open_cache(path)
    old, new = _history_blob("demo", 3), _history_blob("demo", 7)
    cache.put_many({key: CacheEntry(old, 1.0, split=rows_offset(old))})
    head = cache.get_many_heads([key])[key]
    stale = decode_history(head.data, rows=head.tail)
    kept = decode_history(head.data, rows=head.tail)
    assert len(kept.versions[0].files) == 3  # read now: rows of its own generation
    cache.close()
    # Rows still load after the cache is closed (a CLI run closes it before the audit looks at files)...
    again = open_cache(path)
    head = again.get_many_heads([key])[key]
    again.close()
    assert len(decode_history(head.data, rows=head.tail).versions[0].files) == 3
    again = open_cache(path)
    # ...but once another writer has replaced the entry, the old head gets no rows rather than wrong ones.
    again.put_many({key: CacheEntry(new, 2.0, split=rows_offset(new))})
    again.close()
    with pytest.raises(HistoryDecodeError, match="changed while it was in use"):
        list(stale.versions[0].files)
    assert len(kept.versions[0].files) == 3


def test_a_version_1_database_starts_afresh(tmp_path):
    import sqlite3

    from lockaudit.index.history import rows_offset

    path = tmp_path / "v1.sqlite3"
    with sqlite3.connect(path) as db:
        db.execute(
            "CREATE TABLE entries (key TEXT PRIMARY KEY, kind TEXT NOT NULL, fetched_at REAL NOT NULL,"
            " etag TEXT, last_modified TEXT, data BLOB NOT NULL)"
        )
        db.execute(
            "INSERT INTO entries VALUES ('page https://i/simple/ a', 'page', 1.0, NULL, NULL, ?)",
            (_history_blob("a", 2),),
        )
        db.execute("PRAGMA user_version = 1")
    cache = open_cache(str(path))
    try:
        assert cache.get_many(["page https://i/simple/ a"]) == {}  # only a cache: fetched again
        blob = _history_blob("b", 2)
        cache.put_many({"page https://i/simple/ b": CacheEntry(blob, 1.0, split=rows_offset(blob))})
        assert cache.get_many(["page https://i/simple/ b"])["page https://i/simple/ b"].data == blob
        assert cache.get_many_heads(["page https://i/simple/ b"])["page https://i/simple/ b"].tail is not None
    finally:
        cache.close()
