"""The index client: release histories for many projects at once, through the cache.

``IndexClient`` is asynchronous; ``fetch_histories`` wraps it for callers that
are not (the CLI). Every requested name gets an answer: a history, or a status
that says why there is none (not on this index, unreachable, unreadable page,
nothing cached while offline). Nothing here prints.

Freshness does not rely on the index's caching headers (the route to the index
here sends none): a project page is used from the cache for ``ttl`` seconds,
then revalidated, with a conditional request when validators were stored.
Metadata files never change and are cached for good.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from packaging.utils import canonicalize_name

from ..errors import IndexClientError
from .cache import Cache, CacheDamage, CacheEntry, SafeCache, metadata_key, open_cache, page_key
from .digests import mismatched_digest
from .history import (
    FetchStatus,
    FileInfo,
    HistoryDecodeError,
    ProjectHistory,
    decode_history,
    merge_histories,
    paused_gc,
    rows_layout,
    rows_offset,
    status_history,
)
from .http import HttpSession, RetryPolicy
from .metadata import (
    CoreMetadata,
    MetadataUnavailable,
    fetch_core_metadata,
    parse_core_metadata,
)
from .pages import FetchedPage, PageFetcher
from .settings import IndexLimits, IndexSettings, IndexURL, resolve_index_settings

if TYPE_CHECKING:
    import httpx  # annotations only: HttpSession imports it when a request is made

    from .fetch_worker import FetchWorker

__all__ = [
    "DEFAULT_CONCURRENCY",
    "DEFAULT_TTL",
    "FileUnavailable",
    "IndexClient",
    "Progress",
    "fetch_histories",
]

logger = logging.getLogger(__name__)

DEFAULT_CONCURRENCY = 16
PAGE_PREFIX = page_key("", "").split(" ", 1)[0] + " "
_BATCH_BYTES = 8 << 20
#: Pages with nothing to revalidate before worker processes are worth starting
#: (a worker takes ~0.25 s of a second core to start: interpreter, imports, TLS).
MIN_WORKER_PAGES = 24
#: Seconds a cached project page is used without asking the index again.
DEFAULT_TTL = 600.0

#: ``progress(done, total, name)``, called once per project as it is answered.
Progress = Callable[[int, int, str], None]


class FileUnavailable(IndexClientError):
    """A distribution file could not be had: refused, missing, too large, or not what the index says."""


def _utc(ts: float) -> datetime:
    return datetime.fromtimestamp(ts, UTC)


class IndexClient:
    """Release histories and core metadata from one or more Simple API indexes.

    Use as ``async with IndexClient(...) as client``. ``cache`` is a Cache, a
    spec for ``open_cache`` (path, ``sqlite:///...``, ``redis://...``,
    ``none``), or None for the default location.

    ``fetch_worker``: whether a large cold fetch may also run in worker
    processes (see :mod:`lockaudit.index.fetch_worker`). False, the default:
    the client never starts a process. None: as many as the machine's spare
    cores suggest (``LOCKAUDIT_FETCH_WORKERS`` sets the number; the CLI runs
    so). True: at least one. The answers are the same either way.
    """

    def __init__(
        self,
        settings: IndexSettings | None = None,
        *,
        cache: Cache | str | None = None,
        concurrency: int = DEFAULT_CONCURRENCY,
        timeout: float | httpx.Timeout = 30.0,
        retry: RetryPolicy | None = None,
        ttl: float = DEFAULT_TTL,
        offline: bool = False,
        refresh: bool = False,
        transport: httpx.AsyncBaseTransport | None = None,
        clock: Callable[[], float] = time.time,
        fetch_worker: bool | None = False,
        limits: IndexLimits | None = None,
    ) -> None:
        self.settings = settings or resolve_index_settings()
        self.indexes: tuple[IndexURL, ...] = self.settings.indexes
        self.cache: Cache = cache if isinstance(cache, Cache) else open_cache(cache)
        self._owns_cache = not isinstance(cache, Cache)
        self._cache_spec = None if isinstance(cache, Cache) else cache
        self.ttl = ttl
        self.offline = offline
        self.refresh = refresh
        self._clock = clock
        self._http = HttpSession(
            concurrency=concurrency,
            timeout=timeout,
            retry=retry,
            transport=transport,
            credentials={i.url: i for i in self.indexes},
            limits=limits,
        )
        self._pages = PageFetcher(self._http, clock=clock, refresh=refresh, read_cached=self._decode_entry)
        #: Cache writes waiting for one transaction (see ``_store``), and the
        #: last write under way (each waits for the one before).
        self._pending: dict[str, CacheEntry] = {}
        self._pending_bytes = 0
        self._writing: asyncio.Future[None] | None = None
        # Not by the machine's cores with a caller's own transport (tests, the
        # service's counting transport): a worker could not use it.
        self.fetch_worker: bool | None = fetch_worker if fetch_worker is not None or transport is None else False
        self._workers: list[FetchWorker] = []
        self._concurrency = max(1, concurrency)
        self._slots = asyncio.Semaphore(self._concurrency)
        #: Plain GETs waiting for one of the slots (see ``_page``).
        self._queued_pages = 0
        self._closed = False

    async def __aenter__(self) -> IndexClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        self._closed = True
        await self._flush()
        for worker in self._workers:
            await worker.aclose()
        await self._http.aclose()
        if self._owns_cache:
            self.cache.close()

    @property
    def cache_warning(self) -> str | None:
        """Why the cache is being bypassed, if it is."""
        return self.cache.failed if isinstance(self.cache, SafeCache) else None

    # -- release histories -------------------------------------------------

    async def fetch_histories(
        self,
        names: Iterable[str],
        progress: Progress | None = None,
        on_history: Callable[[str, ProjectHistory], None] | None = None,
    ) -> dict[str, ProjectHistory]:
        """A history (or a status) for every name, keyed by normalized name.

        ``on_history(name, history)`` is called once per name as soon as its
        final answer is known, so that a caller can start on it (the audit
        fetches core metadata) while other pages are still coming.
        """
        wanted = list(dict.fromkeys(canonicalize_name(n) for n in names))
        total = len(wanted)
        results: dict[str, ProjectHistory] = {}
        done = 0

        def finish(name: str, history: ProjectHistory) -> None:
            nonlocal done
            results[name] = history
            done += 1
            if on_history is not None:
                on_history(name, history)
            if progress is not None:
                progress(done, total, name)

        keys: dict[tuple[str, str], str] = {(i.url, n): page_key(i.url, n) for n in wanted for i in self.indexes}
        # Heads only where the backend keeps file rows apart: they are read
        # when a caller first looks at a release's files.
        entries = {} if self.refresh else self.cache.get_many_heads(list(keys.values()))
        now = self._clock()
        # Answers the cache can give at once; the rest go to the network.
        answered: dict[tuple[str, str], ProjectHistory] = {}
        by_url = {i.url: i for i in self.indexes}
        with paused_gc():
            for (url, name), key in keys.items():
                entry = entries.get(key)
                if entry is None:
                    continue
                if self.offline or now - entry.fetched_at < self.ttl:
                    history = self._decode_entry(entry, by_url[url], name)
                    if history is not None:
                        answered[(url, name)] = history
        pending = [n for n in wanted if any((i.url, n) not in answered for i in self.indexes)]
        for name in wanted:
            if name not in pending:
                finish(name, merge_histories(name, [answered[(i.url, name)] for i in self.indexes]))
        if not pending:
            return {n: results[n] for n in wanted}

        if not self._workers and self.fetch_worker is not False and not self.offline:
            plain = sum(
                1
                for n in pending
                for i in self.indexes
                if (i.url, n) not in answered and _plain_get(entries.get(keys[(i.url, n)]), self.refresh)
            )
            if plain >= MIN_WORKER_PAGES:
                self._start_workers()

        async def one(name: str) -> None:
            parts = await asyncio.gather(
                *(
                    self._page(i, name, entries.get(keys[(i.url, name)]), answered.get((i.url, name)))
                    for i in self.indexes
                )
            )
            finish(name, merge_histories(name, parts))

        try:
            await asyncio.gather(*(one(n) for n in pending))
        finally:
            await self._flush()
        return {n: results[n] for n in wanted}

    def _start_workers(self) -> None:
        # Imported here: a run that fetches little never needs subprocess & co.
        from . import fetch_worker

        count = fetch_worker.worker_count()
        if self.fetch_worker:
            count = max(1, count)
        # The budget of requests in flight is shared: each worker and this
        # process get an equal part of it.
        slots = self._concurrency // (count + 1)
        if not count or not slots:
            return
        logger.debug("starting %d fetch worker process(es), %d requests in flight each", count, slots)
        for _ in range(count):
            config = fetch_worker.worker_config(self.settings, self._http.options, slots)
            worker = fetch_worker.FetchWorker(config, slots, queued=slots)
            worker.start()
            self._workers.append(worker)
        self._slots = asyncio.Semaphore(self._concurrency + count * slots)

    async def fetch_history(self, name: str) -> ProjectHistory:
        return (await self.fetch_histories([name]))[canonicalize_name(name)]

    def _decode_entry(self, entry: CacheEntry, index: IndexURL, name: str) -> ProjectHistory | None:
        rows = entry.tail
        if rows is not None:
            rows = self._mended_rows(rows, entry.data, index, name)
        try:
            history = decode_history(entry.data, rows=rows)
        except HistoryDecodeError:
            return None  # damaged or from another version: refetch, never guess
        return replace(history, fetched_at=_utc(entry.fetched_at), from_cache=True)

    def _mended_rows(
        self, load: Callable[[], bytes | None], head: bytes, index: IndexURL, name: str
    ) -> Callable[[], bytes | None]:
        """``load`` for rows read after the history (SQLite keeps them apart); when
        their checksum fails, the page is fetched again, once, and its rows are
        used if they fit the history already in use."""

        def rows() -> bytes | None:
            try:
                return load()
            except CacheDamage as exc:
                damage = str(exc)
            if self.offline:
                why = "offline"
            else:
                mended, why = self._refetch_rows(index, name, head)
                if mended is not None:
                    return mended
            raise HistoryDecodeError(
                f"{damage}, and fetching them again failed ({why}); they were dropped from the cache: run again"
            )

        return rows

    def _refetch_rows(self, index: IndexURL, name: str, head: bytes) -> tuple[bytes | None, str]:
        """The page of ``name`` fetched now, from a thread of its own (the caller
        may be this client's event loop, busy with it): its rows if their layout
        fits ``head``'s, and stored in the cache; else None and why."""
        import threading

        outcome: dict[str, object] = {}
        options = self._http.options

        async def fetch() -> None:
            # A session of its own: this client's belongs to its event loop.
            http = HttpSession(
                concurrency=1,
                timeout=options.timeout,
                retry=options.retry,
                limits=options.limits,
                credentials={i.url: i for i in self.indexes},
            )
            try:
                outcome["page"] = await PageFetcher(http, clock=self._clock).fetch(index, name)
            finally:
                await http.aclose()

        def work() -> None:
            try:
                asyncio.run(fetch())
            except Exception as exc:
                outcome["error"] = exc

        thread = threading.Thread(target=work, name="lockaudit-refetch", daemon=True)
        thread.start()
        thread.join()
        if "error" in outcome:
            return None, f"{type(outcome['error']).__name__}: {outcome['error']}"
        page = outcome["page"]
        assert isinstance(page, FetchedPage)
        store = page.store
        if store is None:
            return None, page.history.detail or str(page.history.status)
        if rows_layout(store.data) != rows_layout(head):
            return None, "the page has changed since it was cached"
        cut = rows_offset(store.data)
        assert cut is not None
        key, mended = page_key(index.url, name), replace(store, split=cut)
        if not (self._closed and self._owns_cache):
            self.cache.put(key, mended)
        else:  # rows read after the run closed its cache (the CLI's audit does): open it again
            cache = open_cache(self._cache_spec)
            try:
                cache.put(key, mended)
            finally:
                cache.close()
        return store.data[cut:], ""

    async def _page(
        self, index: IndexURL, name: str, entry: CacheEntry | None, answered: ProjectHistory | None
    ) -> ProjectHistory:
        if answered is not None:
            return answered
        if self.offline:
            return status_history(
                name, FetchStatus.NOT_CACHED, index=index.url, detail="offline, and no cached release history"
            )
        key = page_key(index.url, name)
        if self._workers and _plain_get(entry, self.refresh):
            # A plain GET: a worker process with room takes it, else this one.
            # The slots count each worker's queued pages on top of the budget
            # of requests in flight, so that this process keeps its share.
            self._queued_pages += 1
            async with self._slots:
                self._queued_pages -= 1
                more = self._queued_pages > self._concurrency
                worker = next((w for w in self._workers if w.has_room_now(more)), None)
                answer = await worker.fetch(index.url, name) if worker is not None else None
                if answer is None:  # full, or gone: fetch it here
                    answer = await self._pages.fetch(index, name, entry)
            if answer.store is not None:
                await self._store(key, answer.store)
            return answer.history
        page = await self._pages.fetch(index, name, entry)
        if page.store is not None:
            await self._store(key, page.store)
        elif page.touched:
            await self._store_touch(key, page.touched)
        return page.history

    async def _store(self, key: str, entry: CacheEntry) -> None:
        # Written in batches, one transaction each, in order, off the event
        # loop (SQLite and Redis release the GIL while they work) and without
        # holding up the page that filled the batch: at most every 32 pages or
        # 8 MB, so that an interrupted run keeps most of what it fetched and
        # the last write, which a fetch waits for, is small.
        if entry.split is None and key.startswith(PAGE_PREFIX):
            entry = replace(entry, split=rows_offset(entry.data))
        self._pending[key] = entry
        self._pending_bytes += len(entry.data)
        if len(self._pending) >= 32 or self._pending_bytes >= _BATCH_BYTES:
            self._write_pending()

    def _write_pending(self) -> None:
        batch, self._pending, self._pending_bytes = self._pending, {}, 0
        before = self._writing

        async def write() -> None:
            if before is not None:
                await before
            await asyncio.to_thread(self.cache.put_many, batch)

        self._writing = asyncio.ensure_future(write())

    async def _flush(self) -> None:
        """Wait until everything stored so far is written."""
        if self._pending:
            self._write_pending()
        writing, self._writing = self._writing, None
        if writing is not None:
            await writing

    async def _store_touch(self, key: str, now: float) -> None:
        await asyncio.to_thread(self.cache.touch, key, now)

    # -- core metadata -----------------------------------------------------

    async def fetch_metadata(self, file: FileInfo) -> CoreMetadata:
        """The core metadata of one file (cached forever by file hash).

        Raises MetadataUnavailable, or IndexClientError when offline and uncached.
        """
        file_hash = next((h for h in file.hashes if h.startswith("sha256:")), file.hashes[0] if file.hashes else None)
        key = metadata_key(file_hash) if file_hash else None
        if key is not None and not self.refresh:
            entry = self.cache.get(key)
            if entry is not None:
                try:
                    return parse_core_metadata(entry.data, "cache")
                except MetadataUnavailable:
                    pass
        # A file without readable metadata stays so for a while: remember the
        # miss for one TTL instead of asking again on every run.
        miss_key = f"metadata-miss {file_hash}" if file_hash else None
        if miss_key is not None and not self.refresh:
            miss = self.cache.get(miss_key)
            if miss is not None and (self.offline or self._clock() - miss.fetched_at < self.ttl):
                raise MetadataUnavailable(miss.data.decode("utf-8", "replace"))
        if self.offline:
            raise MetadataUnavailable(f"offline, and no cached metadata for {file.filename}")
        try:
            data, source = await fetch_core_metadata(self._http, file)
            metadata = parse_core_metadata(data, source)
        except MetadataUnavailable as exc:
            if miss_key is not None:
                await self._store(miss_key, CacheEntry(str(exc).encode(), self._clock()))
                await self._flush()
            raise
        if key is not None:
            await self._store(key, CacheEntry(data, self._clock()))
            await self._flush()
        return metadata

    async def fetch_file(self, file: FileInfo, *, max_bytes: int | None = None) -> bytes:
        """A distribution file's bytes, checked against every hash the index gives.

        Never cached here (callers keep what they make of it). Raises
        FileUnavailable (offline, an HTTP error, larger than ``max_bytes``, a
        digest that does not match) or IndexUnreachable.
        """
        if self.offline:
            raise FileUnavailable(f"offline: {file.filename} is not downloaded")
        if max_bytes is not None and file.size is not None and file.size > max_bytes:
            raise FileUnavailable(
                f"{file.filename} is {file.size / 1e6:.0f} MB, over the {max_bytes / 1e6:.0f} MB limit"
            )
        response = await self._http.get(file.url)
        if response.status_code != 200:
            raise FileUnavailable(f"{file.filename}: HTTP {response.status_code}")
        body = response.content
        if max_bytes is not None and len(body) > max_bytes:
            raise FileUnavailable(f"{file.filename} is over the {max_bytes / 1e6:.0f} MB limit")
        algorithm = mismatched_digest(body, file.hashes)
        if algorithm is not None:
            raise FileUnavailable(f"{file.filename}: its {algorithm} digest does not match the index's")
        return body

    async def release_metadata(self, history: ProjectHistory, version: str) -> CoreMetadata:
        """The core metadata of one release, from its most convenient file
        (a pure-Python wheel, any wheel, then the sdist)."""
        release = history.release(version)
        if release is None or not release.files:
            raise MetadataUnavailable(f"{history.name} {version} has no files on the index")
        ranked = sorted(release.files, key=_file_rank)
        last: Exception | None = None
        for file in ranked[:3]:
            try:
                return await self.fetch_metadata(file)
            except MetadataUnavailable as exc:
                last = exc
        raise MetadataUnavailable(str(last))


def _plain_get(entry: CacheEntry | None, refresh: bool) -> bool:
    """True when fetching the page sends no validators (nothing to revalidate)."""
    return entry is None or refresh or not (entry.etag or entry.last_modified)


def _file_rank(f: FileInfo) -> tuple[int, int]:
    if f.is_wheel:
        return (0 if f.filename.endswith("-none-any.whl") else 1, 0 if not f.yanked else 1)
    return (2 if f.is_sdist else 3, 0 if not f.yanked else 1)


def fetch_histories(
    names: Sequence[str] | Iterable[str],
    *,
    settings: IndexSettings | None = None,
    cache: Cache | str | None = None,
    progress: Progress | None = None,
    **options: Any,
) -> dict[str, ProjectHistory]:
    """Synchronous ``IndexClient.fetch_histories`` for callers without an event loop.

    ``options`` are IndexClient's (concurrency, ttl, offline, refresh, ...).
    """

    async def run() -> dict[str, ProjectHistory]:
        async with IndexClient(settings, cache=cache, **options) as client:
            return await client.fetch_histories(names, progress)

    return asyncio.run(run())
