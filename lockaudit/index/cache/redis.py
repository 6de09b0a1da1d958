"""The shared cache for a fleet of service instances: Redis (``--cache redis://...``).

Same interface as the SQLite cache. Each entry is one Redis string (a small
header, then the data), so a bulk read is one MGET. Every key expires after
``expire`` seconds unless rewritten, so an abandoned fleet cache empties itself.
The header holds the data's CRC-32: an entry that does not match it is a miss,
reported and deleted.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Iterable, Iterator, Mapping, Sequence

import orjson
import redis

from ..settings import redact_url
from .interface import API, METADATA, PAGE, Cache, CacheEntry, CacheInfo

__all__ = ["ERRORS", "RedisCache"]

ERRORS: tuple[type[BaseException], ...] = (redis.RedisError, OSError)

_LEN = struct.Struct("<I")


def _pack(entry: CacheEntry) -> bytes:
    head = orjson.dumps([entry.fetched_at, entry.etag, entry.last_modified, zlib.crc32(entry.data)])
    return _LEN.pack(len(head)) + head + entry.data


class _Damaged(Exception):
    pass


def _unpack(raw: bytes) -> CacheEntry:
    """The entry; raises _Damaged for bytes that are not a whole entry of ours."""
    try:
        (n,) = _LEN.unpack_from(raw, 0)
        fetched_at, etag, last_modified, crc = orjson.loads(raw[4 : 4 + n])
        data = raw[4 + n :]
        if (
            zlib.crc32(data) != crc
            or not isinstance(etag, (str, type(None)))
            or not isinstance(last_modified, (str, type(None)))
        ):
            raise _Damaged
        return CacheEntry(data, float(fetched_at), etag, last_modified)
    except (struct.error, orjson.JSONDecodeError, TypeError, ValueError) as exc:
        raise _Damaged from exc  # not ours or damaged: a miss, never wrong data


class RedisCache(Cache):
    name = "redis"

    def __init__(
        self,
        url: str,
        *,
        prefix: str = "lockaudit:v2:",
        expire: int = 30 * 24 * 3600,
        socket_timeout: float = 2.0,
    ) -> None:
        self.url = redact_url(url)
        self.prefix = prefix
        self.expire = expire
        self._r = redis.Redis.from_url(
            url, socket_timeout=socket_timeout, socket_connect_timeout=socket_timeout, health_check_interval=30
        )
        self._r.ping()  # fail now, where SafeCache can warn, not mid-audit

    def get_many(self, keys: Sequence[str]) -> dict[str, CacheEntry]:
        keys = list(dict.fromkeys(keys))
        out: dict[str, CacheEntry] = {}
        for i in range(0, len(keys), 1000):
            chunk = keys[i : i + 1000]
            damaged = []
            for key, raw in zip(chunk, self._r.mget([self.prefix + k for k in chunk]), strict=True):
                if raw is None:
                    continue
                if not isinstance(raw, bytes):  # the client answers bytes; anything else is not ours
                    damaged.append(key)
                    continue
                try:
                    out[key] = _unpack(raw)
                except _Damaged:
                    damaged.append(key)
            if damaged:
                for key in damaged:
                    self._damaged(key)
                self._r.delete(*(self.prefix + k for k in damaged))
        return out

    def put_many(self, entries: Mapping[str, CacheEntry]) -> None:
        if not entries:
            return
        # MULTI/EXEC: the whole batch lands at once.
        with self._r.pipeline(transaction=True) as pipe:
            for key, entry in entries.items():
                pipe.set(self.prefix + key, _pack(entry), ex=self.expire)
            pipe.execute()

    def touch(self, key: str, fetched_at: float) -> None:
        entry = self.get_many([key]).get(key)
        if entry is not None:
            self.put(key, CacheEntry(entry.data, fetched_at, entry.etag, entry.last_modified))

    def _keys(self) -> Iterator[bytes]:
        return self._r.scan_iter(match=self.prefix + "*", count=1000)

    def iter_entries(self, kinds: Iterable[str] | None = None) -> Iterator[tuple[str, CacheEntry]]:
        keys = sorted(k.decode()[len(self.prefix) :] for k in self._keys())
        if kinds is not None:
            wanted = set(kinds)
            keys = [k for k in keys if k.split(" ", 1)[0] in wanted]
        for i in range(0, len(keys), 500):
            found = self.get_many(keys[i : i + 500])
            for k in keys[i : i + 500]:
                if k in found:
                    yield k, found[k]

    def clear(self) -> int:
        n = 0
        batch: list[bytes] = []
        for k in self._keys():
            batch.append(k)
            if len(batch) >= 1000:
                n += self._r.delete(*batch)
                batch = []
        if batch:
            n += self._r.delete(*batch)
        return n

    def info(self) -> CacheInfo:
        pages = metadata = api = size = 0
        oldest: float | None = None
        newest: float | None = None
        for key, entry in self.iter_entries():
            if key.startswith(PAGE + " "):
                pages += 1
            elif key.startswith(METADATA + " "):
                metadata += 1
            elif key.startswith(API + " "):
                api += 1
            size += len(entry.data)
            oldest = entry.fetched_at if oldest is None else min(oldest, entry.fetched_at)
            newest = entry.fetched_at if newest is None else max(newest, entry.fetched_at)
        return CacheInfo(self.name, self.url, pages, metadata, size, oldest, newest, api)

    def close(self) -> None:
        self._r.close()
