"""A real Simple Repository API server on 127.0.0.1 for tests.

Serves the recorded pages in tests/fixtures/index/projects (PEP 691 JSON or PEP
503 HTML by content negotiation), metadata files, and distribution files
(honouring ``Range:``). File URLs on the pages are relative
(``../../files/<name>``), so nothing points at a public host.

Misbehaviour is scripted per path: ``server.script(path, [500, 500])`` makes the
next two requests for ``path`` fail before it answers normally. Actions:
an int (that status, empty body), ``("retry-after", status, seconds)``,
``"truncate"`` (close mid-body), ``"bad-json"`` (complete but invalid),
``("sleep", seconds)`` (then answer normally), ``("hold", gate)`` (a
:class:`Gate`: tell the test the request is here, wait until the test lets it
go, then answer normally: tests order events on it, not on time).
``server.always(path, action)`` gives ``path`` (``"*"``: every path) that
action for every request.

Hostile actions (the fault-injecting index): ``("redirect", status, location)``,
``("body", status, bytes, content_type)`` (exactly that answer: an empty page,
a login page), ``("drip", seconds, nbytes)`` (a 200 that sends one byte every
``seconds``), ``("huge", nbytes, with_length)`` (a 200 JSON body of ``nbytes``,
streamed, announced by Content-Length or not).

Also: ``/html/simple/`` answers HTML whatever is asked; ``/old/simple/...``
redirects to ``/simple/...``; ``/private/simple/`` needs Basic auth
(``server.credentials``); ``server.etags = True`` adds ETags and answers
``If-None-Match`` with 304. Every request is logged in ``server.requests``.
"""

from __future__ import annotations

import base64
import hashlib
import html
import io
import json
import os
import re
import threading
import time
import zipfile
from collections import defaultdict, deque
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "index"
JSON_TYPE = "application/vnd.pypi.simple.v1+json"


class Gate:
    """Holds requests until the test releases them (the ``("hold", gate)`` action).

    ``arrived`` is set when a held request has come in; ``release()`` lets every
    held request (and any later one) through. A request is never held longer
    than ``limit`` seconds, so a failing test cannot hang the server.
    """

    def __init__(self, limit: float = 60.0) -> None:
        self.arrived = threading.Event()
        self._open = threading.Event()
        self.limit = limit
        self.held = 0

    def hold(self) -> None:
        self.held += 1
        self.arrived.set()
        self._open.wait(self.limit)

    def release(self) -> None:
        self._open.set()

    def wait_arrived(self, timeout: float = 30.0) -> bool:
        """True once a request is held (blocks; from async code: ``asyncio.to_thread``)."""
        return self.arrived.wait(timeout)


@dataclass
class Request:
    method: str
    path: str
    headers: dict[str, str]


def load_projects(directory: Path = FIXTURES / "projects") -> dict[str, dict[str, Any]]:
    return {p.stem: json.loads(p.read_text()) for p in sorted(directory.glob("*.json"))}


def load_metadata(directory: Path = FIXTURES / "metadata") -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(directory.glob("*.metadata"))}


