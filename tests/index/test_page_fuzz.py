"""A hostile index's pages, fuzzed: decoding one ends in a history whose every
file reads, or in lockaudit's own typed error (the page is then INVALID)."""

from __future__ import annotations

import warnings

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lockaudit.errors import LockauditError
from lockaudit.index.decoding import page_to_blob
from lockaudit.index.history import decode_history
from support.fuzzing import confuse, mutate
from support.index_server import IndexServer

_SERVER = IndexServer()
PAGES = [(_SERVER.json_page(n).decode(), "application/vnd.pypi.simple.v1+json") for n in ("six", "mdurl", "pluggy")]
PAGES += [(_SERVER.html_page(n).decode(), "text/html; charset=utf-8") for n in ("six", "pluggy")]
FUZZ = settings(derandomize=True, deadline=None, max_examples=400, suppress_health_check=[HealthCheck.too_slow])


def _read(body: str | bytes, content_type: str) -> None:
    raw = body.encode("utf-8", "surrogatepass") if isinstance(body, str) else body
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the HTML parser's notes on odd bytes
            blob = page_to_blob(raw, content_type, "https://i.test/simple/six/", "six", "https://i.test/simple/", 1.0)
            history = decode_history(blob, from_cache=False)
            for release in history.versions:
                for f in release.files:
                    assert f.filename is not None
    except LockauditError:
        pass


@FUZZ
@given(st.sampled_from(PAGES), st.randoms(use_true_random=False))
def test_mutated_pages(page, rng):
    text, content_type = page
    _read(mutate(text, rng), content_type)


@FUZZ
@given(st.sampled_from([p for p in PAGES if "json" in p[1]]), st.randoms(use_true_random=False))
def test_json_pages_with_values_of_the_wrong_type(page, rng):
    text, content_type = page
    confused = confuse("Pipfile.lock", text, rng)  # any JSON document: confused the same way
    if confused is not None:
        _read(confused, content_type)


def test_an_upload_time_of_the_right_shape_but_no_time_is_unknown():
    page = _SERVER.json_page("six").decode().replace('"upload-time": "2', '"upload-time": ":', 1)
    blob = page_to_blob(page.encode(), "application/vnd.pypi.simple.v1+json", "https://i.test/simple/six/", "six",
                        "https://i.test/simple/", 1.0)  # fmt: skip
    history = decode_history(blob, from_cache=False)
    times = [f.upload_time for r in history.versions for f in r.files]
    assert times.count(None) == 1 and len(times) > 1
