"""The index client against a real local index server."""

from __future__ import annotations

import asyncio
import base64
import json
from pathlib import Path

import pytest

from lockaudit.index import FetchStatus, IndexSettings, IndexURL, fetch_histories
from lockaudit.index.cache import open_cache, page_key
from lockaudit.index.simple_api import JSON_CONTENT_TYPE

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "index" / "projects"


def run(coro):
    return asyncio.run(coro)


def fetch(client, names, progress=None):
    """One fetch on a fresh event loop; the client is closed afterwards."""

    async def go():
        try:
            return await client.fetch_histories(names, progress)
        finally:
            await client.aclose()

    return run(go())


def test_content_negotiation_asks_for_json_and_reads_it(make_client, index_server):
    h = fetch(make_client(), ["six"])["six"]
    assert h.ok and h.api_version == "1.1"
    req = next(r for r in index_server.requests if r.path == "/simple/six/")
    assert JSON_CONTENT_TYPE in req.headers["accept"] and "text/html" in req.headers["accept"]
    page = json.loads((FIXTURES / "six.json").read_text())
    assert set(h.version_strings()) >= set(page["versions"])
    assert sum(len(r.files) for r in h.versions) == len(page["files"])
    # upload times come from PEP 700 and are the earliest per version
    r = h.release("1.16.0")
    times = [f["upload-time"] for f in page["files"] if f["filename"].startswith("six-1.16.0")]
    assert r.upload_time.isoformat().replace("+00:00", "Z") == min(times)
    assert r.has_wheel and r.has_sdist


def test_html_fallback_gives_the_same_versions_and_hashes(make_client, index_server):
    json_h = fetch(make_client(), ["defusedxml"])["defusedxml"]
    html_h = fetch(make_client(index_server.base + "/html/simple/", cache="none"), ["defusedxml"])["defusedxml"]
    assert html_h.ok and html_h.api_version == "1.1"
    assert set(html_h.version_strings()) == {v for v in json_h.version_strings() if json_h.release(v).files}
    for r in html_h.versions:
        other = json_h.release(r.version)
        assert sorted(r.hashes) == sorted(other.hashes)
        assert (r.yanked, r.requires_python) == (other.yanked, other.requires_python)
        assert r.upload_time is None  # HTML pages carry no upload times


def test_yanked_versions_and_reasons(make_client):
    h = fetch(make_client(), ["mdurl", "roman-numerals"])
    mdurl = h["mdurl"]
    assert mdurl.release("0.0.1").yanked
    assert all(f.yanked for f in mdurl.release("0.0.1").files)
    assert not mdurl.release("0.1.2").yanked
    yanked = [r for r in h["roman-numerals"].versions if r.yanked]
    assert yanked and all(r.files for r in yanked)


def test_partially_yanked_version_is_not_yanked(make_client, index_server):
    page = json.loads((FIXTURES / "mdurl.json").read_text())
    files = [f for f in page["files"] if "0.1.2" in f["filename"]]
    files[0] = dict(files[0], yanked="broken wheel")
    index_server.add_project(
        "partial",
        {
            "meta": {"api-version": "1.1"},
            "name": "partial",
            "versions": ["0.1.2"],
            "files": [dict(f, filename=f["filename"].replace("mdurl", "partial")) for f in files],
        },
    )
    r = fetch(make_client(), ["partial"])["partial"].release("0.1.2")
    assert not r.yanked and r.yanked_reason is None
    assert [f.yanked_reason for f in r.files] == ["broken wheel", None]


def test_prereleases_and_sdist_only_versions(make_client):
    h = fetch(make_client(), ["six", "iniconfig"])
    assert "1.0b1" in h["six"].version_strings()
    assert h["six"].release("1.0b1").has_sdist and not h["six"].release("1.0b1").has_wheel
    assert "0.2.dev0" in h["iniconfig"].version_strings()


