"""Release history: the compact per-version facts the audit and the resolver read.

A project page is reduced once, when it is fetched, to what the audit needs:
for every version its earliest upload time, whether all its files are yanked
(and why), its requires-python, whether it has a wheel and an sdist, and its
files (name, hashes, upload time, yanked, requires-python, size, URL). That
compact form is what the cache stores, never the raw page.

Decoding speed matters (a warm run reads hundreds of histories): the
per-version summaries are decoded eagerly into ``NamedTuple`` rows, and the
per-file rows, which outnumber versions ten to one, are decoded only when a
caller first looks at a version's files.

Versions are kept in the index's order (PEP 700 ``versions`` first, then any
version only seen in file names); PEP 440 ordering is the core's job
(``lockaudit.ReleaseHistory``).
"""

from __future__ import annotations

import contextlib
import enum
import gc
import struct
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from typing import Any, NamedTuple, overload

import orjson

from ..errors import CacheError
from . import _pageloops

__all__ = [
    "FetchStatus",
    "FileInfo",
    "FileList",
    "ReleaseInfo",
    "ProjectHistory",
    "FileRow",
    "build_history_blob",
    "build_history",
    "merge_histories",
    "encode_history",
    "decode_history",
    "rows_offset",
    "rows_layout",
    "HistoryDecodeError",
    "is_wheel",
    "is_sdist",
    "canonical_time",
    "paused_gc",
    "status_history",
]

_SDIST_SUFFIXES = _pageloops.impl.SDIST_SUFFIXES


def is_wheel(filename: str) -> bool:
    return filename.endswith(".whl")


def is_sdist(filename: str) -> bool:
    return filename.endswith(_SDIST_SUFFIXES)


class FetchStatus(str, enum.Enum):
    """What the index said about one project. Only OK carries versions."""

    OK = "ok"
    #: The index answered 404: the project is not on this index (a fact, not an error).
    NOT_FOUND = "not_found"
    #: The index could not be reached or kept failing (network, timeout, 5xx, 429).
    UNREACHABLE = "unreachable"
    #: The index answered with a page that could not be read (malformed, wrong type).
    INVALID = "invalid"
    #: Offline mode and nothing cached for this project.
    NOT_CACHED = "not_cached"

    def __str__(self) -> str:
        return self.value


class FileInfo(NamedTuple):
    """One distribution file of a release, as the index lists it."""

    filename: str
    version: str
    #: Absolute URL without credentials (they are added per request, never stored).
    url: str
    #: ``"<algorithm>:<hex>"``, the form pip's ``--hash`` uses.
    hashes: tuple[str, ...]
    upload_time: datetime | None
    yanked: bool
    yanked_reason: str | None
    requires_python: str | None
    size: int | None
    #: PEP 658/714: None when the index does not advertise a metadata file,
    #: else its hashes (possibly empty).
    metadata_hashes: tuple[str, ...] | None

    @property
    def is_wheel(self) -> bool:
        return is_wheel(self.filename)

    @property
    def is_sdist(self) -> bool:
        return is_sdist(self.filename)

    def hash_value(self, algorithm: str = "sha256") -> str | None:
        prefix = algorithm + ":"
        for h in self.hashes:
            if h.startswith(prefix):
                return h[len(prefix) :]
        return None


#: A file row as parsers build it and the cache stores it:
#: ``[filename, url_tail, hashes, upload_time, yanked, requires_python, size, core_metadata]``
#: where ``url_tail`` follows the history's URL prefix (empty or ending in "/"
#: when the file name follows), ``hashes`` is PEP 691's ``{algorithm: hex}``,
#: ``upload_time`` is in ``canonical_time`` form, ``yanked`` is False, True or
#: the reason, and ``core_metadata`` is PEP 714's value (None, bool or hashes).
FileRow = list


