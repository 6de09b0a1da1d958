"""Page parsing (PEP 691 / 503 / 592 / 629 / 700 / 714) and the compact history."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lockaudit.index.history import (
    FetchStatus,
    HistoryDecodeError,
    build_history,
    canonical_time,
    decode_history,
    encode_history,
    merge_histories,
    status_history,
)
from lockaudit.index.simple_api import (
    PageFormatError,
    parse_project_page,
    version_from_filename,
)

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "index" / "projects"
NOW = datetime(2026, 1, 1, tzinfo=UTC)
CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "corpus" / "release-history.json"


def _page(name: str) -> bytes:
    page = json.loads((FIXTURES / f"{name}.json").read_text())
    for f in page["files"]:
        f["url"] = f"../../files/{f['filename']}"
    return json.dumps(page).encode()


def _history(name: str):
    p = parse_project_page(_page(name), "application/vnd.pypi.simple.v1+json", f"http://x/simple/{name}/", name)
    return build_history(name, p.groups, fetched_at=NOW, index="http://x/simple/", api_version=p.api_version,
                         url_prefix=p.url_prefix, unmatched_files=p.unmatched)  # fmt: skip


@pytest.mark.parametrize("name", sorted(p.stem for p in FIXTURES.glob("*.json")))
def test_every_recorded_page_round_trips_through_the_cache_form(name):
    h = _history(name)
    page = json.loads((FIXTURES / f"{name}.json").read_text())
    assert h.unmatched_files == 0
    assert sum(len(r.files) for r in h.versions) == len(page["files"])
    back = decode_history(encode_history(h))
    assert back.versions == h.versions and back.name == name and back.from_cache
    assert {f.url for r in back.versions for f in r.files} == {f"http://x/files/{f['filename']}" for f in page["files"]}


def test_agrees_with_the_corpus_summary_where_they_overlap():
    if not CORPUS.exists():
        pytest.skip("shared corpus not present")
    corpus = json.loads(CORPUS.read_text())
    checked = 0
    for p in FIXTURES.glob("*.json"):
        if p.stem not in corpus:
            continue
        h = _history(p.stem)
        for row in corpus[p.stem]["files"]:
            r = h.release(row["version"])
            if r is None or len(r.files) != row["n"]:
                continue  # the index moved on, or a re-uploaded file named another version
            ut = r.upload_time.strftime("%Y-%m-%dT%H:%M:%SZ") if r.upload_time else None
            assert ut == row["upload_time"]
            assert (r.yanked, r.requires_python) == (row["yanked"], row["requires_python"])
            checked += 1
    assert checked > 50


def test_html_page_with_yanked_reason_and_metadata_attributes():
    html = b"""<!DOCTYPE html><html><head><meta name="pypi:repository-version" content="1.1"></head><body>
    <a href="/files/demo-1.0-py3-none-any.whl#sha256=aa" data-requires-python="&gt;=3.8" data-yanked="bad build"
       data-core-metadata="sha256=bb">demo-1.0-py3-none-any.whl</a>
    <a href="/files/demo-1.0.tar.gz#sha256=cc" data-dist-info-metadata="true">demo-1.0.tar.gz</a>
    <a href="https://elsewhere.example/demo-1.1.tar.gz#sha256=dd">demo-1.1.tar.gz</a></body></html>"""
    p = parse_project_page(html, "text/html", "http://x/simple/demo/", "demo")
    h = build_history("demo", p.groups, fetched_at=NOW, index="i", api_version=p.api_version, url_prefix=p.url_prefix)
    r = h.release("1.0")
    wheel, sdist = r.files
    assert (wheel.yanked, wheel.yanked_reason, wheel.requires_python) == (True, "bad build", ">=3.8")
    assert wheel.metadata_hashes == ("sha256:bb",) and sdist.metadata_hashes == ()
    assert not r.yanked and r.has_wheel and r.has_sdist
    assert h.release("1.1").files[0].url == "https://elsewhere.example/demo-1.1.tar.gz"


@pytest.mark.parametrize(
    "body, message",
    [
        (b'{"meta": {"api-version": "2.0"}, "files": []}', "unsupported repository API version"),
        (b'{"meta": {"api-version": "1.0"}, "files": [{"filename": "x-1.tar.gz"}]}', "malformed"),
        (b'{"files": []}', "lacks"),
        (b'{"meta": {"api-version": "1.0"}, "files": [', "malformed or truncated"),
    ],
)
def test_unreadable_json_pages(body, message):
    with pytest.raises(PageFormatError, match=message):
        parse_project_page(body, "application/vnd.pypi.simple.v1+json", "http://x/simple/x/", "x")


def test_unexpected_content_type_is_refused():
    with pytest.raises(PageFormatError, match="content type"):
        parse_project_page(b"%PDF", "application/pdf", "http://x/simple/x/", "x")


@pytest.mark.parametrize(
    "filename, known, expected",
    [
        ("zope.interface-5.0.tar.gz", (), "5.0"),
        ("python-dateutil-2.8.2.tar.gz", (), "2.8.2"),
        ("python_dateutil-2.8.2-py2.py3-none-any.whl", (), "2.8.2"),
        ("cffi-1.0.2-2.tar.gz", ("1.0.2",), "1.0.2-2"),
        ("nltk-3.3.0.win32.exe", ("3.3",), "3.3"),
        ("joblib-0.8.3_r1-py2.7.egg", ("0.8.3-r1",), "0.8.3_r1"),
        ("weird-name-1.0-1-py3-none-any.whl", (), "1.0"),
        ("readme.txt", (), None),
        ("pyzmq-14.6.00-py2.7-macosx-10.6-intel.egg", ("14.6.0",), "14.6.00"),
        ("Babel-0.9.6.win32.exe", ("0.9", "0.9.6"), "0.9.6"),
        ("billiard-2.7.3.11-py2.5-linux-i686.egg", ("2.7.3", "2.7.3.11"), "2.7.3.11"),
        ("foo-1.0.linux-x86_64.rpm", ("1.0",), "1.0"),
    ],
)
def test_version_from_filename(filename, known, expected):
    name = filename.split("-")[0].replace("_", "-").replace(".", "-").lower()
    if filename.startswith(("python", "weird")):
        name = "-".join(filename.replace("_", "-").split("-")[:2]).lower()
    assert version_from_filename(filename, name, set(known)) == expected


def test_wheel_versions_take_the_listed_spelling():
    page = {"meta": {"api-version": "1.1"}, "name": "w", "versions": ["1.0.0-rc1"], "files": [
        {"filename": "w-1.0.0rc1-py3-none-any.whl", "url": "x", "hashes": {}}]}  # fmt: skip
    p = parse_project_page(json.dumps(page).encode(), "application/vnd.pypi.simple.v1+json", "http://x/simple/w/", "w")
    assert list(p.groups) == ["1.0.0-rc1"] and len(p.groups["1.0.0-rc1"]) == 1


def test_canonical_time_sorts_like_time():
    a = canonical_time("2020-01-01T00:00:00Z")
    b = canonical_time("2020-01-01T00:00:00.5Z")
    c = canonical_time("2020-01-01T01:00:00+02:00")
    assert a == "2020-01-01T00:00:00.000000Z" and c == "2019-12-31T23:00:00.000000Z"
    assert sorted([a, b, c]) == [c, a, b]
    assert canonical_time("yesterday") is None


def test_corrupt_blobs_are_refused():
    blob = encode_history(_history("six"))
    for bad in (b"", b"XXXX" + blob[4:], blob[:30]):
        with pytest.raises(HistoryDecodeError):
            decode_history(bad)
    damaged = decode_history(blob[:-10])  # rows are decoded lazily, and refused then
    with pytest.raises(HistoryDecodeError):
        list(damaged.versions[0].files)


def test_status_histories_and_merge():
    nf = status_history("p", FetchStatus.NOT_FOUND, index="a")
    down = status_history("p", FetchStatus.UNREACHABLE, index="b", detail="HTTP 503")
    assert decode_history(encode_history(down)).detail == "HTTP 503"
    assert merge_histories("p", [nf, down]).status is FetchStatus.UNREACHABLE
    six = _history("six")
    assert merge_histories("six", [nf, six]) is six
    merged = merge_histories("six", [six, six])
    assert merged.version_strings() == six.version_strings()
    assert sum(len(r.files) for r in merged.versions) == sum(len(r.files) for r in six.versions)


_text = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=12)


@settings(max_examples=60, deadline=None)
@given(
    st.dictionaries(
        st.from_regex(r"[0-9]{1,2}(\.[0-9]{1,2}){0,2}(rc[0-9])?", fullmatch=True),
        st.lists(
            st.tuples(
                st.sampled_from(["-py3-none-any.whl", ".tar.gz", ".zip"]),
                st.one_of(st.just(False), st.just(True), _text.filter(bool)),
                st.one_of(st.none(), _text),
                st.one_of(st.none(), st.integers(0, 2**40)),
                st.one_of(st.none(), st.datetimes(timezones=st.just(UTC)).map(lambda d: d.isoformat())),
            ),
            max_size=4,
        ),
        max_size=6,
    )
)
def test_encode_decode_round_trip_property(spec):
    groups = {}
    for version, files in spec.items():
        groups[version] = [
            [f"p-{version}-{i}{ext}" if ext.endswith(".whl") else f"p-{version}{i}{ext}", "", {"sha256": f"{i:064x}"},
             canonical_time(ut), y, rp, size, None]
            for i, (ext, y, rp, size, ut) in enumerate(files)
        ]  # fmt: skip
    h = build_history(
        "p", groups, fetched_at=NOW, index="http://i/simple/", api_version="1.1", url_prefix="http://i/files/"
    )
    back = decode_history(encode_history(h))
    assert back.versions == h.versions
    for r in back.versions:
        rows = groups[r.version]
        assert r.yanked == (bool(rows) and all(row[4] is not False for row in rows))
        times = [row[3] for row in rows if row[3]]
        assert (r.upload_time is None) == (not times)


def test_json_pages_never_import_pypi_simple():
    # Its import (pydantic, BeautifulSoup) costs more than a cold run's decoding;
    # eggs and installers are told apart without it when PEP 700 lists versions.
    code = """
import sys, orjson
from lockaudit.index.simple_api import parse_project_page
files = [{"filename": f, "url": "../f/" + f, "hashes": {}} for f in (
    "x-0.9.6.win32.exe", "x-14.6.00-py2.7-macosx-10.6-intel.egg", "x-1.0.zip", "x-1.0.tar.bz2")]
page = {"meta": {"api-version": "1.1"}, "name": "x", "versions": ["0.9.6", "14.6.0", "1.0"], "files": files}
parsed = parse_project_page(orjson.dumps(page), "application/vnd.pypi.simple.v1+json", "http://i/simple/x/", "x")
assert sum(map(len, parsed.groups.values())) == 4, parsed
print("pydantic" in sys.modules, "pypi_simple" in sys.modules)
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "False"]
