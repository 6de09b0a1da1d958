"""The asyncio network backend under httpx (lockaudit.index.netstream), on real
sockets: plain TCP and TLS servers on 127.0.0.1 started by the tests. Every
test orders its steps on events (a request that has arrived, a buffer that has
filled), never on time."""

from __future__ import annotations

import asyncio
import logging
import shutil
import ssl
import subprocess
from pathlib import Path

import httpcore
import httpx
import pytest

from lockaudit.index import netstream
from lockaudit.index.http import HttpSession, IndexUnreachable, RetryPolicy
from lockaudit.index.netstream import AsyncioBackend, AsyncioTransport
from support.index_server import Gate

BODY = bytes(range(256)) * (3 * 4096)  # 3 MiB, every byte value


async def _serve(handler, ssl_context=None):
    server = await asyncio.start_server(handler, "127.0.0.1", 0, ssl=ssl_context)
    return server, server.sockets[0].getsockname()[1]


async def _until(protocol, condition) -> None:
    """Wait for the transport's next delivery (data, EOF, loss) until ``condition()`` holds."""
    loop = asyncio.get_running_loop()
    while not condition():
        protocol.waiter = loop.create_future()
        await asyncio.wait_for(protocol.waiter, 30)  # a bound for a broken test, not a timing


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
            # The server writes 3 MiB nobody reads: our buffer fills past its high-water mark.
            await _until(protocol, lambda: protocol.reading_paused or protocol.eof)
            assert protocol.reading_paused, "reading was never paused with 3 MiB unread"
            assert not protocol.eof and protocol.size <= netstream._HIGH_WATER + 2**18
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


def test_https_index_through_the_session(tls_files, monkeypatch, caplog):
    """httpx on the asyncio backend over TLS, trusting the CA from SSL_CERT_FILE
    as httpx's own transport would; one keep-alive connection for three pages."""
    cert, key = tls_files
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))
    connections = []
    connect = AsyncioBackend.connect_tcp

    async def counting(self, host, port, **options):
        connections.append((host, port))
        return await connect(self, host, port, **options)

    monkeypatch.setattr(AsyncioBackend, "connect_tcp", counting)
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
            finally:
                await session.aclose()
        return port

    with caplog.at_level(logging.DEBUG, logger="lockaudit.index.http"):
        port = asyncio.run(main())
    assert connections == [("localhost", port)]  # through the asyncio backend, kept alive
    assert "httpcore on the asyncio backend" in caplog.text


def test_transport_errors_are_httpx_errors():
    """What httpcore raises reaches the session as httpx's own error types."""

    async def main():
        async def hang_up(reader, writer):
            await reader.readuntil(b"\r\n\r\n")
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nshort")
            await writer.drain()
            writer.close()  # 95 bytes short

        server, port = await _serve(hang_up)
        async with server:
            transport = AsyncioTransport(httpx.Limits(max_connections=2))
            async with httpx.AsyncClient(transport=transport) as client:
                with pytest.raises(httpx.RemoteProtocolError):
                    await client.get(f"http://127.0.0.1:{port}/")
        with pytest.raises(httpx.ConnectError):
            async with httpx.AsyncClient(transport=AsyncioTransport(httpx.Limits())) as client:
                await client.get(f"http://127.0.0.1:{port}/")

    asyncio.run(main())


def test_a_proxy_in_the_environment_is_used(index_server, monkeypatch, caplog):
    """With a proxy configured, httpx's own transport (which honours it) stays:
    the request goes to the proxy (here the test index, which logs it)."""
    for var in ("NO_PROXY", "no_proxy", "ALL_PROXY", "all_proxy", "HTTPS_PROXY", "https_proxy"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("HTTP_PROXY", index_server.base)
    monkeypatch.setattr(netstream, "http_transport", lambda limits: pytest.fail("the asyncio transport was built"))

    async def main():
        session = HttpSession(concurrency=2, timeout=5, retry=RetryPolicy(attempts=1))
        try:
            response = await session.get("http://index.example.invalid/simple/six/")
            return response.status_code
        except IndexUnreachable:
            return None
        finally:
            await session.aclose()

    with caplog.at_level(logging.DEBUG, logger="lockaudit.index.http"):
        asyncio.run(main())
    assert [r.path for r in index_server.requests] == ["http://index.example.invalid/simple/six/"]
    assert "httpx's own transport: a proxy is configured" in caplog.text


def test_each_host_has_its_own_budget_of_requests(index_server):
    """The file host (metadata, range requests) never queues behind the index's
    pages: with one request per host, a held page does not hold up the other host."""
    port = index_server.url.split(":")[2].split("/")[0]
    first, second = Gate(), Gate()
    index_server.script("/simple/six/", [("hold", first), ("hold", second)])

    async def main():
        session = HttpSession(concurrency=1, timeout=30)
        try:
            held = asyncio.ensure_future(session.get(f"http://127.0.0.1:{port}/simple/six/"))
            assert await asyncio.to_thread(first.wait_arrived)  # it holds 127.0.0.1's only slot
            other = await session.get(f"http://localhost:{port}/simple/iniconfig/")
            assert other.status_code == 200
            assert not held.done()  # still held: the other host did not wait for it
            first.release()
            assert (await held).status_code == 200
            # ... while the same host waits its turn.
            held = asyncio.ensure_future(session.get(f"http://127.0.0.1:{port}/simple/six/"))
            assert await asyncio.to_thread(second.wait_arrived)
            same = asyncio.ensure_future(session.get(f"http://127.0.0.1:{port}/simple/iniconfig/"))
            # A whole request to the other host, after ``same`` was started:
            # had ``same`` not waited for the slot, it would be at the server by now.
            assert (await session.get(f"http://localhost:{port}/simple/attrs/")).status_code in (200, 404)
            assert index_server.hits("/simple/iniconfig/") == 1  # the earlier one, to localhost
            assert not same.done()
            second.release()
            assert [r.status_code for r in await asyncio.gather(held, same)] == [200, 200]
            assert index_server.hits("/simple/iniconfig/") == 2
        finally:
            first.release()
            second.release()
            await session.aclose()

    asyncio.run(main())