class _Rows:
    """The per-file rows of one project, decoded from bytes on first use (and
    read from the cache on first use when it keeps them apart)."""

    __slots__ = ("_raw", "_rows", "_load", "url_prefix")

    def __init__(
        self,
        raw: bytes | memoryview | None = None,
        rows: list[FileRow] | None = None,
        url_prefix: str = "",
        load: Callable[[], bytes | None] | None = None,
    ) -> None:
        self._raw = raw
        self._rows = rows
        self._load = load
        self.url_prefix = url_prefix

    def raw(self) -> bytes | memoryview:
        """The rows' JSON bytes, as stored."""
        if self._raw is None and self._rows is None and self._load is not None:
            try:
                raw = self._load()
            except HistoryDecodeError:
                raise
            except Exception as exc:  # whatever the backend raises: the rows are unknown
                raise HistoryDecodeError(f"the cached file rows could not be read ({exc})") from exc
            if raw is None:
                raise HistoryDecodeError(
                    "the cached release history changed while it was in use (another lockaudit refreshed it); run again"
                )
            self._raw, self._load = raw, None
        if self._raw is not None:
            return self._raw
        return orjson.dumps(self._rows)

    def rows(self) -> list[FileRow]:
        if self._rows is None:
            raw = self.raw()
            try:
                self._rows = orjson.loads(raw or b"[]")
            except orjson.JSONDecodeError as exc:
                raise HistoryDecodeError(f"corrupt file rows in a cached release history: {exc}") from exc
            self._raw = None
        return self._rows


class FileList(Sequence[FileInfo]):
    """The files of one release: a read-only sequence, decoded lazily."""

    __slots__ = ("_table", "_start", "_stop", "_version", "_cache")

    def __init__(self, table: _Rows, start: int, stop: int, version: str) -> None:
        self._table = table
        self._start = start
        self._stop = stop
        self._version = version
        self._cache: tuple[FileInfo, ...] | None = None

    def _files(self) -> tuple[FileInfo, ...]:
        if self._cache is None:
            v = self._version
            prefix = self._table.url_prefix
            self._cache = tuple(
                FileInfo(
                    r[0],
                    v,
                    prefix + r[1] + r[0] if not r[1] or r[1][-1] == "/" else prefix + r[1],
                    tuple(f"{k}:{h}" for k, h in r[2].items()),
                    _parse_time(r[3]),
                    r[4] is not False,
                    r[4] if isinstance(r[4], str) else None,
                    r[5],
                    r[6],
                    _metadata_hashes(r[7]),
                )
                for r in self._table.rows()[self._start : self._stop]
            )
        return self._cache

    def __len__(self) -> int:
        return self._stop - self._start

    @overload
    def __getitem__(self, index: int) -> FileInfo: ...
    @overload
    def __getitem__(self, index: slice) -> tuple[FileInfo, ...]: ...
    def __getitem__(self, index: int | slice) -> FileInfo | tuple[FileInfo, ...]:
        return self._files()[index]

    def __iter__(self) -> Iterator[FileInfo]:
        return iter(self._files())

    def __eq__(self, other: object) -> bool:
        if isinstance(other, FileList):
            return self._files() == other._files()
        if isinstance(other, tuple):
            return self._files() == other
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self._files())

    def __repr__(self) -> str:
        return f"FileList({len(self)} files of {self._version})"


class ReleaseInfo(NamedTuple):
    """One version of a project, summarized over its files."""

    version: str
    #: Earliest upload time among its files (None when the index gives none).
    upload_time: datetime | None
    #: True when the version has files and every one of them is yanked (PEP 592).
    yanked: bool
    yanked_reason: str | None
    #: The most common Requires-Python among its files.
    requires_python: str | None
    has_wheel: bool
    has_sdist: bool
    files: Sequence[FileInfo]

    @property
    def hashes(self) -> tuple[str, ...]:
        """Every hash of every file of this version (``"sha256:<hex>"``)."""
        return tuple(h for f in self.files for h in f.hashes)


