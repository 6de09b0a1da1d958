"""The formats registry: every renderer, one calling convention."""

from __future__ import annotations

import datetime as dt

import pytest

from lockaudit.findings import AuditReport, ReportMetadata, Severity
from lockaudit.formats import FORMATS, render


def test_registry_names() -> None:
    assert set(FORMATS) == {"table", "json", "sarif", "junit", "markdown", "github", "html"}


@pytest.mark.parametrize("name", sorted(FORMATS))
def test_every_format_renders_deterministically(report: AuditReport, name: str) -> None:
    first = render(report, name, threshold=Severity.HIGH)
    assert first.endswith("\n")
    assert first == render(report, name.upper(), threshold=Severity.HIGH)
    # Credentials in the index URL never reach any output.
    assert "s3cret" not in first and "user:" not in first


@pytest.mark.parametrize("name", sorted(FORMATS))
@pytest.mark.parametrize("threshold", [None, Severity.INFO])
def test_every_format_renders_an_empty_report(name: str, threshold: Severity | None) -> None:
    empty = AuditReport(findings=(), packages=(), metadata=ReportMetadata("0.1.0", dt.date(2025, 1, 1)))
    out = render(empty, name, threshold=threshold)
    assert (name == "github" and out == "") or out.endswith("\n")


def test_unknown_format(report: AuditReport) -> None:
    with pytest.raises(ValueError, match="unknown format 'yaml': expected one of table, json"):
        render(report, "yaml", threshold=Severity.HIGH)
