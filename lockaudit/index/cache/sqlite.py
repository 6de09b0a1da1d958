"""The default cache: one SQLite database in the user cache directory.

WAL mode lets readers and one writer work at once across processes; writes
take the lock up front (BEGIN IMMEDIATE) and wait for it (busy timeout), so
several lockaudit processes can share one file. Each put is one transaction:
atomic, never half written.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path

from .interface import METADATA, PAGE, Cache, CacheEntry, CacheInfo

__all__ = ["SQLiteCache", "DB_NAME", "ERRORS", "remove_database"]

DB_NAME = "index-cache.sqlite3"
SCHEMA_VERSION = 1
#: What a broken database raises (SafeCache turns these into one warning).
ERRORS: tuple[type[BaseException], ...] = (sqlite3.Error, OSError)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS entries (
    key TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    fetched_at REAL NOT NULL,
    etag TEXT,
    last_modified TEXT,
    data BLOB NOT NULL
);
"""


class SQLiteCache(Cache):
    name = "sqlite"

    def __init__(self, path: str | os.PathLike[str], *, timeout: float = 30.0) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # One connection shared by the event loop and worker threads, one at a time.
        self._lock = threading.Lock()
        self._db = sqlite3.connect(self.path, timeout=timeout, isolation_level=None, check_same_thread=False)
        try:
            self._db.execute(f"PRAGMA busy_timeout = {int(timeout * 1000)}")
            version = self._db.execute("PRAGMA user_version").fetchone()[0]
            if self._db.execute("PRAGMA page_count").fetchone()[0] == 0:
                # A new file: large pages, since a history's blob averages 200 KB
                # and reading one walks its overflow pages (measured: 57 MB of
                # histories read in 29 ms instead of 41 ms). Only settable now.
                self._db.execute("PRAGMA page_size = 65536")
            if self._db.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
                self._db.execute("PRAGMA journal_mode = WAL")
            self._db.execute("PRAGMA synchronous = NORMAL")
            # Checkpoint every ~4 MB of WAL, in the writer's thread while a
            # fetch goes on, rather than 60 MB at once when the cache closes.
            page_size = self._db.execute("PRAGMA page_size").fetchone()[0]
            self._db.execute(f"PRAGMA wal_autocheckpoint = {max(16, (4 << 20) // page_size)}")
            if version != SCHEMA_VERSION:
                with self._write():
                    if version not in (0, SCHEMA_VERSION):
                        # An older layout: its entries are only a cache, start afresh.
                        self._db.execute("DROP TABLE IF EXISTS entries")
                    self._db.execute(_SCHEMA)
                    self._db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        except BaseException:
            self._db.close()
            raise

    class _Tx:
        def __init__(self, cache: SQLiteCache) -> None:
            self.cache = cache

        def __enter__(self) -> sqlite3.Connection:
            self.cache._lock.acquire()
            try:
                self.cache._db.execute("BEGIN IMMEDIATE")
            except BaseException:
                self.cache._lock.release()
                raise
            return self.cache._db

        def __exit__(self, exc_type, exc, tb) -> None:
            try:
                self.cache._db.execute("COMMIT" if exc_type is None else "ROLLBACK")
            finally:
                self.cache._lock.release()

    def _write(self) -> SQLiteCache._Tx:
        return SQLiteCache._Tx(self)

    def get_many(self, keys: Sequence[str]) -> dict[str, CacheEntry]:
        out: dict[str, CacheEntry] = {}
        keys = list(dict.fromkeys(keys))
        with self._lock:
            for i in range(0, len(keys), 500):
                chunk = keys[i : i + 500]
                marks = ",".join("?" * len(chunk))
                for key, fetched_at, etag, last_modified, data in self._db.execute(
                    f"SELECT key, fetched_at, etag, last_modified, data FROM entries WHERE key IN ({marks})", chunk
                ):
                    out[key] = CacheEntry(bytes(data), fetched_at, etag, last_modified)
        return out

    def put_many(self, entries: Mapping[str, CacheEntry]) -> None:
        if not entries:
            return
        with self._write() as db:
            db.executemany(
                "INSERT OR REPLACE INTO entries (key, kind, fetched_at, etag, last_modified, data) VALUES (?, ?, ?, ?, ?, ?)",
                [(k, k.split(" ", 1)[0], e.fetched_at, e.etag, e.last_modified, e.data) for k, e in entries.items()],
            )

    def touch(self, key: str, fetched_at: float) -> None:
        with self._write() as db:
            db.execute("UPDATE entries SET fetched_at = ? WHERE key = ?", (fetched_at, key))

    def iter_entries(self, kinds: Iterable[str] | None = None) -> Iterator[tuple[str, CacheEntry]]:
        query = "SELECT key, fetched_at, etag, last_modified, data FROM entries"
        params: list[str] = []
        if kinds is not None:
            params = list(kinds)
            query += f" WHERE kind IN ({','.join('?' * len(params))})"
        with self._lock:
            rows = self._db.execute(query + " ORDER BY key", params).fetchall()
        for key, fetched_at, etag, last_modified, data in rows:
            yield key, CacheEntry(bytes(data), fetched_at, etag, last_modified)

    def clear(self) -> int:
        with self._write() as db:
            n = db.execute("SELECT COUNT(*) FROM entries").fetchone()[0]
            db.execute("DELETE FROM entries")
        with self._lock:
            self._db.execute("VACUUM")
        return n

    def info(self) -> CacheInfo:
        with self._lock:
            counts = dict(self._db.execute("SELECT kind, COUNT(*) FROM entries GROUP BY kind").fetchall())
            oldest, newest = self._db.execute("SELECT MIN(fetched_at), MAX(fetched_at) FROM entries").fetchone()
        size = sum(p.stat().st_size for p in self._files() if p.exists())
        return CacheInfo(self.name, str(self.path), counts.get(PAGE, 0), counts.get(METADATA, 0), size, oldest, newest)

    def _files(self) -> list[Path]:
        return [self.path, Path(f"{self.path}-wal"), Path(f"{self.path}-shm")]

    def close(self) -> None:
        with self._lock:
            self._db.close()


def remove_database(path: str | os.PathLike[str]) -> bool:
    """Delete a cache database and its WAL files (``cache clear`` on a corrupt file)."""
    removed = False
    for p in (Path(path), Path(f"{path}-wal"), Path(f"{path}-shm"), Path(f"{path}-journal")):
        try:
            p.unlink()
            removed = True
        except FileNotFoundError:
            pass
    return removed