@dataclass(frozen=True, slots=True)
class ProjectHistory:
    """Everything the index said about one project, or why it said nothing."""

    #: PEP 503 normalized name.
    name: str
    status: FetchStatus
    versions: tuple[ReleaseInfo, ...] = ()
    #: When the page was fetched from (or last confirmed by) the index.
    fetched_at: datetime | None = None
    #: The indexes (credentials removed) whose pages make up this history.
    indexes: tuple[str, ...] = ()
    #: Why the status is not OK, for reports (credentials removed).
    detail: str | None = None
    #: True when the answer came from the cache without a request.
    from_cache: bool = False
    #: PEP 629 API version of the page (None for HTML pages without one).
    api_version: str | None = None
    #: Files whose version could not be read from their name (not in ``versions``).
    unmatched_files: int = 0
    _by_version: dict[str, ReleaseInfo] | None = field(default=None, repr=False, compare=False)

    @property
    def ok(self) -> bool:
        return self.status is FetchStatus.OK

    @property
    def source_index(self) -> str | None:
        return self.indexes[0] if self.indexes else None

    def version_strings(self) -> list[str]:
        """The version strings, ready for ``lockaudit.ReleaseHistory``."""
        return [r.version for r in self.versions]

    def release(self, version: str) -> ReleaseInfo | None:
        """The release with exactly this version string, or None."""
        table = self._by_version
        if table is None:
            table = {r.version: r for r in self.versions}
            object.__setattr__(self, "_by_version", table)
        return table.get(version)


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


def _metadata_hashes(md: Any) -> tuple[str, ...] | None:
    if md is None or md is False:
        return None
    if isinstance(md, dict):
        return tuple(f"{k}:{h}" for k, h in md.items())
    return ()


def _parse_time(text: str | None) -> datetime | None:
    if text is None:
        return None
    try:
        return datetime.fromisoformat(text)
    except (ValueError, TypeError):
        # canonical_time lets strings of the right shape through unparsed (the
        # hot path of a cold run): one an index wrote wrong is unknown, not an error.
        return None




def _to_iso(t: datetime | None) -> str | None:
    if t is None:
        return None
    if t.tzinfo is not timezone.utc:
        t = t.astimezone(timezone.utc)
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
        t = t.replace(tzinfo=timezone.utc)
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
    return _from_parts(*_summarize(name, groups, fetched_at, index, api_version, url_prefix, unmatched_files), from_cache=False)


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
) -> tuple[dict[str, Any], _Rows]:
    summaries, rows = _pageloops.summarize_groups(groups)
    for summary in summaries:
        # The earliest upload time of a version, as the index wrote it: one that
        # is not a time (a hostile or broken page) is unknown, so that reading
        # the history back never fails. Per version, not per file: cheap.
        if summary[1] is not None and _parse_time(summary[1]) is None:
            summary[1] = None
    header = _header(name, FetchStatus.OK, _to_iso(fetched_at), (index,), None, api_version, unmatched, url_prefix, summaries)
    return header, _Rows(rows=rows, url_prefix=url_prefix)


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


def _from_parts(header: dict[str, Any], table: _Rows, *, from_cache: bool) -> ProjectHistory:
    versions = _pageloops.build_releases(header["versions"], table, ReleaseInfo, FileList, datetime.fromisoformat)
    return ProjectHistory(
        name=header["name"],
        status=FetchStatus(header["status"]),
        versions=versions,
        fetched_at=_parse_time(header["fetched_at"]),
        indexes=tuple(header["indexes"]),
        detail=header["detail"],
        from_cache=from_cache,
        api_version=header["api_version"],
        unmatched_files=header["unmatched"],
    )


def merge_histories(name: str, histories: Sequence[ProjectHistory]) -> ProjectHistory:
    """One history from the same project on several indexes (primary first).

    A failure on any index makes the whole answer that failure: a history
    missing one index's versions would be wrong data, not partial data.
    A project found nowhere is NOT_FOUND. A file name seen on an earlier
    index hides the same name on a later one.
    """
    if len(histories) == 1:
        return histories[0]
    for h in histories:
        if h.status not in (FetchStatus.OK, FetchStatus.NOT_FOUND):
            return h
    found = [h for h in histories if h.ok]
    if not found:
        return replace(histories[0], indexes=tuple(i for h in histories for i in h.indexes))
    if len(found) == 1:
        return found[0]
    # Merge per version, summaries first: files are joined lazily, so a warm run
    # that never looks at files never decodes them (a pip.conf that adds a small
    # local mirror to the public index would otherwise cost seconds per run).
    merged: dict[str, ReleaseInfo] = {}
    for h in found:
        for r in h.versions:
            prior = merged.get(r.version)
            merged[r.version] = r if prior is None else _merge_release(prior, r)
    fetched = [h.fetched_at for h in found if h.fetched_at is not None]
    return replace(
        found[0],
        versions=tuple(merged.values()),
        fetched_at=min(fetched) if fetched else found[0].fetched_at,
        indexes=tuple(i for h in found for i in h.indexes),
        from_cache=all(h.from_cache for h in found),
        unmatched_files=sum(h.unmatched_files for h in found),
        _by_version=None,
    )


