"""The asyncio network backend under httpx (lockaudit.index.netstream), on real
sockets: plain TCP and TLS servers on 127.0.0.1 started by the tests."""

from __future__ import annotations

import asyncio
import shutil
import ssl
import subprocess
from pathlib import Path

import httpcore
import pytest

from lockaudit.index.http import HttpSession
from lockaudit.index.netstream import AsyncioBackend

BODY = bytes(range(256)) * (3 * 4096)  # 3 MiB, every byte value


async def _serve(handler, ssl_context=None):
    server = await asyncio.start_server(handler, "127.0.0.1", 0, ssl=ssl_context)
    return server, server.sockets[0].getsockname()[1]


def test_large_bodies_arrive_whole_in_bounded_reads_with_flow_control():
    async def main():
        async def handler(reader, writer):
            writer.write(BODY)
            await writer.drain()
            writer.close()

        server, port = await _serve(handler)
        async with server:
            stream = await AsyncioBackend().connect_tcp("127.0.0.1", port, timeout=5)
            protocol = stream._protocol
            for _ in range(100):  # let the server fill our buffer past the high-water mark
                if protocol.reading_paused:
                    break
                await asyncio.sleep(0.01)
            assert protocol.reading_paused, "reading was never paused with 3 MiB unread"
            parts = []
            while True:
                part = await stream.read(65536, timeout=5)
                if not part:
                    break
                assert len(part) <= 65536
                parts.append(part)
            assert b"".join(parts) == BODY
            assert not protocol.reading_paused
            assert stream.get_extra_info("is_readable") is True  # the server has closed
            await stream.aclose()

    asyncio.run(main())


def test_read_timeout_connect_error_and_eof():
    async def main():
        async def silent(reader, writer):
            await reader.read(100)  # wait for the client, say nothing until it closes
            writer.close()

        server, port = await _serve(silent)
        async with server:
            stream = await AsyncioBackend().connect_tcp("127.0.0.1", port, timeout=5)
            assert stream.get_extra_info("is_readable") is False
            with pytest.raises(httpcore.ReadTimeout):
                await stream.read(10, timeout=0.05)
            await stream.write(b"bye")
            assert await stream.read(10, timeout=5) == b""  # the server closed: EOF
            await stream.aclose()
        with pytest.raises(httpcore.ConnectError):
            await AsyncioBackend().connect_tcp("127.0.0.1", port, timeout=5)

    asyncio.run(main())


@pytest.fixture(scope="module")
def tls_files(tmp_path_factory) -> tuple[Path, Path]:
    openssl = shutil.which("openssl")
    assert openssl, "the TLS tests need the openssl command"
    d = tmp_path_factory.mktemp("tls")
    cert, key = d / "cert.pem", d / "key.pem"
    subprocess.run(
        [openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=localhost",
         "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )  # fmt: skip
    return cert, key


def test_tls_through_asyncio_and_certificate_checks(tls_files):
    cert, key = tls_files
    server_ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_ctx.load_cert_chain(cert, key)

    async def main():
        async def echo(reader, writer):
            data = await reader.readexactly(5)
            writer.write(data + BODY[:200_000])
            await writer.drain()
            writer.close()

        server, port = await _serve(echo, server_ctx)
        async with server:
            trusting = ssl.create_default_context(cafile=str(cert))
            raw = await AsyncioBackend().connect_tcp("127.0.0.1", port, timeout=5)
            stream = await raw.start_tls(trusting, server_hostname="localhost", timeout=5)
            assert stream.get_extra_info("ssl_object") is not None
            await stream.write(b"hello", timeout=5)
            got = b""
            while True:
                part = await stream.read(65536, timeout=5)
                if not part:
                    break
                got += part
            assert got == b"hello" + BODY[:200_000]
            await stream.aclose()

            # A certificate nobody vouches for is refused.
            raw = await AsyncioBackend().connect_tcp("127.0.0.1", port, timeout=5)
            with pytest.raises(httpcore.ConnectError):
                await raw.start_tls(ssl.create_default_context(), server_hostname="localhost", timeout=5)

    asyncio.run(main())


def test_https_index_through_the_session(tls_files, monkeypatch):
    """httpx on the asyncio backend over TLS, trusting the CA from SSL_CERT_FILE
    as httpx's own transport would."""
    cert, key = tls_files
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))
    server_ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_ctx.load_cert_chain(cert, key)
    payload = b'{"meta": {"api-version": "1.1"}, "files": []}' + b" " * 300_000

    async def main():
        async def http(reader, writer):
            while True:
                try:
                    await reader.readuntil(b"\r\n\r\n")
                except (asyncio.IncompleteReadError, ConnectionError):
                    break  # the client closed its keep-alive connection
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                             b"Content-Length: %d\r\n\r\n" % len(payload) + payload)  # fmt: skip
                await writer.drain()

        server, port = await _serve(http, server_ctx)
        async with server:
            session = HttpSession(concurrency=2, timeout=5)
            try:
                for _ in range(3):  # keep-alive: one connection serves all three
                    response = await session.get(f"https://localhost:{port}/simple/x/")
                    assert response.status_code == 200 and response.content == payload
                pool = session._client._transport._pool
                assert isinstance(pool._network_backend, AsyncioBackend)
                assert len(pool.connections) == 1
            finally:
                await session.aclose()

    asyncio.run(main())


def test_a_proxy_in_the_environment_keeps_httpx_defaults(monkeypatch):
    monkeypatch.setenv("HTTPS_PROXY", "http://127.0.0.1:9")

    async def main():
        session = HttpSession(concurrency=2, timeout=5)
        try:
            pool = getattr(session._client._transport, "_pool", None)
            assert not isinstance(getattr(pool, "_network_backend", None), AsyncioBackend)
            # ... and httpx mounted its proxy transport for https:// URLs.
            assert any("https" in str(pattern.pattern) for pattern in session._client._mounts)
        finally:
            await session.aclose()

    asyncio.run(main())


def test_each_host_has_its_own_budget_of_requests(index_server):
    """The file host (metadata, range requests) never queues behind the index's
    pages: with one request per host, a slow page does not hold up the other host."""
    port = index_server.url.split(":")[2].split("/")[0]
    index_server.script("/simple/six/", [("sleep", 1.5), ("sleep", 1.5)])

    async def main():
        session = HttpSession(concurrency=1, timeout=10)
        try:
            slow = asyncio.ensure_future(session.get(f"http://127.0.0.1:{port}/simple/six/"))
            await asyncio.sleep(0.2)  # the slow request holds 127.0.0.1's only slot
            other = await session.get(f"http://localhost:{port}/simple/iniconfig/")
            assert other.status_code == 200
            assert not slow.done(), "the second host waited for the first host's request"
            assert (await slow).status_code == 200
            # ... while the same host waits its turn.
            slow = asyncio.ensure_future(session.get(f"http://127.0.0.1:{port}/simple/six/"))
            await asyncio.sleep(0)
            same = asyncio.ensure_future(session.get(f"http://127.0.0.1:{port}/simple/iniconfig/"))
            await asyncio.sleep(0.3)
            assert not same.done()
            await asyncio.gather(slow, same)
        finally:
            await session.aclose()

    asyncio.run(main())
