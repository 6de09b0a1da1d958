"""Each wheel analysed once: summaries by sha256 in every cache backend, and every
way a summary cannot be had reported as "API unknown" (never as "no changes").

Real parts throughout: the local index serving real wheels, the analysis
subprocess with its real limits, SQLite files, a real redis-server, a real
snapshot file.
"""

from __future__ import annotations

import asyncio
import io
import zipfile
from pathlib import Path

import pytest

from lockaudit.apidiff import ApiDiff, ApiUnknown, decode_summary, diff_releases, encode_summary, find_release
from lockaudit.apidiff.model import FORMAT_VERSION
from lockaudit.apidiff.wheel import WheelError, choose_wheel, extract_sources
from lockaudit.index import open_cache
from lockaudit.index.cache import api_key, export_snapshot, import_snapshot
from lockaudit.index.history import FileInfo
from support.redis_server import RedisProcess

OLD = {"pcache/__init__.py": "def f(a, b=1):\n    return a\n"}
NEW = {"pcache/__init__.py": "def f(a, b=2):\n    return a\n"}


def compare(
    make_client, package: str = "pcache", old: str = "1.0", new: str = "2.0", **options
) -> ApiDiff | ApiUnknown:
    async def run() -> ApiDiff | ApiUnknown:
        async with make_client(**options) as client:
            history = await client.fetch_history(package)
            return await diff_releases(client, find_release(history, old), find_release(history, new))

    return asyncio.run(run())


def wheel_hits(api_index) -> int:
    """Whole-wheel downloads (range requests read only METADATA)."""
    return sum(1 for r in api_index.server.requests if r.path.endswith(".whl") and "range" not in r.headers)


def defaults(result) -> list[tuple[str, str | None, str | None]]:
    assert isinstance(result, ApiDiff), result
    return [(c.path, c.old, c.new) for c in result.changes if c.kind == "default-changed"]


# --------------------------------------------------------------------------- the cache


def test_summary_cached_by_sha256_and_reused(api_index, make_client, cache_path) -> None:
    old_hash = api_index.add("pcache", "1.0", OLD)
    api_index.add("pcache", "2.0", NEW)
    first = compare(make_client)
    assert defaults(first) == [("pcache.f", "1", "2")]
    assert wheel_hits(api_index) == 2
    second = compare(make_client)
    assert second == first
    assert wheel_hits(api_index) == 2  # both summaries came from the cache
    cache = open_cache(cache_path)
    try:
        entry = cache.get(api_key(old_hash, FORMAT_VERSION))
        assert entry is not None and decode_summary(entry.data).version == "1.0"
        assert cache.info().api == 2
    finally:
        cache.close()
    compare(make_client, refresh=True)
    assert wheel_hits(api_index) == 4  # --refresh reads the wheels again


def test_offline_answers_from_the_cache_or_says_unknown(api_index, make_client) -> None:
    api_index.pair("pcache", OLD, NEW)

    # offline needs the histories cached, not the summaries: fetch the page online first
    async def page_only() -> None:
        async with make_client() as client:
            await client.fetch_history("pcache")

    asyncio.run(page_only())
    unknown = compare(make_client, offline=True)
    assert isinstance(unknown, ApiUnknown) and "offline" in unknown.reason
    compare(make_client)
    hits = wheel_hits(api_index)
    assert defaults(compare(make_client, offline=True)) == [("pcache.f", "1", "2")]
    assert wheel_hits(api_index) == hits


def test_redis_backend_holds_summaries(api_index, make_client, tmp_path: Path) -> None:
    redis = RedisProcess(tmp_path)
    try:
        api_index.pair("pcache", OLD, NEW)
        assert defaults(compare(make_client, cache=redis.url)) == [("pcache.f", "1", "2")]
        hits = wheel_hits(api_index)
        assert defaults(compare(make_client, cache=redis.url)) == [("pcache.f", "1", "2")]
        assert wheel_hits(api_index) == hits
        cache = open_cache(redis.url)
        try:
            assert cache.info().api == 2
        finally:
            cache.close()
    finally:
        redis.stop()


