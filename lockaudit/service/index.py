"""The service's side of the index layer: long-lived clients on one shared cache.

- :class:`IndexPool` holds one cache (SQLite, or Redis shared by every
  instance) and one :class:`ServiceIndexClient` per index choice: the
  server's own, and any an upload names that the server allow-lists.
  An index URL that is not allow-listed is ignored (no server-side request
  forgery), and allow-listed ones use the credentials the server was given
  for them, never those of the upload.
- :class:`ServiceIndexClient` is the library's ``IndexClient`` that rides out
  index outages: what the index cannot answer comes from the cache however
  old it is (and is reported as stale); after an outage the index is left
  alone for ``index_down_seconds`` and the cache answers at once; what the
  cache does not have stays unknown.
- :class:`CountingCache` and :class:`CountingTransport` feed the metrics.
- Per request, a :class:`RequestStats` (in a context variable) collects what
  the response reports: stale answers, unknown packages, whether the index was down.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextvars
import logging
import threading
import time
from collections.abc import Awaitable, Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TypeVar

import httpx

from ..index import (
    Cache,
    CacheEntry,
    CacheInfo,
    FetchStatus,
    IndexClient,
    IndexSettings,
    IndexURL,
    ProjectHistory,
    RetryPolicy,
    open_cache,
    resolve_index_settings,
)
from ..index.cache import SafeCache
from ..index.client import Progress
from ..index.history import status_history
from ..index.metadata import CoreMetadata
from ..index.netstream import http_transport
from ..index.settings import IndexLimits
from ..urls import redact_url
from .metrics import Metrics
from .settings import ServiceSettings

__all__ = [
    "CountingCache",
    "CountingTransport",
    "IndexPool",
    "RequestStats",
    "ServiceIndexClient",
    "current_stats",
    "request_stats",
]

logger = logging.getLogger(__name__)

#: A project name no index has: asking for it shows whether the index answers.
READINESS_PROBE = "lockaudit-readiness-probe"


# --------------------------------------------------------------------------- per-request facts


@dataclass
class RequestStats:
    """What one request learned about the index and the cache."""

    #: Packages answered from a cache entry older than the TTL because the index failed.
    stale: set[str] = field(default_factory=set)
    #: Packages with no answer at all (index unreachable and nothing cached).
    unknown: set[str] = field(default_factory=set)
    #: The index failed during this request (or was known to be down).
    index_down: bool = False
    ignored_index_urls: list[str] = field(default_factory=list)

    def headers(self) -> dict[str, str]:
        """Response headers that report a degraded answer (empty when all was well)."""
        out: dict[str, str] = {}
        if self.index_down or self.stale or self.unknown:
            out["X-Lockaudit-Index"] = "unreachable" if self.index_down else "degraded"
        if self.stale:
            out["X-Lockaudit-Stale"] = str(len(self.stale))
        if self.unknown:
            out["X-Lockaudit-Unknown"] = str(len(self.unknown))
        if self.ignored_index_urls:
            out["X-Lockaudit-Ignored-Index-Urls"] = str(len(self.ignored_index_urls))
        return out

    def summary(self) -> dict[str, Any]:
        return {
            "index": "unreachable" if self.index_down else ("degraded" if (self.stale or self.unknown) else "ok"),
            "stale": sorted(self.stale),
            "unknown": sorted(self.unknown),
            "ignored_index_urls": list(self.ignored_index_urls),
        }


_stats: contextvars.ContextVar[RequestStats | None] = contextvars.ContextVar("lockaudit_request_stats", default=None)


def current_stats() -> RequestStats:
    """This request's stats (a throwaway one outside a request)."""
    stats = _stats.get()
    return stats if stats is not None else RequestStats()


def request_stats() -> RequestStats:
    """Start collecting for the current request."""
    stats = RequestStats()
    _stats.set(stats)
    return stats


# --------------------------------------------------------------------------- metrics feeds


