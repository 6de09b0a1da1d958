"""The default cache: one SQLite database in the user cache directory.

WAL mode lets readers and one writer work at once across processes; writes
take the lock up front (BEGIN IMMEDIATE) and wait for it (busy timeout), so
several lockaudit processes can share one file. Each put is one transaction:
atomic, never half written.
"""

from __future__ import annotations

import functools
import os
import sqlite3
import threading
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path

from .interface import API, METADATA, PAGE, Cache, CacheEntry, CacheInfo

__all__ = ["SQLiteCache", "DB_NAME", "ERRORS", "remove_database"]

DB_NAME = "index-cache.sqlite3"
SCHEMA_VERSION = 3
#: What a broken database raises (SafeCache turns these into one warning).
ERRORS: tuple[type[BaseException], ...] = (sqlite3.Error, OSError)

# An entry put with a split (a history and its file rows) keeps its head in
# ``entries.data`` and the rest in ``tails``, a table of its own: heads stay
# small rows packed in few pages, and reading them never touches a tail.
# ``gen`` tells one stored version of a key from the next, so that a tail is
# only ever joined to its own head (NULL: the entry has no tail).
_SCHEMA = (
    """CREATE TABLE IF NOT EXISTS entries (
    key TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    fetched_at REAL NOT NULL,
    etag TEXT,
    last_modified TEXT,
    gen INTEGER,
    data BLOB NOT NULL
)""",
    """CREATE TABLE IF NOT EXISTS tails (
    key TEXT PRIMARY KEY,
    gen INTEGER NOT NULL,
    tail BLOB NOT NULL
)""",
)


