"""A second process that fetches and decodes project pages for the client.

A cold run is CPU-bound in one process: reading responses through httpx and
turning each page into its compact history take about equal shares, and
Python runs them on one core. ``FetchWorker`` starts this module as a child
process (``python -m lockaudit.index.fetch_worker``) that takes plain GETs
(pages with nothing to revalidate) from the client and sends back the
compact history bytes, about a third of the page's size. The client keeps
fetching too, and whichever side has room takes the next page, so the work
balances itself.

Nothing depends on the worker: it is an accelerator. If it cannot start or
dies, every page it held is fetched by the client itself. The child gets its
settings (credentials included) through its stdin pipe, never its command
line or environment, and writes to no cache: the client stores what it gets.

Frames on both pipes: a 4-byte little-endian length, then a pickle. Parent
to child: the settings once, then ``(request id, index URL, name)``. Child to
parent: ``(request id, history bytes, (fetched at, ETag, Last-Modified) when
the page is to be cached)``, or ``(request id, None, None)`` when the child
could not tell (the client fetches that page itself).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import pickle
import struct
import subprocess
import sys
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from .cache import CacheEntry
from .history import HistoryDecodeError, decode_history, encode_history
from .http import HttpSession, SessionOptions
from .pages import FetchedPage, PageFetcher
from .settings import IndexSettings

__all__ = ["FetchWorker", "worker_count"]

_LEN = struct.Struct("<I")


def worker_count() -> int:
    """Worker processes for a large cold fetch: one per core besides the client's
    own, at most three; ``LOCKAUDIT_FETCH_WORKERS`` sets the number (0: none)."""
    configured = os.environ.get("LOCKAUDIT_FETCH_WORKERS", "").strip()
    if configured.isdigit():
        return min(int(configured), 8)
    try:
        cores = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cores = os.cpu_count() or 1
    return max(0, min(cores - 1, 3))


async def _read_frame(reader: asyncio.StreamReader) -> Any:
    head = await reader.readexactly(_LEN.size)
    return pickle.loads(await reader.readexactly(_LEN.unpack(head)[0]))


def _frame(obj: Any) -> bytes:
    body = pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
    return _LEN.pack(len(body)) + body


class FetchWorker:
    """The client's handle on one worker process (see the module doc).

    Results are read by a thread of their own: the client's event loop is
    busy decoding pages half the time, and a worker whose answers wait in a
    full pipe stops working.
    """

    #: How the worker process is started (tests start broken ones).
    command: tuple[str, ...] = (sys.executable, "-m", "lockaudit.index.fetch_worker")

    def __init__(self, config: Mapping[str, Any], slots: int, queued: int = 0) -> None:
        self._config = dict(config)
        #: Pages the worker fetches at once (its own concurrency)...
        self.slots = max(1, slots)
        #: ...and pages it holds on top, waiting: the client is busy decoding
        #: pages of its own and answers late, and a worker waiting for its next
        #: page is a core left idle.
        self.capacity = self.slots + max(0, queued)
        #: Seconds to wait for one answer before giving the worker up.
        self.deadline = _deadline(self._config)
        self._busy = 0
        self._proc: subprocess.Popen[bytes] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._waiting: dict[int, asyncio.Future[Any]] = {}
        self._next_id = 0
        #: Why the worker stopped being used (None while it works).
        self.gone: str | None = None

    @property
    def has_room(self) -> bool:
        return self.gone is None and self._busy < self.capacity

    def has_room_now(self, more_waiting: bool) -> bool:
        """Room for one more page; pages beyond the worker's own concurrency
        only while ``more_waiting`` (near the end, a page queued in a worker
        is a page this process could have been fetching)."""
        return self.gone is None and self._busy < (self.capacity if more_waiting else self.slots)

    def start(self) -> None:
        """Start the process (about 5 ms here; its imports run on its own core)."""
        if self._proc is not None or self.gone is not None:
            return
        self._loop = asyncio.get_running_loop()
        env = dict(os.environ)
        # The child must import this same lockaudit, installed or not.
        root = str(Path(__file__).resolve().parents[2])
        env["PYTHONPATH"] = root + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
        try:
            self._proc = subprocess.Popen(
                list(self.command),
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
                env=env,
                bufsize=0,
            )
            assert self._proc.stdin is not None and self._proc.stdout is not None
            _grow_pipe(self._proc.stdout.fileno())
            self._send(self._config)
        except OSError as exc:
            self.gone = f"the fetch worker did not start ({exc})"
            return
        threading.Thread(target=self._read_results, name="lockaudit-fetch-worker", daemon=True).start()

    def _send(self, obj: Any) -> None:
        # Requests are a few hundred bytes and at most ``capacity`` are
        # outstanding: the pipe never fills, so a plain write never blocks.
        assert self._proc is not None and self._proc.stdin is not None
        self._proc.stdin.write(_frame(obj))

    def _read_results(self) -> None:
        assert self._proc is not None and self._proc.stdout is not None and self._loop is not None
        stream = self._proc.stdout
        why = "the fetch worker exited"
        try:
            while True:
                head = _read_exactly(stream, _LEN.size)
                if head is None:
                    break
                body = _read_exactly(stream, _LEN.unpack(head)[0])
                if body is None:
                    break
                request_id, blob, meta = pickle.loads(body)
                self._loop.call_soon_threadsafe(self._deliver, request_id, blob, meta)
        except Exception as exc:  # a broken frame: stop using the worker, lose nothing
            why = f"the fetch worker failed ({exc!r})"
        with contextlib.suppress(RuntimeError):  # the loop may be closed by now
            self._loop.call_soon_threadsafe(self._fail, why)

    def _deliver(self, request_id: int, blob: bytes | None, meta: Any) -> None:
        future = self._waiting.pop(request_id, None)
        if future is not None and not future.done():
            future.set_result(None if blob is None else (blob, meta))

    def _fail(self, why: str) -> None:
        if self.gone is None:
            self.gone = why
        for future in self._waiting.values():
            if not future.done():
                future.set_result(None)
        self._waiting.clear()

    async def fetch(self, index_url: str, name: str) -> FetchedPage | None:
        """The page's history and the entry to cache, or None when the worker
        is full or gone (the caller fetches the page itself then)."""
        if not self.has_room:
            return None
        self.start()
        if self.gone is not None:
            return None
        self._busy += 1
        try:
            request_id = self._next_id = self._next_id + 1
            future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
            self._waiting[request_id] = future
            try:
                self._send((request_id, index_url, name))
            except (OSError, ValueError) as exc:
                self._fail(f"the fetch worker stopped reading ({exc})")
                return None
            try:
                answer = await asyncio.wait_for(future, self.deadline)
            except TimeoutError:
                # Only a safety net: the worker's own timeouts and retries end
                # every request long before. A stuck worker is stopped.
                self._fail(f"the fetch worker did not answer in {self.deadline:.0f} s")
                proc = self._proc  # None when the client closed meanwhile
                if proc is not None:
                    with contextlib.suppress(OSError):
                        proc.kill()
                return None
            if answer is None:
                return None
            blob, meta = answer
            try:
                history = decode_history(blob, from_cache=False)
            except HistoryDecodeError:
                return None
            return FetchedPage(history, None if meta is None else CacheEntry(blob, *meta))
        finally:
            self._busy -= 1

    async def aclose(self) -> None:
        self._fail("closed")
        proc = self._proc
        if proc is None:
            return
        with contextlib.suppress(OSError, ValueError):
            assert proc.stdin is not None
            proc.stdin.close()  # nothing is outstanding: the child exits at once
        # Its exit (interpreter teardown, ~50 ms) is nothing the client waits for.
        threading.Thread(target=_reap, args=(proc,), name="lockaudit-fetch-worker-exit", daemon=True).start()


def _deadline(config: Mapping[str, Any]) -> float:
    """Longer than the worker's retries can take for one page, with room to spare."""
    options: SessionOptions | None = config.get("options")
    timeout = options.timeout if options is not None else None
    retry = options.retry if options is not None else None
    per_try = 60.0
    if isinstance(timeout, (int, float)):
        per_try = 2 * float(timeout)
    elif timeout is not None:  # httpx.Timeout
        per_try = 2 * sum(t for t in (timeout.connect, timeout.read, timeout.write, timeout.pool) if t)
    if retry is None:
        return max(300.0, 4 * per_try)
    return max(300.0, retry.attempts * (per_try + retry.max_backoff + retry.max_retry_after))