class IndexServer:
    def __init__(
        self,
        projects: dict[str, dict[str, Any]] | None = None,
        metadata: dict[str, bytes] | None = None,
        files: dict[str, bytes] | None = None,
    ) -> None:
        self.projects = load_projects() if projects is None else projects
        #: "<filename>.metadata" -> bytes
        self.metadata = load_metadata() if metadata is None else metadata
        #: filename -> bytes (distribution files tests build)
        self.files = dict(files or {})
        self.requests: list[Request] = []
        self.etags = False
        self.ranges = True
        self.credentials = ("alice", "s3cret")
        #: Keep rendered pages (a benchmark server serving the same pages often).
        self.cache_pages = False
        self._rendered: dict[tuple[str, str], bytes] = {}
        self._scripts: dict[str, deque[Any]] = defaultdict(deque)
        self._always: dict[str, Any] = {}
        self._lock = threading.Lock()
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle ------------------------------------------------------

    def start(self) -> IndexServer:
        server = self

        class Handler(_Handler):
            index = server

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        httpd = self._httpd
        self._thread = threading.Thread(
            target=lambda: httpd.serve_forever(poll_interval=0.02), name="index-server", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> IndexServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def base(self) -> str:
        assert self._httpd is not None
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def url(self) -> str:
        """The index URL (``/simple/``)."""
        return self.base + "/simple/"

    # -- scripting ------------------------------------------------------

    def script(self, path: str, actions: list[Any]) -> None:
        with self._lock:
            self._scripts[path].extend(actions)

    def always(self, path: str, action: Any) -> None:
        """``action`` for every request of ``path`` (``"*"``: of every path); None ends it."""
        with self._lock:
            if action is None:
                self._always.pop(path, None)
            else:
                self._always[path] = action

    def next_action(self, path: str) -> Any:
        with self._lock:
            queue = self._scripts.get(path)
            if queue:
                return queue.popleft()
            return self._always.get(path, self._always.get("*"))

    def hits(self, path: str) -> int:
        return sum(1 for r in self.requests if r.path == path)

    def add_project(self, name: str, page: dict[str, Any]) -> None:
        self.projects[name] = page

    # -- pages ----------------------------------------------------------

    def json_page(self, name: str) -> bytes:
        if self.cache_pages and ("json", name) in self._rendered:
            return self._rendered[("json", name)]
        page = json.loads(json.dumps(self.projects[name]))
        for f in page["files"]:
            f.setdefault("url", f"../../files/{f['filename']}")
        body = json.dumps(page).encode()
        if self.cache_pages:
            self._rendered[("json", name)] = body
        return body

    def html_page(self, name: str) -> bytes:
        page = self.projects[name]
        links = []
        for f in page["files"]:
            attrs = [f'href="../../files/{html.escape(f["filename"])}#sha256={f["hashes"].get("sha256", "")}"']
            if f.get("requires-python"):
                attrs.append(f'data-requires-python="{html.escape(f["requires-python"])}"')
            y = f.get("yanked")
            if y:
                attrs.append(f'data-yanked="{html.escape(y) if isinstance(y, str) else ""}"')
            md = f.get("core-metadata")
            if md:
                value = "true" if md is True else "sha256=" + md.get("sha256", "")
                attrs.append(f'data-core-metadata="{value}"')
            links.append(f"<a {' '.join(attrs)}>{html.escape(f['filename'])}</a><br/>")
        api = page.get("meta", {}).get("api-version", "1.0")
        return (
            "<!DOCTYPE html><html><head>"
            f'<meta name="pypi:repository-version" content="{api}">'
            f"<title>Links for {name}</title></head><body><h1>Links for {name}</h1>\n"
            + "\n".join(links)
            + "\n</body></html>"
        ).encode()


class _Handler(BaseHTTPRequestHandler):
    index: IndexServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        srv = self.index
        path = self.path.split("?", 1)[0]
        srv.requests.append(Request("GET", path, {k.lower(): v for k, v in self.headers.items()}))
        action = srv.next_action(path)
        if isinstance(action, tuple) and action[0] == "sleep":
            time.sleep(action[1])
            action = None
        if isinstance(action, tuple) and action[0] == "hold":
            action[1].hold()
            action = None
        if isinstance(action, int):
            return self._send(action, b"")
        if isinstance(action, tuple) and action[0] == "retry-after":
            return self._send(action[1], b"", {"Retry-After": str(action[2])})
        if isinstance(action, tuple) and action[0] == "redirect":
            return self._send(action[1], b"", {"Location": action[2]})
        if isinstance(action, tuple) and action[0] == "body":
            return self._send(action[1], action[2], {"Content-Type": action[3]})
        if isinstance(action, tuple) and action[0] == "drip":
            return self._drip(action[1], action[2])
        if isinstance(action, tuple) and action[0] == "huge":
            return self._huge(action[1], action[2])

        if path.startswith("/old/"):
            return self._send(301, b"", {"Location": path[len("/old") :]})
        if path.startswith("/private/"):
            expected = "Basic " + base64.b64encode(":".join(srv.credentials).encode()).decode()
            if self.headers.get("Authorization") != expected:
                return self._send(401, b"", {"WWW-Authenticate": 'Basic realm="private"'})
            path = path[len("/private") :]
        force_html = path.startswith("/html/")
        if force_html:
            path = path[len("/html") :]

        m = re.fullmatch(r"/simple/([^/]+)/", path)
        if m:
            name = m.group(1)
            if name not in srv.projects:
                return self._send(404, b"")
            accept = self.headers.get("Accept", "")
            if not force_html and JSON_TYPE in accept:
                body, ctype = srv.json_page(name), JSON_TYPE
            else:
                body, ctype = srv.html_page(name), "text/html; charset=utf-8"
            if action == "bad-json":
                body = body[: len(body) // 2]
            headers = {"Content-Type": ctype}
            if srv.etags:
                etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
                headers["ETag"] = etag
                if self.headers.get("If-None-Match") == etag:
                    return self._send(304, b"", {"ETag": etag})
            if action == "truncate":
                return self._truncated(body, headers)
            return self._send(200, body, headers)

        m = re.fullmatch(r"/files/([^/]+)", path)
        if m:
            fname = m.group(1)
            if fname.endswith(".metadata"):
                data = srv.metadata.get(fname)
                if data is None:
                    return self._send(404, b"")
                return self._send(200, data, {"Content-Type": "application/octet-stream"})
            data = srv.files.get(fname)
            if data is None:
                return self._send(404, b"")
            return self._file(data)
        return self._send(404, b"")

    def _file(self, data: bytes) -> None:
        header = self.headers.get("Range")
        if header and self.index.ranges:
            m = re.fullmatch(r"bytes=(\d*)-(\d*)", header.strip())
            if m:
                size = len(data)
                if m.group(1) == "":
                    start = max(0, size - int(m.group(2)))
                    stop = size - 1
                else:
                    start = int(m.group(1))
                    stop = min(size - 1, int(m.group(2))) if m.group(2) else size - 1
                if start >= size:
                    return self._send(416, b"", {"Content-Range": f"bytes */{size}"})
                return self._send(
                    206,
                    data[start : stop + 1],
                    {"Content-Range": f"bytes {start}-{stop}/{size}", "Content-Type": "application/octet-stream"},
                )
        return self._send(200, data, {"Content-Type": "application/octet-stream", "Accept-Ranges": "bytes"})

    def _send(self, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if body:
            self.wfile.write(body)

    def _drip(self, interval: float, size: int) -> None:
        self.send_response(200)
        self.send_header("Content-Type", JSON_TYPE)
        self.send_header("Content-Length", str(size))
        self.end_headers()
        try:
            for _ in range(size):
                self.wfile.write(b" ")
                self.wfile.flush()
                time.sleep(interval)
        except OSError:
            pass  # the client gave up: what the test wants
        self.close_connection = True

    def _huge(self, size: int, with_length: bool) -> None:
        self.send_response(200)
        self.send_header("Content-Type", JSON_TYPE)
        if with_length:
            self.send_header("Content-Length", str(size))
        else:
            self.send_header("Connection", "close")
        self.end_headers()
        chunk = b'{"pad": "' + b"x" * (1 << 16) + b'"}'
        try:
            sent = 0
            while sent < size:
                piece = chunk[: size - sent]
                self.wfile.write(piece)
                sent += len(piece)
        except OSError:
            pass  # the client stopped reading: what the test wants
        self.close_connection = True

    def _truncated(self, body: bytes, headers: dict[str, str]) -> None:
        self.send_response(200)
        for k, v in headers.items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body[: len(body) // 2])
        self.wfile.flush()
        self.close_connection = True


def build_wheel(name: str, version: str, requires: list[str] = (), padding: int = 0) -> bytes:
    """A small real wheel; ``padding`` bytes of incompressible data before the
    metadata push it out of the first range request's reach."""
    dist = f"{name.replace('-', '_')}-{version}.dist-info"
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(f"{name.replace('-', '_')}/__init__.py", "")
        if padding:
            zf.writestr(zipfile.ZipInfo(f"{name.replace('-', '_')}/blob.bin"), os.urandom(padding))
        meta = ["Metadata-Version: 2.1", f"Name: {name}", f"Version: {version}", "Requires-Python: >=3.8"]
        meta += [f"Requires-Dist: {r}" for r in requires]
        zf.writestr(f"{dist}/METADATA", "\n".join(meta) + "\n\nA long description.\n" * 2)
        zf.writestr(f"{dist}/WHEEL", "Wheel-Version: 1.0\nRoot-Is-Purelib: true\nTag: py3-none-any\n")
        zf.writestr(f"{dist}/RECORD", "")
    return buf.getvalue()


def main(argv: list[str] | None = None) -> int:
    """Serve a directory of pages from another process (benchmarks): prints the
    index URL, then serves until stdin closes."""
    import argparse
    import sys

    parser = argparse.ArgumentParser()
    parser.add_argument("--projects", type=Path, default=FIXTURES / "projects")
    parser.add_argument("--metadata", type=Path, help="a directory of <file>.metadata files to serve")
    args = parser.parse_args(argv)
    metadata = load_metadata(args.metadata) if args.metadata else {}
    server = IndexServer(projects=load_projects(args.projects), metadata=metadata)
    server.cache_pages = True
    with server:
        print(server.url, flush=True)
        sys.stdin.read()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
