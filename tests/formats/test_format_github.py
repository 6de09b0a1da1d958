"""GitHub workflow annotations: levels and the workflow-command escaping rules."""

from __future__ import annotations

import pytest

from lockaudit.findings import AuditReport, Location, Severity
from lockaudit.formats import github


def test_lines(report: AuditReport) -> None:
    lines = github.render(report, threshold=Severity.HIGH).splitlines()
    # One line per unsuppressed finding (the suppressed LA009 is left out).
    assert len(lines) == len(report.active)
    assert lines[0] == (
        "::error file=requirements.in,line=1,title=LA003 A fresh install takes another version than the lock (high)"
        "::Django: locked 4.2.7, a fresh install takes 5.1.4 (major jump; 23 releases, 410 days newer)"
    )
    assert lines[1].startswith("::warning file=requirements.in,line=1,title=LA007 ")
    assert lines[2].startswith("::notice file=pyproject.toml,line=12,col=5,title=LA003 ")
    assert not any("LA009" in line for line in lines)
    # Every line is one command: the injected "::error::" stays inside the message.
    assert all(line.startswith("::") for line in lines)
    assert "50%25 a,b:c%0A::error::injected%0D%0A&amp; @someone" in lines[2]


def test_threshold_changes_levels(report: AuditReport) -> None:
    levels = [line.split(" ", 1)[0] for line in github.render(report, threshold=Severity.LOW).splitlines()]
    assert levels == ["::error", "::error", "::error", "::notice", "::notice", "::error"]
    assert not any(line.startswith("::error") for line in github.render(report, threshold=None).splitlines())


def test_problems_are_annotated(problem_report: AuditReport) -> None:
    lines = github.render(problem_report, threshold=Severity.HIGH).splitlines()
    assert lines[0] == (
        "::error file=requirements.in,line=7,col=9,title=lockaudit%3A input problem"
        "::invalid specifier (expected a PEP 440 specifier)"
    )
    assert lines[1].startswith("::warning file=requirements.in,line=8,")


@pytest.mark.parametrize(
    ("raw", "data", "prop"),
    [
        ("plain", "plain", "plain"),
        ("100%", "100%25", "100%25"),
        ("a\r\nb", "a%0D%0Ab", "a%0D%0Ab"),
        ("k: v, w", "k: v, w", "k%3A v%2C w"),
        ("%0A", "%250A", "%250A"),
    ],
)
def test_escaping(raw: str, data: str, prop: str) -> None:
    assert github.escape_data(raw) == data
    assert github.escape_property(raw) == prop


def test_command() -> None:
    assert github.command("notice", "hi") == "::notice::hi"
    assert github.command("warning", "m", Location("a,b:c.txt")) == "::warning file=a%2Cb%3Ac.txt::m"
    assert github.command("error", "x\x1b[2Jy", title="t\x07") == "::error title=t\\x07::x\\x1b[2Jy"
