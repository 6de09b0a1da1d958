"""Dependencies the routes declare with ``Annotated[...]`` and tests override.

The service's state (settings, metrics, the index pool, the resolution
limiter) is made once per process in the app's lifespan and hung on
``app.state.service``; every route reaches it through these functions, never
through globals, so ``app.dependency_overrides[get_pool] = ...`` swaps a piece.

Bearer tokens are checked by the service middleware with :func:`token_ok`,
before a request body is read (a dependency would run after FastAPI parsed it).
"""

from __future__ import annotations

import asyncio
import hmac
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Request

from .errors import ApiError
from .index import IndexPool
from .metrics import Metrics
from .settings import ServiceSettings

__all__ = [
    "Limiter",
    "LimiterDep",
    "MetricsDep",
    "PoolDep",
    "ServiceState",
    "SettingsDep",
    "get_limiter",
    "get_metrics",
    "get_pool",
    "get_settings",
    "token_ok",
]


class Limiter:
    """At most ``limit`` resolutions at once in this process; a request waits up
    to ``wait`` seconds for a slot, then gets 429 with Retry-After.

    A slot is given back when the work really ends, not when a timed-out
    request stops waiting for it, so a burst of timeouts can never pile up
    more resolutions than the cap.
    """

    def __init__(self, limit: int, metrics: Metrics, *, wait: float = 10.0) -> None:
        self.limit = limit
        self.metrics = metrics
        self.wait = wait
        self._sem = asyncio.Semaphore(limit)

    async def _acquire(self) -> None:
        try:
            await asyncio.wait_for(self._sem.acquire(), timeout=max(self.wait, 0.001))
        except TimeoutError:
            raise ApiError(
                429,
                "too_many_resolutions",
                f"{self.limit} resolution(s) are already running on this instance (LOCKAUDIT_MAX_RESOLUTIONS); "
                "retry shortly",
                headers={"Retry-After": "1"},
            ) from None

    def _release(self) -> None:
        self._sem.release()
        self.metrics.resolutions_running.dec()

    async def run_async(self, make: Callable[[], Any]) -> Any:
        """``await make()`` within the cap. The work runs as a task of its own: a
        request that stops waiting (timeout, disconnect) does not give the slot
        back before the work (which may sit in a resolver thread) has ended."""
        await self._acquire()
        self.metrics.resolutions_running.inc()
        try:
            task = asyncio.ensure_future(make())
        except BaseException:
            self._release()
            raise

        def done(t: asyncio.Task[Any]) -> None:
            self._release()
            if not t.cancelled():
                t.exception()  # retrieved: never "exception was never retrieved"

        task.add_done_callback(done)
        return await asyncio.shield(task)


@dataclass
class ServiceState:
    settings: ServiceSettings
    metrics: Metrics
    pool: IndexPool
    limiter: Limiter


def _state(request: Request) -> ServiceState:
    state: ServiceState | None = getattr(request.app.state, "service", None)
    if state is None:  # pragma: no cover - only if the lifespan did not run
        raise ApiError(503, "starting", "the service is starting")
    return state


async def get_settings(request: Request) -> ServiceSettings:
    return request.app.state.settings


async def get_metrics(request: Request) -> Metrics:
    return request.app.state.metrics


async def get_pool(request: Request) -> IndexPool:
    return _state(request).pool


async def get_limiter(request: Request) -> Limiter:
    return _state(request).limiter


SettingsDep = Annotated[ServiceSettings, Depends(get_settings)]
MetricsDep = Annotated[Metrics, Depends(get_metrics)]
PoolDep = Annotated[IndexPool, Depends(get_pool)]
LimiterDep = Annotated[Limiter, Depends(get_limiter)]


def token_ok(settings: ServiceSettings, authorization: str | None) -> bool:
    """Whether an ``Authorization`` header carries one of the configured tokens
    (always, when none are configured).

    Every configured token is compared, each in constant time, whichever
    matches. The service middleware asks this for every ``/v1`` request before
    it reads the body, so an unauthenticated caller cannot make the server
    parse anything.
    """
    if not settings.tokens:
        return True
    scheme, _, given = (authorization or "").partition(" ")
    presented = given.strip().encode() if scheme.lower() == "bearer" else b""
    ok = False
    for token in settings.tokens:
        ok |= hmac.compare_digest(presented, token.encode())
    return ok
