"""HTTP for the index client: one pooled httpx client, bounded concurrency,
timeouts, and retries with exponential backoff and jitter.

Retried: connection errors, timeouts, broken responses, 5xx and 429 (waiting
as long as Retry-After asks, up to a cap). Not retried: any other status; a 404
is an answer ("not on this index"), returned like any other response.

What a slow, broken or hostile index can cost is bounded (``IndexLimits``):
every request has a total deadline (all tries, redirects and the whole body),
a run has a budget of index time, an origin that keeps failing trips a circuit
breaker (the rest fails at once instead of being retried), and an answer
larger than the cap is not read.

Redirects are followed here, hop by hop: only within http(s) (never from
https down to http, never to ``file:`` or any other scheme). ``file:`` URLs are
read only when the user configured a ``file:`` index. Credentials are matched
by origin (scheme, host, port), as pip and httpx do, and attached per request
and per hop: a file host, another port of the same host or a redirect's target
never sees them unless they were given for that origin.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit

from ..errors import IndexClientError
from .settings import IndexLimits, IndexURL, Origin, origin_of, redact_text

if TYPE_CHECKING:
    import httpx

# httpx (and the TLS stack under it) is imported when a request is first made:
# a run answered from the cache alone never loads it. So are email.utils (a
# Retry-After date), random (backoff jitter) and mimetypes (file:// indexes).

__all__ = [
    "USER_AGENT",
    "FileTransport",
    "HttpSession",
    "IndexUnreachable",
    "RefusedAnswer",
    "RetryPolicy",
    "SessionOptions",
]

USER_AGENT = "lockaudit/0.1 (+dependency-drift audit)"

logger = logging.getLogger(__name__)

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})


class IndexUnreachable(IndexClientError):
    """The index did not answer usefully after every retry (or within the deadline,
    the run's budget, or while its circuit breaker is open)."""


class RefusedAnswer(IndexUnreachable):
    """The index answered with something lockaudit does not read: a redirect to
    another scheme, a ``file:`` URL without a ``file:`` index, a body over the cap.
    Never retried."""


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


@dataclass(frozen=True, slots=True)
class SessionOptions:
    """How a session asks the index: what a second one (the fetch worker's, a
    one-off refetch) needs to ask it the same way. Picklable."""

    timeout: float | httpx.Timeout
    retry: RetryPolicy
    limits: IndexLimits


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
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        limits: IndexLimits | None = None,
        allow_file: bool | None = None,
    ) -> None:
        self.retry = retry or RetryPolicy()
        self.limits = limits or IndexLimits()
        #: One budget of requests in flight per host: the files host (core
        #: metadata, range requests) does not queue behind the index's pages.
        self._sems: dict[str, asyncio.Semaphore] = {}
        self._sleep = sleep
        self._timeout = timeout
        self._concurrency = max(1, concurrency)
        self._transport = transport
        # Made on first use: building the TLS context costs ~20 ms, a warm run needs none.
        self._client_: httpx.AsyncClient | None = None
        indexes = list((credentials or {}).values())
        #: origin -> the indexes there with credentials (longest path first).
        self._auth: dict[Origin, list[IndexURL]] = {}
        for i in sorted((i for i in indexes if i.auth is not None), key=lambda i: -len(i.url)):
            self._auth.setdefault(origin_of(i.url), []).append(i)
        self._secrets = [s for group in self._auth.values() for i in group for s in (i.username, i.password)]
        #: ``file:`` URLs only for a user who configured a ``file:`` index.
        self.allow_file = (
            allow_file if allow_file is not None else any(i.url.lower().startswith("file:") for i in indexes)
        )
        self._breakers: dict[Origin, _Breaker] = {}
        #: Monotonic time the run's budget of index time ends (set by the first request).
        self._budget_end: float | None = None

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
            if transport is not None:
                logger.debug("index requests go through the caller's transport (%s)", type(transport).__name__)
            elif _environment_proxies():
                # httpx turns off proxies from the environment for a transport
                # it is given: with a proxy configured, its default one stays.
                logger.debug("index requests go through httpx's own transport: a proxy is configured")
            else:
                # Large pages read in large pieces (see netstream).
                from .netstream import http_transport

                transport = http_transport(limits)
                logger.debug("index requests go through httpcore on the asyncio backend (index/netstream.py)")
            self._client_ = httpx.AsyncClient(
                timeout=timeout,
                limits=limits,
                headers={"User-Agent": USER_AGENT},
                # Followed in ``_send``, where every hop is checked.
                follow_redirects=False,
                transport=transport,
                mounts={"file://": _file_transport()()} if self.allow_file else None,
            )
        return self._client_

    def _sem_for(self, url: str) -> asyncio.Semaphore:
        host = urlsplit(url).netloc.rpartition("@")[2].lower()
        sem = self._sems.get(host)
        if sem is None:
            sem = self._sems[host] = asyncio.Semaphore(self._concurrency)
        return sem

    @property
    def options(self) -> SessionOptions:
        """The timeout, retries and limits of this session."""
        return SessionOptions(self._timeout, self.retry, self.limits)

    async def aclose(self) -> None:
        if self._client_ is not None:
            await self._client_.aclose()

    def redact(self, text: str) -> str:
        return redact_text(text, self._secrets)

    def _auth_for(self, url: str) -> httpx.BasicAuth | None:
        """The credentials given for ``url``'s origin (the index whose path is
        the longest prefix of the URL's, else the first there), or None."""
        candidates = self._auth.get(origin_of(url))
        if not candidates:
            return None
        path = urlsplit(url).path
        index = next((i for i in candidates if path.startswith(urlsplit(i.url).path)), candidates[0])
        if index.auth is None:
            return None
        import httpx

        return httpx.BasicAuth(*index.auth)

    def _breaker(self, url: str) -> _Breaker:
        key = origin_of(url)
        breaker = self._breakers.get(key)
        if breaker is None:
            breaker = self._breakers[key] = _Breaker(self.limits.breaker_failures, self.limits.breaker_seconds)
        return breaker

    def _check_url(self, url: str) -> None:
        scheme = urlsplit(url).scheme.lower()
        if scheme in ("http", "https") or (scheme == "file" and self.allow_file):
            return
        raise RefusedAnswer(
            self.redact(
                f"refusing to read {_origin(url)}: only http(s) URLs, and file: URLs under a file: index you configured"
            )
        )

    def _end_of_budget(self, now: float) -> float:
        if self.limits.budget is None:
            return float("inf")
        if self._budget_end is None:
            self._budget_end = now + self.limits.budget
        return self._budget_end

    async def get(self, url: str, headers: Mapping[str, str] | None = None) -> httpx.Response:
        """GET with retries; the body is read. Raises IndexUnreachable (RefusedAnswer
        for an answer that is not to be read at all).

        Any final status other than those retried is returned as it is.
        """
        import httpx

        if url.startswith("file:///"):
            url = "file://localhost/" + url[len("file:///") :]  # httpx needs a host
        self._check_url(url)
        policy, limits = self.retry, self.limits
        breaker = self._breaker(url)
        last = "no attempt made"
        #: When this request's deadline ends (set once its first try has a slot).
        end: float | None = None
        budget_end = self._end_of_budget(time.monotonic())
        for attempt in range(policy.attempts):
            retry_after: float | None = None
            async with self._sem_for(url):
                now = time.monotonic()
                if end is None:
                    end = now + limits.deadline
                self._check_limits(url, breaker, now, budget_end)
                try:
                    async with asyncio.timeout(min(end, budget_end) - now):
                        response = await self._send(url, headers)
                except TimeoutError:
                    breaker.failed(time.monotonic())
                    if budget_end <= end:
                        raise IndexUnreachable(self.redact(f"{_origin(url)}: {self._budget_spent()}")) from None
                    raise IndexUnreachable(
                        self.redact(
                            f"{_origin(url)} gave no complete answer within {limits.deadline:g} s (--index-deadline)"
                        )
                    ) from None
                except httpx.TransportError as exc:  # connect, read, timeouts, broken bodies
                    breaker.failed(time.monotonic())
                    last = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
                except httpx.TooManyRedirects as exc:
                    raise IndexUnreachable(self.redact(f"{_origin(url)}: too many redirects ({exc})")) from exc
                else:
                    if response.status_code not in RETRY_STATUSES:
                        breaker.succeeded()
                        return response
                    last = f"HTTP {response.status_code}"
                    if response.status_code != 429:  # asked to slow down: not broken
                        breaker.failed(time.monotonic())
                    if response.status_code in (429, 503):
                        retry_after = parse_retry_after(response.headers.get("Retry-After"))
                        if retry_after is not None and retry_after > policy.max_retry_after:
                            raise IndexUnreachable(
                                self.redact(f"{_origin(url)} asks to retry after {retry_after:.0f} s ({last})")
                            )
            if attempt + 1 < policy.attempts:
                delay = policy.delay(attempt, retry_after)
                if time.monotonic() + delay >= min(end, budget_end):
                    break  # no time left to wait for another try
                await self._sleep(delay)
        raise IndexUnreachable(self.redact(f"{_origin(url)} did not answer after {attempt + 1} tries ({last})"))

    def _check_limits(self, url: str, breaker: _Breaker, now: float, budget_end: float) -> None:
        if now >= budget_end:
            raise IndexUnreachable(self.redact(f"{_origin(url)}: {self._budget_spent()}"))
        if breaker.is_open(now):
            raise IndexUnreachable(
                self.redact(
                    f"{_origin(url)}: the index failed {breaker.failures} times in a row; not asked again "
                    f"for {self.limits.breaker_seconds:g} s (circuit breaker)"
                )
            )

    def _budget_spent(self) -> str:
        return f"the run's time budget for the index ({self.limits.budget:g} s, --index-budget) is spent"

    async def _send(self, url: str, headers: Mapping[str, str] | None) -> httpx.Response:
        """One try: redirects followed hop by hop (each checked, each with its
        own origin's credentials), the body read up to the size cap."""
        import httpx

        client = self._client
        for _ in range(MAX_REDIRECTS + 1):
            auth = self._auth_for(url)
            request = client.build_request("GET", url, headers=headers)
            response = await client.send(request, auth=auth or httpx.USE_CLIENT_DEFAULT, stream=True)
            try:
                if response.next_request is not None:
                    target = str(response.next_request.url)
                    self._check_redirect(url, target)
                    url = target
                    continue
                body = await self._read_body(response, url)
            finally:
                await response.aclose()
            # The body as read (decoded); the encoding headers no longer apply to it.
            kept = [(k, v) for k, v in response.headers.multi_items() if k.lower() not in _BODY_HEADERS]
            return httpx.Response(response.status_code, headers=kept, content=body, request=response.request)
        raise httpx.TooManyRedirects(f"more than {MAX_REDIRECTS} redirects", request=request)

    def _check_redirect(self, source: str, target: str) -> None:
        before, after = urlsplit(source).scheme.lower(), urlsplit(target).scheme.lower()
        if (after == before and after in ("http", "https")) or (before, after) == ("http", "https"):
            return
        raise RefusedAnswer(
            self.redact(
                f"{_origin(source)} redirected to {_origin(target)}: refused (redirects are followed "
                "only to http(s), never from https to http)"
            )
        )

    async def _read_body(self, response: httpx.Response, url: str) -> bytes:
        cap = self.limits.max_response_bytes
        declared = response.headers.get("Content-Length", "")
        if declared.isdigit() and int(declared) > cap:
            raise RefusedAnswer(self.redact(_too_large(url, cap, f"{int(declared):,} bytes")))
        chunks: list[bytes] = []
        size = 0
        async for chunk in response.aiter_bytes():
            size += len(chunk)
            if size > cap:
                raise RefusedAnswer(self.redact(_too_large(url, cap, "more")))
            chunks.append(chunk)
        return b"".join(chunks)


