"""Portable snapshots of the cache, for an air-gapped CI to audit without network.

A snapshot is gzip-compressed JSON lines: a header line naming the format,
then one line per entry with its key, validators, fetch time and data
(base64): release histories, metadata files, and whatever else other layers
cached. Keys carry credential-free index URLs, so a snapshot holds no secret.
"""

from __future__ import annotations

import base64
import binascii
import gzip
import math
import os
import tempfile
import time
from collections.abc import Iterable
from pathlib import Path

import orjson

from ...errors import CacheError
from .interface import Cache, CacheEntry

__all__ = ["FORMAT", "export_snapshot", "import_snapshot", "read_snapshot"]

FORMAT = "lockaudit-index-snapshot"
VERSION = 1


def export_snapshot(cache: Cache, path: str | os.PathLike[str], kinds: Iterable[str] | None = None) -> int:
    """Write every entry (of the given kinds) to ``path`` (atomically); returns the count."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=target.name + ".", suffix=".tmp", dir=target.parent)
    n = 0
    try:
        with os.fdopen(fd, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as out:
            out.write(orjson.dumps({"format": FORMAT, "version": VERSION, "created": time.time()}) + b"\n")
            for key, entry in cache.iter_entries(None if kinds is None else list(kinds)):
                line = {
                    "key": key,
                    "fetched_at": entry.fetched_at,
                    "etag": entry.etag,
                    "last_modified": entry.last_modified,
                    "data": base64.b64encode(entry.data).decode("ascii"),
                }
                out.write(orjson.dumps(line) + b"\n")
                n += 1
        os.replace(tmp, target)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    return n


def import_snapshot(cache: Cache, path: str | os.PathLike[str]) -> int:
    """Load a snapshot into ``cache``, all of it or nothing; an entry newer in the
    cache is kept. Returns the count written.

    The whole file is read and checked first (gzip's checksum, every line's
    shape); any damage raises CacheError naming the line, before the cache is
    touched (entries are opaque bytes here: the client refetches one it cannot
    read). Then one write puts every entry at
    once (one transaction in SQLite, MULTI/EXEC in Redis).
    """
    entries = read_snapshot(path)
    if cache.read_only:
        raise CacheError(f"the {cache.name} cache is read-only: nothing imported from {path}")
    current = cache.get_many(list(entries)) if entries else {}
    fresh = {k: e for k, e in entries.items() if k not in current or current[k].fetched_at < e.fetched_at}
    if fresh:
        cache.put_many(fresh)
    failed = getattr(cache, "failed", None)
    if failed is not None:
        raise CacheError(f"the {cache.name} cache failed during the import ({failed}); nothing was imported")
    return len(fresh)


def read_snapshot(path: str | os.PathLike[str]) -> dict[str, CacheEntry]:
    """Every entry of a snapshot, checked; raises CacheError naming the first damage."""
    import zlib

    name = os.fspath(path)
    entries: dict[str, CacheEntry] = {}
    lineno = 0
    try:
        with gzip.open(path, "rb") as f:
            lineno = 1
            header = _json(f.readline(), name, lineno)
            if not isinstance(header, dict) or header.get("format") != FORMAT:
                raise CacheError(f"{name} is not a lockaudit index snapshot")
            if header.get("version") != VERSION:
                raise CacheError(f"{name} is a snapshot of version {header.get('version')!r}, expected {VERSION}")
            for line in f:
                lineno += 1
                if not line.strip():
                    continue
                key, entry = _entry(_json(line, name, lineno), name, lineno)
                entries[key] = entry
    except CacheError:
        raise
    except (OSError, EOFError, zlib.error) as exc:
        # gzip checks its CRC-32 at the end: a flipped bit or a cut file ends here.
        where = f", line {lineno}" if lineno else ""
        raise CacheError(
            f"cannot read snapshot {name}{where}: damaged or truncated ({exc or type(exc).__name__})"
        ) from None
    return entries


def _json(line: bytes, name: str, lineno: int) -> object:
    try:
        return orjson.loads(line)
    except orjson.JSONDecodeError as exc:
        raise CacheError(f"{name}, line {lineno}: not a JSON line ({exc})") from None


def _entry(item: object, name: str, lineno: int) -> tuple[str, CacheEntry]:
    def bad(why: str) -> CacheError:
        return CacheError(f"{name}, line {lineno}: {why}")

    if not isinstance(item, dict):
        raise bad("an entry must be a JSON object")
    key, when, data = item.get("key"), item.get("fetched_at"), item.get("data")
    etag, modified = item.get("etag"), item.get("last_modified")
    if not isinstance(key, str) or " " not in key.strip() or "\x00" in key:
        raise bad(f"the key must be a string '<kind> <name>', not {str(key)[:80]!r}")
    if isinstance(when, bool) or not isinstance(when, (int, float)) or not math.isfinite(when):
        raise bad(f"fetched_at must be a number, not {str(when)[:80]!r}")
    for field, value in (("etag", etag), ("last_modified", modified)):
        if value is not None and not isinstance(value, str):
            raise bad(f"{field} must be a string or null")
    if not isinstance(data, str):
        raise bad("data must be a base64 string")
    try:
        blob = base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise bad(f"data is not valid base64 ({exc})") from None
    return key, CacheEntry(blob, float(when), etag, modified)
