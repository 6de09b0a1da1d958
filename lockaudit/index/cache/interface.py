"""The cache interface every backend implements, and the guard that keeps a
broken cache from breaking an audit.

Entries are opaque bytes with the HTTP validators they were fetched with and
the time they were fetched (or last confirmed). Keys are built here, from
credential-free URLs only. Backends keep a checksum with every blob they store
and never return one that does not match it: a damaged entry is a miss (the
client fetches it again), reported once per run through ``on_damage``.
"""

from __future__ import annotations

import abc
import logging
import warnings
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ...errors import CacheError

__all__ = [
    "API",
    "API_MISS",
    "DAMAGE_ADVICE",
    "METADATA",
    "PAGE",
    "Cache",
    "CacheDamage",
    "CacheDamagedWarning",
    "CacheEntry",
    "CacheInfo",
    "CacheUnavailableWarning",
    "NullCache",
    "SafeCache",
    "api_key",
    "api_miss_key",
    "metadata_key",
    "page_key",
]

# Silent unless the program configures logging (the package's NullHandler):
# the CLI shows the Python warning alone, the service logs it as JSON.
logger = logging.getLogger(__name__)

#: Kinds of entries: project pages (revalidated after a TTL) and core metadata
#: files (immutable, kept forever); API summaries of wheels (immutable, kept
#: forever) and the wheels whose analysis failed (retried after a TTL).
PAGE = "page"
METADATA = "metadata"
API = "api"
API_MISS = "api-miss"


def page_key(index_url: str, name: str) -> str:
    """The key of a project's history on one index (``index_url`` credential-free)."""
    return f"{PAGE} {index_url} {name}"


def metadata_key(file_hash: str) -> str:
    """The key of a file's core metadata: content-addressed, index-independent."""
    return f"{METADATA} {file_hash}"


def api_key(file_hash: str, format_version: int) -> str:
    """The key of a wheel's API summary: its content hash and the summary's format version."""
    return f"{API} v{format_version} {file_hash}"


def api_miss_key(file_hash: str, format_version: int) -> str:
    """The key that remembers why a wheel's analysis failed (for one TTL)."""
    return f"{API_MISS} v{format_version} {file_hash}"


def kind_of(key: str) -> str:
    return key.split(" ", 1)[0]


@dataclass(frozen=True, slots=True)
class CacheEntry:
    data: bytes
    #: POSIX time the data was fetched, or last confirmed fresh (304).
    fetched_at: float
    etag: str | None = None
    last_modified: str | None = None
    #: Where the data's detachable tail starts, if it has one: a backend may
    #: keep ``data[split:]`` apart and ``get_many_heads`` may leave it out
    #: (a release history's file rows: most runs never read them).
    split: int | None = field(default=None, compare=False)
    #: Set by ``get_many_heads`` when ``data`` is only the head: loads the
    #: tail as stored with this head, or None when the entry has since been
    #: replaced or removed.
    tail: Callable[[], bytes | None] | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class CacheInfo:
    backend: str
    #: Where it lives (path or URL, credentials removed).
    location: str
    pages: int
    metadata: int
    size_bytes: int
    oldest: float | None = None
    newest: float | None = None
    #: API summaries of wheels (lockaudit.apidiff).
    api: int = 0
    #: Read, never written (a read-only directory or file).
    read_only: bool = False


class CacheDamage(CacheError):
    """A stored blob does not match its checksum (raised by a loader of rows read
    later, see ``CacheEntry.tail``; reads in bulk leave damaged entries out)."""


#: What a user can do about a cache that keeps being damaged.
DAMAGE_ADVICE = "if this keeps happening, `lockaudit cache clear` starts the cache afresh"


class Cache(abc.ABC):
    """A key -> CacheEntry store safe for several processes at once.

    Writes of one call are atomic: a reader sees all of them or none.
    Backends raise their own errors; ``SafeCache`` turns them into one warning.
    A blob whose checksum does not match is never returned: the backend calls
    ``on_damage(key)`` (and drops the entry when it can), and the key is a miss.
    """

    name: str = "cache"
    #: Set by the owner (``SafeCache``): called with the key of each damaged entry found.
    on_damage: Callable[[str], None] | None = None
    #: True when the cache can be read but not written (a read-only directory).
    read_only: bool = False

    def _damaged(self, key: str) -> None:
        if self.on_damage is not None:
            self.on_damage(key)

    @abc.abstractmethod
    def get_many(self, keys: Sequence[str]) -> dict[str, CacheEntry]:
        """The entries found (missing keys are absent from the result)."""

    def get_many_heads(self, keys: Sequence[str]) -> dict[str, CacheEntry]:
        """Like ``get_many``, but an entry stored with a ``split`` may come back
        with only its head as ``data`` and its ``tail`` loader set. Backends
        that keep entries whole return them whole."""
        return self.get_many(keys)

    @abc.abstractmethod
    def put_many(self, entries: Mapping[str, CacheEntry]) -> None: ...

    @abc.abstractmethod
    def touch(self, key: str, fetched_at: float) -> None:
        """Mark an entry as confirmed fresh at ``fetched_at`` (after a 304)."""

    @abc.abstractmethod
    def iter_entries(self, kinds: Iterable[str] | None = None) -> Iterator[tuple[str, CacheEntry]]:
        """Entries whose key starts with one of ``kinds`` (a word), or all of them."""

    @abc.abstractmethod
    def clear(self) -> int:
        """Remove every entry; returns how many there were."""

    @abc.abstractmethod
    def info(self) -> CacheInfo: ...

    def close(self) -> None:  # noqa: B027 - optional for backends
        pass

    def get(self, key: str) -> CacheEntry | None:
        return self.get_many([key]).get(key)

    def put(self, key: str, entry: CacheEntry) -> None:
        self.put_many({key: entry})

    def __enter__(self) -> Cache:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class NullCache(Cache):
    """No cache at all (``--cache none``, or after a backend failed)."""

    name = "none"

    def get_many(self, keys: Sequence[str]) -> dict[str, CacheEntry]:
        return {}

    def put_many(self, entries: Mapping[str, CacheEntry]) -> None:
        pass

    def touch(self, key: str, fetched_at: float) -> None:
        pass

    def iter_entries(self, kinds: Iterable[str] | None = None) -> Iterator[tuple[str, CacheEntry]]:
        return iter(())

    def clear(self) -> int:
        return 0

    def info(self) -> CacheInfo:
        return CacheInfo("none", "", 0, 0, 0)