def _reap(proc: subprocess.Popen[bytes]) -> None:
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    if proc.stdout is not None:
        proc.stdout.close()


def _read_exactly(stream: Any, n: int) -> bytearray | None:
    buf = bytearray(n)
    view = memoryview(buf)
    got = 0
    while got < n:
        k = stream.readinto(view[got:])
        if not k:
            return None
        got += k
    return buf


def _grow_pipe(fd: int) -> None:
    """Ask for a 1 MiB pipe buffer (Linux): fewer, larger reads of the results."""
    if sys.platform == "win32":  # no fcntl there
        return
    import fcntl

    setpipe = getattr(fcntl, "F_SETPIPE_SZ", 1031)
    with contextlib.suppress(OSError):
        fcntl.fcntl(fd, setpipe, 1 << 20)


def worker_config(settings: IndexSettings, options: SessionOptions, slots: int) -> dict[str, Any]:
    """What the child needs to fetch as the client does: its indexes (with
    credentials), its session's timeout, retries and limits, and its share of
    the requests in flight."""
    return {"settings": settings, "options": options, "concurrency": slots}


# -- the child ---------------------------------------------------------------


async def _serve() -> None:
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader(limit=2**20)
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin.buffer)
    transport, protocol = await loop.connect_write_pipe(asyncio.streams.FlowControlMixin, sys.stdout.buffer)
    writer = asyncio.StreamWriter(transport, protocol, reader, loop)
    _grow_pipe(sys.stdout.fileno())
    config = await _read_frame(reader)
    settings: IndexSettings = config["settings"]
    options: SessionOptions = config["options"]
    indexes = {i.url: i for i in settings.indexes}
    tasks: set[asyncio.Task[None]] = set()
    http = HttpSession(
        concurrency=config["concurrency"],
        timeout=options.timeout,
        retry=options.retry,
        limits=options.limits,
        credentials=indexes,
    )
    # Plain GETs only (the client sends nothing to revalidate), no cache.
    pages = PageFetcher(http)

    async def one(request_id: int, index_url: str, name: str) -> None:
        # (request id, the history's bytes, (fetched at, etag, last modified) to cache it) or no answer.
        answer: tuple[int, bytes | None, tuple[float, str | None, str | None] | None]
        try:
            page = await pages.fetch(indexes[index_url], name)
            store = page.store
            if store is None:
                answer = (request_id, encode_history(page.history), None)
            else:
                answer = (request_id, store.data, (store.fetched_at, store.etag, store.last_modified))
        except Exception:  # whatever it was, the client fetches this page itself
            answer = (request_id, None, None)
        writer.write(_frame(answer))
        await writer.drain()

    try:
        while True:
            try:
                request_id, index_url, name = await _read_frame(reader)
            except asyncio.IncompleteReadError:
                break  # the client closed the pipe: no more pages
            task = asyncio.ensure_future(one(request_id, index_url, name))
            tasks.add(task)
            task.add_done_callback(tasks.discard)
        if tasks:
            await asyncio.gather(*tasks)
    finally:
        await http.aclose()
    writer.close()


def main() -> None:
    try:
        asyncio.run(_serve())
    except (BrokenPipeError, ConnectionError, KeyboardInterrupt):
        pass


if __name__ == "__main__":
    main()
