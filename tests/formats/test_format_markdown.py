"""Markdown for pull-request comments: structure and escaping."""

from __future__ import annotations

import dataclasses
import re

import pytest

from lockaudit.findings import AuditReport, Severity
from lockaudit.formats import markdown


def table_rows(text: str) -> list[list[str]]:
    rows = [line for line in text.splitlines() if line.startswith("| ")]
    # Split on pipes that are not escaped.
    return [[c.strip() for c in re.split(r"(?<!\\)\|", row)[1:-1]] for row in rows]


def test_structure(report: AuditReport) -> None:
    text = markdown.render(report, threshold=Severity.HIGH)
    first = text.splitlines()[0]
    assert first.startswith("### \u274c lockaudit: 6 findings")
    rows = table_rows(text)
    assert rows[0] == ["Package", "Declared", "Locked", "Fresh install takes", "Newest", "Findings"]
    assert all(len(r) == 6 for r in rows), rows
    # Packages with findings or an unknown status, and the orphan; attrs (suppressed only) and idna are not shown.
    assert [r[0] for r in rows[2:]] == ["`Django`", "`requests[socks]`", "`internal-utils`", "`mylib`", "`urllib3`"]
    assert "2 other packages with no unsuppressed findings." in text
    assert text.count("<details>") == text.count("</details>") == 5
    assert "**fails the run**" in text
    assert "5.1.4 \\(py3.9-linux: 4.2.17\\)" in text


def test_escaping_keeps_structure(report: AuditReport) -> None:
    text = markdown.render(report, threshold=Severity.HIGH)
    # The nasty message: no raw HTML, no link, no code span, no line break, no broken table.
    assert "<b>" not in text and "\\<b\\>html\\</b\\>" in text
    assert "\\[link\\]\\(x\\)" in text
    assert "\\`tick\\`" in text and "\\*star\\*" in text
    assert "bad \\| " in text
    assert "\n::error::" not in text
    assert "\\&amp;" in text


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("plain", "plain"),
        ("a|b", "a\\|b"),
        ("<script>", "\\<script\\>"),
        ("*_[]`~#!", "\\*\\_\\[\\]\\`\\~\\#\\!"),
        ("line\nbreak\r\n", "line break"),
        ("back\\slash", "back\\\\slash"),
        ("esc\x1b[0m", "esc\\\\x1b\\[0m"),
    ],
)
def test_escape(raw: str, expected: str) -> None:
    assert markdown.escape(raw) == expected


@pytest.mark.parametrize(
    ("raw", "table", "expected"),
    [
        ("requests", False, "`requests`"),
        ("a`b", False, "``a`b``"),
        ("`x`", False, "`` `x` ``"),
        ("a|b", True, "`a\\|b`"),
        ("a|b", False, "`a|b`"),
        ("", False, "` `"),
    ],
)
def test_code(raw: str, table: bool, expected: str) -> None:
    assert markdown.code(raw, table=table) == expected


def test_summary_html_is_escaped(report: AuditReport) -> None:
    packages = (dataclasses.replace(report.packages[0], name="Dj<ango>"), *report.packages[1:])
    findings = tuple(dataclasses.replace(f, package="Dj<ango>") for f in report.findings[:2]) + report.findings[2:]
    report = dataclasses.replace(report, packages=packages, findings=findings)
    text = markdown.render(report, threshold=Severity.HIGH)
    assert "<summary><code>Dj&lt;ango&gt;</code>" in text


def test_clean_report(report: AuditReport) -> None:
    clean = dataclasses.replace(report, findings=(), packages=report.packages[-1:])
    text = markdown.render(clean, threshold=Severity.HIGH)
    assert text.startswith("### \u2705 lockaudit: 0 findings, 0 at or above high")
    assert "| Package" not in text and "1 other package with no unsuppressed findings." in text


def test_truncates_to_fit_a_comment(report: AuditReport) -> None:
    full = markdown.render(report, threshold=Severity.HIGH)
    no_details = markdown.render(report, threshold=Severity.HIGH, max_chars=len(full) - 1)
    assert len(no_details) < len(full)
    assert "<details>" not in no_details and "Details left out" in no_details
    tiny = markdown.render(report, threshold=Severity.HIGH, max_chars=len(no_details) - 1)
    assert "rows and the details left out" in tiny
    assert len(tiny) < len(no_details)
    assert 2 <= len(table_rows(tiny)) < len(table_rows(no_details))