class CountingCache(Cache):
    """A cache that counts hits and misses per kind of entry; its backend can be
    swapped for a fresh one when it failed (a Redis that came back)."""

    def __init__(self, inner: SafeCache, metrics: Metrics) -> None:
        self.inner = inner
        self.metrics = metrics
        self.name = inner.name

    @property
    def failed(self) -> str | None:
        return getattr(self.inner, "failed", None)

    @property
    def read_only(self) -> bool:  # type: ignore[override]  # Cache's attribute, answered by the wrapped cache
        return self.inner.read_only

    def get_many(self, keys: Sequence[str]) -> dict[str, CacheEntry]:
        found = self.inner.get_many(keys)
        counts: dict[tuple[str, str], int] = {}
        for key in dict.fromkeys(keys):
            kind = key.split(" ", 1)[0]
            result = "hit" if key in found else "miss"
            counts[(kind, result)] = counts.get((kind, result), 0) + 1
        for (kind, result), n in counts.items():
            self.metrics.cache_lookups.labels(kind, result).inc(n)
        return found

    def put_many(self, entries: Mapping[str, CacheEntry]) -> None:
        self.inner.put_many(entries)

    def touch(self, key: str, fetched_at: float) -> None:
        self.inner.touch(key, fetched_at)

    def iter_entries(self, kinds: Iterable[str] | None = None) -> Iterator[tuple[str, CacheEntry]]:
        return self.inner.iter_entries(kinds)

    def clear(self) -> int:
        return self.inner.clear()

    def info(self) -> CacheInfo:
        return self.inner.info()

    def close(self) -> None:
        self.inner.close()


class CountingTransport(httpx.AsyncBaseTransport):
    """Counts and times every HTTP request to the index."""

    def __init__(self, inner: httpx.AsyncBaseTransport, metrics: Metrics) -> None:
        self.inner = inner
        self.metrics = metrics

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        start = time.perf_counter()
        try:
            response = await self.inner.handle_async_request(request)
        except httpx.TransportError:
            self.metrics.index_requests.labels("error").inc()
            raise
        finally:
            self.metrics.index_latency.observe(time.perf_counter() - start)
        self.metrics.index_requests.labels(f"{response.status_code // 100}xx").inc()
        return response

    async def aclose(self) -> None:
        await self.inner.aclose()


# --------------------------------------------------------------------------- the client


def _utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class Outage:
    """Whether an index is known to be down, and why (shared between threads)."""

    until: float = 0.0
    last_failure: str | None = None


