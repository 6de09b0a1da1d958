"""The rich table for people."""

from __future__ import annotations

import io
import re

import pytest
from rich.console import Console

from lockaudit.findings import AuditReport, Severity
from lockaudit.formats import table

SGR_COLOR = re.compile(r"\x1b\[[0-9;]*(3[0-7]|9[0-7]|38;)")


def test_plain_text(report: AuditReport) -> None:
    text = table.render(report, threshold=Severity.HIGH)
    assert "\x1b" not in text
    header = next(line for line in text.splitlines() if "package" in line and "declared" in line)
    for column in ("package", "declared", "locked", "fresh install takes", "newest", "findings"):
        assert column in header
    # Markup-looking names are shown as written.
    assert "requests[socks]" in text and "^2.28 (>=2.28,<3)" in text
    assert "LA003 high !" in text and "LA009 suppressed" in text
    assert "unknown: not found on the index" in text
    assert "(fails the run)" in text
    assert text.rstrip().endswith("audited")


def test_color_and_no_color(report: AuditReport, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    assert SGR_COLOR.search(table.render(report, threshold=Severity.HIGH, color=True))
    monkeypatch.setenv("NO_COLOR", "1")
    assert not SGR_COLOR.search(table.render(report, threshold=Severity.HIGH, color=True))


def test_print_report_on_a_console(report: AuditReport) -> None:
    buffer = io.StringIO()
    table.print_report(report, Console(file=buffer, width=200), threshold=None)
    assert "0 at or above never" in buffer.getvalue()


def test_control_characters_never_reach_the_terminal(report: AuditReport, replace_finding) -> None:  # type: ignore[no-untyped-def]
    report = replace_finding(report, 2, message="yanked: \x1b]0;owned\x07\x1b[2J")
    text = table.render(report, threshold=Severity.HIGH, color=True, width=300)
    assert "\x1b]0" not in text and "\x1b[2J" not in text and "\x07" not in text
    assert "\\x1b]0;owned\\x07\\x1b[2J" in text
