"""Opt-in checks against the real default index: ``pytest -m live``."""

from __future__ import annotations

import pytest

from lockaudit.index import DEFAULT_INDEX_URL, FetchStatus, IndexSettings, IndexURL, fetch_histories

pytestmark = pytest.mark.live


@pytest.fixture(autouse=True)
def _only_when_asked(request):
    if "live" not in (request.config.getoption("markexpr") or ""):
        pytest.skip("talks to the real index: run with -m live")


def test_real_default_index(tmp_path):
    results = fetch_histories(
        ["packaging", "this-project-does-not-exist-lockaudit"],
        settings=IndexSettings(IndexURL(DEFAULT_INDEX_URL)),
        cache=str(tmp_path / "c.sqlite3"),
    )
    h = results["packaging"]
    assert h.ok and h.api_version and h.api_version.startswith("1.")
    r = h.release("24.0")
    assert r is not None and r.has_wheel and r.has_sdist and r.upload_time is not None
    assert all(hh.startswith("sha256:") for hh in r.hashes)
    assert results["this-project-does-not-exist-lockaudit"].status is FetchStatus.NOT_FOUND


def test_real_metadata_without_advertisement(tmp_path):
    import asyncio

    from lockaudit.index import IndexClient

    async def go():
        async with IndexClient(IndexSettings(IndexURL(DEFAULT_INDEX_URL)), cache="none") as client:
            h = await client.fetch_history("packaging")
            return await client.release_metadata(h, "24.0")

    meta = asyncio.run(go())
    assert meta.name == "packaging" and meta.requires_python == ">=3.7"