class ServiceIndexClient(IndexClient):
    """``IndexClient`` that answers from the cache, however old, when the index fails."""

    def __init__(
        self,
        settings: IndexSettings,
        *,
        cache: Cache,
        metrics: Metrics,
        down_seconds: float = 15.0,
        outage: Outage | None = None,
        **options: Any,
    ) -> None:
        super().__init__(settings, cache=cache, **options)
        self.metrics = metrics
        self.down_seconds = down_seconds
        # Same cache, never the network: whatever is cached, whatever its age.
        self._stale = IndexClient(settings, cache=cache, offline=True)
        #: Shared by the clients of one index choice on every event loop.
        self.outage = outage or Outage()

    @property
    def last_failure(self) -> str | None:
        return self.outage.last_failure

    @property
    def index_down(self) -> bool:
        return time.monotonic() < self.outage.until

    def reset_down(self) -> None:
        if self.index_down:
            logger.info(
                "index reachable again", extra={"index": redact_url(self.indexes[0].url) if self.indexes else None}
            )
        self.outage.until = 0.0

    def _mark_down(self, detail: str | None) -> None:
        if not self.index_down:
            logger.warning(
                "index unreachable; answering from the cache",
                extra={
                    "index": redact_url(self.indexes[0].url) if self.indexes else None,
                    "for_seconds": self.down_seconds,
                },
            )
        self.outage.until = time.monotonic() + self.down_seconds
        self.outage.last_failure = detail

    async def fetch_histories(
        self,
        names: Iterable[str],
        progress: Progress | None = None,
        on_history: Callable[[str, ProjectHistory], None] | None = None,
    ) -> dict[str, ProjectHistory]:
        # ``on_history`` sees the final answers only, after failures were
        # replaced by what the cache holds: called at the end, not streamed.
        stats = current_stats()
        names = list(names)
        if self.index_down:
            stats.index_down = True
            results = await self._stale.fetch_histories(names, progress)
            failed = [n for n, h in results.items() if not h.ok and h.status is not FetchStatus.NOT_FOUND]
            for n in failed:
                results[n] = status_history(
                    n,
                    FetchStatus.UNREACHABLE,
                    index=self.indexes[0].url if self.indexes else None,
                    detail=f"the index is unreachable ({self.last_failure or 'recent failures'}) and nothing is cached",
                )
        else:
            results = await super().fetch_histories(names, progress)
            failed = [n for n, h in results.items() if h.status is FetchStatus.UNREACHABLE]
            if failed:
                stats.index_down = True
                answered_by_index = any(h.ok and not h.from_cache for h in results.values())
                if not answered_by_index:
                    self._mark_down(results[failed[0]].detail)
                cached = await self._stale.fetch_histories(failed)
                for n in failed:
                    if cached[n].ok or cached[n].status is FetchStatus.NOT_FOUND:
                        results[n] = cached[n]
        self._account(results, stats)
        if on_history is not None:
            for name, history in results.items():
                on_history(name, history)
        return results

    def _account(self, results: Mapping[str, ProjectHistory], stats: RequestStats) -> None:
        now = _utc_now()
        for name, h in results.items():
            if h.status is FetchStatus.UNREACHABLE or h.status is FetchStatus.NOT_CACHED:
                stats.unknown.add(name)
                source = str(h.status)
            elif h.from_cache:
                age = (now - h.fetched_at).total_seconds() if h.fetched_at else float("inf")
                if age >= self.ttl:
                    stats.stale.add(name)
                    source = "stale-cache"
                else:
                    source = "cache"
            elif h.ok:
                source = "index"
            else:
                source = str(h.status)
            self.metrics.history_answers.labels(source).inc()

    async def fetch_metadata(self, file: Any) -> CoreMetadata:
        if self.index_down:
            return await self._stale.fetch_metadata(file)
        return await super().fetch_metadata(file)

    async def aclose(self) -> None:
        try:
            await self._stale.aclose()
        finally:
            await super().aclose()


# --------------------------------------------------------------------------- the pool


async def _value(value: Any) -> Any:
    return value


T = TypeVar("T")


async def _close_all(clients: Iterable[ServiceIndexClient]) -> None:
    for client in clients:
        try:
            await client.aclose()
        except Exception:
            logger.exception("closing an index client failed")


class _WorkLoop:
    """An event loop in a daemon thread of its own, for the service's CPU-bound work."""

    def __init__(self) -> None:
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._run, name="lockaudit-work-loop", daemon=True)
        self._thread.start()

    @property
    def loop_id(self) -> int:
        return id(self._loop)

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        self._loop.run_forever()

    def submit(self, make: Callable[[], Awaitable[T]]) -> concurrent.futures.Future[T]:
        async def call() -> T:
            return await make()

        # The task's context is a copy of the caller's: the request id and
        # the request's stats (one shared object) come along.
        return asyncio.run_coroutine_threadsafe(call(), self._loop)

    def stop(self) -> None:
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
        if not self._thread.is_alive():
            self._loop.close()


