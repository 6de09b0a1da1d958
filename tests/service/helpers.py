"""Helpers for the service tests: a real ``lockaudit serve`` process (uvicorn on a
free loopback port), a real redis-server, the synthetic projects and the corpus
pages the local index answers for."""

from __future__ import annotations

import hashlib
import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from support.redis_server import RedisProcess  # noqa: F401 - the service tests import it from here
from support.synthetic_index import Project, Release

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT.parent / "shared" / "corpus"
TOKEN = "svc-test-token-0123456789abcdef"
OTHER_TOKEN = "svc-other-token-0123456789abcdef"
AS_OF = "2026-01-01"

PROJECTS = [
    Project(
        "svc-alpha",
        [
            Release("1.0.0", "2024-01-01"),
            Release("1.0.1", "2024-02-01"),
            Release("1.1.0", "2024-06-01"),
            Release("2.0.0", "2025-03-01"),
            Release("2.1.0", "2025-12-30"),
            Release("3.0.0", "2026-03-01"),
        ],
    ),
    Project("svc-beta", [Release("0.4.0", "2024-01-01"), Release("0.5.0", "2024-05-01", requires=("svc-alpha>=1",))]),
    Project(
        "svc-gamma",
        [
            Release("1.0", "2024-01-01"),
            Release("1.1", "2024-03-01", yanked="broken build"),
            Release("1.2a1", "2024-04-01"),
        ],
    ),
    Project(
        "svc-pyonly",
        [Release("1.0", "2024-01-01", requires_python=">=3.8"), Release("2.0", "2025-01-01", requires_python=">=3.12")],
    ),
    Project("svc-stable", [Release("1.0", "2024-01-01"), Release("1.0.1", "2024-01-02")]),
]


# --------------------------------------------------------------------------- helpers


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def clean_env(tmp: Path, **extra: str) -> dict[str, str]:
    """The environment of a child process: no pip or lockaudit settings of this machine."""
    # LOCKAUDIT_NO_EXTENSIONS stays: `make test-pure` runs the servers on the pure core too.
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("PIP_", "LOCKAUDIT_", "PROMETHEUS_")) or k == "LOCKAUDIT_NO_EXTENSIONS"
    }
    env.pop("NETRC", None)
    env.update(
        PIP_CONFIG_FILE=os.devnull,
        NETRC=str(tmp / "no-netrc"),
        LOCKAUDIT_CACHE_DIR=str(tmp / "default-cache"),
        NO_COLOR="1",
    )
    env.update(extra)
    return env