def test_names_are_normalized_and_results_keyed_by_normalized_name(make_client):
    results = fetch(make_client(), ["Roman_Numerals", "SIX", "six"])
    assert list(results) == ["roman-numerals", "six"]


def test_not_on_this_index_is_a_status_not_an_error(make_client, index_server):
    client = make_client()
    results = fetch(client, ["no-such-project", "six"])
    assert results["no-such-project"].status is FetchStatus.NOT_FOUND
    assert results["no-such-project"].versions == ()
    assert results["six"].ok
    # the 404 is cached like any answer
    again = fetch(make_client(), ["no-such-project"])["no-such-project"]
    assert again.status is FetchStatus.NOT_FOUND and again.from_cache
    assert index_server.hits("/simple/no-such-project/") == 1


def test_429_with_retry_after_is_honoured(make_client, index_server):
    client = make_client()
    slept: list[float] = []

    async def sleep(s):
        slept.append(s)

    client._http._sleep = sleep
    index_server.script("/simple/six/", [("retry-after", 429, 2)])
    assert fetch(client, ["six"])["six"].ok
    assert slept == [2.0]
    assert index_server.hits("/simple/six/") == 2


def test_retry_after_beyond_the_cap_fails_now(make_client, index_server):
    index_server.script("/simple/six/", [("retry-after", 429, 3600)])
    h = fetch(make_client(), ["six"])["six"]
    assert h.status is FetchStatus.UNREACHABLE and "3600" in h.detail
    assert index_server.hits("/simple/six/") == 1


def test_500_then_success(make_client, index_server):
    index_server.script("/simple/six/", [500, 503])
    assert fetch(make_client(), ["six"])["six"].ok
    assert index_server.hits("/simple/six/") == 3


def test_persistent_5xx_is_unreachable_not_fine(make_client, index_server):
    index_server.script("/simple/six/", [502, 502, 502])
    h = fetch(make_client(), ["six"])["six"]
    assert h.status is FetchStatus.UNREACHABLE and "HTTP 502" in h.detail and not h.versions


def test_timeout_is_retried_then_unreachable(make_client, index_server):
    index_server.script("/simple/six/", [("sleep", 0.6), ("sleep", 0.6), ("sleep", 0.6)])
    h = fetch(make_client(timeout=0.15), ["six"])["six"]
    assert h.status is FetchStatus.UNREACHABLE and "Timeout" in h.detail


def test_connection_refused_is_unreachable(make_client):
    h = fetch(make_client("http://127.0.0.1:9/simple/"), ["six"])["six"]
    assert h.status is FetchStatus.UNREACHABLE


def test_body_cut_short_is_retried(make_client, index_server):
    index_server.script("/simple/six/", ["truncate"])
    assert fetch(make_client(), ["six"])["six"].ok
    assert index_server.hits("/simple/six/") == 2


def test_truncated_json_is_invalid_and_not_cached(make_client, index_server):
    index_server.script("/simple/six/", ["bad-json"])
    h = fetch(make_client(), ["six"])["six"]
    assert h.status is FetchStatus.INVALID and "malformed or truncated" in h.detail
    assert fetch(make_client(), ["six"])["six"].ok  # nothing wrong was cached
    assert index_server.hits("/simple/six/") == 2


def test_redirects_are_followed_and_file_urls_resolve_against_the_final_page(make_client, index_server):
    h = fetch(make_client(index_server.base + "/old/simple/"), ["six"])["six"]
    assert h.ok
    f = h.release("1.17.0").files[0]
    assert f.url.startswith(index_server.base + "/files/")


def test_basic_auth_from_the_url_is_sent_and_never_shown(make_client, index_server, tmp_path):
    user, pw = index_server.credentials
    url = index_server.base.replace("http://", f"http://{user}:{pw}@") + "/private/simple/"
    client = make_client(url)
    h = fetch(client, ["six"])["six"]
    assert h.ok
    req = next(r for r in index_server.requests if r.path == "/private/simple/six/")
    assert req.headers["authorization"] == "Basic " + base64.b64encode(f"{user}:{pw}".encode()).decode()
    assert pw not in repr(h) and pw not in " ".join(h.indexes)
    assert pw not in repr(client.settings)
    keys = [k for k, _ in open_cache(str(tmp_path / "cache.sqlite3")).iter_entries()]
    assert keys and not any(pw in k or user in k for k in keys)
    assert pw.encode() not in (tmp_path / "cache.sqlite3").read_bytes()