class SQLiteCache(Cache):
    name = "sqlite"

    def __init__(self, path: str | os.PathLike[str], *, timeout: float = 30.0) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # One connection shared by the event loop and worker threads, one at a time.
        self._lock = threading.Lock()
        self._timeout = timeout
        self._closed = False
        self._db = sqlite3.connect(self.path, timeout=timeout, isolation_level=None, check_same_thread=False)
        try:
            self._db.execute(f"PRAGMA busy_timeout = {int(timeout * 1000)}")
            # Several processes opening a new file at once race to switch it
            # to WAL and create the tables; a switch of journal mode that finds
            # another connection busy fails at once instead of waiting, so the
            # set-up is tried again for as long as the busy timeout allows.
            deadline = time.monotonic() + timeout
            delay = 0.005
            while True:
                try:
                    self._set_up()
                    break
                except sqlite3.OperationalError as exc:
                    if "locked" not in str(exc) and "busy" not in str(exc) or time.monotonic() > deadline:
                        raise
                    time.sleep(delay)
                    delay = min(delay * 2, 0.2)
        except BaseException:
            self._db.close()
            raise

    def _set_up(self) -> None:
        version = self._db.execute("PRAGMA user_version").fetchone()[0]
        if self._db.execute("PRAGMA page_count").fetchone()[0] == 0:
            # A new file: large pages, since a history's blob averages 200 KB
            # and reading one walks its overflow pages (measured: 57 MB of
            # histories read in 29 ms instead of 41 ms). Only settable now.
            self._db.execute("PRAGMA page_size = 65536")
        if self._db.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
            self._db.execute("PRAGMA journal_mode = WAL")
        self._db.execute("PRAGMA synchronous = NORMAL")
        # Checkpoint every ~4 MB of WAL, in the writer's thread while a fetch
        # goes on, rather than 60 MB at once when the cache closes.
        page_size = self._db.execute("PRAGMA page_size").fetchone()[0]
        self._db.execute(f"PRAGMA wal_autocheckpoint = {max(16, (4 << 20) // page_size)}")
        if version != SCHEMA_VERSION:
            with self._write():
                # Read again under the write lock: another process may have
                # just set the file up.
                version = self._db.execute("PRAGMA user_version").fetchone()[0]
                if version == SCHEMA_VERSION:
                    return
                if version != 0:
                    # An older layout: its entries are only a cache, start afresh.
                    self._db.execute("DROP TABLE IF EXISTS entries")
                    self._db.execute("DROP TABLE IF EXISTS tails")
                for statement in _SCHEMA:
                    self._db.execute(statement)
                self._db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

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
        for key, fetched_at, etag, last_modified, _, data, tail in self._select(keys, with_tails=True):
            split = None
            if tail is not None:
                split = len(data)
                data = data + tail
            out[key] = CacheEntry(bytes(data), fetched_at, etag, last_modified, split)
        return out

    def get_many_heads(self, keys: Sequence[str]) -> dict[str, CacheEntry]:
        out: dict[str, CacheEntry] = {}
        for key, fetched_at, etag, last_modified, gen, data in self._select(keys, with_tails=False):
            loader = functools.partial(self._load_tail, key, gen) if gen is not None else None
            out[key] = CacheEntry(bytes(data), fetched_at, etag, last_modified, tail=loader)
        return out

    def _select(self, keys: Sequence[str], *, with_tails: bool) -> list[tuple]:
        keys = list(dict.fromkeys(keys))
        rows: list[tuple] = []
        with self._lock:
            for i in range(0, len(keys), 500):
                chunk = keys[i : i + 500]
                marks = ",".join("?" * len(chunk))
                if with_tails:
                    query = (
                        "SELECT e.key, e.fetched_at, e.etag, e.last_modified, e.gen, e.data, t.tail FROM entries e"
                        f" LEFT JOIN tails t ON t.key = e.key AND t.gen = e.gen WHERE e.key IN ({marks})"
                    )
                else:
                    query = f"SELECT key, fetched_at, etag, last_modified, gen, data FROM entries WHERE key IN ({marks})"
                rows += self._db.execute(query, chunk).fetchall()
        return rows

    def _load_tail(self, key: str, gen: int | None) -> bytes | None:
        with self._lock:
            if self._closed:
                # The histories outlive the client that read them (a CLI run
                # closes the cache, then the audit looks at files): reopen.
                # Read-only: a file removed since (``cache clear``) is not recreated.
                uri = self.path.resolve().as_uri() + "?mode=ro"
                self._db = sqlite3.connect(uri, uri=True, timeout=self._timeout, check_same_thread=False)
                self._closed = False
            row = self._db.execute("SELECT tail FROM tails WHERE key = ? AND gen = ?", (key, gen)).fetchone()
        return None if row is None else bytes(row[0])

    def put_many(self, entries: Mapping[str, CacheEntry]) -> None:
        if not entries:
            return
        rows, tails, untailed = [], [], []
        for k, e in entries.items():
            data, gen = e.data, None
            if e.split is not None and 0 < e.split < len(data):
                view = memoryview(data)  # bound as BLOBs without copying
                data, gen = view[: e.split], int.from_bytes(os.urandom(8), "little") >> 2
                tails.append((k, gen, view[e.split :]))
            else:
                untailed.append((k,))
            rows.append((k, k.split(" ", 1)[0], e.fetched_at, e.etag, e.last_modified, gen, data))
        with self._write() as db:
            db.executemany(
                "INSERT OR REPLACE INTO entries (key, kind, fetched_at, etag, last_modified, gen, data)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                rows,
            )
            db.executemany("INSERT OR REPLACE INTO tails (key, gen, tail) VALUES (?, ?, ?)", tails)
            db.executemany("DELETE FROM tails WHERE key = ?", untailed)

    def touch(self, key: str, fetched_at: float) -> None:
        with self._write() as db:
            db.execute("UPDATE entries SET fetched_at = ? WHERE key = ?", (fetched_at, key))

    def iter_entries(self, kinds: Iterable[str] | None = None) -> Iterator[tuple[str, CacheEntry]]:
        query = (
            "SELECT e.key, e.fetched_at, e.etag, e.last_modified, e.data, t.tail FROM entries e"
            " LEFT JOIN tails t ON t.key = e.key AND t.gen = e.gen"
        )
        params: list[str] = []
        if kinds is not None:
            params = list(kinds)
            query += f" WHERE e.kind IN ({','.join('?' * len(params))})"
        with self._lock:
            rows = self._db.execute(query + " ORDER BY e.key", params).fetchall()
        for key, fetched_at, etag, last_modified, data, tail in rows:
            split = len(data) if tail is not None else None
            yield key, CacheEntry(bytes(data) + bytes(tail or b""), fetched_at, etag, last_modified, split)

    def clear(self) -> int:
        with self._write() as db:
            n = db.execute("SELECT COUNT(*) FROM entries").fetchone()[0]
            db.execute("DELETE FROM entries")
            db.execute("DELETE FROM tails")
        with self._lock:
            self._db.execute("VACUUM")
        return n

    def info(self) -> CacheInfo:
        with self._lock:
            counts = dict(self._db.execute("SELECT kind, COUNT(*) FROM entries GROUP BY kind").fetchall())
            oldest, newest = self._db.execute("SELECT MIN(fetched_at), MAX(fetched_at) FROM entries").fetchone()
        size = sum(p.stat().st_size for p in self._files() if p.exists())
        return CacheInfo(
            self.name, str(self.path), counts.get(PAGE, 0), counts.get(METADATA, 0), size, oldest, newest, counts.get(API, 0)
        )

    def _files(self) -> list[Path]:
        return [self.path, Path(f"{self.path}-wal"), Path(f"{self.path}-shm")]

    def close(self) -> None:
        with self._lock:
            self._db.close()
            self._closed = True


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