class ServiceProcess:
    """``python -m lockaudit serve`` on a free loopback port; its JSON log in a file."""

    def __init__(self, workdir: Path, *args: str, env: dict[str, str] | None = None, token: str | None = TOKEN) -> None:
        workdir.mkdir(parents=True, exist_ok=True)
        self.workdir = workdir
        self.log_path = workdir / "serve.log"
        self.token = token
        base_env = clean_env(workdir)
        if token:
            base_env["LOCKAUDIT_TOKENS"] = token
        base_env.update(env or {})
        for _attempt in range(3):
            self.port = free_port()
            self.url = f"http://127.0.0.1:{self.port}"
            cmd = [sys.executable, "-m", "lockaudit", "serve", "--host", "127.0.0.1", "--port", str(self.port), *args]
            with open(self.log_path, "ab") as log:
                self.proc = subprocess.Popen(
                    cmd, env=base_env, cwd=workdir, stdin=subprocess.DEVNULL, stdout=log, stderr=log
                )
            if self._wait_ready():
                return
            self.stop()
            if "address already in use" not in self.log().lower():
                break
        pytest.fail(f"lockaudit serve did not start:\n{self.log()[-4000:]}")

    def _wait_ready(self, timeout: float = 30.0) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                return False
            try:
                if httpx.get(self.url + "/healthz", timeout=1.0).status_code == 200:
                    return True
            except httpx.HTTPError:
                pass
            time.sleep(0.05)
        return False

    def client(self, token: str | bool | None = True, **kwargs) -> httpx.Client:
        headers = dict(kwargs.pop("headers", {}))
        tok = self.token if token is True else (token or None)
        if tok:
            headers["Authorization"] = f"Bearer {tok}"
        return httpx.Client(base_url=self.url, headers=headers, timeout=kwargs.pop("timeout", 60.0), **kwargs)

    def log(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def log_records(self) -> list[dict]:
        out = []
        # JSON Lines: records end at "\n" only (a path may hold U+0085 or U+2028, which splitlines() splits at)
        for line in self.log().split("\n"):
            line = line.strip()
            if line.startswith("{"):
                out.append(json.loads(line))
        return out

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


class TcpProxy:
    """A loopback TCP proxy to ``target_port`` that can fail like a real outage:
    ``stop()`` closes the listening socket and every open connection, so pooled
    keep-alive connections die too (connections are then refused)."""

    def __init__(self, target_port: int) -> None:
        import threading

        self.target_port = target_port
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self._conns: list[socket.socket] = []
        self._lock = threading.Lock()
        self._stopped = False
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def url(self, path: str = "/simple/") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def _accept(self) -> None:
        import threading

        while not self._stopped:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            if self._stopped:
                client.close()
                return
            try:
                upstream = socket.create_connection(("127.0.0.1", self.target_port))
            except OSError:
                client.close()
                continue
            with self._lock:
                self._conns += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(src: socket.socket, dst: socket.socket) -> None:
        try:
            while data := src.recv(65536):
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def stop(self) -> None:
        self._stopped = True
        try:
            self._listener.shutdown(socket.SHUT_RDWR)  # wakes the blocked accept()
        except OSError:
            pass
        self._listener.close()
        with self._lock:
            for s in self._conns:
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                s.close()
            self._conns.clear()
        self._thread.join(timeout=5)


# --------------------------------------------------------------------------- corpus pages


def corpus_pages(metadata: dict[str, bytes] | None = None) -> dict[str, dict]:
    """PEP 691 pages for the 268 corpus packages from the recorded release history:
    the real versions, upload times, yanked flags and Requires-Python, one
    synthetic sdist per version with a consistent fake sha256. With ``metadata``
    (the server's metadata map, filled here), the releases a fresh install of
    the corpus visits advertise their recorded core metadata
    (tests/fixtures/corpus/metadata.json)."""
    from support.corpus_pages import METADATA, _metadata_text

    data = json.loads((CORPUS / "release-history.json").read_text())
    recorded = json.loads(METADATA.read_text()) if metadata is not None else {}
    pages = {}
    for name, entry in data.items():
        files = []
        for row in entry["files"]:
            fn = f"{name.replace('-', '_')}-{row['version']}.tar.gz"
            record = recorded.get(name, {}).get(row["version"])
            file: dict = {
                "filename": fn,
                "hashes": {"sha256": hashlib.sha256(fn.encode()).hexdigest()},
                "requires-python": row["requires_python"],
                "size": 1000,
                "upload-time": row["upload_time"] or "2020-01-01T00:00:00Z",
                "yanked": row["yanked"],
            }
            if record is not None and metadata is not None:
                body = _metadata_text(name, row["version"], record)
                metadata[f"{fn}.metadata"] = body
                file["core-metadata"] = {"sha256": hashlib.sha256(body).hexdigest()}
            files.append(file)
        pages[name] = {"meta": {"api-version": "1.1"}, "name": name, "versions": entry["versions"], "files": files}
    return pages


def corpus_files() -> dict[str, str]:
    return {
        "app-requirements.in": (CORPUS / "app-requirements.in").read_text(),
        "app-requirements.lock.txt": (CORPUS / "app-requirements.lock.txt").read_text(),
    }


def pair(declared: str, locked: str) -> list[dict[str, str]]:
    return [{"name": "requirements.in", "content": declared}, {"name": "requirements.txt", "content": locked}]


def codes(report: dict, package: str | None = None) -> set[str]:
    return {f["code"] for f in report["findings"] if package is None or f["package"] == package}
