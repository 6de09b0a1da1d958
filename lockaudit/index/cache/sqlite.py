"""The default cache: one SQLite database in the user cache directory.

WAL mode lets readers and one writer work at once across processes; writes
take the lock up front (BEGIN IMMEDIATE) and wait for it (busy timeout), so
several lockaudit processes can share one file. Each put is one transaction:
atomic, never half written.

Damage is expected and survived:

- every blob is stored with its CRC-32 and checked when read; a mismatch is a
  miss (fetched again), the damaged entry is dropped, and the owner is told;
- a file SQLite reports as corrupt ("file is not a database", "malformed") is
  moved aside (``<name>.damaged-<time>``, nothing is deleted) and a new one
  started, once, not warned about on every later run;
- a cache the user cannot write (a read-only directory or file) is opened
  read-only and answers from what it holds; nothing new is stored.
"""

from __future__ import annotations

import functools
import os
import sqlite3
import threading
import time
import zlib
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from types import TracebackType

from .interface import API, METADATA, PAGE, Cache, CacheDamage, CacheEntry, CacheInfo

__all__ = ["DB_NAME", "ERRORS", "SQLiteCache", "is_corrupt", "remove_damaged_copies", "remove_database"]

DB_NAME = "index-cache.sqlite3"
SCHEMA_VERSION = 4
#: What a broken database raises (SafeCache turns these into one warning).
ERRORS: tuple[type[BaseException], ...] = (sqlite3.Error, OSError)

# An entry put with a split (a history and its file rows) keeps its head in
# ``entries.data`` and the rest in ``tails``, a table of its own: heads stay
# small rows packed in few pages, and reading them never touches a tail.
# ``gen`` tells one stored version of a key from the next, so that a tail is
# only ever joined to its own head (NULL: the entry has no tail). ``crc`` is
# the CRC-32 of the blob beside it.
_SCHEMA = (
    """CREATE TABLE IF NOT EXISTS entries (
    key TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    fetched_at REAL NOT NULL,
    etag TEXT,
    last_modified TEXT,
    gen INTEGER,
    crc INTEGER NOT NULL,
    data BLOB NOT NULL
)""",
    """CREATE TABLE IF NOT EXISTS tails (
    key TEXT PRIMARY KEY,
    gen INTEGER NOT NULL,
    crc INTEGER NOT NULL,
    tail BLOB NOT NULL
)""",
)

# Primary result codes (sqlite3.Error.sqlite_errorcode & 0xff).
_READONLY, _CORRUPT, _CANTOPEN, _NOTADB = 8, 11, 14, 26


def _code(exc: BaseException) -> int | None:
    code = getattr(exc, "sqlite_errorcode", None)
    return None if code is None else code & 0xFF


def is_corrupt(exc: BaseException) -> bool:
    """Whether SQLite says the file itself is damaged (not busy, not read-only)."""
    return isinstance(exc, sqlite3.DatabaseError) and _code(exc) in (_CORRUPT, _NOTADB)


def _crc(data: bytes | memoryview) -> int:
    return zlib.crc32(data)


def _writable(path: Path) -> bool:
    """Whether this process may write the database (and create its WAL files beside it)."""
    if path.exists() and not os.access(path, os.W_OK):
        return False
    return os.access(path.parent, os.W_OK)


