"""The compiled page loops (``_fastpage``) against their pure twin (``_purepage``).

Same rows, same groups, same summaries, same errors, on generated pages with
every shape PEP 691 allows and a few it does not.
"""

from __future__ import annotations

import copy
import importlib
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lockaudit.index import _pageloops, _purepage
from lockaudit.index.history import canonical_time

try:
    _fastpage = importlib.import_module("lockaudit.index._fastpage")
except ImportError as exc:  # pragma: no cover - a broken build must fail, not skip
    _fastpage = None
    _IMPORT_ERROR: Exception | None = exc
else:
    _IMPORT_ERROR = None


def test_the_compiled_loops_are_built_and_used():
    assert _fastpage is not None, f"lockaudit.index._fastpage did not build: {_IMPORT_ERROR}"
    assert _pageloops.USING_EXTENSION is (not _pageloops.NO_EXTENSIONS)


VERSIONS = ["1.0", "1.0.1", "2.0rc1", "2.0", "0.8.3-r1", "3!1.0"]
NAMES = [
    "demo-{v}-py3-none-any.whl",
    "demo-{v}-1-cp311-cp311-manylinux_2_28_x86_64.whl",
    "demo-{v}.tar.gz",
    "demo-{v}.zip",
    "demo-{v}.tar.bz2",
    "demo-{v}-py2.7.egg",
    "demo-{v}-py2.7-linux-x86_64.egg",
    "demo-{v}.win32.exe",
    "demo-{v}.linux-x86_64.rpm",
    "demo_extra-{v}.tar.gz",
    "demo-{v}",
    "demo.whl",
    "readme.txt",
]
TIMES = [None, "2024-01-02T03:04:05.123456Z", "2024-01-02T03:04:05Z", "2024-01-02T03:04:05+02:00", "garbage"]
YANKED = [False, True, "", "broken wheel", None, 0, 1]
METADATA = [None, True, False, {"sha256": "ab" * 32}]


@st.composite
def file_entries(draw: Any) -> dict[str, Any]:
    version = draw(st.sampled_from([*VERSIONS, "9.9", "1.0_rc1"]))
    filename = draw(st.sampled_from(NAMES)).format(v=version)
    entry: dict[str, Any] = {
        "filename": filename,
        "url": draw(st.sampled_from(["https://files.example/p/ab/", "../../files/", "https://files.example/p/cd/x?y/"]))
        + draw(st.sampled_from([filename, "other-name.whl", ""])),
        "hashes": {"sha256": draw(st.sampled_from(["00" * 32, "ff" * 32]))},
    }
    for key, values in (
        ("upload-time", TIMES),
        ("yanked", YANKED),
        ("requires-python", [None, ">=3.8", ">=3.9,<4"]),
        ("size", [None, 0, 123456]),
        ("core-metadata", METADATA),
        ("dist-info-metadata", METADATA),
    ):
        if draw(st.booleans()):
            entry[key] = draw(st.sampled_from(values))
    return entry


def _run(impl: Any, files: list[dict[str, Any]], listed: list[str]) -> Any:
    groups: dict[str, list[Any]] = {v: [] for v in listed}
    slow: list[str] = []

    def slow_group(filename: str) -> list[Any] | None:
        # A stand-in for the page's grouper: every other file joins a group
        # of its own name, the rest are counted as unmatched.
        slow.append(filename)
        if len(slow) % 2:
            return groups.setdefault("slow:" + filename, [])
        return None

    try:
        urls, absolute = impl.file_urls(files)
        cut = len(urls[0]) // 2 if urls else 0
        tails = impl.plain_tails(urls, cut)
        impl.group_files(files, urls, cut, groups, slow_group, canonical_time)
    except Exception as exc:  # compared by type and message
        return ("error", type(exc), str(exc))
    return absolute, tails, groups, slow, impl.summarize_groups(groups)


@settings(max_examples=300, deadline=None)
@given(st.lists(file_entries(), max_size=30), st.lists(st.sampled_from(VERSIONS), unique=True))
def test_compiled_and_pure_loops_agree(files, listed):
    assert _fastpage is not None
    pure = _run(_purepage, copy.deepcopy(files), listed)
    fast = _run(_fastpage, copy.deepcopy(files), listed)
    assert fast == pure


