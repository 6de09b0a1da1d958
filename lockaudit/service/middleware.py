"""One plain ASGI middleware around the whole app: request id, body size limit,
per-request timeout, access log, request metrics and the last-resort 500.

Plain ASGI rather than ``BaseHTTPMiddleware``: it costs a few microseconds per
request, which matters for ``/v1/match`` next to the framework's own ceiling.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .deps import token_ok
from .errors import error_body
from .logging import ACCESS_LOG, REQUEST_ID_HEADER, new_request_id, request_id_var, sanitize_request_id
from .metrics import Metrics
from .settings import ServiceSettings

__all__ = ["ServiceMiddleware"]

error_log = logging.getLogger(__name__)

_BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})
#: /v1 paths without the per-request timeout: pure CPU work, bounded by the size
#: limits, with no await a timeout could interrupt (a timer would only cost time).
_UNTIMED = frozenset({"/v1/match"})
_RID_HEADER = REQUEST_ID_HEADER.lower().encode()
#: Methods with a label of their own; any other (a client may send anything) is "OTHER",
#: so callers cannot grow the metrics without bound.
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


class _TooLarge(Exception):
    pass


class ServiceMiddleware:
    def __init__(self, app: ASGIApp, *, settings: ServiceSettings, metrics: Metrics) -> None:
        self.app = app
        self.settings = settings
        self.metrics = metrics
        #: (method, route, status) -> the labelled counter and histogram (labels() costs a lock each time)
        self._series: dict[tuple[str, str, int], tuple[Any, Any]] = {}
        self._access = ACCESS_LOG

    def _observe(self, method: str, template: str, status: int, elapsed: float, code: str | None) -> None:
        key = (method, template, status)
        series = self._series.get(key)
        if series is None:
            series = (
                self.metrics.requests.labels(method, template, str(status)),
                self.metrics.latency.labels(method, template),
            )
            if len(self._series) < 10_000:  # methods x routes x statuses: bounded, but be sure
                self._series[key] = series
        series[0].inc()
        series[1].observe(elapsed)
        if status >= 400:
            self.metrics.errors.labels(template, code or str(status)).inc()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        rid = None
        content_length = None
        authorization = None
        for key, value in scope["headers"]:
            if key == _RID_HEADER:
                rid = sanitize_request_id(value.decode("latin-1"))
            elif key == b"content-length":
                try:
                    content_length = int(value)
                except ValueError:
                    content_length = -1
            elif key == b"authorization":
                authorization = value.decode("latin-1")
        rid = rid or new_request_id()
        token = request_id_var.set(rid)
        rid_header = (b"x-request-id", rid.encode())
        state: dict[str, Any] = {"status": 500, "started": False, "code": None}

        async def send_wrapper(message: Message) -> None:
            if message["type"] == "http.response.start":
                status = state["status"] = message["status"]
                state["started"] = True
                headers = message["headers"] = [*message.get("headers", ()), rid_header]
                if status >= 400:
                    for k, v in headers:
                        if k == b"x-error-code":
                            state["code"] = v.decode("latin-1")
            await send(message)

        method = scope["method"]
        path = scope["path"]
        try:
            if path.startswith("/v1/") and not token_ok(self.settings, authorization):
                # Before anything is read or parsed: a caller without a token costs nothing.
                await self._error(
                    send_wrapper,
                    401,
                    "unauthorized",
                    "a valid bearer token is required (Authorization: Bearer <token>)",
                    [(b"www-authenticate", b'Bearer realm="lockaudit"')],
                )
                return
            limit = self.settings.max_body_bytes
            if content_length is not None and (content_length > limit or content_length < 0):
                if content_length < 0:
                    await self._error(send_wrapper, 400, "bad_request", "invalid Content-Length header")
                else:
                    await self._too_large(send_wrapper, limit)
                return
            if content_length is None and method in _BODY_METHODS:
                # No Content-Length (chunked): count as it comes. With one, the server
                # frames the body to that length, already checked against the limit.
                try:
                    body = await self._read_body(receive, limit)
                except _TooLarge:
                    await self._too_large(send_wrapper, limit)
                    return
                receive = _replay(body, receive)
            if path.startswith("/v1/") and path not in _UNTIMED:
                try:
                    async with asyncio.timeout(self.settings.request_timeout):
                        await self.app(scope, receive, send_wrapper)
                except TimeoutError:
                    if state["started"]:
                        raise
                    await self._error(
                        send_wrapper,
                        504,
                        "timeout",
                        f"the request took longer than {self.settings.request_timeout:g} s (LOCKAUDIT_REQUEST_TIMEOUT)",
                    )
            else:
                await self.app(scope, receive, send_wrapper)
        except Exception:
            error_log.exception("unhandled error", extra={"method": method, "path": scope["path"]})
            if not state["started"]:
                await self._error(send_wrapper, 500, "internal_error", "internal error; the log has the details")
        finally:
            elapsed = time.perf_counter() - start
            route = scope.get("route")
            template = getattr(route, "path_format", None) or getattr(route, "path", None) or "unmatched"
            status = state["status"]
            label = method if method in _METHODS else "OTHER"
            self._observe(label, template, status, elapsed, state["code"])
            self._access.write(
                {
                    "method": label,
                    "path": path if len(path) <= 256 else path[:256] + "...",
                    "route": template,
                    "status": status,
                    "duration_ms": round(elapsed * 1000, 2),
                    "error_code": state["code"],
                }
            )
            request_id_var.reset(token)

    @staticmethod
    async def _read_body(receive: Receive, limit: int) -> bytes:
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                break
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                raise _TooLarge
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        return b"".join(chunks)

    async def _too_large(self, send: Send, limit: int) -> None:
        await self._error(
            send, 413, "body_too_large", f"the request body is larger than {limit} bytes (LOCKAUDIT_MAX_BODY_BYTES)"
        )

    @staticmethod
    async def _error(
        send: Send, status: int, code: str, message: str, headers: list[tuple[bytes, bytes]] | None = None
    ) -> None:
        body = error_body(code, message)
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                    (b"x-error-code", code.encode()),
                    # the rest of an oversized body is not read: the connection cannot be reused
                    *([(b"connection", b"close")] if status == 413 else []),
                    *(headers or []),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})


def _replay(body: bytes, receive: Receive) -> Receive:
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay
