"""Release histories and dependency metadata for one resolution, in batches.

Built on the index client's public methods only:

- histories come from ``IndexClient.fetch_histories``, many names per call;
- dependency metadata comes from the resolver's own compact cache entries
  (``deps <index> <name> <version>``, see :mod:`.metadata`), read for a whole
  batch of releases with one ``cache.get_many``; misses are fetched
  concurrently with ``IndexClient.release_metadata`` (which also keeps the raw
  metadata file forever) and written back with one ``put_many``.

Metadata is immutable, so a known entry is used forever. "Unknown" is cached
only for releases without a wheel (an sdist whose metadata is not reliable),
for :data:`NEGATIVE_TTL`, since a failure on a wheel is a failure to fetch, not
a fact.

Before the resolver runs, :meth:`Repository.prefetch` walks the dependency
graph breadth first along the versions the resolver will most likely pin (the
newest admissible ones), so a cold run asks the index a few waves of
concurrent requests instead of one request per package, and a warm run reads
the cache a few times in bulk.

The async methods run on the event loop that owns the client; the resolver
runs in a worker thread and uses the sync methods, which hand their work to
that loop.
"""

from __future__ import annotations

import asyncio
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable, Hashable, Iterable, Sequence
from datetime import datetime
from typing import Any, Generic, TypeVar

import orjson
from packaging.utils import canonicalize_name

from ..errors import IndexClientError
from ..index import IndexClient
from ..index.cache import CacheEntry
from ..index.history import FileInfo, ProjectHistory
from ..index.metadata import MetadataUnavailable
from . import metadata as md
from .candidates import Project, ResolverRequirement
from .environment import Environment

__all__ = ["NEGATIVE_TTL", "Repository", "deps_key"]

#: Seconds an "unknown dependencies" answer for an sdist-only release is reused.
NEGATIVE_TTL = 24 * 3600.0

K = TypeVar("K", bound=Hashable)

#: ``progress(done, total, name)``, as the index client reports fetches.
Progress = Callable[[int, int, str], None]


def deps_key(history: ProjectHistory, version: str) -> str:
    """The cache key of one release's compact dependency metadata."""
    index = " ".join(history.indexes) or "-"
    return f"deps {index} {history.name} {version}"


def files_key(history: ProjectHistory, version: str) -> str:
    """The cache key of one release's file list."""
    index = " ".join(history.indexes) or "-"
    return f"files {index} {history.name} {version}"


def _encode_files(files: Sequence[FileInfo]) -> bytes:
    return orjson.dumps(
        [
            len(files),
            [
                [
                    f.filename,
                    f.url,
                    list(f.hashes),
                    f.upload_time.isoformat() if f.upload_time is not None else None,
                    f.yanked,
                    f.yanked_reason,
                    f.requires_python,
                    f.size,
                    list(f.metadata_hashes) if f.metadata_hashes is not None else None,
                ]
                for f in files
            ],
        ]
    )


def _decode_files(data: bytes, version: str, count: int) -> tuple[FileInfo, ...] | None:
    """The files of a cached list, or None when it is not for ``count`` files."""
    try:
        n, rows = orjson.loads(data)
        if n != count or len(rows) != count:
            return None  # files were added (or removed) since: read the history
        return tuple(
            FileInfo(
                fn,
                version,
                url,
                tuple(hashes),
                datetime.fromisoformat(ut) if ut else None,
                y,
                yr,
                rp,
                size,
                tuple(md) if md is not None else None,
            )
            for fn, url, hashes, ut, y, yr, rp, size, md in rows
        )
    except (orjson.JSONDecodeError, TypeError, ValueError):
        return None


