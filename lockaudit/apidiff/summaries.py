"""API summaries of releases: from the cache by the wheel's sha256, else fetched and analysed.

Each wheel is analysed once: its summary is stored through the index
client's cache (SQLite, Redis, snapshots carry it) under its content hash and
the summary format, and kept for good, since a file never changes. A failed
analysis is remembered for one TTL. Wheels come from the index by URL and are
checked against its hashes; a release with only an sdist has no summary
("API unknown"): nothing is ever built.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import tempfile
import time
from collections.abc import Sequence

from ..index.cache import CacheEntry, api_key, api_miss_key
from ..index.client import FileUnavailable, IndexClient
from ..index.history import FileInfo
from ..index.http import IndexUnreachable
from .analyze import AnalysisFailed, AnalysisLimits, Job, analyze
from .changes import ReleaseRef
from .model import FORMAT_VERSION, ApiSummary, SummaryDecodeError, decode_summary, encode_summary
from .wheel import choose_wheel

__all__ = ["ReleaseRef", "SummaryUnavailable", "release_summaries"]


class SummaryUnavailable(Exception):
    """Why a release has no summary (said as "API unknown: ...")."""

    def __init__(self, reason: str, *, unavailable: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.unavailable = unavailable


def _cached(client: IndexClient, digest: str) -> ApiSummary | SummaryUnavailable | None:
    if client.refresh:
        return None
    entry = client.cache.get(api_key(digest, FORMAT_VERSION))
    if entry is not None:
        try:
            return decode_summary(entry.data)
        except SummaryDecodeError:
            pass  # damaged: analyse again, never guess
    miss = client.cache.get(api_miss_key(digest, FORMAT_VERSION))
    if miss is not None and (client.offline or time.time() - miss.fetched_at < client.ttl):
        return SummaryUnavailable(miss.data.decode("utf-8", "replace"))
    return None


def _store(client: IndexClient, digest: str, result: ApiSummary | AnalysisFailed) -> None:
    now = time.time()
    if isinstance(result, ApiSummary):
        client.cache.put(api_key(digest, FORMAT_VERSION), CacheEntry(encode_summary(result), now))
    elif not result.unavailable:
        client.cache.put(api_miss_key(digest, FORMAT_VERSION), CacheEntry(result.reason.encode("utf-8"), now))


async def _download(client: IndexClient, wheel: FileInfo, limits: AnalysisLimits, directory: str) -> tuple[str, str]:
    """``(path on disk, sha256)`` of the wheel; raises SummaryUnavailable."""
    try:
        body = await client.fetch_file(wheel, max_bytes=limits.max_wheel_bytes)
    except (FileUnavailable, IndexUnreachable) as exc:
        raise SummaryUnavailable(str(exc)) from None
    digest = wheel.hash_value("sha256") or hashlib.sha256(body).hexdigest()
    path = os.path.join(directory, os.path.basename(wheel.filename) or "wheel.whl")
    await asyncio.to_thread(_write, path, body)
    return path, digest


def _write(path: str, body: bytes) -> None:
    with open(path, "wb") as fh:
        fh.write(body)


async def release_summaries(
    client: IndexClient, releases: Sequence[ReleaseRef], limits: AnalysisLimits | None = None
) -> list[ApiSummary | SummaryUnavailable]:
    """A summary (or why there is none) for each release, in order.

    Cached summaries are used as they are; the rest are downloaded together
    and analysed in one subprocess.
    """
    limits = limits or AnalysisLimits.from_env()
    out: list[ApiSummary | SummaryUnavailable | None] = [None] * len(releases)
    todo: list[tuple[int, FileInfo]] = []
    for i, release in enumerate(releases):
        wheel = choose_wheel(release.files)
        if wheel is None:
            if any(f.is_sdist for f in release.files):
                out[i] = SummaryUnavailable(
                    f"{release.name} {release.version} has only an sdist (sources are never built)"
                )
            else:
                out[i] = SummaryUnavailable(f"{release.name} {release.version} has no wheel on the index")
            continue
        digest = wheel.hash_value("sha256")
        cached = _cached(client, digest) if digest else None
        if cached is not None:
            out[i] = cached
        elif client.offline:
            out[i] = SummaryUnavailable(f"offline, and no cached API summary for {wheel.filename}")
        else:
            todo.append((i, wheel))
    if todo:
        with tempfile.TemporaryDirectory(prefix="lockaudit-wheels-") as directory:
            downloads = await asyncio.gather(
                *(_download(client, wheel, limits, directory) for _, wheel in todo), return_exceptions=True
            )
            jobs: list[Job] = []
            placed: list[tuple[int, str]] = []
            for (i, wheel), got in zip(todo, downloads, strict=True):
                if isinstance(got, SummaryUnavailable):
                    out[i] = got
                    continue
                if isinstance(got, BaseException):
                    raise got
                path, digest = got
                cached = _cached(client, digest)
                if cached is not None:  # the index gave no sha256, but the file was seen before
                    out[i] = cached
                    continue
                release = releases[i]
                jobs.append(Job(path, release.name, release.version, wheel.filename, digest))
                placed.append((i, digest))
            results = await analyze(jobs, limits)
            for (i, digest), result in zip(placed, results, strict=True):
                await asyncio.to_thread(_store, client, digest, result)
                if isinstance(result, ApiSummary):
                    out[i] = result
                else:
                    out[i] = SummaryUnavailable(result.reason, unavailable=result.unavailable)
    return [r if r is not None else SummaryUnavailable("not analysed") for r in out]
