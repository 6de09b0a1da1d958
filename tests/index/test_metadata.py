"""Core metadata: PEP 658 files, range requests into wheels, whole downloads."""

from __future__ import annotations

import asyncio
import hashlib

import pytest

from lockaudit.index import MetadataUnavailable, parse_core_metadata
from lockaudit.index.cache import metadata_key, open_cache
from support.index_server import FIXTURES, build_wheel


def run(client, coro_fn):
    async def go():
        try:
            return await coro_fn(client)
        finally:
            await client.aclose()

    return asyncio.run(go())


def _project(index_server, name, version, wheel: bytes, *, advertise=False, sdist: bytes | None = None):
    fname = f"{name.replace('-', '_')}-{version}-py3-none-any.whl"
    index_server.files[fname] = wheel
    files = [{"filename": fname, "hashes": {"sha256": hashlib.sha256(wheel).hexdigest()}, "requires-python": ">=3.8",
              "core-metadata": True if advertise else None}]  # fmt: skip
    if sdist is not None:
        sname = f"{name}-{version}.tar.gz"
        index_server.files[sname] = sdist
        files.append({"filename": sname, "hashes": {"sha256": hashlib.sha256(sdist).hexdigest()}})
    index_server.add_project(
        name, {"meta": {"api-version": "1.1"}, "name": name, "versions": [version], "files": files}
    )
    return fname


def test_parse_recorded_metadata_with_the_email_parser():
    meta = parse_core_metadata((FIXTURES / "metadata" / "pluggy-1.5.0-py3-none-any.whl.metadata").read_bytes())
    assert (meta.name, meta.version, meta.requires_python) == ("pluggy", "1.5.0", ">=3.8")
    assert "pytest ; extra == 'testing'" in meta.requires_dist
    assert meta.provides_extra == ("dev", "testing")


def test_pep658_file_is_used_even_when_not_advertised(make_client, index_server):
    async def go(client):
        h = await client.fetch_history("pluggy")
        return await client.release_metadata(h, "1.5.0")

    meta = run(make_client(), go)
    assert meta.source == "metadata-file" and len(meta.requires_dist) == 4
    assert index_server.hits("/files/pluggy-1.5.0-py3-none-any.whl.metadata") == 1
    assert index_server.hits("/files/pluggy-1.5.0-py3-none-any.whl") == 0


def test_metadata_is_cached_forever_by_file_hash(make_client, index_server, tmp_path):
    async def go(client):
        h = await client.fetch_history("pluggy")
        return h, await client.release_metadata(h, "1.5.0")

    h, _ = run(make_client(), go)
    _, again = run(make_client(ttl=0), go)
    assert again.source == "cache"
    assert index_server.hits("/files/pluggy-1.5.0-py3-none-any.whl.metadata") == 1
    wheel = next(f for f in h.release("1.5.0").files if f.is_wheel)
    assert open_cache(str(tmp_path / "cache.sqlite3")).get(metadata_key(wheel.hashes[0])) is not None


def test_range_requests_read_only_the_metadata_of_a_large_wheel(make_client, index_server):
    wheel = build_wheel("lazy-demo", "1.0", ["requests>=2", "idna; extra == 'x'"], padding=300_000)
    fname = _project(index_server, "lazy-demo", "1.0", wheel)

    async def go(client):
        h = await client.fetch_history("lazy-demo")
        return await client.release_metadata(h, "1.0")

    meta = run(make_client(), go)
    assert meta.source == "range" and meta.requires_dist == ("requests>=2", "idna; extra == 'x'")
    gets = [r for r in index_server.requests if r.path == f"/files/{fname}"]
    assert gets and all("range" in r.headers for r in gets)


def test_wheel_with_a_large_central_directory_needs_more_ranges(make_client, index_server):
    import io
    import zipfile

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for i in range(1500):  # a central directory larger than the first tail request
            zf.writestr(f"many_files/module_with_a_long_name_{i:05d}.py", "")
        zf.writestr(
            "many_files-2.0.dist-info/METADATA",
            "Metadata-Version: 2.1\nName: many-files\nVersion: 2.0\nRequires-Dist: attrs\n",
        )
    _project(index_server, "many-files", "2.0", buf.getvalue())

    async def go(client):
        return await client.release_metadata(await client.fetch_history("many-files"), "2.0")

    meta = run(make_client(), go)
    assert meta.source == "range" and meta.requires_dist == ("attrs",)


def test_no_range_support_falls_back_to_the_whole_file(make_client, index_server):
    index_server.ranges = False
    wheel = build_wheel("plain-demo", "1.0", ["attrs"])
    _project(index_server, "plain-demo", "1.0", wheel)

    async def go(client):
        return await client.release_metadata(await client.fetch_history("plain-demo"), "1.0")

    meta = run(make_client(), go)
    assert meta.requires_dist == ("attrs",) and meta.source in ("range", "download")


def test_a_wheel_that_does_not_match_its_hash_is_refused(make_client, index_server):
    index_server.ranges = False
    wheel = build_wheel("tampered", "1.0", ["attrs"])
    fname = _project(index_server, "tampered", "1.0", wheel)
    index_server.files[fname] = build_wheel("tampered", "1.0", ["evil"])

    async def go(client):
        return await client.release_metadata(await client.fetch_history("tampered"), "1.0")

    with pytest.raises(MetadataUnavailable, match="digest"):
        run(make_client(), go)


def test_offline_metadata_without_cache_is_unavailable(make_client, index_server):
    async def go(client):
        return await client.fetch_history("pluggy")

    h = run(make_client(), go)
    wheel = next(f for f in h.release("1.5.0").files if f.is_wheel)

    async def meta(client):
        return await client.fetch_metadata(wheel)

    with pytest.raises(MetadataUnavailable, match="offline"):
        run(make_client(offline=True), meta)
