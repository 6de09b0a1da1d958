"""One release history from the same project on several indexes."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from .model import FetchStatus, FileInfo, LazyFiles, ProjectHistory, ReleaseInfo

__all__ = ["merge_histories"]


def merge_histories(name: str, histories: Sequence[ProjectHistory]) -> ProjectHistory:
    """One history from the same project on several indexes (primary first).

    A failure on any index makes the whole answer that failure: a history
    missing one index's versions would be wrong data, not partial data.
    A project found nowhere is NOT_FOUND. A file name seen on an earlier
    index hides the same name on a later one.
    """
    if len(histories) == 1:
        return histories[0]
    for h in histories:
        if h.status not in (FetchStatus.OK, FetchStatus.NOT_FOUND):
            return h
    found = [h for h in histories if h.ok]
    if not found:
        return replace(histories[0], indexes=tuple(i for h in histories for i in h.indexes))
    if len(found) == 1:
        return found[0]
    # Merge per version, summaries first: files are joined lazily, so a warm run
    # that never looks at files never decodes them (a pip.conf that adds a small
    # local mirror to the public index would otherwise cost seconds per run).
    merged: dict[str, ReleaseInfo] = {}
    for h in found:
        for r in h.versions:
            prior = merged.get(r.version)
            merged[r.version] = r if prior is None else _merge_release(prior, r)
    fetched = [h.fetched_at for h in found if h.fetched_at is not None]
    return replace(
        found[0],
        versions=tuple(merged.values()),
        fetched_at=min(fetched) if fetched else found[0].fetched_at,
        indexes=tuple(i for h in found for i in h.indexes),
        from_cache=all(h.from_cache for h in found),
        unmatched_files=sum(h.unmatched_files for h in found),
        _by_version=None,
    )


def _merge_release(a: ReleaseInfo, b: ReleaseInfo) -> ReleaseInfo:
    """The same version on two indexes; files of ``a`` hide same-named files of ``b``."""
    times = [t for t in (a.upload_time, b.upload_time) if t is not None]
    both_yanked = a.yanked and b.yanked
    return ReleaseInfo(
        a.version,
        min(times) if times else None,
        both_yanked if (a.files and b.files) else (a.yanked if a.files else b.yanked),
        a.yanked_reason if both_yanked else None,
        a.requires_python or b.requires_python,
        a.has_wheel or b.has_wheel,
        a.has_sdist or b.has_sdist,
        _JoinedFiles(a.files, b.files),
    )


class _JoinedFiles(LazyFiles):
    """Two indexes' files of one version, deduplicated by file name on first use."""

    __slots__ = ("_cache", "_parts")

    def __init__(self, *parts: Sequence[FileInfo]) -> None:
        self._parts = parts
        self._cache: tuple[FileInfo, ...] | None = None

    def _files(self) -> tuple[FileInfo, ...]:
        if self._cache is None:
            seen: set[str] = set()
            out = []
            for part in self._parts:
                for f in part:
                    if f.filename not in seen:
                        seen.add(f.filename)
                        out.append(f)
            self._cache = tuple(out)
        return self._cache

    def __eq__(self, other: object) -> bool:
        return tuple(self) == tuple(other) if isinstance(other, Sequence) else NotImplemented

    def __hash__(self) -> int:
        return hash(self._files())