@pytest.mark.parametrize(
    "entry",
    [
        {"filename": 5, "url": "https://x/a", "hashes": {}},
        {"filename": "demo-1.0.tar.gz", "url": 7, "hashes": {}},
        {"filename": "demo-1.0.tar.gz", "url": "https://x/a", "hashes": ["sha256", "00"]},
        {"filename": "demo-1.0.tar.gz", "url": "https://x/a", "hashes": {}, "upload-time": 1700000000},
        {"filename": "demo-1.0.tar.gz", "url": "https://x/a", "hashes": {}, "requires-python": [">=3"]},
        {"filename": "demo-1.0.tar.gz", "url": "https://x/a"},
        {"url": "https://x/a", "hashes": {}},
        "not a mapping",
    ],
)
def test_malformed_entries_fail_alike(entry):
    assert _fastpage is not None
    pure = _run(_purepage, [copy.deepcopy(entry)], ["1.0"])
    fast = _run(_fastpage, [copy.deepcopy(entry)], ["1.0"])
    assert pure[0] == "error" and fast[0] == "error"
    assert fast[1] is pure[1]


def test_rows_keep_pep_691_shapes():
    files = [
        {
            "filename": "demo-1.0-py3-none-any.whl",
            "url": "https://files.example/p/ab/demo-1.0-py3-none-any.whl",
            "hashes": {"sha256": "00" * 32},
            "upload-time": "2024-01-02T03:04:05Z",
            "yanked": "bad build",
            "requires-python": ">=3.9",
            "size": 10,
            "dist-info-metadata": {"sha256": "11" * 32},
        },
        {"filename": "demo-1.0.tar.gz", "url": "https://files.example/p/cd/demo-1.0.tar.gz", "hashes": {}},
    ]
    for impl in (_purepage, _fastpage):
        groups: dict[str, list[Any]] = {"1.0": []}
        urls, absolute = impl.file_urls(files)
        impl.group_files(files, urls, len("https://files.example/p/"), groups, lambda f: None, canonical_time)
        assert absolute is True
        assert groups["1.0"] == [
            ["demo-1.0-py3-none-any.whl", "ab/", {"sha256": "00" * 32}, "2024-01-02T03:04:05.000000Z",
             "bad build", ">=3.9", 10, {"sha256": "11" * 32}],
            ["demo-1.0.tar.gz", "cd/", {}, None, False, None, None, None],
        ]  # fmt: skip
        summaries, rows = impl.summarize_groups(groups)
        # Not every file yanked: the version is not, and carries no reason.
        assert summaries == [["1.0", "2024-01-02T03:04:05.000000Z", False, None, ">=3.9", True, True, 0, 2]]
        assert rows == groups["1.0"]


@settings(max_examples=200, deadline=None)
@given(st.lists(file_entries(), max_size=30), st.lists(st.sampled_from(VERSIONS), unique=True))
def test_compiled_and_pure_release_building_agree(files, listed):
    from datetime import datetime

    from lockaudit.index.history.model import FileList, FileRows, ReleaseInfo

    assert _fastpage is not None
    result = _run(_purepage, copy.deepcopy(files), listed)
    if result[0] == "error":
        return
    summaries, rows = result[-1]
    table = FileRows(rows=rows)
    pure = _purepage.build_releases(summaries, table, ReleaseInfo, FileList, datetime.fromisoformat)
    fast = _fastpage.build_releases(summaries, table, ReleaseInfo, FileList, datetime.fromisoformat)
    assert all(type(r) is ReleaseInfo for r in fast)
    assert [r[:7] for r in fast] == [r[:7] for r in pure]
    assert [tuple(r.files) for r in fast] == [tuple(r.files) for r in pure]


@pytest.mark.parametrize("summary", [["1.0"], "1.0", ["1.0", None, False, None, None, True, False, 0]])
def test_malformed_summaries_fail_alike(summary):
    from datetime import datetime

    from lockaudit.index.history.model import FileList, FileRows, ReleaseInfo

    for impl in (_purepage, _fastpage):
        with pytest.raises(ValueError, match="malformed"):
            impl.build_releases([summary], FileRows(rows=[]), ReleaseInfo, FileList, datetime.fromisoformat)
