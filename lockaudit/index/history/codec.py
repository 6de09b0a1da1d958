"""The compact bytes of a release history (what the cache stores) and the way
from a parser's file rows to a history.

Decoding speed matters (a warm run reads hundreds of histories): the
per-version summaries are decoded eagerly into ``NamedTuple`` rows, and the
per-file rows, which outnumber versions ten to one, are decoded only when a
caller first looks at a version's files.
"""

from __future__ import annotations

import contextlib
import gc
import struct
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import orjson

from .. import _pageloops
from .model import (
    FetchStatus,
    FileInfo,
    FileList,
    FileRow,
    FileRows,
    HistoryDecodeError,
    ProjectHistory,
    ReleaseInfo,
    parse_time,
)

__all__ = [
    "build_history",
    "build_history_blob",
    "canonical_time",
    "decode_history",
    "encode_history",
    "paused_gc",
    "rows_layout",
    "rows_offset",
]


@contextlib.contextmanager
def paused_gc() -> Iterator[None]:
    """Keep the cyclic GC out of a bulk decode.

    Decoding builds hundreds of thousands of acyclic containers; each burst of
    allocations otherwise triggers full collections that cost more than the
    decoding itself (measured: 0.9 s instead of 0.5 s for a large lock).
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _to_iso(t: datetime | None) -> str | None:
    if t is None:
        return None
    if t.tzinfo is not UTC:
        t = t.astimezone(UTC)
    return t.isoformat(timespec="microseconds")[:-6] + "Z"


def canonical_time(text: str | None) -> str | None:
    """ISO 8601 UTC with microseconds and ``Z`` (PEP 700's own form on PyPI):
    strings in that form sort as times."""
    if not text:
        return None
    if len(text) == 27 and text[-1] == "Z" and text[19] == ".":
        return text
    if len(text) == 20 and text[-1] == "Z":
        return text[:19] + ".000000Z"
    try:
        t = datetime.fromisoformat(text)
    except ValueError:
        return None
    if t.tzinfo is None:
        t = t.replace(tzinfo=UTC)
    return _to_iso(t)


def build_history(
    name: str,
    groups: dict[str, list[FileRow]],
    *,
    fetched_at: datetime,
    index: str,
    api_version: str | None,
    url_prefix: str = "",
    unmatched_files: int = 0,
) -> ProjectHistory:
    """Summarize file rows grouped by version (in the index's order) into a history."""
    return _from_parts(
        *_summarize(name, groups, fetched_at, index, api_version, url_prefix, unmatched_files), from_cache=False
    )


def build_history_blob(
    name: str,
    groups: dict[str, list[FileRow]],
    *,
    fetched_at: datetime,
    index: str,
    api_version: str | None,
    url_prefix: str = "",
    unmatched_files: int = 0,
) -> bytes:
    """``encode_history(build_history(...))`` without building the history objects
    (what a decoding worker sends back)."""
    header, table = _summarize(name, groups, fetched_at, index, api_version, url_prefix, unmatched_files)
    return _pack(header, orjson.dumps(table.rows()))


def _summarize(
    name: str,
    groups: dict[str, list[FileRow]],
    fetched_at: datetime,
    index: str,
    api_version: str | None,
    url_prefix: str,
    unmatched: int,
) -> tuple[dict[str, Any], FileRows]:
    summaries, rows = _pageloops.summarize_groups(groups)
    for summary in summaries:
        # The earliest upload time of a version, as the index wrote it: one that
        # is not a time (a hostile or broken page) is unknown, so that reading
        # the history back never fails. Per version, not per file: cheap.
        if summary[1] is not None and parse_time(summary[1]) is None:
            summary[1] = None
    header = _header(
        name, FetchStatus.OK, _to_iso(fetched_at), (index,), None, api_version, unmatched, url_prefix, summaries
    )
    return header, FileRows(rows=rows, url_prefix=url_prefix)


def _header(
    name: str,
    status: FetchStatus,
    fetched_at: str | None,
    indexes: tuple[str, ...],
    detail: str | None,
    api_version: str | None,
    unmatched: int,
    url_prefix: str,
    summaries: list[list[Any]],
) -> dict[str, Any]:
    return {
        "name": name,
        "status": status.value,
        "fetched_at": fetched_at,
        "indexes": list(indexes),
        "detail": detail,
        "api_version": api_version,
        "unmatched": unmatched,
        "url_prefix": url_prefix,
        "versions": summaries,
    }


def _from_parts(header: dict[str, Any], table: FileRows, *, from_cache: bool) -> ProjectHistory:
    versions = _pageloops.build_releases(header["versions"], table, ReleaseInfo, FileList, datetime.fromisoformat)
    return ProjectHistory(
        name=header["name"],
        status=FetchStatus(header["status"]),
        versions=versions,
        fetched_at=parse_time(header["fetched_at"]),
        indexes=tuple(header["indexes"]),
        detail=header["detail"],
        from_cache=from_cache,
        api_version=header["api_version"],
        unmatched_files=header["unmatched"],
    )


# Blob layout: magic, u32 header length, header JSON, file rows JSON. The rows
# come last so that a warm run decodes only the headers.
_MAGIC = b"LAH2"
_LEN = struct.Struct("<I")


def _pack(header: dict[str, Any], rows_blob: bytes | memoryview) -> bytes:
    head = orjson.dumps(header)
    return b"".join((_MAGIC, _LEN.pack(len(head)), head, rows_blob))


def encode_history(history: ProjectHistory) -> bytes:
    """The compact, self-contained bytes of a history (what the cache stores)."""
    summaries: list[list[Any]] = []
    lists = [r.files for r in history.versions if isinstance(r.files, FileList)]
    url_prefix = ""
    if len(lists) == len(history.versions) and len({id(f._table) for f in lists}) == 1 and _contiguous(lists):
        # Fast path: one table in order, as a parser or the decoder built it;
        # rows not yet decoded are written back as they are.
        table = lists[0]._table
        url_prefix = table.url_prefix
        rows_blob = table.raw()
        for r, f in zip(history.versions, lists, strict=True):
            summaries.append(_summary(r, f._start, f._stop))
    else:
        rows: list[FileRow] = []
        for r in history.versions:
            start = len(rows)
            rows.extend(_row(f) for f in r.files)
            summaries.append(_summary(r, start, len(rows)))
        rows_blob = orjson.dumps(rows)
    header = _header(
        history.name,
        history.status,
        _to_iso(history.fetched_at),
        history.indexes,
        history.detail,
        history.api_version,
        history.unmatched_files,
        url_prefix,
        summaries,
    )
    return _pack(header, rows_blob or b"[]")


def _contiguous(lists: list[FileList]) -> bool:
    """Whether the file lists follow each other in their table, from its first row."""
    at = 0
    for f in lists:
        if f._start != at:
            return False
        at = f._stop
    return True


def _summary(r: ReleaseInfo, start: int, stop: int) -> list[Any]:
    return [
        r.version,
        _to_iso(r.upload_time),
        r.yanked,
        r.yanked_reason,
        r.requires_python,
        r.has_wheel,
        r.has_sdist,
        start,
        stop,
    ]


def _row(f: FileInfo) -> FileRow:
    md: Any = None
    if f.metadata_hashes is not None:
        md = dict(h.split(":", 1) for h in f.metadata_hashes) or True
    return [
        f.filename,
        f.url,
        dict(h.split(":", 1) for h in f.hashes),
        _to_iso(f.upload_time),
        (f.yanked_reason or True) if f.yanked else False,
        f.requires_python,
        f.size,
        md,
    ]


def rows_offset(data: bytes) -> int | None:
    """Where the file rows start in ``encode_history``'s bytes (what a cache
    may keep apart, see ``CacheEntry.split``), or None for other bytes."""
    if data[:4] != _MAGIC or len(data) < 8:
        return None
    end = 8 + _LEN.unpack_from(data, 4)[0]
    return end if end <= len(data) else None


def rows_layout(data: bytes) -> tuple[str, list[tuple[str, int, int]]] | None:
    """What the file rows of ``encode_history``'s bytes must look like to fit its
    header: ``(URL prefix, [(version, first row, end row), ...])``; None for other bytes.
    Two blobs of the same layout can trade rows."""
    end = rows_offset(data)
    if end is None:
        return None
    try:
        header = orjson.loads(memoryview(data)[8:end])
        return header["url_prefix"], [(v[0], v[7], v[8]) for v in header["versions"]]
    except (orjson.JSONDecodeError, KeyError, TypeError, IndexError):
        return None


def decode_history(
    data: bytes, *, from_cache: bool = True, rows: Callable[[], bytes | None] | None = None
) -> ProjectHistory:
    """The history ``encode_history`` wrote; raises HistoryDecodeError otherwise.

    File rows stay undecoded until a caller looks at them. ``rows`` loads
    them when ``data`` stops after the header (a cache's ``get_many_heads``).
    """
    if data[:4] != _MAGIC or len(data) < 8:
        raise HistoryDecodeError("not a lockaudit release history (or one of an older format)")
    (n,) = _LEN.unpack_from(data, 4)
    end = 8 + n
    if end > len(data):
        raise HistoryDecodeError("truncated release history")
    view = memoryview(data)
    try:
        header = orjson.loads(view[8:end])
        if rows is not None and end == len(data):
            table = FileRows(url_prefix=header["url_prefix"], load=rows)
        else:
            table = FileRows(raw=view[end:], url_prefix=header["url_prefix"])
        return _from_parts(header, table, from_cache=from_cache)
    except (orjson.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
        raise HistoryDecodeError(f"corrupt release history: {exc}") from exc
