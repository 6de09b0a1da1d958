"""The release history model: what the index said about one project, per version
and per file (:class:`ProjectHistory`, :class:`ReleaseInfo`, :class:`FileInfo`).

A version's files stay in their compact rows (:data:`FileRow`, kept by
:class:`FileRows`) until a caller first looks at them; :class:`FileList` decodes
them then. How histories are written to and read from bytes is :mod:`.codec`'s
job; one history from several indexes is :mod:`.merge`'s.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, NamedTuple, overload

import orjson

from ...errors import CacheError
from .. import _pageloops

__all__ = [
    "FetchStatus",
    "FileInfo",
    "FileList",
    "FileRow",
    "FileRows",
    "HistoryDecodeError",
    "LazyFiles",
    "ProjectHistory",
    "ReleaseInfo",
    "is_sdist",
    "is_wheel",
    "parse_time",
    "status_history",
]

_SDIST_SUFFIXES = _pageloops.impl.SDIST_SUFFIXES


def is_wheel(filename: str) -> bool:
    return filename.endswith(".whl")


def is_sdist(filename: str) -> bool:
    return filename.endswith(_SDIST_SUFFIXES)


class FetchStatus(enum.StrEnum):
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


class FileRows:
    """The per-file rows of one project, decoded from bytes on first use (and
    read from the cache on first use when it keeps them apart)."""

    __slots__ = ("_load", "_raw", "_rows", "url_prefix")

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


class LazyFiles(Sequence[FileInfo]):
    """The files of one release, worked out when first looked at: a read-only
    sequence over what ``_files()`` gives (each subclass says how, and caches it)."""

    __slots__ = ()

    def _files(self) -> tuple[FileInfo, ...]:
        raise NotImplementedError

    def __len__(self) -> int:
        return len(self._files())

    @overload
    def __getitem__(self, index: int) -> FileInfo: ...
    @overload
    def __getitem__(self, index: slice) -> tuple[FileInfo, ...]: ...
    def __getitem__(self, index: int | slice) -> FileInfo | tuple[FileInfo, ...]:
        return self._files()[index]

    def __iter__(self) -> Iterator[FileInfo]:
        return iter(self._files())


class FileList(LazyFiles):
    """The files of one release: a read-only sequence, decoded lazily."""

    __slots__ = ("_cache", "_start", "_stop", "_table", "_version")

    def __init__(self, table: FileRows, start: int, stop: int, version: str) -> None:
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
                    parse_time(r[3]),
                    r[4] is not False,
                    r[4] if isinstance(r[4], str) else None,
                    r[5],
                    r[6],
                    _metadata_hashes(r[7]),
                )
                for r in self._table.rows()[self._start : self._stop]
            )
        return self._cache

    def __len__(self) -> int:  # known without decoding the rows
        return self._stop - self._start

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


class HistoryDecodeError(CacheError, ValueError):
    """A cached blob is not a history this version of lockaudit wrote (or its
    file rows, read after the history, are gone or damaged)."""


def _metadata_hashes(md: Any) -> tuple[str, ...] | None:
    if md is None or md is False:
        return None
    if isinstance(md, dict):
        return tuple(f"{k}:{h}" for k, h in md.items())
    return ()


def parse_time(text: str | None) -> datetime | None:
    """An upload or fetch time as the compact form keeps it (None: unknown)."""
    if text is None:
        return None
    try:
        return datetime.fromisoformat(text)
    except (ValueError, TypeError):
        # canonical_time lets strings of the right shape through unparsed (the
        # hot path of a cold run): one an index wrote wrong is unknown, not an error.
        return None


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
