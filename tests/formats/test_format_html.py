"""The HTML report without a browser: self-contained, escaped, timelines from
the histories given, drift buckets. (tests/formats/test_html_browser.py opens it in chromium.)"""

from __future__ import annotations

import datetime as dt
import re

from lockaudit.findings import AuditReport, Severity
from lockaudit.formats import html as html_format
from lockaudit.formats.html import TimelineRelease, drift_of, render, timelines_from_histories
from lockaudit.index.history import FetchStatus, ProjectHistory, ReleaseInfo

UTC = dt.UTC


def _release(version: str, day: str, yanked: bool = False) -> ReleaseInfo:
    when = dt.datetime.fromisoformat(day + "T12:00:00+00:00")
    return ReleaseInfo(version, when, yanked, None, None, True, False, ())


def test_self_contained_and_escaped(report: AuditReport) -> None:
    page = render(report, threshold=Severity.HIGH)
    assert page.startswith("<!DOCTYPE html>") and page.endswith("</html>\n")
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", page)
    assert "default-src 'none'" in page
    assert "<b>html</b>" not in page and "&lt;b&gt;html&lt;/b&gt;" in page
    assert "s3cret" not in page
    assert page.count('<tbody class="pkg"') == len(report.packages)
    # findings come with their rule's explanation and fix
    assert "A fresh install takes another version than the lock" in page and "<b>Fix:</b>" in page
    assert "No release history for this package in the report data." in page


def test_timelines_mark_locked_fresh_newest_yanked_and_cooldown(report: AuditReport) -> None:
    timelines = {
        "django": [
            TimelineRelease("4.2.7", dt.datetime(2023, 11, 1, tzinfo=UTC)),
            TimelineRelease("5.0", dt.datetime(2023, 12, 4, tzinfo=UTC), yanked=True),
            TimelineRelease("5.1.4", dt.datetime(2025, 1, 28, tzinfo=UTC)),
        ]
    }
    page = render(report, threshold=Severity.HIGH, timelines=timelines)
    svg = re.search(r'<svg class="timeline" data-package="Django".*?</svg>', page, re.S)
    assert svg is not None
    text = svg.group(0)
    assert 'class="mark locked" data-version="4.2.7"' in text
    assert 'class="mark fresh newest" data-version="5.1.4"' in text  # one mark for both
    assert 'class="yanked"' in text and 'class="cooldown"' in text
    assert text.count("M") >= 3


def test_timelines_from_histories_drop_releases_after_the_audit_date() -> None:
    history = ProjectHistory(
        "pkg",
        FetchStatus.OK,
        (_release("2.0", "2025-03-01"), _release("1.0", "2024-01-01", yanked=True), _release("3.0", "2026-01-02")),
    )
    got = timelines_from_histories({"Pkg": history}, dt.date(2026, 1, 1))
    assert [(r.version, r.yanked) for r in got["pkg"]] == [("1.0", True), ("2.0", False)]


def test_drift_buckets(report: AuditReport) -> None:
    by_name = {p.name: drift_of(p, report) for p in report.packages}
    assert by_name == {
        "Django": "major",
        "requests[socks]": "patch",
        "internal-utils": "unknown",
        "mylib": "unknown",
        "attrs": "up to date",
        "idna": "up to date",
    }
    page = render(report, threshold=Severity.HIGH)
    counts = dict(re.findall(r'<g class="bar" data-size="([^"]+)" data-count="(\d+)"', page))
    assert counts == {"major": "1", "minor": "0", "patch": "1", "unknown": "2", "up to date": "2", "not locked": "0"}
    assert html_format.DRIFT_SIZES[0][0] == "major"
