"""The HTTP service under a bounded load, from a second process on loopback.

Servers on this machine, each one uvicorn worker with the same settings, pinned
to one CPU while the load generator has the other (``taskset``):
``lockaudit serve`` (SQLite cache, bearer tokens on, JSON access log on)
against the corpus as a local index (the shared ``corpus_index_url``), and the
framework's ceiling, a trivial
FastAPI endpoint (``GET /ping`` -> ``{"ok": true}``). A load generator in
another process (``benchmarks/service_load.py load``) sends a fixed number of
requests at a fixed concurrency over keep-alive connections and reports
throughput and p50/p99 latency:

- ``/v1/match``: 10 (range, versions) pairs per request, 20 real versions each
  (200 checks; ``service_load.match_body``), next to the trivial endpoint;
  rounds alternate and the best round of each is compared (on a shared
  machine interference only slows a round down). Target: within 2x. The same
  with 40 versions per pair (400 checks, twice the bytes) is recorded too.
- ``/v1/audit`` of the corpus lock (268 pins and their 60 ranges), warm: every
  release history in the cache.

Every request must succeed. Figures are in benchmarks/README.md ("HTTP service").
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT.parent / "shared" / "corpus"
LOAD = [sys.executable, str(ROOT / "benchmarks" / "service_load.py")]
TOKEN = "bench-token-0123456789abcdef"

MATCH_REQUESTS = 4000
TRIVIAL_REQUESTS = 4000
CONCURRENCY = 16
ROUNDS = 5
AUDIT_REQUESTS = 60
AUDIT_CONCURRENCY = 4
AS_OF = "2026-11-20"


def _pinned(cpu: int) -> list[str]:
    """``taskset -c CPU`` when the machine has two CPUs or more: the servers share one,
    the load generator has the other, so the two never compete for a core."""
    if shutil.which("taskset") and (os.cpu_count() or 1) >= 2:
        return ["taskset", "-c", str(cpu)]
    return []


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _env(tmp: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PIP_", "LOCKAUDIT_", "PROMETHEUS_"))}
    env.update(PIP_CONFIG_FILE=os.devnull, NETRC=str(tmp / "no-netrc"), LOCKAUDIT_CACHE_DIR=str(tmp / "cache-dir"))
    if os.environ.get("LOCKAUDIT_NO_EXTENSIONS"):
        env["LOCKAUDIT_NO_EXTENSIONS"] = os.environ["LOCKAUDIT_NO_EXTENSIONS"]
    return env


def _wait(url: str, proc: subprocess.Popen, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{url}: the server exited")
        try:
            httpx.get(url, timeout=1.0)
            return
        except httpx.HTTPError:
            time.sleep(0.05)
    raise RuntimeError(f"{url}: the server did not start")


@pytest.fixture(scope="module")
def servers(tmp_path_factory, corpus_index_url):
    tmp = tmp_path_factory.mktemp("service-bench")
    env = _env(tmp)
    index_url = corpus_index_url  # the corpus pages (benchmarks/conftest.py), in another process
    procs: list[subprocess.Popen] = []
    try:
        service_port, trivial_port = _free_port(), _free_port()
        log = open(tmp / "serve.log", "wb")  # noqa: SIM115 - closed with the process
        service = subprocess.Popen(
            [
                *_pinned(0),
                sys.executable,
                "-m",
                "lockaudit",
                "serve",
                "--port",
                str(service_port),
                "--index-url",
                index_url,
                "--cache",
                str(tmp / "cache.sqlite3"),
                "--max-body-bytes",
                str(8 * 1024 * 1024),
            ],
            env={**env, "LOCKAUDIT_TOKENS": TOKEN},
            stdout=log,
            stderr=log,
        )
        procs.append(service)
        trivial = subprocess.Popen([*_pinned(0), *LOAD, "trivial", "--port", str(trivial_port)], env=env,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
        procs.append(trivial)
        service_url, trivial_url = f"http://127.0.0.1:{service_port}", f"http://127.0.0.1:{trivial_port}"
        _wait(service_url + "/healthz", service)
        _wait(trivial_url + "/ping", trivial)
        yield {"service": service_url, "trivial": trivial_url, "tmp": tmp}
    finally:
        for proc in reversed(procs):
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def _load(url: str, requests: int, concurrency: int, *, body: Path | None = None, auth: bool = False) -> dict:
    cmd = [
        *_pinned(1),
        *LOAD,
        "load",
        url,
        "--requests",
        str(requests),
        "--concurrency",
        str(concurrency),
        "--time-limit",
        "180",
    ]
    if body is not None:
        cmd += ["--method", "POST", "--body-file", str(body)]
    if auth:
        cmd += ["--header", f"Authorization: Bearer {TOKEN}"]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=240)
    return json.loads(out.stdout)


def _row(name: str, r: dict) -> str:
    return (f"{name:30s} {r['completed']:6d} req  c={r['concurrency']:<3d} {r['throughput_rps']:8.1f} req/s  "
            f"p50 {r['p50_ms']:7.2f} ms  p99 {r['p99_ms']:7.2f} ms  errors {r['errors']}")  # fmt: skip


def test_service_load(benchmark, servers):
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from service_load import match_body

    tmp: Path = servers["tmp"]
    match_file = tmp / "match.json"
    match_file.write_bytes(match_body(10, 20))
    match40_file = tmp / "match40.json"
    match40_file.write_bytes(match_body(10, 40))
    audit_file = tmp / "audit.json"
    audit_file.write_text(
        json.dumps(
            {
                "files": [
                    {"name": "app-requirements.in", "content": (CORPUS / "app-requirements.in").read_text()},
                    {
                        "name": "app-requirements.lock.txt",
                        "content": (CORPUS / "app-requirements.lock.txt").read_text(),
                    },
                ],
                "policy": {"as-of": AS_OF},
                "dependency_changes": False,
            }
        )
    )
    service, trivial = servers["service"], servers["trivial"]

    def run() -> dict:
        # warm: the corpus's histories into the cache, connections and code paths exercised
        with httpx.Client(headers={"Authorization": f"Bearer {TOKEN}"}, timeout=120) as c:
            r = c.post(
                service + "/v1/audit", content=audit_file.read_bytes(), headers={"Content-Type": "application/json"}
            )
            assert r.status_code == 200, r.text
            assert len(r.json()["packages"]) >= 268
        _load(trivial + "/ping", 1000, CONCURRENCY)
        _load(service + "/v1/match", 1000, CONCURRENCY, body=match_file, auth=True)
        results: dict = {"trivial": [], "match": [], "match40": []}
        for _ in range(ROUNDS):  # alternate, so all see the same machine
            results["trivial"].append(_load(trivial + "/ping", TRIVIAL_REQUESTS, CONCURRENCY))
            results["match"].append(
                _load(service + "/v1/match", MATCH_REQUESTS, CONCURRENCY, body=match_file, auth=True)
            )
            results["match40"].append(
                _load(service + "/v1/match", MATCH_REQUESTS, CONCURRENCY, body=match40_file, auth=True)
            )
        results["audit"] = _load(service + "/v1/audit", AUDIT_REQUESTS, AUDIT_CONCURRENCY, body=audit_file, auth=True)
        return results

    results = benchmark.pedantic(run, rounds=1, iterations=1)

    def best(kind: str) -> dict:
        # The best round of each: on a shared machine, interference only ever slows a round down.
        return max(results[kind], key=lambda r: r["throughput_rps"])

    def median(kind: str, key: str) -> float:
        return statistics.median(r[key] for r in results[kind])

    trivial_rps, match_rps = best("trivial")["throughput_rps"], best("match")["throughput_rps"]
    ratio = trivial_rps / match_rps
    lines = [_row(f"trivial GET /ping #{i + 1}", r) for i, r in enumerate(results["trivial"])]
    lines += [_row(f"POST /v1/match 10x20 #{i + 1}", r) for i, r in enumerate(results["match"])]
    lines += [_row(f"POST /v1/match 10x40 #{i + 1}", r) for i, r in enumerate(results["match40"])]
    lines += [_row("POST /v1/audit (warm corpus)", results["audit"])]
    lines += [f"best round: trivial {trivial_rps:.0f} req/s, /v1/match {match_rps:.0f} req/s: /v1/match is "
              f"{ratio:.2f}x below the framework's ceiling (target: within 2x); medians "
              f"{median('trivial', 'throughput_rps'):.0f} and {median('match', 'throughput_rps'):.0f} req/s",
              f"10 pairs x 40 versions: {best('match40')['throughput_rps']:.0f} req/s, "
              f"{trivial_rps / best('match40')['throughput_rps']:.2f}x below the ceiling"]  # fmt: skip
    print("\n" + "\n".join(lines))
    benchmark.extra_info.update(
        trivial_rps=trivial_rps,
        match_rps=match_rps,
        match_p50_ms=best("match")["p50_ms"],
        match_p99_ms=best("match")["p99_ms"],
        trivial_p50_ms=best("trivial")["p50_ms"],
        trivial_p99_ms=best("trivial")["p99_ms"],
        match40_rps=best("match40")["throughput_rps"],
        match40_p50_ms=best("match40")["p50_ms"],
        match40_p99_ms=best("match40")["p99_ms"],
        audit_rps=results["audit"]["throughput_rps"],
        audit_p50_ms=results["audit"]["p50_ms"],
        audit_p99_ms=results["audit"]["p99_ms"],
        ceiling_ratio=round(ratio, 2),
    )
    for r in [*results["trivial"], *results["match"], *results["match40"], results["audit"]]:
        assert r["errors"] == 0 and r["completed"] == r["requests"], r
    assert ratio <= 2.0, (
        f"/v1/match at {match_rps:.0f} req/s is {ratio:.2f}x below the trivial endpoint's {trivial_rps:.0f}"
    )


LATENCY_CONCURRENCY = (1, 8, 32)
LATENCY_ROUNDS = 5
MATCH_P99_TARGET_MS = 100.0


def _audit_50_pins(tmp: Path) -> Path:
    """A warm audit of 50 pins of the corpus lock (issue 13's load figures)."""
    lines = (CORPUS / "app-requirements.lock.txt").read_text().splitlines()
    pins = [line.split(" ")[0] for line in lines if "==" in line and not line.startswith(("#", " "))][:50]
    path = tmp / "audit50.json"
    path.write_text(json.dumps({"files": [{"name": "requirements.txt", "content": "\n".join(pins) + "\n"}],
                                "policy": {"as-of": AS_OF}, "dependency_changes": False}))  # fmt: skip
    return path


def test_service_latency_by_concurrency(benchmark, servers):
    """Issue 13: p50/p99 of ``/v1/match`` (10 x 20) and ``/v1/audit`` (50 pins, warm)
    at 1, 8 and 32 requests in flight, each alone, and ``/v1/match`` at 32 while
    audits run (4 in flight). Target: ``/v1/match`` p99 at 32 under 100 ms, alone
    and beside audits (best of three rounds: interference only slows a round down)."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from service_load import match_body

    tmp: Path = servers["tmp"]
    match_file = tmp / "match-latency.json"
    match_file.write_bytes(match_body(10, 20))
    audit_file = _audit_50_pins(tmp)
    service = servers["service"]

    def run() -> dict:
        with httpx.Client(headers={"Authorization": f"Bearer {TOKEN}"}, timeout=120) as c:  # warm the cache
            r = c.post(
                service + "/v1/audit", content=audit_file.read_bytes(), headers={"Content-Type": "application/json"}
            )
            assert r.status_code == 200, r.text
        out: dict = {}
        for c in LATENCY_CONCURRENCY:
            out[f"match@{c}"] = [
                _load(service + "/v1/match", 2000, c, body=match_file, auth=True) for _ in range(LATENCY_ROUNDS)
            ]
            out[f"audit@{c}"] = [_load(service + "/v1/audit", max(20, 3 * c), c, body=audit_file, auth=True)]
        mixed = []
        for _ in range(LATENCY_ROUNDS):
            cmd = [
                *_pinned(1),
                *LOAD,
                "load",
                service + "/v1/audit",
                "--requests",
                "40",
                "--concurrency",
                "4",
                "--method",
                "POST",
                "--body-file",
                str(audit_file),
                "--header",
                f"Authorization: Bearer {TOKEN}",
            ]
            audits = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
            time.sleep(0.3)  # the audits are under way
            mixed.append(_load(service + "/v1/match", 2000, 32, body=match_file, auth=True))
            out.setdefault("audit beside match", []).append(json.loads(audits.communicate(timeout=240)[0]))
        out["match@32 beside audits"] = mixed
        return out

    results = benchmark.pedantic(run, rounds=1, iterations=1)
    best = {k: min(v, key=lambda r: r["p99_ms"]) for k, v in results.items()}
    print()
    for name, r in best.items():
        print(_row(name, r))
        benchmark.extra_info[f"{name} p50_ms"] = r["p50_ms"]
        benchmark.extra_info[f"{name} p99_ms"] = r["p99_ms"]
    print(
        "every round of /v1/match at 32 beside audits: p99 "
        + ", ".join(f"{r['p99_ms']:.1f}" for r in results["match@32 beside audits"])
        + " ms"
    )
    for rounds in results.values():
        for r in rounds:
            assert r["errors"] == 0 and r["completed"] == r["requests"], r
    for key in ("match@32", "match@32 beside audits"):
        assert best[key]["p99_ms"] < MATCH_P99_TARGET_MS, f"{key}: p99 {best[key]['p99_ms']:.1f} ms"
