"""A hostile or broken index costs a bounded amount and never leaks anything.

Every test runs against the real local index server, scripted to misbehave
(tests/support/index_server.py: redirects to file:, files on another origin,
endless drips, oversized bodies, an index that keeps failing).
"""

from __future__ import annotations

import asyncio
import base64
import json
from pathlib import Path

import pytest

from lockaudit.index import FetchStatus, IndexURL
from lockaudit.index.http import HttpSession, RefusedAnswer
from lockaudit.index.settings import IndexLimits
from support.index_server import IndexServer, build_wheel

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "index" / "projects"


def fetch(client, names):
    async def go():
        try:
            return await client.fetch_histories(names)
        finally:
            await client.aclose()

    return asyncio.run(go())


def _leak_page(tmp_path: Path) -> Path:
    """A local file that reads as a project page with a version no index has."""
    leak = tmp_path / "secret" / "page.json"
    leak.parent.mkdir()
    leak.write_text(json.dumps({
        "meta": {"api-version": "1.1"}, "name": "six", "versions": ["99.0.0"],
        "files": [{"filename": "six-99.0.0.tar.gz", "url": "six-99.0.0.tar.gz", "hashes": {"sha256": "ee" * 32}}],
    }))  # fmt: skip
    return leak


# -- 1. redirects never leave http(s) ------------------------------------------


def test_a_redirect_to_a_local_file_is_refused(make_client, index_server, tmp_path):
    leak = _leak_page(tmp_path)
    index_server.always("/simple/six/", ("redirect", 302, leak.as_uri()))
    h = fetch(make_client(cache="none"), ["six"])["six"]
    assert h.status is FetchStatus.INVALID, h
    assert "99.0.0" not in h.version_strings()
    assert "redirected to file://" in h.detail and "refused" in h.detail
    assert index_server.hits("/simple/six/") == 1  # an answer, not a failure to retry


def test_a_redirect_to_a_file_url_without_a_host_is_refused_too(make_client, index_server, tmp_path):
    leak = _leak_page(tmp_path)
    index_server.always("/simple/six/", ("redirect", 301, "file://" + str(leak)))
    h = fetch(make_client(cache="none"), ["six"])["six"]
    assert h.status is FetchStatus.INVALID and "99.0.0" not in h.version_strings()


def test_a_file_url_on_an_http_index_page_is_never_read(tmp_path):
    leak = _leak_page(tmp_path)

    async def main():
        session = HttpSession(credentials={"http://127.0.0.1:9/simple/": IndexURL.parse("http://127.0.0.1:9/simple/")})
        try:
            with pytest.raises(RefusedAnswer, match="file: URLs under a file: index"):
                await session.get(leak.as_uri())
        finally:
            await session.aclose()

    asyncio.run(main())


def test_redirects_stay_within_http_and_never_go_down_from_https():
    session = HttpSession()
    session._check_redirect("http://a.test/simple/x/", "http://b.test/simple/x/")
    session._check_redirect("https://a.test/simple/x/", "https://b.test/simple/x/")
    session._check_redirect("http://a.test/simple/x/", "https://a.test/simple/x/")  # an upgrade
    for source, target in [
        ("https://a.test/simple/x/", "http://a.test/simple/x/"),
        ("http://a.test/simple/x/", "file:///etc/passwd"),
        ("https://a.test/simple/x/", "ftp://a.test/x/"),
        ("http://a.test/simple/x/", "gopher://a.test/x/"),
    ]:
        with pytest.raises(RefusedAnswer, match="refused"):
            session._check_redirect(source, target)


def test_a_configured_file_index_still_works(make_client, tmp_path):
    page = tmp_path / "simple" / "demo"
    page.mkdir(parents=True)
    (page / "index.html").write_text(
        '<a href="../../files/demo-1.0.tar.gz#sha256=' + "cd" * 32 + '">demo-1.0.tar.gz</a>'
    )
    h = fetch(make_client((tmp_path / "simple").as_uri() + "/", cache="none"), ["demo"])
    assert h["demo"].ok and h["demo"].version_strings() == ["1.0"]


# -- 2. credentials go to their own origin only --------------------------------


def _auth_header(server: IndexServer) -> str:
    return "Basic " + base64.b64encode(":".join(server.credentials).encode()).decode()


