"""Several instances behind a load balancer share one Redis and nothing else:
what one instance fetched, the other answers without asking the index."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from service.helpers import AS_OF, PROJECTS, RedisProcess, ServiceProcess, pair

from support.index_server import IndexServer
from support.synthetic_index import install

FILES = pair(
    "svc-alpha>=1.0,<3\nsvc-beta>=0.4\nsvc-gamma>=1.0\n", "svc-alpha==1.0.0\nsvc-beta==0.4.0\nsvc-gamma==1.0\n"
)


@pytest.fixture(scope="module")
def fleet(tmp_path_factory) -> Iterator[tuple[IndexServer, list[RedisProcess], ServiceProcess, ServiceProcess]]:
    work = tmp_path_factory.mktemp("fleet")
    redis = [RedisProcess(work)]  # a test may restart it (same port)
    started: list[ServiceProcess] = []
    try:
        with IndexServer(projects={}, metadata={}) as index:
            install(index, PROJECTS)
            common = ("--index-url", index.url, "--cache", redis[0].url, "--index-retries", "1")
            started.append(ServiceProcess(work / "a", *common))
            started.append(ServiceProcess(work / "b", *common, "--workers", "2"))
            yield index, redis, started[0], started[1]
    finally:
        for proc in started:
            proc.stop()
        for r in redis:
            r.stop()


def _pages(index: IndexServer) -> int:
    return sum(1 for r in index.requests if r.path.startswith("/simple/"))


def _findings(response) -> list[tuple[str, str, str]]:
    return [(f["code"], f["package"], f["message"]) for f in response.json()["findings"]]


def test_two_instances_share_one_redis(fleet):
    index, _redis, a, b = fleet
    with a.client() as ca, b.client() as cb:
        assert ca.get("/readyz").json()["cache"] == {"ok": True, "backend": "redis"}
        assert cb.get("/readyz").json()["cache"] == {"ok": True, "backend": "redis"}

        first = ca.post("/v1/audit", json={"files": FILES, "policy": {"as-of": AS_OF}})
        assert first.status_code == 200, first.text
        fetched = _pages(index)
        assert fetched >= 3  # instance A asked the index

        for _ in range(3):  # whichever worker of B answers
            second = cb.post("/v1/audit", json={"files": FILES, "policy": {"as-of": AS_OF}})
            assert second.status_code == 200, second.text
            assert _findings(second) == _findings(first)
        versions = cb.get("/v1/projects/svc-alpha/versions").json()
        assert versions["from_cache"] is True
        assert _pages(index) == fetched  # B answered from Redis alone

        # B runs two workers: /metrics sums both, whichever answers
        metrics = cb.get("/metrics").text
        hits = [
            line
            for line in metrics.splitlines()
            if line.startswith('lockaudit_cache_lookups_total{kind="page",result="hit"}')
        ]
        assert hits and float(hits[0].rsplit(" ", 1)[1]) >= 9
        audits = [
            line
            for line in metrics.splitlines()
            if line.startswith('lockaudit_http_requests_total{method="POST",route="/v1/audit",status="200"}')
        ]
        assert audits and float(audits[0].rsplit(" ", 1)[1]) == 3


def test_every_endpoint_on_the_redis_backed_instances(fleet):
    _index, _redis, a, b = fleet
    for proc in (a, b):
        with proc.client() as c:
            assert c.get("/healthz").status_code == 200
            assert c.get("/openapi.json").status_code == 200
            assert c.get("/v1/projects/svc-gamma/versions", params={"range": ">=1"}).json()["fresh_install"] == "1.0"
            match = c.post("/v1/match", json={"pairs": [{"range": "~=1.0", "versions": ["0.9", "1.0", "1.5", "2.0"]}]})
            assert match.json()["results"][0]["matches"] == ["1.0", "1.5"]
            check = c.post(
                "/v1/check",
                json={
                    "files": pair("svc-beta>=0.5\n", "svc-beta==0.5.0\nsvc-alpha==2.1.0\n"),
                    "lock": "requirements.txt",
                    "python": "3.11",
                    "as_of": AS_OF,
                },
            )
            assert check.status_code == 200 and check.headers["X-Lockaudit-Exit-Code"] == "0", check.text
            resolved = c.post("/v1/resolve", json={"requirements": ["svc-beta"], "python": "3.11", "as_of": AS_OF})
            assert {p["name"]: p["version"] for p in resolved.json()["pins"]} == {
                "svc-alpha": "2.1.0",
                "svc-beta": "0.5.0",
            }
            assert "lockaudit_http_requests_total" in c.get("/metrics").text


def test_redis_down_instance_not_ready_but_still_answers_then_reconnects(fleet, tmp_path):
    index, redis, a, _b = fleet
    redis[0].stop()
    with a.client() as ca:
        ready = ca.get("/readyz")
        assert ready.status_code == 503
        assert ready.json()["cache"]["ok"] is False and ready.json()["cache"]["backend"] == "redis"
        # without its cache the instance asks the index itself
        before = _pages(index)
        r = ca.post("/v1/audit", json={"files": FILES, "policy": {"as-of": AS_OF}})
        assert r.status_code == 200, r.text
        assert {p["status"] for p in r.json()["packages"]} == {"ok"}
        assert _pages(index) > before
        # Redis comes back (empty) on the same address: the instance uses it again
        redis.append(RedisProcess(tmp_path, port=redis[0].port))
        ready = ca.get("/readyz")
        assert ready.status_code == 200, ready.text
        assert ready.json()["cache"] == {"ok": True, "backend": "redis"}
        ca.post("/v1/audit", json={"files": FILES, "policy": {"as-of": AS_OF}})
        before = _pages(index)
        r = ca.post("/v1/audit", json={"files": FILES, "policy": {"as-of": AS_OF}})
        assert r.status_code == 200 and _pages(index) == before  # cached again
    # Every line the instance wrote while its cache failed is a JSON log line:
    # the cache's failure among them, and no Python warning text beside them.
    lines = [line for line in a.log().splitlines() if line.strip()]
    assert lines and all(line.startswith("{") and line.endswith("}") for line in lines), [
        line for line in lines if not line.startswith("{")
    ]
    records = a.log_records()
    assert any(r["logger"] == "lockaudit.index.cache.interface" and "cannot be used" in r["message"] for r in records)