class _Batcher(Generic[K]):
    """Collects the keys asked for in one turn of the event loop and loads
    them with one call; every key is loaded once.

    While ``eager()`` is true (the last loads went to the network, so the
    cache is cold) each key is loaded on its own at once instead: a batch
    waits for its slowest member, and a cold run should not.
    """

    def __init__(self, load: Callable[[list[K]], Awaitable[None]], eager: Callable[[], bool]) -> None:
        self._load = load
        self._eager = eager
        self._futures: dict[K, asyncio.Future[None]] = {}
        self._pending: list[K] = []
        #: The loads under way: the event loop keeps only weak references to tasks.
        self._running: set[asyncio.Task[None]] = set()

    def get(self, key: K) -> asyncio.Future[None]:
        future = self._futures.get(key)
        if future is None:
            loop = asyncio.get_running_loop()
            future = self._futures[key] = loop.create_future()
            if self._eager():
                self._start([key])
                return future
            if not self._pending:
                loop.call_soon(self._flush)
            self._pending.append(key)
        return future

    def _flush(self) -> None:
        batch, self._pending = self._pending, []
        self._start(batch)

    def _start(self, batch: list[K]) -> None:
        task = asyncio.ensure_future(self._run(batch))
        self._running.add(task)
        task.add_done_callback(self._running.discard)

    async def _run(self, batch: list[K]) -> None:
        try:
            await self._load(batch)
        except BaseException as exc:
            for key in batch:
                if not self._futures[key].done():
                    self._futures[key].set_exception(exc)
            return
        for key in batch:
            if not self._futures[key].done():
                self._futures[key].set_result(None)