def test_wrong_credentials_are_reported_without_the_secret(make_client, index_server):
    url = index_server.base.replace("http://", "http://alice:wrong-password@") + "/private/simple/"
    h = fetch(make_client(url), ["six"])["six"]
    assert h.status is FetchStatus.UNREACHABLE and "401" in h.detail
    assert "wrong-password" not in repr(h)


def test_etag_revalidation_after_the_ttl(make_client, index_server):
    index_server.etags = True
    now = [1_000_000.0]
    first = fetch(make_client(ttl=600, clock=lambda: now[0]), ["six"])["six"]
    now[0] += 601
    second = fetch(make_client(ttl=600, clock=lambda: now[0]), ["six"])["six"]
    reqs = [r for r in index_server.requests if r.path == "/simple/six/"]
    assert len(reqs) == 2 and reqs[1].headers.get("if-none-match")
    assert second.ok and second.version_strings() == first.version_strings()
    assert second.fetched_at.timestamp() == now[0]
    # confirmed fresh: within the TTL again, no request at all
    now[0] += 300
    third = fetch(make_client(ttl=600, clock=lambda: now[0]), ["six"])["six"]
    assert third.from_cache and index_server.hits("/simple/six/") == 2


def test_freshness_without_any_caching_headers(make_client, index_server):
    now = [1_000_000.0]
    fetch(make_client(ttl=600, clock=lambda: now[0]), ["six"])
    now[0] += 599
    assert fetch(make_client(ttl=600, clock=lambda: now[0]), ["six"])["six"].from_cache
    now[0] += 2
    h = fetch(make_client(ttl=600, clock=lambda: now[0]), ["six"])["six"]
    assert not h.from_cache and h.ok
    reqs = [r for r in index_server.requests if r.path == "/simple/six/"]
    assert len(reqs) == 2 and "if-none-match" not in reqs[1].headers


def test_offline_answers_from_the_cache_and_names_what_is_missing(make_client, index_server):
    fetch(make_client(), ["six", "mdurl"])
    before = len(index_server.requests)
    results = fetch(make_client(offline=True, ttl=0), ["six", "mdurl", "pluggy"])
    assert results["six"].ok and results["six"].from_cache
    assert results["pluggy"].status is FetchStatus.NOT_CACHED
    assert len(index_server.requests) == before


def test_refresh_bypasses_the_cache(make_client, index_server):
    fetch(make_client(), ["six"])
    h = fetch(make_client(refresh=True), ["six"])["six"]
    assert not h.from_cache and index_server.hits("/simple/six/") == 2


def test_unreachable_index_mentions_cached_data(make_client, index_server):
    now = [1_000_000.0]
    fetch(make_client(clock=lambda: now[0]), ["six"])
    now[0] += 10_000
    index_server.script("/simple/six/", [500, 500, 500])
    h = fetch(make_client(clock=lambda: now[0]), ["six"])["six"]
    assert h.status is FetchStatus.UNREACHABLE and "--offline" in h.detail


def test_progress_callback_sees_every_project_once(make_client):
    seen = []
    fetch(make_client(), ["six", "mdurl", "nope"], progress=lambda d, t, n: seen.append((d, t, n)))
    assert sorted(n for _, _, n in seen) == ["mdurl", "nope", "six"]
    assert [d for d, _, _ in seen] == [1, 2, 3] and {t for _, t, _ in seen} == {3}


