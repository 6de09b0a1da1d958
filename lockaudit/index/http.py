"""HTTP for the index client: one pooled httpx client, bounded concurrency,
timeouts, and retries with exponential backoff and jitter.

Retried: connection errors, timeouts, broken responses, 5xx and 429 (waiting
as long as Retry-After asks, up to a cap). Not retried: any other status; a 404
is an answer ("not on this index"), returned like any other response.
Credentials are attached per request and only for the index's own host, so a
redirect or a file host elsewhere never sees them.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit

from ..errors import IndexClientError
from .settings import IndexURL, redact_text

if TYPE_CHECKING:
    import httpx

# httpx (and the TLS stack under it) is imported when a request is first made:
# a run answered from the cache alone never loads it. So are email.utils (a
# Retry-After date), random (backoff jitter) and mimetypes (file:// indexes).

__all__ = [
    "RetryPolicy",
    "HttpSession",
    "IndexUnreachable",
    "FileTransport",
    "USER_AGENT",
]

USER_AGENT = "lockaudit/0.1 (+dependency-drift audit)"

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})


class IndexUnreachable(IndexClientError):
    """The index did not answer usefully after every retry."""


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How often and how patiently to retry."""

    #: Total tries per request, the first included.
    attempts: int = 4
    #: First backoff in seconds; doubled each time, with full jitter.
    backoff: float = 0.25
    max_backoff: float = 8.0
    #: The longest Retry-After honoured; a longer one is a failure now.
    max_retry_after: float = 60.0

    def delay(self, attempt: int, retry_after: float | None = None) -> float:
        if retry_after is not None:
            return retry_after
        ceiling = min(self.max_backoff, self.backoff * (2**attempt))
        # Jitter spreads the retries of many concurrent requests apart.
        import random

        return ceiling / 2 + random.uniform(0, ceiling / 2)


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    """Seconds from a Retry-After header (delta-seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    import email.utils

    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


class HttpSession:
    """The pooled client every index request goes through."""

    def __init__(
        self,
        *,
        concurrency: int = 16,
        timeout: float | httpx.Timeout = 30.0,
        retry: RetryPolicy | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        credentials: Mapping[str, IndexURL] | None = None,
        sleep=asyncio.sleep,
    ) -> None:
        self.retry = retry or RetryPolicy()
        #: One budget of requests in flight per host: the files host (core
        #: metadata, range requests) does not queue behind the index's pages.
        self._sems: dict[str, asyncio.Semaphore] = {}
        self._sleep = sleep
        self._timeout = timeout
        self._concurrency = max(1, concurrency)
        self._transport = transport
        # Made on first use: building the TLS context costs ~20 ms, a warm run needs none.
        self._client_: httpx.AsyncClient | None = None
        #: host -> index with credentials (only those that have some).
        self._auth = {i.host: i for i in (credentials or {}).values() if i.auth is not None}
        self._secrets = [s for i in self._auth.values() for s in (i.username, i.password)]

    @property
    def _client(self) -> httpx.AsyncClient:
        if self._client_ is None:
            import httpx

            n = self._concurrency
            timeout = self._timeout
            if not isinstance(timeout, httpx.Timeout):
                timeout = httpx.Timeout(timeout, connect=min(10.0, timeout))
            # Room for the index and the file host at full concurrency each.
            limits = httpx.Limits(max_connections=2 * n, max_keepalive_connections=2 * n)
            transport = self._transport
            if transport is None and not _environment_proxies():
                # Large pages read in large pieces (see netstream). httpx turns
                # off proxies from the environment for a transport it is
                # given, so with a proxy configured its default one stays.
                from .netstream import http_transport

                transport = http_transport(limits)
            self._client_ = httpx.AsyncClient(
                timeout=timeout,
                limits=limits,
                headers={"User-Agent": USER_AGENT},
                follow_redirects=True,
                transport=transport,
                mounts={"file://": _file_transport()()},
            )
        return self._client_

    def _sem_for(self, url: str) -> asyncio.Semaphore:
        host = urlsplit(url).netloc.rpartition("@")[2].lower()
        sem = self._sems.get(host)
        if sem is None:
            sem = self._sems[host] = asyncio.Semaphore(self._concurrency)
        return sem

    async def aclose(self) -> None:
        if self._client_ is not None:
            await self._client_.aclose()

    def redact(self, text: str) -> str:
        return redact_text(text, self._secrets)

    def _auth_for(self, url: str) -> httpx.BasicAuth | None:
        index = self._auth.get((urlsplit(url).hostname or "").lower())
        if index is None or index.auth is None:
            return None
        import httpx

        return httpx.BasicAuth(*index.auth)

    async def get(self, url: str, headers: Mapping[str, str] | None = None) -> httpx.Response:
        """GET with retries; the body is read. Raises IndexUnreachable.

        Any final status other than those retried is returned as it is.
        """
        import httpx

        if url.startswith("file:///"):
            url = "file://localhost/" + url[len("file:///") :]  # httpx needs a host
        policy = self.retry
        last = "no attempt made"
        auth = self._auth_for(url)
        for attempt in range(policy.attempts):
            retry_after: float | None = None
            try:
                async with self._sem_for(url):
                    response = await self._client.get(url, headers=headers, auth=auth or httpx.USE_CLIENT_DEFAULT)
                if response.status_code not in RETRY_STATUSES:
                    return response
                last = f"HTTP {response.status_code}"
                if response.status_code in (429, 503):
                    retry_after = parse_retry_after(response.headers.get("Retry-After"))
                    if retry_after is not None and retry_after > policy.max_retry_after:
                        raise IndexUnreachable(
                            self.redact(f"{_origin(url)} asks to retry after {retry_after:.0f} s ({last})")
                        )
            except httpx.TransportError as exc:  # connect, read, timeouts, broken bodies
                last = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
            except httpx.TooManyRedirects as exc:
                raise IndexUnreachable(self.redact(f"{_origin(url)}: too many redirects ({exc})")) from exc
            if attempt + 1 < policy.attempts:
                await self._sleep(policy.delay(attempt, retry_after))
        raise IndexUnreachable(self.redact(f"{_origin(url)} did not answer after {policy.attempts} tries ({last})"))


def _environment_proxies() -> bool:
    """True when the environment names a proxy for HTTP or HTTPS (what httpx honours)."""
    import urllib.request  # not at import time: it pulls in http.client and email

    proxies = urllib.request.getproxies()
    return any(proxies.get(k) for k in ("http", "https", "all"))


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.hostname or ''}{parts.path}"


def _file_transport() -> type[httpx.AsyncBaseTransport]:
    """:class:`FileTransport`, defined on first use (it subclasses an httpx class)."""
    cls = globals().get("FileTransport")
    if cls is not None:
        return cls
    import mimetypes
    from urllib.request import url2pathname

    import httpx

    class FileTransport(httpx.AsyncBaseTransport):
        """``file://`` indexes (pip accepts them, and pip.conf files name them):
        a directory answers with its index.html, a missing path with 404."""

        async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
            path = Path(url2pathname(unquote(urlsplit(str(request.url)).path)))
            if path.is_dir():
                path = path / "index.html"
            try:
                body = await asyncio.to_thread(path.read_bytes)
            except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
                return httpx.Response(404, request=request)
            except OSError as exc:
                raise httpx.ConnectError(str(exc), request=request) from exc
            ctype = "text/html" if path.suffix in (".html", ".htm") else (mimetypes.guess_type(path.name)[0] or "application/octet-stream")
            return httpx.Response(200, content=body, headers={"Content-Type": ctype}, request=request)

    FileTransport.__module__ = __name__
    FileTransport.__qualname__ = "FileTransport"
    globals()["FileTransport"] = FileTransport
    return FileTransport


#: Defined by :func:`_file_transport` when first asked for (this only declares it).
FileTransport: type[httpx.AsyncBaseTransport]


def __getattr__(name: str) -> Any:  # PEP 562: ``FileTransport`` without importing httpx up front
    if name == "FileTransport":
        return _file_transport()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