class IndexPool:
    """The cache and the index clients of one service process (made at startup)."""

    def __init__(
        self,
        settings: ServiceSettings,
        metrics: Metrics,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.settings = settings
        self.metrics = metrics
        self.cache = CountingCache(open_cache(settings.cache), metrics)
        # The server's own configuration only: never the uploads' index options, and
        # not pip's configuration files either (flags and LOCKAUDIT_* say it all);
        # credentials from LOCKAUDIT_INDEX_USERNAME/PASSWORD or netrc.
        self.default = resolve_index_settings(
            index_url=settings.index_url,
            extra_index_urls=list(settings.extra_index_urls) or None,
            pip_config={},
        )
        self._allowed: dict[str, IndexURL] = {i.url: i for i in self.default.indexes}
        for url in settings.allowed_index_urls:
            parsed = IndexURL.parse(url)
            self._allowed.setdefault(parsed.url, parsed)
        self._transport = transport
        #: (event loop, index URLs) -> client: a client is bound to the loop it runs on.
        self._clients: dict[tuple[int, tuple[str, ...]], ServiceIndexClient] = {}
        self._outages: dict[tuple[str, ...], Outage] = {}
        self._main_loop: asyncio.AbstractEventLoop | None = None
        self._worker: _WorkLoop | None = None
        self._ready: tuple[float, dict[str, Any]] | None = None
        self._ready_lock = asyncio.Lock()
        self._probe: httpx.AsyncClient | None = None

    # -- choosing an index

    def allowed(self, url: str) -> IndexURL | None:
        """The allow-listed index (with the server's credentials) ``url`` names, or None."""
        try:
            clean = IndexURL.parse(url).url
        except (ValueError, TypeError):
            return None
        return self._allowed.get(clean)

    def settings_for(
        self, index_url: str | None = None, extra_index_urls: Sequence[str] = ()
    ) -> tuple[IndexSettings, list[str]]:
        """The index settings a request may use, and the URLs it named that were ignored
        (credential-free, for the response and the log)."""
        ignored: list[str] = []
        primary = None
        if index_url:
            primary = self.allowed(index_url)
            if primary is None:
                ignored.append(redact_url(index_url) or "")
        extras: list[IndexURL] = []
        for url in extra_index_urls:
            found = self.allowed(url)
            if found is None:
                ignored.append(redact_url(url) or "")
            elif found not in extras:
                extras.append(found)
        if primary is None and not extras:
            return self.default, ignored
        chosen = IndexSettings(
            primary or self.default.index_url,
            tuple(extras) if extras else self.default.extra_index_urls,
            source="request (allow-listed)",
        )
        return chosen, ignored

    def client(self, settings: IndexSettings | None = None) -> ServiceIndexClient:
        """The client for ``settings`` on the running event loop (one per loop and index choice)."""
        settings = settings or self.default
        key = tuple(i.url for i in settings.indexes)
        loop = asyncio.get_running_loop()
        client = self._clients.get((id(loop), key))
        if client is None:
            s = self.settings
            # The client's own transport (asyncio backend, see index/netstream).
            inner = http_transport(
                httpx.Limits(max_connections=s.index_concurrency, max_keepalive_connections=s.index_concurrency)
            )
            client = ServiceIndexClient(
                settings,
                cache=self.cache,
                metrics=self.metrics,
                down_seconds=s.index_down_seconds,
                concurrency=s.index_concurrency,
                timeout=s.index_timeout,
                retry=RetryPolicy(attempts=s.index_retries, backoff=0.1, max_backoff=1.0, max_retry_after=5.0),
                # No budget: the client lives as long as the process (the
                # request timeout bounds a request); the breaker pauses as
                # long as an outage is answered from the cache.
                limits=IndexLimits(
                    deadline=s.index_deadline,
                    budget=None,
                    max_response_bytes=s.max_response_bytes,
                    breaker_seconds=s.index_down_seconds,
                ),
                ttl=s.cache_ttl,
                transport=self._transport or CountingTransport(inner, self.metrics),
                outage=self._outages.setdefault(key, Outage()),
            )
            self._clients[(id(loop), key)] = client
        return client

    async def run_off_loop(self, make: Callable[[], Awaitable[T]]) -> T:
        """``await make()`` on the service's work loop, a thread of its own.

        Audits are CPU work with few awaits (a warm audit reads and decodes its
        histories without one): on the serving loop each would hold up every
        other request for its whole length, and ``/v1/match`` answers waited
        behind them. On the work loop they take turns with the serving loop for
        the interpreter (every switch interval), so a quick request waits a few
        milliseconds at most. The coroutine runs in this request's context
        (request id, request stats); cancelling the caller cancels it.
        """
        if self._worker is None:
            self._main_loop = asyncio.get_running_loop()
            self._worker = _WorkLoop()
        return await asyncio.wrap_future(self._worker.submit(make))

    async def aclose(self) -> None:
        here = id(asyncio.get_running_loop())
        worker, self._worker = self._worker, None
        if worker is not None:
            theirs = [c for (loop, _), c in self._clients.items() if loop == worker.loop_id]
            await asyncio.wrap_future(worker.submit(lambda: _close_all(theirs)))
            worker.stop()
        await _close_all([c for (loop, _), c in self._clients.items() if loop == here])
        self._clients.clear()
        if self._probe is not None:
            await self._probe.aclose()
        self.cache.close()

    # -- readiness

    async def readiness(self, max_age: float = 2.0) -> dict[str, Any]:
        """``{"ready": bool, "cache": {...}, "index": {...}}``. The cache is checked every
        time (one read); the index at most every ``max_age`` seconds while it answers
        (load balancers probe often), and every time while it is known to be down."""
        async with self._ready_lock:
            now = time.monotonic()
            down = any(c.index_down for c in list(self._clients.values()))
            cached = self._ready
            fresh_index = cached is not None and now - cached[0] < max_age and cached[1]["ok"] and not down
            cache, index = await asyncio.gather(
                self._check_cache(), _value(cached[1]) if fresh_index and cached else self._check_index()
            )
            if not fresh_index:
                self._ready = (time.monotonic(), index)
            return {"ready": bool(cache["ok"] and index["ok"]), "cache": cache, "index": index}

    async def _check_cache(self) -> dict[str, Any]:
        backend = self.cache.name
        if await self.reconnect_if_failed():
            await asyncio.to_thread(self.cache.inner.get_many, ["readyz probe"])
        failed = self.cache.failed
        out: dict[str, Any] = {"ok": failed is None, "backend": backend}
        if failed is not None:
            out["error"] = failed
        return out

    async def reconnect_if_failed(self) -> bool:
        """Open a failed cache again if it answers now (a Redis that came back);
        whether the cache works afterwards. Called periodically and by /readyz."""
        if self.cache.failed is not None:
            await self._reopen_cache()
        return self.cache.failed is None

    async def _reopen_cache(self) -> None:
        """A cache that failed (Redis restarted) is opened again when it answers."""
        fresh = await asyncio.to_thread(open_cache, self.settings.cache)
        if fresh.failed is None:
            old, self.cache.inner = self.cache.inner, fresh
            logger.info("cache reopened", extra={"backend": fresh.name})
            old.close()
        else:
            fresh.close()

    async def _check_index(self) -> dict[str, Any]:
        index = self.default.index_url
        out: dict[str, Any] = {"url": redact_url(index.url)}
        if self._probe is None:
            self._probe = httpx.AsyncClient(timeout=min(5.0, self.settings.index_timeout), follow_redirects=True)
        auth = httpx.BasicAuth(*index.auth) if index.auth else None
        url = index.url + READINESS_PROBE + "/"
        start = time.perf_counter()
        try:
            if url.startswith("file:"):
                import os
                from urllib.parse import unquote, urlsplit

                ok = os.path.isdir(unquote(urlsplit(index.url).path))
                out.update(ok=ok, status=None)
            else:
                response = await self._probe.get(url, auth=auth or httpx.USE_CLIENT_DEFAULT)
                ok = response.status_code < 500 and response.status_code not in (401, 403, 429)
                out.update(ok=ok, status=response.status_code)
                if response.status_code in (401, 403):
                    out["error"] = "the index refused the request (credentials?)"
        except httpx.HTTPError as exc:
            out.update(ok=False, error=type(exc).__name__)
        out["latency_ms"] = round((time.perf_counter() - start) * 1000, 1)
        if out["ok"]:
            # The index answers again: stop answering from the cache before the pause ends.
            for client in list(self._clients.values()):
                if client.index_down and client.indexes and client.indexes[0].url == index.url:
                    client.reset_down()
        return out
