"""One project page from an index: the history it gives and what to cache.

The client fetches pages with it, and so does the fetch worker process and the
client's one-off refetch of damaged cache rows; none of them reaches into
another's internals. Nothing here touches a cache: the caller stores
:attr:`FetchedPage.store` (or marks its entry fresh at
:attr:`FetchedPage.touched`).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from .cache import CacheEntry
from .history import FetchStatus, HistoryDecodeError, ProjectHistory, decode_history, encode_history, status_history
from .http import HttpSession, IndexUnreachable, RefusedAnswer
from .settings import IndexURL

__all__ = ["FetchedPage", "PageFetcher", "ReadCached"]

#: ``read_cached(entry, index, name)``: the history a cached entry holds, or
#: None when it cannot be read (a 304 then gets the page again, without validators).
ReadCached = Callable[[CacheEntry, IndexURL, str], ProjectHistory | None]


@dataclass(frozen=True, slots=True)
class FetchedPage:
    """What one fetch of a project page gave."""

    history: ProjectHistory
    #: The entry to cache (None: nothing to store).
    store: CacheEntry | None = None
    #: The page was unchanged (a 304): the cached entry is fresh as of this time.
    touched: float | None = None


def _read_cached(entry: CacheEntry, index: IndexURL, name: str) -> ProjectHistory | None:
    try:
        return decode_history(entry.data, rows=entry.tail)
    except HistoryDecodeError:
        return None


def _utc(ts: float) -> datetime:
    return datetime.fromtimestamp(ts, UTC)


class PageFetcher:
    """Project pages through one :class:`HttpSession`.

    ``refresh`` sends no validators (a full GET even when an entry is cached);
    ``read_cached`` decodes a cached entry the index says is unchanged (the
    client passes its own, which mends damaged rows).
    """

    def __init__(
        self,
        http: HttpSession,
        *,
        clock: Callable[[], float] = time.time,
        refresh: bool = False,
        read_cached: ReadCached = _read_cached,
    ) -> None:
        self.http = http
        self.refresh = refresh
        self._clock = clock
        self._read_cached = read_cached

    async def fetch(self, index: IndexURL, name: str, entry: CacheEntry | None = None) -> FetchedPage:
        """The page of ``name`` on ``index``, revalidating ``entry`` when it has validators.

        Never raises for what the index does: an unreachable, refusing or
        unreadable index gives a history whose status says so.
        """
        # Page decoding is imported by the first fetch: a run the cache
        # answers never needs it.
        from .decoding import page_to_blob
        from .simple_api import ACCEPT, PageFormatError, project_url

        url = project_url(index.url, name)
        headers = {"Accept": ACCEPT}
        if entry is not None and not self.refresh:
            if entry.etag:
                headers["If-None-Match"] = entry.etag
            if entry.last_modified:
                headers["If-Modified-Since"] = entry.last_modified
        try:
            response = await self.http.get(url, headers)
            status = response.status_code
            if status == 304 and entry is not None:
                cached = self._read_cached(entry, index, name)
                if cached is not None:
                    now = self._clock()
                    return FetchedPage(replace(cached, fetched_at=_utc(now), from_cache=False), touched=now)
                # A 304 for an entry we cannot read: ask again without validators.
                response = await self.http.get(url, {"Accept": ACCEPT})
                status = response.status_code
        except RefusedAnswer as exc:
            # An answer, but not one to read (a redirect to file:, a body over the cap).
            return FetchedPage(status_history(name, FetchStatus.INVALID, index=index.url, detail=str(exc)))
        except IndexUnreachable as exc:
            detail = str(exc)
            if entry is not None:
                detail += f"; cached data from {_utc(entry.fetched_at):%Y-%m-%d %H:%M} UTC is available with --offline"
            return FetchedPage(status_history(name, FetchStatus.UNREACHABLE, index=index.url, detail=detail))
        now = self._clock()
        if status in (404, 410):
            history = status_history(
                name, FetchStatus.NOT_FOUND, index=index.url, detail="not on this index", fetched_at=_utc(now)
            )
            return FetchedPage(history, CacheEntry(encode_history(history), now))
        if status in (401, 403):
            detail = f"HTTP {status}: the index refused the request (missing or wrong credentials?)"
            return FetchedPage(status_history(name, FetchStatus.UNREACHABLE, index=index.url, detail=detail))
        if not 200 <= status < 300:
            detail = f"unexpected HTTP {status}"
            return FetchedPage(status_history(name, FetchStatus.INVALID, index=index.url, detail=detail))
        try:
            blob = page_to_blob(
                response.content,
                response.headers.get("Content-Type"),
                str(response.url),
                name,
                index.url,
                now,
            )
            history = decode_history(blob, from_cache=False)
        except (PageFormatError, HistoryDecodeError) as exc:
            detail = self.http.redact(str(exc))
            return FetchedPage(status_history(name, FetchStatus.INVALID, index=index.url, detail=detail))
        store = CacheEntry(blob, now, response.headers.get("ETag"), response.headers.get("Last-Modified"))
        return FetchedPage(history, store)
