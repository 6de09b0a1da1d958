"""The resolve() API beyond the data-driven cases: inputs, caching and the
warm path, offline use, progress, provenance, the async twin, errors."""

from __future__ import annotations

import asyncio
import dataclasses
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from lockaudit.errors import InvalidSpecifier, ResolutionError
from lockaudit.index import IndexClient
from lockaudit.index.metadata import parse_core_metadata
from lockaudit.inputs import load
from lockaudit.resolve import ResolutionConflict, ResolveOptions, parse_as_of, resolve, resolve_async
from lockaudit.resolve.metadata import decode, encode, from_core_metadata


def _metadata_requests(server) -> list[str]:
    return [r.path for r in server.requests if r.path.endswith((".metadata", ".whl", ".tar.gz"))]


def test_strings_and_model_requirements(settings, tmp_path: Path, target311) -> None:
    r = resolve(
        ["Web>=1", "srv[fast]; python_version >= '3.8'"],
        ResolveOptions(settings=settings, cache="none", target=target311),
    )
    assert r.versions() == {"web": "2.0", "util": "1.6", "log-kit": "1.1", "srv": "1.0", "speedy": "1.0"}
    assert [str(req.origin) for req in r.requirements] == ["<requirements>:1", "<requirements>:2"]
    assert "web" in r and "Web" in r and r["WEB"].version == "2.0"
    assert len(r) == 5 and [p.name for p in r] == sorted(r.pins)


def test_provenance_graph(settings, target311) -> None:
    r = resolve(["web", "srv[fast]"], ResolveOptions(settings=settings, cache="none", target=target311))
    util = r["util"]
    assert util.required_by == ("srv", "web") and not util.direct
    assert r["web"].dependencies == ("log-kit", "util")
    assert util.wanted == (("srv 1.0", "util>=1"), ("web 2.0", "util>=1.5"))
    assert r["srv"].wanted == (("<requirements>:2", "srv[fast]"),)
    assert r["speedy"].wanted == (("srv[fast] 1.0", "speedy>=1"),)
    assert [req.name for req in r.top_level("util")] == ["web", "srv"]
    assert [req.name for req in r.top_level("speedy")] == ["srv"]
    assert r["srv"].requested_by[0].extras == frozenset({"fast"})
    assert r["web"].upload_time == datetime(2024, 1, 1, tzinfo=UTC)
    assert r["web"].index == settings.index_url.url


def test_warm_cache_reads_metadata_from_the_compact_cache(settings, resolve_server, tmp_path: Path, target311) -> None:
    cache = str(tmp_path / "cache.sqlite3")
    first = resolve(["web", "srv[full]", "nometa"], ResolveOptions(settings=settings, cache=cache, target=target311))
    assert _metadata_requests(resolve_server)  # cold: metadata came from the index
    assert first.stats["metadata_fetched"] >= len(first)
    resolve_server.requests.clear()
    second = resolve(["web", "srv[full]", "nometa"], ResolveOptions(settings=settings, cache=cache, target=target311))
    assert second.versions() == first.versions()
    assert _metadata_requests(resolve_server) == []  # warm: no metadata request at all
    assert second.stats.get("metadata_fetched", 0) == 0
    assert second.stats["metadata_cached"] >= len(second)
    assert second.stats["file_lists_cached"] == len(second)
    assert [p.hashes for p in second] == [p.hashes for p in first]


def test_unknown_dependencies_are_not_refetched_every_run(settings, resolve_server, tmp_path: Path, target311) -> None:
    cache = str(tmp_path / "cache.sqlite3")
    resolve(["legacy"], ResolveOptions(settings=settings, cache=cache, target=target311))
    downloads = [p for p in _metadata_requests(resolve_server) if p.endswith(".tar.gz")]
    assert downloads == ["/files/legacy-0.9.tar.gz"]
    resolve_server.requests.clear()
    again = resolve(["legacy"], ResolveOptions(settings=settings, cache=cache, target=target311))
    assert "legacy" in again.unknown and "Metadata-Version 1.1" in again.unknown["legacy"]
    assert _metadata_requests(resolve_server) == []


def test_offline_with_a_warm_cache_and_a_cold_one(settings, resolve_server, tmp_path: Path, target311) -> None:
    cache = str(tmp_path / "cache.sqlite3")
    online = resolve(["web"], ResolveOptions(settings=settings, cache=cache, target=target311))
    resolve_server.requests.clear()
    offline = resolve(["web"], ResolveOptions(settings=settings, cache=cache, target=target311, offline=True))
    assert offline.versions() == online.versions() and resolve_server.requests == []
    with pytest.raises(ResolutionConflict) as info:
        resolve(["srv"], ResolveOptions(settings=settings, cache=cache, target=target311, offline=True))
    assert "srv is not cached (offline)" in info.value.explain()


def test_progress_reports_pins(settings, target311) -> None:
    calls: list[tuple[int, int, str]] = []
    r = resolve(
        ["web", "srv[fast]"],
        ResolveOptions(settings=settings, cache="none", target=target311),
        progress=lambda *a: calls.append(a),
    )
    assert calls and calls[-1][0] == calls[-1][1] == len(r)
    assert all(done <= total for done, total, _ in calls)
    assert {name for _, _, name in calls} >= {"web", "util"}