def test_snapshot_carries_summaries_to_an_offline_machine(api_index, make_client, cache_path, tmp_path: Path) -> None:
    api_index.pair("pcache", OLD, NEW)
    compare(make_client)
    snapshot = tmp_path / "snap.jsonl.gz"
    source = open_cache(cache_path)
    try:
        export_snapshot(source, snapshot)
    finally:
        source.close()
    other = str(tmp_path / "air-gapped.sqlite3")
    target = open_cache(other)
    try:
        assert import_snapshot(target, snapshot) >= 3  # the page and two summaries
    finally:
        target.close()
    hits = wheel_hits(api_index)
    assert defaults(compare(make_client, cache=other, offline=True)) == [("pcache.f", "1", "2")]
    assert wheel_hits(api_index) == hits


def test_summary_round_trip_is_exact(api_index, make_client, cache_path) -> None:
    digest = api_index.add(
        "pcache", "1.0", {"pcache/__init__.py": "class K:\n    def m(self, x=1, *a, k, **kw):\n        pass\n"}
    )
    api_index.add("pcache", "2.0", NEW)
    compare(make_client)
    cache = open_cache(cache_path)
    try:
        summary = decode_summary(cache.get(api_key(digest, FORMAT_VERSION)).data)
    finally:
        cache.close()
    assert decode_summary(encode_summary(summary)) == summary
    assert [p.kind for p in summary.objects["pcache.K.m"].params] == ["pk", "vp", "ko", "vk"]
    assert summary.objects["pcache.K"].members == {"m": "pcache.K.m"}
    with pytest.raises(ValueError):
        decode_summary(b"not a summary")


# --------------------------------------------------------------------------- API unknown


def test_sdist_only_is_unknown_never_built(api_index, make_client) -> None:
    api_index.add("pcache", "1.0", OLD)
    api_index.add("pcache", "2.0", sdist_only=True)
    result = compare(make_client)
    assert isinstance(result, ApiUnknown)
    assert "only an sdist" in result.reason
    assert not any(r.path.endswith(".tar.gz") for r in api_index.server.requests)


def test_hash_mismatch_is_unknown(api_index, make_client) -> None:
    api_index.pair("pcache", OLD, NEW)
    api_index.pages["pcache"]["files"][1]["hashes"]["sha256"] = "0" * 64
    result = compare(make_client)
    assert isinstance(result, ApiUnknown) and "digest does not match" in result.reason


def test_missing_wheel_file_is_unknown(api_index, make_client) -> None:
    api_index.pair("pcache", OLD, NEW)
    del api_index.server.files["pcache-2.0-py3-none-any.whl"]
    result = compare(make_client)
    assert isinstance(result, ApiUnknown) and "HTTP 404" in result.reason


def test_wheel_over_the_size_limit_is_not_downloaded(api_index, make_client, monkeypatch) -> None:
    api_index.pair("pcache", OLD, NEW)
    monkeypatch.setenv("LOCKAUDIT_API_MAX_WHEEL_MB", "0.0001")
    result = compare(make_client)
    assert isinstance(result, ApiUnknown) and "limit" in result.reason
    assert wheel_hits(api_index) == 0