def test_credentials_never_reach_another_port_of_the_same_host(make_client, index_server):
    wheel = build_wheel("demo-pkg", "1.0")
    with IndexServer(projects={}, metadata={}, files={"demo_pkg-1.0-py3-none-any.whl": wheel}) as other:
        other.metadata["demo_pkg-1.0-py3-none-any.whl.metadata"] = (
            b"Metadata-Version: 2.1\nName: demo-pkg\nVersion: 1.0\n"
        )
        index_server.add_project("demo-pkg", {
            "meta": {"api-version": "1.1"}, "name": "demo-pkg", "versions": ["1.0"],
            "files": [{"filename": "demo_pkg-1.0-py3-none-any.whl", "hashes": {},
                       "url": other.base + "/files/demo_pkg-1.0-py3-none-any.whl", "core-metadata": True}],
        })  # fmt: skip
        user, pw = index_server.credentials
        url = index_server.base.replace("http://", f"http://{user}:{pw}@") + "/private/simple/"
        client = make_client(url, cache="none")

        async def go():
            try:
                history = (await client.fetch_histories(["demo-pkg"]))["demo-pkg"]
                return history, await client.release_metadata(history, "1.0")
            finally:
                await client.aclose()

        history, metadata = asyncio.run(go())
        assert history.ok and metadata.name == "demo-pkg"
        page = next(r for r in index_server.requests if r.path == "/private/simple/demo-pkg/")
        assert page.headers.get("authorization") == _auth_header(index_server)  # its own origin: sent
        assert other.requests, "the file host was never asked"
        for r in other.requests:  # same host name, another port: another origin
            assert "authorization" not in r.headers, r


def test_a_redirect_to_another_origin_carries_no_credentials(make_client, index_server):
    with IndexServer() as other:
        index_server.always("/private/simple/six/", ("redirect", 302, other.url + "six/"))
        user, pw = index_server.credentials
        url = index_server.base.replace("http://", f"http://{user}:{pw}@") + "/private/simple/"
        h = fetch(make_client(url, cache="none"), ["six"])["six"]
        assert h.ok
        first = next(r for r in index_server.requests if r.path == "/private/simple/six/")
        assert first.headers.get("authorization") == _auth_header(index_server)
        hop = next(r for r in other.requests if r.path == "/simple/six/")
        assert "authorization" not in hop.headers


def test_a_redirect_within_the_origin_keeps_the_credentials(make_client, index_server):
    index_server.script("/private/simple/six/", [("redirect", 302, "/private/simple/six/")])
    user, pw = index_server.credentials
    url = index_server.base.replace("http://", f"http://{user}:{pw}@") + "/private/simple/"
    h = fetch(make_client(url, cache="none"), ["six"])["six"]
    assert h.ok
    hits = [r for r in index_server.requests if r.path == "/private/simple/six/"]
    assert len(hits) == 2 and all(r.headers.get("authorization") == _auth_header(index_server) for r in hits)


def test_credentials_are_matched_by_scheme_host_and_port():
    index = IndexURL.parse("https://u:p@idx.test:8443/simple/")
    session = HttpSession(credentials={index.url: index})
    assert session._auth_for("https://idx.test:8443/files/a.whl") is not None
    assert session._auth_for("https://IDX.test:8443/simple/x/") is not None
    for url in ("https://idx.test/files/a.whl", "https://idx.test:9443/files/a.whl", "http://idx.test:8443/simple/x/",
                "https://other.test:8443/simple/x/"):  # fmt: skip
        assert session._auth_for(url) is None, url
    default_port = IndexURL.parse("https://u:p@idx.test/simple/")
    session = HttpSession(credentials={default_port.url: default_port})
    assert session._auth_for("https://idx.test:443/files/a.whl") is not None
    assert session._auth_for("http://idx.test:443/files/a.whl") is None


# -- 7. deadlines, budgets, breakers -------------------------------------------