class SQLiteCache(Cache):
    name = "sqlite"

    def __init__(self, path: str | os.PathLike[str], *, timeout: float = 30.0) -> None:
        self.path = Path(path)
        # One connection shared by the event loop and worker threads, one at a time.
        self._lock = threading.Lock()
        self._timeout = timeout
        self._closed = False
        #: True once reopened read-only for rows read after ``close`` (see ``_load_tail``).
        self._reopened = False
        #: Set when a damaged file was moved aside on opening: what to tell the user.
        self.recovered: str | None = None
        self.read_only = self.path.exists() and not _writable(self.path)
        if self.read_only:
            self._db = self._open_read_only()
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self._db = self._open_read_write()
        except sqlite3.DatabaseError as exc:
            if not is_corrupt(exc):
                raise
            moved = self._move_aside()
            self.recovered = (
                f"the {self.name} cache file {self.path} was damaged ({exc}); moved it to {moved} and started a new one"
            )
            self._db = self._open_read_write()

    def _open_read_write(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, timeout=self._timeout, isolation_level=None, check_same_thread=False)
        self._db = db
        try:
            db.execute(f"PRAGMA busy_timeout = {int(self._timeout * 1000)}")
            # Several processes opening a new file at once race to switch it
            # to WAL and create the tables; a switch of journal mode that finds
            # another connection busy fails at once instead of waiting, so the
            # set-up is tried again for as long as the busy timeout allows.
            deadline = time.monotonic() + self._timeout
            delay = 0.005
            while True:
                try:
                    self._set_up()
                    break
                except sqlite3.OperationalError as exc:
                    if ("locked" not in str(exc) and "busy" not in str(exc)) or time.monotonic() > deadline:
                        raise
                    time.sleep(delay)
                    delay = min(delay * 2, 0.2)
        except BaseException:
            db.close()
            raise
        return db

    def _open_read_only(self) -> sqlite3.Connection:
        """The file as it is, never written. A WAL database needs its shared-memory
        file: where it cannot be made, the file is read as immutable (what the
        last checkpoint holds, which is all of it once every writer closed)."""
        uri = self.path.resolve().as_uri()
        last: sqlite3.Error | None = None
        for query in ("?mode=ro", "?mode=ro&immutable=1"):
            db = sqlite3.connect(uri + query, uri=True, timeout=self._timeout, check_same_thread=False)
            try:
                version = db.execute("PRAGMA user_version").fetchone()[0]
                db.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()
            except sqlite3.OperationalError as exc:
                db.close()
                last = exc
                if _code(exc) in (_CANTOPEN, _READONLY):
                    continue
                raise
            except BaseException:
                db.close()
                raise
            if version != SCHEMA_VERSION:
                db.close()
                raise sqlite3.OperationalError(
                    f"{self.path} is read-only and holds the cache layout of another lockaudit version"
                )
            return db
        assert last is not None
        raise last

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

        def __exit__(
            self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
        ) -> None:
            try:
                self.cache._db.execute("COMMIT" if exc_type is None else "ROLLBACK")
            finally:
                self.cache._lock.release()

    def _write(self) -> SQLiteCache._Tx:
        return SQLiteCache._Tx(self)

    def get_many(self, keys: Sequence[str]) -> dict[str, CacheEntry]:
        out: dict[str, CacheEntry] = {}
        damaged = []
        for key, fetched_at, etag, last_modified, gen, crc, data, tail_crc, tail in self._select(keys, with_tails=True):
            if _crc(data) != crc or (gen is not None and tail is not None and _crc(tail) != tail_crc):
                damaged.append((key, gen))
                continue
            split = None
            if tail is not None:
                split = len(data)
                data = data + tail
            out[key] = CacheEntry(bytes(data), fetched_at, etag, last_modified, split)
        self._drop_damaged(damaged)
        return out

    def get_many_heads(self, keys: Sequence[str]) -> dict[str, CacheEntry]:
        out: dict[str, CacheEntry] = {}
        damaged = []
        for key, fetched_at, etag, last_modified, gen, crc, data in self._select(keys, with_tails=False):
            if _crc(data) != crc:
                damaged.append((key, gen))
                continue
            loader = functools.partial(self._load_tail, key, gen) if gen is not None else None
            out[key] = CacheEntry(bytes(data), fetched_at, etag, last_modified, tail=loader)
        self._drop_damaged(damaged)
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
                        "SELECT e.key, e.fetched_at, e.etag, e.last_modified, e.gen, e.crc, e.data, t.crc, t.tail"
                        " FROM entries e LEFT JOIN tails t ON t.key = e.key AND t.gen = e.gen"
                        f" WHERE e.key IN ({marks})"
                    )
                else:
                    query = (
                        "SELECT key, fetched_at, etag, last_modified, gen, crc, data FROM entries"
                        f" WHERE key IN ({marks})"
                    )
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
                self._reopened = True
            row = self._db.execute("SELECT crc, tail FROM tails WHERE key = ? AND gen = ?", (key, gen)).fetchone()
        if row is None:
            return None
        crc, tail = row
        if _crc(tail) != crc:
            self._drop_damaged([(key, gen)])
            raise CacheDamage(f"the cached file rows of {key.rsplit(' ', 1)[-1]!r} are damaged (checksum mismatch)")
        return bytes(tail)

    def _drop_damaged(self, damaged: list[tuple[str, int | None]]) -> None:
        """Report damaged entries and remove them (only that stored version of
        each), so that the next run does not meet them again."""
        if not damaged:
            return
        for key, _ in damaged:
            self._damaged(key)
        if self.read_only or self._closed:
            return

        def drop(db: sqlite3.Connection) -> None:
            for key, gen in damaged:
                db.execute("DELETE FROM entries WHERE key = ? AND gen IS ?", (key, gen))
                db.execute("DELETE FROM tails WHERE key = ? AND gen IS ?", (key, gen))

        try:
            if self._reopened:
                # Reopened read-only for rows after the owner closed it: a
                # connection of its own for this one write.
                db = sqlite3.connect(self.path, timeout=self._timeout, isolation_level=None)
                try:
                    db.execute("BEGIN IMMEDIATE")
                    drop(db)
                    db.execute("COMMIT")
                finally:
                    db.close()
                return
            with self._write() as db:
                drop(db)
        except sqlite3.OperationalError as exc:
            if _code(exc) != _READONLY:
                raise
            self.read_only = True

    def put_many(self, entries: Mapping[str, CacheEntry]) -> None:
        if not entries or self.read_only:
            return
        rows, tails, untailed = [], [], []
        for k, e in entries.items():
            data: bytes | memoryview = e.data
            gen = None
            if e.split is not None and 0 < e.split < len(data):
                view = memoryview(data)  # bound as BLOBs without copying
                data, gen = view[: e.split], int.from_bytes(os.urandom(8), "little") >> 2
                rest = view[e.split :]
                tails.append((k, gen, _crc(rest), rest))
            else:
                untailed.append((k,))
            rows.append((k, k.split(" ", 1)[0], e.fetched_at, e.etag, e.last_modified, gen, _crc(data), data))
        try:
            with self._write() as db:
                db.executemany(
                    "INSERT OR REPLACE INTO entries (key, kind, fetched_at, etag, last_modified, gen, crc, data)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    rows,
                )
                db.executemany("INSERT OR REPLACE INTO tails (key, gen, crc, tail) VALUES (?, ?, ?, ?)", tails)
                db.executemany("DELETE FROM tails WHERE key = ?", untailed)
        except sqlite3.OperationalError as exc:
            if _code(exc) != _READONLY:
                raise
            # Writable by its permissions, yet not (a read-only mount): read from it all the same.
            self.read_only = True

    def touch(self, key: str, fetched_at: float) -> None:
        if self.read_only:
            return
        try:
            with self._write() as db:
                db.execute("UPDATE entries SET fetched_at = ? WHERE key = ?", (fetched_at, key))
        except sqlite3.OperationalError as exc:
            if _code(exc) != _READONLY:
                raise
            self.read_only = True

    def iter_entries(self, kinds: Iterable[str] | None = None) -> Iterator[tuple[str, CacheEntry]]:
        query = (
            "SELECT e.key, e.fetched_at, e.etag, e.last_modified, e.gen, e.crc, e.data, t.crc, t.tail FROM entries e"
            " LEFT JOIN tails t ON t.key = e.key AND t.gen = e.gen"
        )
        params: list[str] = []
        if kinds is not None:
            params = list(kinds)
            query += f" WHERE e.kind IN ({','.join('?' * len(params))})"
        with self._lock:
            rows = self._db.execute(query + " ORDER BY e.key", params).fetchall()
        damaged = []
        for key, fetched_at, etag, last_modified, gen, crc, data, tail_crc, tail in rows:
            if _crc(data) != crc or (tail is not None and _crc(tail) != tail_crc):
                damaged.append((key, gen))
                continue
            split = len(data) if tail is not None else None
            yield key, CacheEntry(bytes(data) + bytes(tail or b""), fetched_at, etag, last_modified, split)
        self._drop_damaged(damaged)

    def clear(self) -> int:
        if self.read_only:
            raise sqlite3.OperationalError(f"{self.path} is read-only: nothing can be removed from it")
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
            self.name,
            str(self.path),
            counts.get(PAGE, 0),
            counts.get(METADATA, 0),
            size,
            oldest,
            newest,
            api=counts.get(API, 0),
            read_only=self.read_only,
        )

    def _files(self) -> list[Path]:
        return [self.path, Path(f"{self.path}-wal"), Path(f"{self.path}-shm")]

    def close(self) -> None:
        with self._lock:
            self._db.close()
            self._closed = True

    def quarantine(self, exc: BaseException) -> str | None:
        """After ``exc`` (met while in use): if it says the file is damaged, move
        the file aside so that the next run starts a new one. What was done, or None."""
        if not is_corrupt(exc) or self.read_only:
            return None
        self.close()
        moved = self._move_aside()
        return f"moved the damaged file to {moved}; the next run starts a new one"

    def _move_aside(self) -> Path:
        """Rename the database (and its WAL files) out of the way; nothing is deleted."""
        stamp = time.strftime("%Y%m%dT%H%M%S", time.gmtime())
        target = self.path.with_name(f"{self.path.name}.damaged-{stamp}")
        n = 1
        while target.exists():
            n += 1
            target = self.path.with_name(f"{self.path.name}.damaged-{stamp}-{n}")
        os.replace(self.path, target)
        for suffix in ("-wal", "-shm", "-journal"):
            side = Path(f"{self.path}{suffix}")
            if side.exists():
                try:
                    os.replace(side, Path(f"{target}{suffix}"))
                except OSError:
                    pass
        return target


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


def remove_damaged_copies(path: str | os.PathLike[str]) -> int:
    """Delete the damaged files earlier runs moved aside (``<name>.damaged-*``); how many."""
    p = Path(path)
    n = 0
    for old in p.parent.glob(f"{p.name}.damaged-*"):
        try:
            old.unlink()
        except OSError:
            continue
        if not old.name.endswith(("-wal", "-shm", "-journal")):
            n += 1
    return n
