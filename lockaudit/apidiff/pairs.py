"""Diffs of release pairs: one library call, and a set of them run alongside an audit.

``diff_releases`` is what ``lockaudit diff`` and the service's diff endpoint
call; :class:`ApiPairs` is how the audit starts one pair per package as soon
as that package's facts are known and collects them at the end (as it does
for the LA012 metadata pairs), errors kept as data.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from ..index.client import IndexClient
from ..index.history import ProjectHistory
from .analyze import AnalysisLimits
from .changes import ApiDiff, ApiUnknown, ReleaseRef
from .diff import diff_summaries
from .model import ApiSummary
from .summaries import SummaryUnavailable, release_summaries

__all__ = ["ApiPairs", "diff_releases", "find_release"]

#: Progress callback: (done, total, what).
Progress = Callable[[int, int, str], None]


def find_release(history: ProjectHistory, version: str) -> ReleaseRef | None:
    """The release ``version`` names (as PEP 440 compares: ``1.0`` finds ``1.0.0``), or None."""
    release = history.release(version)
    if release is None:
        from packaging.version import InvalidVersion, Version

        try:
            wanted = Version(version)
        except InvalidVersion:
            return None
        for candidate in history.versions:
            try:
                if Version(candidate.version) == wanted:
                    release = candidate
                    break
            except InvalidVersion:
                continue
    if release is None:
        return None
    return ReleaseRef(history.name, release.version, tuple(release.files))


async def diff_releases(
    client: IndexClient, old: ReleaseRef, new: ReleaseRef, limits: AnalysisLimits | None = None
) -> ApiDiff | ApiUnknown:
    """What changes in the API from ``old`` to ``new`` (two releases of one package)."""
    before, after = await release_summaries(client, [old, new], limits)
    for side in (before, after):
        if isinstance(side, SummaryUnavailable):
            return ApiUnknown(new.name, old.version, new.version, side.reason, unavailable=side.unavailable)
    assert isinstance(before, ApiSummary) and isinstance(after, ApiSummary)
    # The diff is pure Python over a few thousand entries: off the event loop
    # all the same, so that the fetches of other pairs go on meanwhile.
    return await asyncio.to_thread(diff_summaries, before, after)


class ApiPairs:
    """API diffs for the packages of one audit, keyed by package name."""

    def __init__(
        self, client: IndexClient, progress: Progress | None = None, limits: AnalysisLimits | None = None
    ) -> None:
        self._client = client
        self._progress = progress
        self._limits = limits or AnalysisLimits.from_env()
        self._tasks: list[asyncio.Future[None]] = []
        self._started: set[tuple[str, str, str]] = set()
        self._done = 0
        #: (package, old version, new version) -> its diff, or why it is unknown.
        self.out: dict[tuple[str, str, str], ApiDiff | ApiUnknown] = {}

    def start(self, old: ReleaseRef, new: ReleaseRef) -> None:
        """Start the pair ``old`` -> ``new`` (once; later calls for it are no-ops)."""
        key = (new.name, old.version, new.version)
        if key not in self._started:
            self._started.add(key)
            self._tasks.append(asyncio.ensure_future(self._one(key, old, new)))

    async def _one(self, key: tuple[str, str, str], old: ReleaseRef, new: ReleaseRef) -> None:
        try:
            self.out[key] = await diff_releases(self._client, old, new, self._limits)
        except (OSError, ValueError) as exc:
            self.out[key] = ApiUnknown(new.name, old.version, new.version, f"{type(exc).__name__}: {exc}")
        self._done += 1
        if self._progress is not None:
            self._progress(self._done, len(self._tasks), f"API {new.name}")

    async def wait(self) -> dict[tuple[str, str, str], ApiDiff | ApiUnknown]:
        if self._tasks:
            await asyncio.gather(*self._tasks)
        return self.out

    def cancel(self) -> None:
        for task in self._tasks:
            task.cancel()