def test_extra_index_merges_and_primary_failure_is_not_hidden(make_client, index_server):
    from support.index_server import IndexServer

    with IndexServer(
        projects={
            "private-pkg": {
                "meta": {"api-version": "1.0"},
                "name": "private-pkg",
                "files": [{"filename": "private_pkg-1.0-py3-none-any.whl", "hashes": {"sha256": "ab" * 32}}],
            }
        }
    ) as extra:
        settings = IndexSettings(IndexURL.parse(index_server.url), (IndexURL.parse(extra.url),))
        results = fetch(make_client(settings=settings), ["six", "private-pkg"])
        assert results["six"].ok and results["six"].indexes == (index_server.url,)
        assert results["private-pkg"].ok and results["private-pkg"].version_strings() == ["1.0"]
        index_server.script("/simple/private-pkg/", [500, 500, 500])
        h = fetch(make_client(settings=settings, refresh=True), ["private-pkg"])["private-pkg"]
        assert h.status is FetchStatus.UNREACHABLE


def test_sync_wrapper(index_server, tmp_path):
    results = fetch_histories(
        ["six"], settings=IndexSettings(IndexURL.parse(index_server.url)), cache=str(tmp_path / "c.sqlite3")
    )
    assert results["six"].ok


def test_file_index_from_pip_configuration(tmp_path, make_client):
    page = tmp_path / "simple" / "demo"
    page.mkdir(parents=True)
    (page / "index.html").write_text(
        '<a href="../../files/demo-1.0.tar.gz#sha256=' + "cd" * 32 + '">demo-1.0.tar.gz</a>'
    )
    h = fetch(make_client((tmp_path / "simple").as_uri() + "/", cache="none"), ["demo", "absent"])
    assert h["demo"].ok and h["demo"].version_strings() == ["1.0"]
    assert h["absent"].status is FetchStatus.NOT_FOUND


def test_corrupt_cache_file_is_moved_aside_once_and_a_new_one_started(make_client, index_server, tmp_path):
    import warnings

    bad = tmp_path / "bad.sqlite3"
    bad.write_bytes(b"this is not a database" * 100)
    with pytest.warns(RuntimeWarning, match="was damaged .* moved it to .* started a new one") as record:
        h = fetch(make_client(cache=str(bad)), ["six", "mdurl"])
    assert h["six"].ok and h["mdurl"].ok
    assert len([w for w in record if "damaged" in str(w.message)]) == 1
    aside = list(tmp_path.glob("bad.sqlite3.damaged-*"))
    assert len(aside) == 1 and aside[0].read_bytes().startswith(b"this is not a database")  # nothing destroyed
    # The next run uses the new file: no warning, and answers from it.
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        again = fetch(make_client(cache=str(bad)), ["six", "mdurl"])
    assert again["six"].from_cache and index_server.hits("/simple/six/") == 1


def test_damaged_cache_entry_is_refetched_not_trusted(make_client, index_server, tmp_path):
    fetch(make_client(), ["six"])
    key = page_key(index_server.url, "six")
    cache = open_cache(str(tmp_path / "cache.sqlite3"))
    entry = cache.get(key)
    cache.put(key, type(entry)(entry.data[:40], entry.fetched_at))
    cache.close()
    h = fetch(make_client(), ["six"])["six"]
    assert h.ok and not h.from_cache and index_server.hits("/simple/six/") == 2


def test_on_history_sees_every_final_answer_once_as_it_comes(make_client):
    seen: list[tuple[str, object]] = []

    async def go():
        async with make_client() as client:
            await client.fetch_histories(["six"])  # one answer from the cache next time
            results = await client.fetch_histories(
                ["six", "iniconfig", "no-such-project"], on_history=lambda n, h: seen.append((n, h))
            )
            return results

    results = run(go())
    assert sorted(n for n, _ in seen) == ["iniconfig", "no-such-project", "six"]
    assert all(results[n] is h for n, h in seen)
    assert results["six"].from_cache and results["no-such-project"].status is FetchStatus.NOT_FOUND
    assert seen[0][0] == "six"  # the cached answer comes first, before any request