def _merge_release(a: ReleaseInfo, b: ReleaseInfo) -> ReleaseInfo:
    """The same version on two indexes; files of ``a`` hide same-named files of ``b``."""
    times = [t for t in (a.upload_time, b.upload_time) if t is not None]
    both_yanked = a.yanked and b.yanked
    return ReleaseInfo(
        a.version,
        min(times) if times else None,
        both_yanked if (a.files and b.files) else (a.yanked if a.files else b.yanked),
        a.yanked_reason if both_yanked else None,
        a.requires_python or b.requires_python,
        a.has_wheel or b.has_wheel,
        a.has_sdist or b.has_sdist,
        _JoinedFiles(a.files, b.files),
    )


class _JoinedFiles(Sequence[FileInfo]):
    """Two indexes' files of one version, deduplicated by file name on first use."""

    __slots__ = ("_parts", "_cache")

    def __init__(self, *parts: Sequence[FileInfo]) -> None:
        self._parts = parts
        self._cache: tuple[FileInfo, ...] | None = None

    def _files(self) -> tuple[FileInfo, ...]:
        if self._cache is None:
            seen: set[str] = set()
            out = []
            for part in self._parts:
                for f in part:
                    if f.filename not in seen:
                        seen.add(f.filename)
                        out.append(f)
            self._cache = tuple(out)
        return self._cache

    def __len__(self) -> int:
        return len(self._files())

    def __getitem__(self, index):  # type: ignore[no-untyped-def]
        return self._files()[index]

    def __iter__(self) -> Iterator[FileInfo]:
        return iter(self._files())

    def __eq__(self, other: object) -> bool:
        return tuple(self) == tuple(other) if isinstance(other, Sequence) else NotImplemented

    def __hash__(self) -> int:
        return hash(self._files())


# Blob layout: magic, u32 header length, header JSON, file rows JSON. The rows
# come last so that a warm run decodes only the headers.
_MAGIC = b"LAH2"
_LEN = struct.Struct("<I")


class HistoryDecodeError(CacheError, ValueError):
    """A cached blob is not a history this version of lockaudit wrote (or its
    file rows, read after the history, are gone or damaged)."""


def _pack(header: dict[str, Any], rows_blob: bytes | memoryview) -> bytes:
    head = orjson.dumps(header)
    return b"".join((_MAGIC, _LEN.pack(len(head)), head, rows_blob))


def encode_history(history: ProjectHistory) -> bytes:
    """The compact, self-contained bytes of a history (what the cache stores)."""
    summaries: list[list[Any]] = []
    tables = {id(r.files._table) for r in history.versions if isinstance(r.files, FileList)}
    url_prefix = ""
    if len(tables) == 1 and _contiguous(history.versions):
        # Fast path: one table in order, as a parser or the decoder built it;
        # rows not yet decoded are written back as they are.
        table = history.versions[0].files._table  # type: ignore[attr-defined]
        url_prefix = table.url_prefix
        rows_blob = table.raw()
        for r in history.versions:
            f = r.files
            summaries.append(_summary(r, f._start, f._stop))  # type: ignore[attr-defined]
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


def _contiguous(versions: tuple[ReleaseInfo, ...]) -> bool:
    at = 0
    for r in versions:
        f = r.files
        if not isinstance(f, FileList) or f._start != at:
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
            table = _Rows(url_prefix=header["url_prefix"], load=rows)
        else:
            table = _Rows(raw=view[end:], url_prefix=header["url_prefix"])
        return _from_parts(header, table, from_cache=from_cache)
    except (orjson.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
        raise HistoryDecodeError(f"corrupt release history: {exc}") from exc


def status_history(
    name: str,
    status: FetchStatus,
    *,
    index: str | None = None,
    detail: str | None = None,
    fetched_at: datetime | None = None,
    from_cache: bool = False,
) -> ProjectHistory:
    """A history that carries no versions, only why."""
    return ProjectHistory(
        name=name,
        status=status,
        fetched_at=fetched_at,
        indexes=(index,) if index else (),
        detail=detail,
        from_cache=from_cache,
    )
