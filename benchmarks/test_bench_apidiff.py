"""API diffs of ten real upgrades (issue 15), read from their wheels on the real index.

Opt-in, live: ``LOCKAUDIT_BENCH_LIVE=1`` or ``-m live``. The index is the
one lockaudit would use (``LOCKAUDIT_INDEX_URL``, pip's configuration, else
the default). Per pair, the same run measures:

- cold: ``diff_releases`` into an empty cache (index page, two wheel
  downloads, one analysis subprocess, the diff), once;
- cached (group ``apidiff-<package>``, lockaudit): both summaries read from the
  SQLite cache, decoded, and diffed: what a second audit pays. Goal: under
  50 ms for typical packages;
- the reference (same group): griffe alone in this process loading both
  versions statically and running ``find_breaking_changes`` (a CyclicAliasError
  counts as its answer: it has none);
- summary sizes (cached bytes, JSON bytes), exposed names per kind, changes per
  family, the analysis's seconds and peak memory.

The tables benchmarks/README.md records are printed at the end (with ``-s``) and
written to ``figures.md`` in the run's temporary directory.
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
import time
import zlib
from pathlib import Path

import pytest

from lockaudit.apidiff import ApiDiff, decode_summary, diff_releases, diff_summaries, find_release
from lockaudit.apidiff.model import FORMAT_VERSION
from lockaudit.apidiff.wheel import choose_wheel, extract_sources
from lockaudit.audit.facts import supports_python
from lockaudit.index import IndexClient, resolve_index_settings
from lockaudit.index.cache import api_key, open_cache
from lockaudit.versions import ReleaseHistory

pytestmark = pytest.mark.live

#: (package, old, new): a version, or a range whose newest final release is taken.
PAIRS = [
    ("werkzeug", "2.2.3", "==3.*"),
    ("urllib3", "==1.26.*", "==2.*"),
    ("sqlalchemy", "==1.4.*", "==2.0.*"),
    ("httpx", "0.23.0", "0.28.1"),
    ("flask", "2.2.5", "==3.*"),
    ("requests", "2.28.0", ""),
    ("click", "7.1.2", "==8.*"),
    ("pydantic", "==1.10.*", "==2.*"),
    ("attrs", "21.4.0", ""),
    ("numpy", "==1.26.*", "==2.*"),
]
_RESULTS: dict[str, dict] = {}


def _live(config) -> bool:
    return os.environ.get("LOCKAUDIT_BENCH_LIVE") == "1" or "live" in (config.getoption("markexpr") or "")


@pytest.fixture(scope="module")
def workdir(request):
    if not _live(request.config):
        pytest.skip("talks to the real index: LOCKAUDIT_BENCH_LIVE=1 or -m live")
    return Path(tempfile.mkdtemp(prefix="lockaudit-bench-api-"))


def _version(history, spec: str) -> str:
    """``spec`` itself, or the newest final release it admits that this Python can install."""
    if spec and spec[0].isdigit():
        return spec
    python = ".".join(map(str, sys.version_info[:3]))
    installable = ReleaseHistory(
        [r.version for r in history.versions if not r.yanked and r.files and supports_python(r.requires_python, python)]
    )
    found = installable.newest(spec, prereleases=False)
    assert found, f"{history.name}: nothing matches {spec!r}"
    return found


def _cold(package: str, old_spec: str, new_spec: str, workdir: Path) -> dict:
    cache = str(workdir / f"{package}.sqlite3")

    async def run():
        async with IndexClient(resolve_index_settings(), cache=cache) as client:
            history = await client.fetch_history(package)
            old = find_release(history, _version(history, old_spec))
            new = find_release(history, _version(history, new_spec))
            start = time.perf_counter()
            result = await diff_releases(client, old, new)
            cold = time.perf_counter() - start
            wheels = []
            for ref in (old, new):
                wheel = choose_wheel(ref.files)
                path = workdir / wheel.filename
                path.write_bytes(await client.fetch_file(wheel))
                wheels.append((wheel, path))
            return old, new, result, cold, wheels

    old, new, result, cold, wheels = asyncio.run(run())
    assert isinstance(result, ApiDiff), result
    return {"old": old.version, "new": new.version, "diff": result, "cold": cold, "cache": cache, "wheels": wheels}


def _cached(entry: dict):
    cache = open_cache(entry["cache"])
    keys = [api_key(w.hash_value("sha256"), FORMAT_VERSION) for w, _ in entry["wheels"]]

    def run() -> ApiDiff:
        found = cache.get_many(keys)
        before, after = (decode_summary(found[k].data) for k in keys)
        return diff_summaries(before, after)

    return cache, run


@pytest.fixture(scope="module")
def cold_runs(workdir):
    for package, old, new in PAIRS:
        _RESULTS[package] = _cold(package, old, new, workdir)
    yield _RESULTS
    # After every test of the module: the tables benchmarks/README.md records (shown with -s).
    table = figures(_RESULTS)
    (workdir / "figures.md").write_text(table)
    print("\n" + table + f"(also in {workdir / 'figures.md'})")


@pytest.mark.parametrize("package", [p for p, _, _ in PAIRS])
def test_lockaudit_cached_diff(package, cold_runs, benchmark) -> None:
    entry = cold_runs[package]
    cache, run = _cached(entry)
    try:
        benchmark.group = f"apidiff-{package}"
        diff = benchmark.pedantic(run, rounds=20, warmup_rounds=2, iterations=1)
    finally:
        cache.close()
    assert diff == entry["diff"]
    found = cache_summaries(entry)
    entry["cached_ms"] = benchmark.stats.stats.median * 1000
    entry["summaries"] = found


def cache_summaries(entry: dict) -> list[dict]:
    cache = open_cache(entry["cache"])
    try:
        out = []
        for wheel, _ in entry["wheels"]:
            blob = cache.get(api_key(wheel.hash_value("sha256"), FORMAT_VERSION)).data
            summary = decode_summary(blob)
            out.append(
                {
                    "wheel": wheel.filename,
                    "cached_bytes": len(blob),
                    "json_bytes": len(zlib.decompress(blob)),
                    "counts": summary.counts(),
                    "seconds": summary.seconds,
                    "peak_mb": summary.peak_mb,
                }
            )
        return out
    finally:
        cache.close()


@pytest.mark.parametrize("package", [p for p, _, _ in PAIRS])
def test_griffe_reference(package, cold_runs, benchmark) -> None:
    import griffe

    entry = cold_runs[package]
    roots = []
    for _wheel, path in entry["wheels"]:
        root = Path(tempfile.mkdtemp(prefix="griffe-ref-"))
        extract_sources(path, root)
        roots.append(root)
    top = package if package != "attrs" else "attr"

    def run() -> int | str:
        trees = [griffe.GriffeLoader(search_paths=[str(r)], allow_inspection=False).load(top) for r in roots]
        try:
            return len(list(griffe.find_breaking_changes(*trees)))
        except griffe.CyclicAliasError:
            return "CyclicAliasError"

    benchmark.group = f"apidiff-{package}"
    entry["griffe"] = benchmark.pedantic(run, rounds=1, iterations=1)
    entry["griffe_s"] = benchmark.stats.stats.median


def figures(cold_runs: dict) -> str:
    """The figures as the README tables."""
    lines = [
        "| pair | cold | cached diff | griffe load + diff | summaries (cached / JSON) | analysis, peak memory "
        "| public names | defaults / removals / signatures / deprecations / distribution (suppressed) "
        "| griffe breakages |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for package, _, _ in PAIRS:
        e = cold_runs.get(package)
        if e is None:
            continue
        s = e.get("summaries") or cache_summaries(e)
        d: ApiDiff = e["diff"]
        fam = d.family_counts()
        names = " / ".join(
            str(sum(v for k, v in x["counts"].items() if k not in ("members", "entry_points"))) for x in s
        )
        lines.append(
            f"| {package} {e['old']} -> {e['new']} | {e['cold']:.2f} s | {e.get('cached_ms', float('nan')):.1f} ms "
            f"| {e.get('griffe_s', float('nan')):.2f} s | "
            + " + ".join(f"{x['cached_bytes'] / 1024:.0f} / {x['json_bytes'] / 1024:.0f} KB" for x in s)
            + " | "
            + " + ".join(f"{x['seconds']:.1f} s" for x in s)
            + f", {max(x['peak_mb'] for x in s):.0f} MB | {names} | "
            + f"{fam['defaults']} / {fam['removals']} / {fam['signatures']} / {fam['deprecations']} / "
            + f"{fam['distribution']} ({len(d.suppressed)}) | {e.get('griffe', '-')} |"
        )
    columns = ("module", "class", "function", "attribute", "external", "unresolved", "members")
    kinds = ["| fresh release | " + " | ".join(columns) + " |", "| --- " * (len(columns) + 1) + "|"]
    for package, _, _ in PAIRS:
        e = cold_runs.get(package)
        if e is None:
            continue
        c = (e.get("summaries") or cache_summaries(e))[1]["counts"]
        kinds.append(f"| {package} {e['new']} | " + " | ".join(str(c.get(k, 0)) for k in columns) + " |")
    return "\n".join(lines) + "\n\n" + "\n".join(kinds) + "\n"
