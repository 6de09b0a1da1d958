"""Portable snapshots of the cache, for an air-gapped CI to audit without network.

A snapshot is gzip-compressed JSON lines: a header line naming the format,
then one line per entry with its key, validators, fetch time and data
(base64): release histories, metadata files, and whatever else other layers
cached. Keys carry credential-free index URLs, so a snapshot holds no secret.
"""

from __future__ import annotations

import base64
import gzip
import os
import tempfile
import time
from collections.abc import Iterable
from pathlib import Path

import orjson

from ...errors import CacheError
from .interface import Cache, CacheEntry

__all__ = ["FORMAT", "export_snapshot", "import_snapshot"]

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


def import_snapshot(cache: Cache, path: str | os.PathLike[str], *, batch: int = 200) -> int:
    """Load a snapshot into ``cache``; an entry newer in the cache is kept. Returns the count."""
    try:
        with gzip.open(path, "rb") as f:
            header = orjson.loads(f.readline())
            if not isinstance(header, dict) or header.get("format") != FORMAT:
                raise CacheError(f"{path} is not a lockaudit index snapshot")
            if header.get("version") != VERSION:
                raise CacheError(f"{path} is a snapshot of version {header.get('version')}, expected {VERSION}")
            n = 0
            pending: dict[str, CacheEntry] = {}
            for line in f:
                if not line.strip():
                    continue
                item = orjson.loads(line)
                pending[item["key"]] = CacheEntry(
                    base64.b64decode(item["data"]), float(item["fetched_at"]), item.get("etag"), item.get("last_modified")
                )
                if len(pending) >= batch:
                    n += _merge(cache, pending)
                    pending = {}
            n += _merge(cache, pending)
            return n
    except (OSError, EOFError, orjson.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
        raise CacheError(f"cannot read snapshot {path}: {exc}") from exc


def _merge(cache: Cache, entries: dict[str, CacheEntry]) -> int:
    if not entries:
        return 0
    current = cache.get_many(list(entries))
    fresh = {k: e for k, e in entries.items() if k not in current or current[k].fetched_at < e.fetched_at}
    cache.put_many(fresh)
    return len(fresh)