class CacheUnavailableWarning(RuntimeWarning):
    """The cache could not be used; lockaudit carries on without it."""


class CacheDamagedWarning(CacheUnavailableWarning):
    """Entries of the cache (or its file) were damaged; they are fetched again."""


class SafeCache(Cache):
    """Wraps a backend: its first failure warns once, then it is bypassed.

    A corrupt SQLite file or an unreachable Redis costs speed, never the run
    and never correctness: without the cache every answer comes from the index.
    """

    def __init__(self, backend: Cache, errors: tuple[type[BaseException], ...]) -> None:
        self.backend = backend
        self.name = backend.name
        self._errors = errors
        self.failed: str | None = None
        #: Keys of the damaged entries met so far (each fetched again).
        self.damaged: list[str] = []
        backend.on_damage = self._on_damage
        recovered = getattr(backend, "recovered", None)
        if recovered:  # a damaged file was moved aside when the backend opened
            self._warn(recovered, CacheDamagedWarning)

    @property
    def read_only(self) -> bool:  # type: ignore[override]  # Cache's attribute, answered by the backend
        return self.backend.read_only

    def _warn(self, message: str, category: type[Warning] = CacheUnavailableWarning) -> None:
        logger.warning(message)
        warnings.warn(message, category, stacklevel=4)

    def _on_damage(self, key: str) -> None:
        self.damaged.append(key)
        if len(self.damaged) == 1:  # one warning a run, however many entries
            self._warn(
                f"the {self.name} cache holds damaged entries (a checksum did not match); "
                f"they are fetched again; {DAMAGE_ADVICE}",
                CacheDamagedWarning,
            )

    def _fail(self, exc: BaseException) -> None:
        if self.failed is None:
            self.failed = f"{type(exc).__name__}: {exc}"
            message = f"the {self.name} cache cannot be used ({self.failed}); carrying on without it"
            # A damaged file is moved aside, so that the next run starts a new
            # one instead of failing (and warning) again.
            quarantine = getattr(self.backend, "quarantine", None)
            moved = None
            if quarantine is not None:
                try:
                    moved = quarantine(exc)
                except Exception:
                    moved = None
            if moved:
                message += f"; {moved}"
            self._warn(message)
            try:
                self.backend.close()
            except Exception:
                pass

    def _call(self, method: str, default: Any, *args: Any) -> Any:
        if self.failed is not None:
            return default
        try:
            return getattr(self.backend, method)(*args)
        except self._errors as exc:
            self._fail(exc)
            return default

    def get_many(self, keys: Sequence[str]) -> dict[str, CacheEntry]:
        return self._call("get_many", {}, keys)

    def get_many_heads(self, keys: Sequence[str]) -> dict[str, CacheEntry]:
        return self._call("get_many_heads", {}, keys)

    def put_many(self, entries: Mapping[str, CacheEntry]) -> None:
        self._call("put_many", None, entries)

    def touch(self, key: str, fetched_at: float) -> None:
        self._call("touch", None, key, fetched_at)

    def iter_entries(self, kinds: Iterable[str] | None = None) -> Iterator[tuple[str, CacheEntry]]:
        if self.failed is not None:
            return iter(())
        try:
            # Materialized so that a failure midway is caught here, not in the caller.
            return iter(list(self.backend.iter_entries(kinds)))
        except self._errors as exc:
            self._fail(exc)
            return iter(())

    def clear(self) -> int:
        return self._call("clear", 0)

    def info(self) -> CacheInfo:
        return self._call("info", CacheInfo(self.name, "unavailable", 0, 0, 0))

    def close(self) -> None:
        if self.failed is None:
            try:
                self.backend.close()
            except self._errors:
                pass
