"""The application in-process (no uvicorn): timeouts, the resolution cap, and the
``Annotated`` dependencies tests override. The real server is tested elsewhere.

Steps are ordered on events (a page request the index holds until the test
lets it go, work that has started), never on time."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
from fastapi import FastAPI
from service.helpers import AS_OF, PROJECTS, TOKEN, pair

from lockaudit.service import ServiceSettings, create_app
from lockaudit.service.deps import Limiter, get_limiter, get_pool
from lockaudit.service.metrics import Metrics
from support.index_server import Gate, IndexServer
from support.synthetic_index import install

AUTH = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture(scope="module")
def slow_index() -> Iterator[IndexServer]:
    """An index of its own: tests script delays on its pages."""
    with IndexServer(projects={}, metadata={}) as server:
        install(server, PROJECTS)
        yield server


@pytest.fixture
def settings(tmp_path, slow_index) -> ServiceSettings:
    return ServiceSettings(index_url=slow_index.url, cache=str(tmp_path / "cache.sqlite3"), tokens=(TOKEN,))


@contextlib.asynccontextmanager
async def running(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """The app with its lifespan, behind an in-process async client."""
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(
            transport=transport, base_url="http://service", headers=AUTH, timeout=30
        ) as client:
            yield client


@pytest.mark.asyncio
async def test_request_timeout_is_a_504_with_a_json_error(settings, slow_index):
    page = Gate()  # the page is held until the request has timed out
    slow_index.script("/simple/svc-stable/", [("hold", page)])
    app = create_app(settings.merged_with(request_timeout=0.3, index_timeout=5.0))
    async with running(app) as client:
        try:
            r = await client.post("/v1/audit", json={"files": pair("svc-stable>=1\n", "svc-stable==1.0\n")})
        finally:
            page.release()
        assert r.status_code == 504
        assert r.json()["error"]["code"] == "timeout" and "LOCKAUDIT_REQUEST_TIMEOUT" in r.json()["error"]["message"]
        assert r.headers["X-Request-ID"] == r.json()["request_id"]
        assert (await client.get("/healthz")).status_code == 200  # only /v1 has the budget


@pytest.mark.asyncio
async def test_resolutions_over_the_cap_get_429(settings, slow_index):
    page = Gate()
    slow_index.script("/simple/svc-beta/", [("hold", page)])
    app = create_app(settings.merged_with(max_resolutions=1))
    # The dependency tests override: a limiter of one slot that waits 50 ms for it.
    limiter = Limiter(1, app.state.metrics, wait=0.05)
    app.dependency_overrides[get_limiter] = lambda: limiter
    async with running(app) as client:
        body = {"requirements": ["svc-beta"], "python": "3.11", "as_of": AS_OF}
        first = asyncio.create_task(client.post("/v1/resolve", json=body))
        try:
            # The first holds the slot: its resolution is waiting on the held page.
            assert await asyncio.to_thread(page.wait_arrived)
            second = await client.post("/v1/resolve", json=body)
        finally:
            page.release()
        assert second.status_code == 429
        assert second.json()["error"]["code"] == "too_many_resolutions"
        assert second.headers["Retry-After"] == "1"
        assert (await first).status_code == 200
        third = await client.post("/v1/resolve", json=body)  # the slot is free again
        assert third.status_code == 200


@pytest.mark.asyncio
async def test_a_timed_out_resolution_keeps_its_slot_until_it_ends():
    metrics = Metrics()
    limiter = Limiter(1, metrics, wait=0.01)
    started, release, finished = asyncio.Event(), asyncio.Event(), asyncio.Event()

    async def work() -> str:
        started.set()
        await release.wait()
        finished.set()
        return "done"

    waiter = asyncio.create_task(limiter.run_async(work))
    await started.wait()  # the work holds the slot
    waiter.cancel()  # the request gave up (timeout, disconnect)
    with pytest.raises(asyncio.CancelledError):
        await waiter
    from lockaudit.service.errors import ApiError

    with pytest.raises(ApiError):  # the work still runs: no slot for another
        await limiter.run_async(work)
    release.set()
    await finished.wait()
    # The slot comes back as the work's task ends: a request now waits for it,
    # however long this machine takes to get there (the bound is only a guard).
    limiter.wait = 30.0
    assert await limiter.run_async(lambda: asyncio.sleep(0, "ok")) == "ok"


@pytest.mark.asyncio
async def test_readyz_with_an_overridden_pool(settings):
    class DownPool:
        async def readiness(self):
            return {
                "ready": False,
                "cache": {"ok": True, "backend": "sqlite"},
                "index": {"ok": False, "error": "ConnectError"},
            }

    app = create_app(settings)
    app.dependency_overrides[get_pool] = lambda: DownPool()
    async with running(app) as client:
        r = await client.get("/readyz")
        assert r.status_code == 503
        assert r.json() == {
            "status": "not ready",
            "cache": {"ok": True, "backend": "sqlite"},
            "index": {"ok": False, "error": "ConnectError"},
        }


@pytest.mark.asyncio
async def test_auth_is_off_without_tokens(settings):
    app = create_app(settings.merged_with(tokens=()))
    async with running(app) as client:
        client.headers.pop("Authorization")
        r = await client.post("/v1/match", json={"pairs": [{"range": ">=1", "versions": ["1.0", "0.1"]}]})
        assert r.status_code == 200 and r.json()["results"][0]["matches"] == ["1.0"]


@pytest.mark.asyncio
async def test_unhandled_errors_are_a_json_500_with_the_request_id(settings):
    class BrokenPool:
        def client(self, *a, **k):
            raise RuntimeError("boom")

        def settings_for(self, *a, **k):
            raise RuntimeError("boom")

    app = create_app(settings)
    app.dependency_overrides[get_pool] = lambda: BrokenPool()
    async with running(app) as client:
        r = await client.get("/v1/projects/svc-alpha/versions", headers={"X-Request-ID": "trace-500"})
    assert r.status_code == 500
    assert r.json() == {"error": {"code": "internal_error", "message": "internal error; the log has the details"},
                        "request_id": "trace-500"}  # fmt: skip
    assert r.headers["X-Request-ID"] == "trace-500"
    assert "boom" not in r.text
