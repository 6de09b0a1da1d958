"""Index client and cache: release histories of the 268 packages of the corpus lock.

Cold: every page fetched and decoded, lockaudit (into a fresh cache; as the
CLI runs it, with a fetch worker process on a machine with two cores or more,
and in one process; live, also in one process through httpx's own transport
instead of lockaudit's asyncio backend) against plain httpx + the standard json
module, same concurrency (8 requests in flight in all), same run. Warm:
everything cached and fresh, the whole ``fetch_histories`` call.

The local variants run offline against a server in another process, serving
pages built from the corpus summary (same versions, file counts, upload times,
yanked flags, requires-python; synthetic names, hashes and URLs, about the
size of the real pages). The live variants talk to the real default index and
run only when asked: ``LOCKAUDIT_BENCH_LIVE=1`` or ``-m live``.
"""

from __future__ import annotations

import asyncio
import json
import os
import tempfile
from pathlib import Path

import httpx
import pytest

from lockaudit.index import DEFAULT_INDEX_URL, IndexSettings, IndexURL, fetch_histories
from lockaudit.index.simple_api import JSON_CONTENT_TYPE
from support.corpus_pages import lock_names as _lock_names

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT.parent / "shared" / "corpus"
CONCURRENCY = 8


@pytest.fixture(scope="module")
def local_index(corpus_index_url):
    # Render every page once, so that no round measures the server's first render.
    asyncio.run(_plain_httpx_json(corpus_index_url, [n.lower() for n in _lock_names()]))
    return corpus_index_url


def _live_selected(config) -> bool:
    return os.environ.get("LOCKAUDIT_BENCH_LIVE") == "1" or "live" in (config.getoption("markexpr") or "")


@pytest.fixture
def live_index(request):
    if not _live_selected(request.config):
        pytest.skip("talks to the real index: LOCKAUDIT_BENCH_LIVE=1 or -m live")
    return DEFAULT_INDEX_URL


async def _plain_httpx_json(index_url: str, names: list[str]) -> int:
    """The reference: the same pages with plain httpx and json, same concurrency."""
    sem = asyncio.Semaphore(CONCURRENCY)
    limits = httpx.Limits(max_connections=CONCURRENCY, max_keepalive_connections=CONCURRENCY)
    async with httpx.AsyncClient(timeout=60, limits=limits) as client:

        async def one(name: str) -> int:
            async with sem:
                r = await client.get(f"{index_url}{name}/", headers={"Accept": JSON_CONTENT_TYPE})
            r.raise_for_status()
            return len(json.loads(r.content)["files"])

        return sum(await asyncio.gather(*(one(n) for n in names)))


def _lockaudit(index_url: str, names: list[str], cache: str, **options) -> dict:
    results = fetch_histories(
        names, settings=IndexSettings(IndexURL.parse(index_url)), cache=cache, concurrency=CONCURRENCY, **options
    )
    assert all(h.ok for h in results.values()), [h.detail for h in results.values() if not h.ok]
    return results


def _fresh_cache():
    return (), {"cache": os.path.join(tempfile.mkdtemp(prefix="lockaudit-bench-"), "c.sqlite3")}


def _cold(benchmark, index_url, rounds, **options):
    options.setdefault("fetch_worker", None)  # as the CLI runs: workers as the cores allow
    names = _lock_names()
    benchmark.pedantic(lambda cache: _lockaudit(index_url, names, cache, **options), setup=_fresh_cache, rounds=rounds)


def _reference(benchmark, index_url, rounds):
    names = [n.lower() for n in _lock_names()]
    benchmark.pedantic(lambda: asyncio.run(_plain_httpx_json(index_url, names)), rounds=rounds)


def _warm(benchmark, index_url):
    names = _lock_names()
    cache = _fresh_cache()[1]["cache"]
    _lockaudit(index_url, names, cache)
    results = benchmark.pedantic(lambda: _lockaudit(index_url, names, cache, ttl=3600), rounds=10, warmup_rounds=1)
    assert all(h.from_cache for h in results.values())
    assert sum(len(h.versions) for h in results.values()) > 20_000


@pytest.mark.benchmark(group="index-cold-local")
def test_cold_local_httpx_json(benchmark, local_index):
    _reference(benchmark, local_index, rounds=3)


@pytest.mark.benchmark(group="index-cold-local")
def test_cold_local_lockaudit(benchmark, local_index):
    _cold(benchmark, local_index, rounds=3)


@pytest.mark.benchmark(group="index-cold-local")
def test_cold_local_lockaudit_one_process(benchmark, local_index):
    _cold(benchmark, local_index, rounds=3, fetch_worker=False)


@pytest.mark.benchmark(group="index-warm-local")
def test_warm_local_lockaudit(benchmark, local_index):
    _warm(benchmark, local_index)


@pytest.mark.live
@pytest.mark.benchmark(group="index-cold-live")
def test_cold_live_httpx_json(benchmark, live_index):
    _reference(benchmark, live_index, rounds=3)


@pytest.mark.live
@pytest.mark.benchmark(group="index-cold-live")
def test_cold_live_lockaudit(benchmark, live_index):
    _cold(benchmark, live_index, rounds=3)


@pytest.mark.live
@pytest.mark.benchmark(group="index-cold-live")
def test_cold_live_lockaudit_one_process(benchmark, live_index):
    _cold(benchmark, live_index, rounds=3, fetch_worker=False)


@pytest.mark.live
@pytest.mark.benchmark(group="index-cold-live")
def test_cold_live_httpx_default_transport_one_process(benchmark, live_index, monkeypatch):
    """What the asyncio network backend buys: lockaudit in one process, its
    requests through httpx's own transport (httpcore on anyio) instead."""
    from lockaudit.index import netstream

    monkeypatch.setattr(netstream, "http_transport", lambda limits: httpx.AsyncHTTPTransport(limits=limits))
    _cold(benchmark, live_index, rounds=3, fetch_worker=False)


@pytest.mark.live
@pytest.mark.benchmark(group="index-warm-live")
def test_warm_live_lockaudit(benchmark, live_index):
    _warm(benchmark, live_index)