class Repository:
    """Projects and release dependencies, loaded in batches and kept for the run."""

    def __init__(
        self,
        client: IndexClient,
        env: Environment,
        *,
        as_of: datetime | None = None,
        loop: asyncio.AbstractEventLoop | None = None,
        progress: Progress | None = None,
        dependencies: dict[tuple[str, str], md.ReleaseDependencies] | None = None,
        histories: dict[str, ProjectHistory] | None = None,
    ) -> None:
        self.client = client
        self.env = env
        self.as_of = as_of
        self.loop = loop
        self.progress = progress
        self._projects: dict[str, Project] = {}
        # Release dependencies do not depend on the environment or the date:
        # callers that resolve several times in one run share one map.
        self._deps: dict[tuple[str, str], md.ReleaseDependencies] = {} if dependencies is None else dependencies
        # Likewise the release histories already read in this run (by normalized name).
        self._histories: dict[str, ProjectHistory] = {} if histories is None else histories
        #: Counters for benchmarks and reports.
        self.stats: dict[str, int] = defaultdict(int)
        # Whether loads went to the index (then prefetching stops batching).
        self._cold_pages = False
        self._cold_metadata = False
        self._asked: set[str] = set()

    # -- what is loaded ----------------------------------------------------

    def loaded(self, name: str) -> Project | None:
        return self._projects.get(name)

    @property
    def projects(self) -> dict[str, Project]:
        return dict(self._projects)

    # -- async: on the client's loop -----------------------------------------

    async def load_histories(self, names: Iterable[str]) -> None:
        wanted = [n for n in dict.fromkeys(canonicalize_name(n) for n in names) if n not in self._projects]
        if not wanted:
            return
        self._asked.update(wanted)
        histories: dict[str, ProjectHistory] = {n: self._histories[n] for n in wanted if n in self._histories}
        missing = [n for n in wanted if n not in histories]
        if missing:
            self.stats["history_batches"] += 1
            self.stats["histories"] += len(missing)
            fetched = await self.client.fetch_histories(missing)
            self._histories.update(fetched)
            histories.update(fetched)
        files: list[tuple[str, str]] = []
        for name, history in histories.items():
            project = self._projects[name] = Project(history, self.env, self.as_of)
            if not history.from_cache:
                self._cold_pages = True
            elif project.ok:
                files.extend((name, v) for v in project.files_wanted())
        if files:
            # Wheel-only releases are judged by their files: the newest ones
            # get theirs from the per-release lists (see load_files) now, in
            # this batch, rather than from the project's whole file rows.
            self._preload_files(files)
        if self.progress is not None:
            self.progress(len(self._projects), len(self._asked), wanted[-1])

    async def load_dependencies(self, releases: Iterable[tuple[str, str]]) -> None:
        todo = [r for r in dict.fromkeys(releases) if r not in self._deps]
        if not todo:
            return
        self.stats["metadata_batches"] += 1
        keyed: dict[str, tuple[str, str]] = {}
        for name, version in todo:
            project = self._projects.get(name)
            if project is None or not project.ok:
                self._deps[(name, version)] = md.unknown(f"no release history for {name}")
            elif project.release(version) is None:
                self._deps[(name, version)] = md.unknown(f"{name} {version} is not on the index")
            else:
                keyed[deps_key(project.history, version)] = (name, version)
        if not keyed:
            return
        cache = self.client.cache
        entries = {} if self.client.refresh else cache.get_many(list(keyed))
        now = time.time()
        misses: list[tuple[str, str, str]] = []
        for key, (name, version) in keyed.items():
            entry = entries.get(key)
            value = md.decode(entry.data) if entry is not None else None
            fresh = entry is not None and now - entry.fetched_at < NEGATIVE_TTL
            if value is not None and (value.known or self.client.offline or fresh):
                self._deps[(name, version)] = value
                self.stats["metadata_cached"] += 1
            else:
                misses.append((key, name, version))
        if not misses:
            return
        self._cold_metadata = True
        results = await asyncio.gather(*(self._fetch(name, version) for _, name, version in misses))
        store: dict[str, CacheEntry] = {}
        stamp = time.time()
        for (key, name, version), (value, keep) in zip(misses, results, strict=True):
            self._deps[(name, version)] = value
            if keep:
                store[key] = CacheEntry(md.encode(value), stamp)
        self.stats["metadata_fetched"] += len(misses)
        if store:
            await asyncio.to_thread(cache.put_many, store)

    async def _fetch(self, name: str, version: str) -> tuple[md.ReleaseDependencies, bool]:
        """The dependencies of one release from the index, and whether to cache the answer."""
        project = self._projects[name]
        release = project.release(version)
        try:
            meta = await self.client.release_metadata(project.history, version)
        except MetadataUnavailable as exc:
            reason = f"no readable metadata: {exc}"
            if release is not None and not release.has_wheel:
                reason = f"sdist only; {exc}"
            keep = not self.client.offline and release is not None and not release.has_wheel
            return md.unknown(reason), keep
        except IndexClientError as exc:
            return md.unknown(f"metadata could not be fetched ({exc})"), False
        return md.from_core_metadata(meta), True

    def _cached_files(
        self, releases: Iterable[tuple[str, str]]
    ) -> tuple[dict[str, tuple[Project, str, int]], dict[str, CacheEntry]]:
        """The cache keys of the releases' file lists (with what to check them
        against) and the entries the cache has for them."""
        keyed: dict[str, tuple[Project, str, int]] = {}
        for name, version in releases:
            project = self._projects.get(name)
            release = project.release(version) if project is not None else None
            if project is not None and release is not None:
                keyed[files_key(project.history, version)] = (project, version, len(release.files))
        if not keyed or self.client.refresh:
            return keyed, {}
        return keyed, self.client.cache.get_many(list(keyed))

    def _preload_files(self, releases: Iterable[tuple[str, str]]) -> None:
        """Give projects the cached file lists of these releases, where the cache has them."""
        keyed, entries = self._cached_files(releases)
        for key, (project, version, count) in keyed.items():
            entry = entries.get(key)
            files = _decode_files(entry.data, version, count) if entry is not None else None
            if files is not None:
                project.set_files(version, files)

    async def load_files(self, releases: Iterable[tuple[str, str]]) -> None:
        """Give each release's project its file list from the cache, in one batch.

        A history keeps the file rows of a project in one block that is
        decoded as a whole on first use (tens of milliseconds for a large
        project); a lock needs a few files of one version of each. Those lists
        are cached per release and used while the release has as many files as
        when they were cached (files are immutable; new ones change the count).
        """
        keyed, entries = self._cached_files(releases)
        if not keyed:
            return
        store: dict[str, CacheEntry] = {}
        now = time.time()
        for key, (project, version, count) in keyed.items():
            entry = entries.get(key)
            files = _decode_files(entry.data, version, count) if entry is not None else None
            if files is None:
                release = project.release(version)
                files = tuple(release.files) if release is not None else ()
                store[key] = CacheEntry(_encode_files(files), now)
            project.set_files(version, files)
        self.stats["file_lists_cached"] += len(keyed) - len(store)
        if store:
            await asyncio.to_thread(self.client.cache.put_many, store)

    async def prefetch(
        self,
        roots: Sequence[ResolverRequirement],
        constraints: Sequence[ResolverRequirement] = (),
        prereleases: bool | None = None,
    ) -> None:
        """Load the histories and the dependencies of the versions the
        resolver most likely pins (the newest admissible ones), following the
        dependency graph from ``roots``. Only a warm-up: the resolver asks for
        whatever this did not guess.

        Each package moves on as soon as its own history and metadata are in,
        while requests made in the same turn of the event loop go out as one
        batch: a warm run reads the cache in a few bulk reads (one per level
        of the graph), a cold one never waits for a whole level to finish.
        """
        specs: dict[str, list[str]] = defaultdict(list)
        extras: dict[str, set[str]] = defaultdict(set)
        limits: dict[str, list[str]] = defaultdict(list)
        for c in constraints:
            limits[c.name].append(c.specifier)
        for r in roots:
            specs[r.name].append(r.specifier)
            if r.extra:
                extras[r.name].add(r.extra)
        histories = _Batcher(self.load_histories, lambda: self._cold_pages)
        releases = _Batcher(self.load_dependencies, lambda: self._cold_metadata)
        visiting: dict[str, frozenset[str]] = {}
        tasks: set[asyncio.Task[None]] = set()
        env = self.env

        def visit(name: str) -> None:
            visiting[name] = frozenset(extras[name])
            tasks.add(asyncio.ensure_future(one(name)))

        async def one(name: str) -> None:
            await histories.get(name)
            project = self._projects.get(name)
            if project is None or not project.ok:
                return
            best = next(project.candidates(specs[name] + limits[name], prereleases=prereleases), None)
            if best is None:
                best = next(project.candidates(specs[name][:1], prereleases=prereleases), None)
            if best is None:
                return
            await releases.get((name, best.version))
            deps = self._deps[(name, best.version)]
            if not deps.known:
                return
            for context in ("", *sorted(extras[name])):
                for dep in deps.applicable(env, context):
                    specs[dep.name].append(dep.specifier)
                    extras[dep.name].update(dep.extras)
                    seen = visiting.get(dep.name)
                    if seen is None or not extras[dep.name] <= seen:
                        visit(dep.name)

        for name in list(specs):
            visit(name)
        while tasks:
            done, _ = await asyncio.wait(tasks)
            tasks.difference_update(done)
            for task in done:
                task.result()  # a failure here is a bug: surface it

    # -- sync: from the resolver's thread ------------------------------------

    def _call(self, coro: Any) -> Any:
        if self.loop is None:
            raise RuntimeError("Repository has no event loop to fetch with")
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result()

    def project(self, name: str) -> Project:
        project = self._projects.get(name)
        if project is None:
            self._call(self.load_histories([name]))
            project = self._projects[name]
        return project

    def ensure_histories(self, names: Iterable[str]) -> None:
        missing = [n for n in names if n not in self._projects]
        if missing:
            self._call(self.load_histories(missing))

    def dependencies(self, name: str, version: str) -> md.ReleaseDependencies:
        hit = self._deps.get((name, version))
        if hit is None:
            self.stats["metadata_on_demand"] += 1
            self._call(self.load_dependencies([(name, version)]))
            hit = self._deps[(name, version)]
        return hit

    def known_dependencies(self, name: str, version: str) -> md.ReleaseDependencies | None:
        """The dependencies already loaded for a release, without fetching."""
        return self._deps.get((name, version))