def test_a_dripping_answer_ends_at_the_deadline_and_is_unknown(make_client, index_server):
    index_server.always("/simple/six/", ("drip", 0.2, 40))  # 8 s for a 40-byte answer
    h = fetch(make_client(cache="none", limits=IndexLimits(deadline=1.0)), ["six"])["six"]
    assert h.status is FetchStatus.UNREACHABLE
    assert "no complete answer within 1 s" in h.detail and "--index-deadline" in h.detail
    assert index_server.hits("/simple/six/") == 1  # the deadline covers the retries too


def test_the_run_budget_ends_every_request_left(make_client, index_server):
    index_server.always("*", ("drip", 0.2, 40))
    limits = IndexLimits(deadline=5.0, budget=1.0, breaker_failures=1000)
    names = ["six", "mdurl", "pluggy", "iniconfig", "defusedxml", "packaging"]
    results = fetch(make_client(cache="none", limits=limits, concurrency=2), names)
    assert all(h.status is FetchStatus.UNREACHABLE for h in results.values())
    assert sum("time budget for the index (1 s, --index-budget) is spent" in h.detail for h in results.values()) == len(
        names
    )
    assert len(index_server.requests) <= 2 * 2  # the rest was never asked


def test_an_index_that_keeps_failing_trips_the_breaker(make_client, index_server):
    index_server.always("*", 500)
    names = [f"pkg-{i}" for i in range(60)]
    limits = IndexLimits(breaker_failures=5, breaker_seconds=60)
    results = fetch(make_client(cache="none", limits=limits, concurrency=4), names)
    assert all(h.status is FetchStatus.UNREACHABLE for h in results.values())
    assert sum("circuit breaker" in h.detail for h in results.values()) >= len(names) - 4
    # 60 packages with 3 tries each would be 180 requests; the breaker stops it
    # after 5 failures, with at most the 4 in flight finishing theirs.
    assert len(index_server.requests) <= 5 + 4 * 3


def test_the_breaker_lets_a_request_through_after_its_pause(make_client, index_server):
    index_server.always("*", 500)
    limits = IndexLimits(breaker_failures=2, breaker_seconds=0.3)

    async def go():
        client = make_client(cache="none", limits=limits, concurrency=1)
        try:
            first = await client.fetch_histories(["six", "mdurl", "pluggy"])
            asked = len(index_server.requests)
            index_server.always("*", None)  # the index recovers
            await asyncio.sleep(0.4)
            second = await client.fetch_histories(["six", "mdurl"])
            return first, asked, second
        finally:
            await client.aclose()

    first, asked, second = asyncio.run(go())
    assert all(h.status is FetchStatus.UNREACHABLE for h in first.values())
    assert "circuit breaker" in first["pluggy"].detail and asked <= 3
    assert second["six"].ok and second["mdurl"].ok


def test_not_found_answers_keep_the_breaker_closed(make_client, index_server):
    names = [f"no-such-project-{i}" for i in range(30)]
    results = fetch(make_client(cache="none", limits=IndexLimits(breaker_failures=3)), names)
    assert all(h.status is FetchStatus.NOT_FOUND for h in results.values())


# -- 8. a cap on what is read --------------------------------------------------


@pytest.mark.parametrize("with_length", [True, False], ids=["announced", "streamed"])
def test_an_oversized_answer_is_not_read_and_unknown(make_client, index_server, with_length):
    index_server.always("/simple/six/", ("huge", 8 << 20, with_length))
    h = fetch(make_client(cache="none", limits=IndexLimits(max_response_bytes=1 << 20)), ["six"])["six"]
    assert h.status is FetchStatus.INVALID
    assert "larger than the limit of 1,048,576 bytes" in h.detail and "--max-response-bytes" in h.detail
    assert index_server.hits("/simple/six/") == 1


def test_an_answer_under_the_cap_is_read(make_client, index_server):
    size = len(index_server.json_page("six"))
    h = fetch(make_client(cache="none", limits=IndexLimits(max_response_bytes=size)), ["six"])["six"]
    assert h.ok


# -- 13. messages keep the port, never the credentials ------------------------


def test_an_unreachable_index_is_named_with_its_port_and_without_credentials(make_client):
    h = fetch(make_client("http://alice:hunter22@127.0.0.1:9/simple/", cache="none"), ["six"])["six"]
    assert h.status is FetchStatus.UNREACHABLE
    assert "http://127.0.0.1:9/simple/six/" in h.detail
    assert "hunter22" not in h.detail and "alice" not in h.detail