def test_async_twin_inside_a_running_loop(settings, tmp_path: Path, target311) -> None:
    async def main():
        async with IndexClient(settings, cache=str(tmp_path / "c.sqlite3")) as client:
            first = await resolve_async(["web"], ResolveOptions(target=target311), client=client)
            second = await resolve_async(
                ["web<2"], ResolveOptions(target=target311), client=client
            )  # the client stays open
        return first, second

    first, second = asyncio.run(main())
    assert (first.versions()["web"], second.versions()["web"]) == ("2.0", "1.0")


def test_one_options_object_for_both_faces(settings, tmp_path: Path, target311) -> None:
    options = ResolveOptions(settings=settings, cache=str(tmp_path / "c.sqlite3"), target=target311)
    kept = dataclasses.replace(options, preferences={"web": "1.0"})
    sync, in_loop = resolve(["web"], kept), asyncio.run(resolve_async(["web"], kept))
    # the sync face is a thin wrapper: same options, same answer; a preference holds where it satisfies
    assert sync.versions() == in_loop.versions() and sync.versions()["web"] == "1.0"
    assert resolve(["web"], options).versions()["web"] == "2.0"
    with pytest.raises(dataclasses.FrozenInstanceError):
        options.offline = True  # type: ignore[misc]


def test_lockfile_input_brings_index_options_and_pre(settings, tmp_path: Path, resolve_server, target311) -> None:
    req = tmp_path / "requirements.in"
    req.write_text(f"--index-url {resolve_server.url}\n--pre\npre\n")
    r = resolve(load(req), ResolveOptions(cache="none", target=target311))  # index from the file, --pre from the file
    assert r.versions() == {"pre": "2.0b1"}


def test_top_level_api_is_callable() -> None:
    import lockaudit.resolve.writers

    assert callable(lockaudit.resolve)
    assert lockaudit.resolve.resolve is resolve


def test_as_of_parsing() -> None:
    # A date is the whole of that UTC day: the cutoff is the next midnight (exclusive).
    assert parse_as_of("2024-06-01") == datetime(2024, 6, 2, tzinfo=UTC)
    assert parse_as_of(date(2024, 6, 1)) == datetime(2024, 6, 2, tzinfo=UTC)
    assert parse_as_of("2024-06-01T12:30:00Z") == datetime(2024, 6, 1, 12, 30, tzinfo=UTC)
    assert parse_as_of("2024-06-01T14:30:00+02:00") == datetime(2024, 6, 1, 12, 30, tzinfo=UTC)
    assert parse_as_of(datetime(2024, 6, 1, 8)) == datetime(2024, 6, 1, 8, tzinfo=UTC)
    assert parse_as_of(None) is None
    with pytest.raises(ValueError, match="'yesterday'"):
        parse_as_of("yesterday")


def test_bad_requirements_raise_before_fetching(settings, target311) -> None:
    with pytest.raises(InvalidSpecifier, match="not a requirement"):
        resolve(["not a requirement!"], ResolveOptions(settings=settings, cache="none", target=target311))


def test_conflict_is_a_resolution_error_with_data(settings, target311) -> None:
    with pytest.raises(ResolutionError) as info:
        resolve(["web==2.0", "util<1.5"], ResolveOptions(settings=settings, cache="none", target=target311))
    conflict = info.value
    assert isinstance(conflict, ResolutionConflict)
    causes = {(c.requirement, c.required_by) for c in conflict.causes}
    assert causes == {("util<1.5", None), ("util>=1.5", "web 2.0")}
    assert conflict.packages["util"].versions == 3
    assert str(conflict) == "cannot resolve util for Python 3.11 on linux"


def test_compact_metadata_round_trip() -> None:
    meta = parse_core_metadata(
        b"Metadata-Version: 2.1\nName: x\nVersion: 1\nRequires-Python: >=3.9\nProvides-Extra: Fast_Path\n"
        b"Requires-Dist: A[B_c]>=1,<2; python_version < '3.12' and extra == 'fast-path'\n"
        b"Requires-Dist: b; extra == 'x' or os_name == 'nt'\nRequires-Dist: not valid ((\n"
        b"Requires-Dist: c @ https://example.invalid/c.whl\n"
    )
    deps = from_core_metadata(meta)
    assert deps.extras == frozenset({"fast-path"}) and deps.requires_python == ">=3.9"
    a, b = deps.dependencies
    assert (a.name, a.specifier, a.extras, a.only_extra) == ("a", "<2,>=1", ("b-c",), "fast-path")
    assert b.only_extra is None  # an "or" with extra is evaluated, never short-cut
    assert deps.invalid == ("not valid ((", "c @ https://example.invalid/c.whl")
    again = decode(encode(deps))
    assert again is not None and again.dependencies == deps.dependencies and again.extras == deps.extras
    assert decode(b"garbage") is None and decode(b"[99, true, null, [], [], [], null, null]") is None


def test_a_resolution_leaves_the_garbage_collector_as_the_caller_set_it(settings, target311, tmp_path) -> None:
    """A library never turns the process-wide GC off across awaits: a task that
    runs beside the resolution sees it on throughout."""
    import gc

    seen: list[bool] = []

    async def watch(stop: asyncio.Event) -> None:
        while not stop.is_set():
            seen.append(gc.isenabled())
            await asyncio.sleep(0)

    async def main() -> None:
        stop = asyncio.Event()
        watcher = asyncio.ensure_future(watch(stop))
        async with IndexClient(settings, cache=str(tmp_path / "gc.sqlite3")) as client:
            await resolve_async(["web", "srv[fast]"], ResolveOptions(target=target311), client=client)
        stop.set()
        await watcher

    assert gc.isenabled()
    asyncio.run(main())
    assert seen and all(seen)
