"""Index outages: answers come from the cache where it can, unknowns are marked
unknown, the response says so, and 503 only when nothing can be answered."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from service.helpers import AS_OF, PROJECTS, ServiceProcess, TcpProxy, pair

from support.index_server import IndexServer
from support.synthetic_index import install


@pytest.fixture(scope="module")
def flaky_index() -> Iterator[TcpProxy]:
    """The index behind a proxy that the test can take down."""
    server = IndexServer(projects={}, metadata={})
    with server:
        install(server, PROJECTS)
        proxy = TcpProxy(int(server.base.rsplit(":", 1)[1]))
        try:
            yield proxy
        finally:
            proxy.stop()


@pytest.fixture(scope="module")
def outage_server(tmp_path_factory, flaky_index: TcpProxy) -> Iterator[ServiceProcess]:
    work = tmp_path_factory.mktemp("outage")
    # TTL 0: every request asks the index again, so an outage shows at once.
    proc = ServiceProcess(
        work,
        "--index-url", flaky_index.url(),
        "--cache", str(work / "cache.sqlite3"),
        "--cache-ttl", "0",
        "--index-retries", "1",
        "--index-timeout", "2",
        "--index-down-seconds", "60",
    )  # fmt: skip
    try:
        yield proc
    finally:
        proc.stop()


def _audit(c, declared: str, locked: str):
    return c.post("/v1/audit", json={"files": pair(declared, locked), "policy": {"as-of": AS_OF, "fail-on": "never"}})


def test_outage_answers_from_the_cache_and_says_so(outage_server: ServiceProcess, flaky_index: TcpProxy):
    with outage_server.client() as c:
        # warm: the index answers, nothing is degraded
        warm = _audit(c, "svc-alpha>=1.0,<3\nsvc-stable>=1.0\n", "svc-alpha==1.0.0\nsvc-stable==1.0\n")
        assert warm.status_code == 200, warm.text
        assert "X-Lockaudit-Index" not in warm.headers
        assert c.get("/v1/projects/svc-alpha/versions").json()["stale"] is False
        assert c.get("/readyz").status_code == 200

        flaky_index.stop()  # the index goes away: open connections reset, new ones refused

        # everything it needs is cached: the same findings, marked stale
        stale = _audit(c, "svc-alpha>=1.0,<3\nsvc-stable>=1.0\n", "svc-alpha==1.0.0\nsvc-stable==1.0\n")
        assert stale.status_code == 200, stale.text
        assert stale.headers["X-Lockaudit-Index"] == "unreachable"
        assert stale.headers["X-Lockaudit-Stale"] == "2"
        assert "X-Lockaudit-Unknown" not in stale.headers
        assert [f["message"] for f in stale.json()["findings"]] == [f["message"] for f in warm.json()["findings"]]
        assert {p["status"] for p in stale.json()["packages"]} == {"ok"}

        # part cached, part not: the rest is unknown, and the response says how many
        mixed = _audit(c, "svc-alpha>=1.0,<3\nsvc-gamma>=1.0\n", "svc-alpha==1.0.0\nsvc-gamma==1.0\n")
        assert mixed.status_code == 200, mixed.text
        assert mixed.headers["X-Lockaudit-Unknown"] == "1" and mixed.headers["X-Lockaudit-Stale"] == "1"
        packages = {p["name"]: p for p in mixed.json()["packages"]}
        assert packages["svc-alpha"]["status"] == "ok"
        assert packages["svc-gamma"]["status"] == "unknown" and "unreachable" in packages["svc-gamma"]["reason"]
        assert mixed.headers["X-Lockaudit-Exit-Code"] == "3"

        # nothing can be answered: 503
        down = _audit(c, "svc-gamma>=1.0\n", "svc-gamma==1.0\n")
        assert down.status_code == 503, down.text
        assert down.json()["error"]["code"] == "index_unavailable"
        assert int(down.headers["Retry-After"]) >= 1

        versions = c.get("/v1/projects/svc-alpha/versions")
        assert versions.status_code == 200 and versions.json()["stale"] is True
        assert versions.headers["X-Lockaudit-Stale"] == "1"
        assert c.get("/v1/projects/svc-gamma/versions").status_code == 503

        ready = c.get("/readyz")
        assert ready.status_code == 503
        assert ready.json()["index"]["ok"] is False and ready.json()["cache"]["ok"] is True
        assert c.get("/healthz").status_code == 200  # alive, just not ready

        # the resolver rides the same cache: cached histories still resolve
        r = c.post("/v1/resolve", json={"requirements": ["svc-alpha<2"], "python": "3.11", "as_of": AS_OF})
        assert r.status_code == 200, r.text
        assert {p["name"]: p["version"] for p in r.json()["pins"]} == {"svc-alpha": "1.1.0"}
        assert r.headers["X-Lockaudit-Index"] == "unreachable"

    log = outage_server.log_records()
    assert any(r.get("message") == "index unreachable; answering from the cache" for r in log)
