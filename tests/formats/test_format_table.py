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


def test_content_layout_keeps_long_notes_out_of_the_columns(report: AuditReport) -> None:
    text = table.render(report, threshold=Severity.HIGH)
    lines = text.splitlines()
    header = next(line for line in lines if "fresh install takes" in line and "package" in line)
    note = next(line for line in lines if "unknown: not found on the index" in line)
    assert note.strip().startswith("->")
    # the note is on its own line and does not widen the package column
    assert header.index("declared") < len("  requests[socks]") + 4
    assert next(line for line in lines if "fresh install on py3.9-linux: 4.2.17" in line).strip().startswith("->")


def test_narrow_width_stacks_each_package_instead_of_cutting(report: AuditReport) -> None:
    text = table.render(report, threshold=Severity.HIGH, width=40)
    assert "…" not in text
    assert not any(
        "fresh install takes" in line and "declared" in line and "package" in line for line in text.splitlines()
    )
    assert "declared ^2.28 (>=2.28,<3)  locked 2.31.0  fresh install takes 2.32.3  newest 2.32.3" in text
    wide = table.render(report, threshold=Severity.HIGH, width=300)
    assert any("fresh install takes" in line and "package" in line for line in wide.splitlines())


def test_rows_are_grouped_by_project(report: AuditReport) -> None:
    lines = table.render(report, threshold=Severity.HIGH).splitlines()
    groups = [line for line in lines if " + " in line and not line.startswith(" ")]
    assert groups == ["requirements.in + requirements.txt", "pyproject.toml + poetry.lock"]
    second = lines.index(groups[1])
    assert lines[second + 1].split()[0] == "requests[socks]"


def test_default_view_hides_clean_packages_behind_one_line(report: AuditReport) -> None:
    text = table.render(report, threshold=Severity.HIGH, show_all=False)
    assert not any(line.split()[:1] == ["idna"] for line in text.splitlines())
    assert "2 packages without findings: attrs, idna" in text
    assert "1 suppressed finding; --all shows it" in text


def test_quiet_detail_has_only_failing_findings_and_summary(report: AuditReport) -> None:
    lines = table.render(report, threshold=Severity.HIGH, detail="quiet").strip().splitlines()
    assert len(lines) == 2
    assert "LA003 Django" in lines[0] and "(fails the run)" in lines[0]
    assert lines[1].endswith("audited")


def test_targets_are_named_never_any() -> None:
    import sys

    from lockaudit.findings import Target

    here = f"py{sys.version_info.major}.{sys.version_info.minor}"
    assert table.targets_text(()).startswith(here) and "this interpreter" in table.targets_text(())
    assert table.targets_text((Target("3.12", "linux"),)) == "py3.12-linux"
    assert "any" not in table.targets_text((Target(None, None),))