def _zip(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buf.getvalue()


def test_unsafe_or_broken_wheels_are_unknown(api_index, make_client) -> None:
    api_index.add("pcache", "1.0", OLD)
    evil = _zip({"../escape.py": b"x = 1\n", "pcache-2.0.dist-info/METADATA": b"Name: pcache\nVersion: 2.0\n\n"})
    api_index.add("pcache", "2.0", raw_wheel=("pcache-2.0-py3-none-any.whl", evil))
    result = compare(make_client)
    assert isinstance(result, ApiUnknown) and "unsafe path" in result.reason
    api_index.add("pcache", "3.0", raw_wheel=("pcache-3.0-py3-none-any.whl", b"not a zip at all"))
    result = compare(make_client, new="3.0", ttl=0)  # the page changed: read it again
    assert isinstance(result, ApiUnknown) and "not a readable wheel" in result.reason


def test_memory_limit_gives_unknown_not_an_empty_api(api_index, make_client, monkeypatch) -> None:
    big = "\n".join(
        f"def f{i}(a, b={i}):\n    return a\n\nclass C{i}:\n    def m(self, x=1):\n        return x\n"
        for i in range(3000)
    )
    api_index.pair("pcache", {"pcache/__init__.py": big}, {"pcache/__init__.py": big})
    monkeypatch.setenv("LOCKAUDIT_API_MEMORY_MB", "30")
    result = compare(make_client)
    assert isinstance(result, ApiUnknown) and "memory" in result.reason
    monkeypatch.delenv("LOCKAUDIT_API_MEMORY_MB")
    # the failure was remembered for one TTL, not for good
    result = compare(make_client, ttl=0)
    assert isinstance(result, ApiDiff) and result.changes == ()


def test_time_limit_kills_the_analysis(api_index, make_client, monkeypatch) -> None:
    big = "\n".join(
        f"def f{i}(a, b={i}, *, c='x', **kw):\n    return a\n\nclass C{i}:\n    def m(self, x=1):\n        return x\n"
        for i in range(6000)
    )
    api_index.pair("pcache", {"pcache/__init__.py": big}, NEW)
    monkeypatch.setenv("LOCKAUDIT_API_TIMEOUT", "1")
    result = compare(make_client)
    assert isinstance(result, ApiUnknown) and "longer than its limit" in result.reason


def test_missing_griffe_says_so(api_index, make_client, monkeypatch, tmp_path: Path) -> None:
    shadow = tmp_path / "shadow" / "griffe"
    shadow.mkdir(parents=True)
    (shadow / "__init__.py").write_text("raise ImportError('no griffe here')\n")
    monkeypatch.setenv("PYTHONPATH", str(shadow.parent))
    api_index.pair("pcache", OLD, NEW)
    result = compare(make_client)
    assert isinstance(result, ApiUnknown) and result.unavailable
    assert "griffe" in result.reason and "not installed" in result.reason


# --------------------------------------------------------------------------- wheels


def _file(filename: str, size: int = 100, yanked: bool = False) -> FileInfo:
    return FileInfo(filename, "1.0", f"http://127.0.0.1/{filename}", (), None, yanked, None, None, size, None)


def test_choose_wheel_prefers_pure_then_installable_here_then_linux_then_small() -> None:
    from packaging.tags import sys_tags

    here = str(next(iter(sys_tags())))
    files = [
        _file("x-1.0.tar.gz"),
        _file("x-1.0-cp399-cp399-win_amd64.whl", 10),
        _file("x-1.0-cp399-cp399-manylinux_2_17_x86_64.whl", 20),  # a Python whose syntax may be newer
        _file(f"x-1.0-{here}.whl", 50),
    ]
    assert choose_wheel(files).filename == f"x-1.0-{here}.whl"
    assert choose_wheel(files[:3]).filename == "x-1.0-cp399-cp399-manylinux_2_17_x86_64.whl"
    assert choose_wheel([*files, _file("x-1.0-py3-none-any.whl", 500)]).filename == "x-1.0-py3-none-any.whl"
    assert choose_wheel([*files, _file("x-1.0-py3-none-any.whl", 5, yanked=True)]).filename == f"x-1.0-{here}.whl"
    assert choose_wheel([_file("x-1.0.tar.gz")]) is None


def test_extract_marks_namespace_dirs_and_skips_data(tmp_path: Path) -> None:
    wheel = tmp_path / "w.whl"
    wheel.write_bytes(
        _zip(
            {
                "pkg/__init__.py": b"",
                "pkg/sansio/app.py": b"x = 1\n",
                "pkg/templates/page.html": b"<p>",
                "pkg/_speedups.cpython-311-x86_64-linux-gnu.so": b"\x7fELF",
                "pkg-1.0.data/purelib/extra_mod.py": b"y = 2\n",
                "pkg-1.0.data/scripts/tool": b"#!/bin/sh\n",
                "pkg-1.0.dist-info/METADATA": b"Name: pkg\nVersion: 1.0\n\n",
                "pkg-1.0.dist-info/entry_points.txt": b"[console_scripts]\npkg = pkg:main\n",
            }
        )
    )
    contents = extract_sources(wheel, tmp_path / "out")
    assert contents.top_levels == ("extra_mod", "pkg")
    assert (tmp_path / "out" / "pkg" / "sansio" / "__init__.py").is_file()
    assert not (tmp_path / "out" / "pkg" / "templates").exists()
    assert contents.entry_points and "pkg = pkg:main" in contents.entry_points
    with pytest.raises(WheelError, match="unsafe"):
        bad = tmp_path / "bad.whl"
        bad.write_bytes(_zip({"/abs/path.py": b""}))
        extract_sources(bad, tmp_path / "bad")