#: Redirects followed per try (pip's and httpx's default is 20 or 30; an index needs a few).
MAX_REDIRECTS = 10
_BODY_HEADERS = frozenset({"content-encoding", "content-length", "transfer-encoding"})


def _too_large(url: str, cap: int, size: str) -> str:
    return f"{_origin(url)}: the answer ({size}) is larger than the limit of {cap:,} bytes (--max-response-bytes)"


class _Breaker:
    """Per origin: opens after ``threshold`` failed tries in a row, then fails
    every request at once for ``seconds``; any answer closes it again."""

    __slots__ = ("failures", "open_until", "seconds", "threshold")

    def __init__(self, threshold: int, seconds: float) -> None:
        self.threshold = max(1, threshold)
        self.seconds = seconds
        self.failures = 0
        self.open_until = 0.0

    def is_open(self, now: float) -> bool:
        return now < self.open_until

    def failed(self, now: float) -> None:
        self.failures += 1
        if self.failures >= self.threshold:
            # After the pause one failure is enough to open it again.
            self.open_until = now + self.seconds

    def succeeded(self) -> None:
        self.failures = 0
        self.open_until = 0.0


def _environment_proxies() -> bool:
    """True when the environment names a proxy for HTTP or HTTPS (what httpx honours)."""
    import urllib.request  # not at import time: it pulls in http.client and email

    proxies = urllib.request.getproxies()
    return any(proxies.get(k) for k in ("http", "https", "all"))


def _origin(url: str) -> str:
    """The URL for a message: scheme, host and port, path; never user info or query."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc.rpartition('@')[2]}{parts.path}"


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
            ctype = (
                "text/html"
                if path.suffix in (".html", ".htm")
                else (mimetypes.guess_type(path.name)[0] or "application/octet-stream")
            )
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
