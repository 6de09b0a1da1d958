"""A bounded load test for the HTTP service, from a second process on loopback.

Two commands (``python benchmarks/service_load.py COMMAND --help``):

``load``
    The load generator: a fixed number of requests at a fixed concurrency over
    keep-alive HTTP/1.1 connections, bounded in time; prints one JSON line
    with throughput, p50/p90/p99 latency and the error count. It writes
    requests and reads responses with plain asyncio streams (no client
    library), so that it costs far less than the server it measures: on a
    small machine a client library would be the bottleneck and hide the
    difference between the endpoints.
``trivial``
    The framework's ceiling: a FastAPI app with one trivial endpoint
    (``GET /ping`` -> ``{"ok": true}``), served by uvicorn exactly as
    ``lockaudit serve`` serves the real app (one worker, no access log).
``benchmarks/test_bench_service.py`` drives them; its results are in
``benchmarks/README.md`` ("HTTP service").
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT.parent / "shared" / "corpus"


# --------------------------------------------------------------------------- load


def _request_bytes(method: str, url: str, body: bytes, headers: list[str]) -> tuple[str, int, bytes]:
    parts = urlsplit(url)
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    lines = [f"{method} {path} HTTP/1.1", f"Host: {parts.hostname}:{parts.port}", "Connection: keep-alive"]
    lines += headers
    if body or method in ("POST", "PUT", "PATCH"):
        lines += ["Content-Type: application/json", f"Content-Length: {len(body)}"]
    raw = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body
    return parts.hostname or "127.0.0.1", parts.port or 80, raw


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, bool]:
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    length = 0
    close = False
    chunked = False
    for line in lines[1:]:
        key, _, value = line.partition(":")
        key = key.strip().lower()
        if key == "content-length":
            length = int(value)
        elif key == "connection" and value.strip().lower() == "close":
            close = True
        elif key == "transfer-encoding" and "chunked" in value.lower():
            chunked = True
    if chunked:
        while True:
            size = int((await reader.readuntil(b"\r\n")).strip(), 16)
            await reader.readexactly(size + 2)
            if size == 0:
                break
    elif length:
        await reader.readexactly(length)
    return status, close


async def run_load(
    url: str, *, method: str, body: bytes, headers: list[str], requests: int, concurrency: int, time_limit: float
) -> dict[str, object]:
    host, port, raw = _request_bytes(method, url, body, headers)
    remaining = requests
    latencies: list[float] = []
    bad_status = 0
    failed = 0  # connection errors: no response at all
    statuses: dict[int, int] = {}

    async def worker() -> None:
        nonlocal remaining, bad_status, failed
        reader = writer = None
        while remaining > 0:
            remaining -= 1
            try:
                if writer is None:
                    reader, writer = await asyncio.open_connection(host, port)
                start = time.perf_counter()
                writer.write(raw)
                status, close = await _read_response(reader)  # type: ignore[arg-type]
                latencies.append(time.perf_counter() - start)
                statuses[status] = statuses.get(status, 0) + 1
                if status != 200:
                    bad_status += 1
                if close:
                    writer.close()
                    reader = writer = None
            except (OSError, asyncio.IncompleteReadError, ValueError):
                failed += 1
                if writer is not None:
                    writer.close()
                reader = writer = None
        if writer is not None:
            writer.close()

    started = time.perf_counter()
    tasks = [asyncio.create_task(worker()) for _ in range(concurrency)]
    _, pending = await asyncio.wait(tasks, timeout=time_limit)
    for t in pending:
        t.cancel()
    elapsed = time.perf_counter() - started
    finished = len(latencies)
    unfinished = requests - finished - failed  # cut off by the time limit
    errors = bad_status + failed + unfinished
    ordered = sorted(latencies)

    def pct(p: float) -> float:
        if not ordered:
            return float("nan")
        return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))] * 1000

    return {
        "url": url,
        "requests": requests,
        "completed": finished,
        "concurrency": concurrency,
        "errors": errors,
        "statuses": {str(k): v for k, v in sorted(statuses.items())},
        "seconds": round(elapsed, 3),
        "throughput_rps": round(finished / elapsed, 1) if elapsed else 0.0,
        "p50_ms": round(pct(50), 3),
        "p90_ms": round(pct(90), 3),
        "p99_ms": round(pct(99), 3),
        "timed_out": bool(pending),
    }


# --------------------------------------------------------------------------- servers


def trivial_app():
    from fastapi import FastAPI

    app = FastAPI()

    @app.get("/ping")
    async def ping() -> dict[str, bool]:
        return {"ok": True}

    return app


def match_body(pairs: int = 10, versions: int = 20) -> bytes:
    """A realistic bulk match: ``pairs`` ranges from the corpus input, each against the
    newest ``versions`` releases of its package (real version strings)."""
    data = json.loads((CORPUS / "release-history.json").read_text())
    ranges = [">=2.0,<3", "~=1.4", ">=0.20", "!=2.0.*,>=1.10", "<2", "==1.*", ">=3.8,<4", ">=22.0", "~=5.0", ">0"]
    names = ["requests", "django", "numpy", "pydantic", "sqlalchemy", "fastapi", "boto3", "celery", "pandas", "rich"]
    out = []
    for i in range(pairs):
        name = names[i % len(names)]
        history = data[name]["versions"][-versions:]
        out.append({"range": ranges[i % len(ranges)], "versions": history})
    return json.dumps({"pairs": out}).encode()


# --------------------------------------------------------------------------- CLI


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    load = sub.add_parser("load", help="run a bounded load test, print one JSON line")
    load.add_argument("url")
    load.add_argument("--method", default="GET")
    load.add_argument("--body-file", type=Path)
    load.add_argument("--header", action="append", default=[], help="'Name: value' (repeatable)")
    load.add_argument("--requests", type=int, default=5000)
    load.add_argument("--concurrency", type=int, default=16)
    load.add_argument(
        "--time-limit", type=float, default=120.0, help="stop after this many seconds (the rest count as errors)"
    )
    trivial = sub.add_parser("trivial", help="serve the trivial FastAPI app (the framework's ceiling)")
    trivial.add_argument("--port", type=int, required=True)
    args = parser.parse_args(argv)

    if args.command == "load":
        body = args.body_file.read_bytes() if args.body_file else b""
        result = asyncio.run(
            run_load(
                args.url,
                method=args.method.upper(),
                body=body,
                headers=args.header,
                requests=args.requests,
                concurrency=args.concurrency,
                time_limit=args.time_limit,
            )
        )
        print(json.dumps(result), flush=True)
        return 0 if result["errors"] == 0 else 1
    if args.command == "trivial":
        import uvicorn

        uvicorn.run(trivial_app(), host="127.0.0.1", port=args.port, workers=1, access_log=False,
                    log_level="warning", server_header=False, proxy_headers=False)  # fmt: skip
        return 0
    return 2


if __name__ == "__main__":
    raise SystemExit(main())