def test_limits_come_from_the_environment_under_the_flags():
    env = {"LOCKAUDIT_INDEX_DEADLINE": "12.5", "LOCKAUDIT_INDEX_BUDGET": "0", "LOCKAUDIT_MAX_RESPONSE_BYTES": "1000"}
    limits = IndexLimits.from_environ(env)
    assert (limits.deadline, limits.budget, limits.max_response_bytes) == (12.5, None, 1000)
    assert IndexLimits.from_environ(env, deadline=3.0).deadline == 3.0
    with pytest.raises(ValueError, match="LOCKAUDIT_MAX_RESPONSE_BYTES"):
        IndexLimits.from_environ({"LOCKAUDIT_MAX_RESPONSE_BYTES": "lots"})
    with pytest.raises(ValueError, match="LOCKAUDIT_INDEX_DEADLINE"):
        IndexLimits.from_environ({"LOCKAUDIT_INDEX_DEADLINE": "0"})


# -- 3. an empty page is no history to trust ------------------------------------

EMPTY_JSON = json.dumps({"meta": {"api-version": "1.1"}, "name": "six", "files": []}).encode()
LOGIN_HTML = b"<!DOCTYPE html><html><body><form action='/login'>Sign in</form></body></html>"


def _audit(index_server, tmp_path, capsys, lock: str, *extra: str) -> tuple[int, dict]:
    from lockaudit.cli import main

    req = tmp_path / "requirements.txt"
    req.write_text(lock)
    code = main([str(req), "--index-url", index_server.url, "--cache", str(tmp_path / "c.sqlite3"),
                 "--format", "json", "--no-progress", "--no-dependency-changes", *extra])  # fmt: skip
    return code, json.loads(capsys.readouterr().out)


def _six(report: dict) -> list[tuple[str, str, str]]:
    return [(f["code"], f["severity"], f["message"]) for f in report["findings"] if f["package"] == "six"]


@pytest.mark.parametrize(("body", "ctype"), [(EMPTY_JSON, "application/vnd.pypi.simple.v1+json"),
                                             (LOGIN_HTML, "text/html")], ids=["empty-json", "login-page"])  # fmt: skip
def test_an_empty_page_is_suspicious_and_the_missing_locked_version_is_high(
    index_server, tmp_path, capsys, body, ctype
):
    index_server.always("/simple/six/", ("body", 200, body, ctype))
    code, report = _audit(index_server, tmp_path, capsys, "six==1.16.0\n")
    findings = _six(report)
    assert ("LA013", "high", "the locked version 1.16.0 is not on the index: installing the lock fails") in findings
    assert any(
        c == "LA013" and s == "medium" and "lists no files at all" in m and "suspicious" in m for c, s, m in findings
    )
    assert code == 1  # high is at the default threshold: never "ok, exit 0"


def test_an_empty_page_without_a_lock_is_still_flagged(index_server, tmp_path, capsys):
    index_server.always("/simple/six/", ("body", 200, EMPTY_JSON, "application/vnd.pypi.simple.v1+json"))
    code, report = _audit(index_server, tmp_path, capsys, "six>=1.0\n", "--fail-on", "medium")
    assert any(s == "medium" and "lists no files at all" in m for _, s, m in _six(report))
    assert code == 1


def test_a_locked_version_the_index_does_not_have_is_high(index_server, tmp_path, capsys):
    code, report = _audit(index_server, tmp_path, capsys, "six==0.0.1\n")
    assert ("LA013", "high", "the locked version 0.0.1 is not on the index: installing the lock fails") in _six(report)
    assert not any("lists no files" in m for _, _, m in _six(report))
    assert code == 1


def test_a_locked_version_from_after_the_audit_date_is_no_failure(index_server, tmp_path, capsys):
    code, report = _audit(index_server, tmp_path, capsys, "six==1.17.0\n", "--as-of", "2020-01-01")
    assert ("LA013", "info", "the locked version 1.17.0 was uploaded after the audit date") in _six(report)
    # No failure (nothing high): what a fresh install took then is unknown, the lock being newer.
    assert code == 3
    assert not [f for f in report["findings"] if f["severity"] in ("high", "critical")]
