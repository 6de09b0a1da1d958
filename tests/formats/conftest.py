"""A hand-made report with one of everything, for the presenter tests."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from lockaudit.findings import (
    AuditReport,
    Finding,
    Location,
    PackageReport,
    PackageStatus,
    PolicySummary,
    ReportMetadata,
    RuleCode,
    Severity,
    Suppression,
    Target,
    TargetResult,
)
from lockaudit.model import InputProblem

PY39 = Target("3.9", "linux")
PY312 = Target("3.12", "linux")

#: Text meant to break every format: markup, HTML, pipes, newlines, workflow commands.
NASTY = "bad | <b>html</b> [link](x) `tick` *star* 50% a,b:c\n::error::injected\r\n&amp; @someone"


def make_report(*, problems: tuple[InputProblem, ...] = (), per_package_fail_on=None) -> AuditReport:
    req = "requirements.in"
    lock = "requirements.txt"
    packages = (
        PackageReport(
            name="Django",
            declared=">=4.2",
            declared_pep440=">=4.2",
            locked="4.2.7",
            fresh="5.1.4",
            newest="5.1.4",
            origin=Location(req, 1),
            lock_origin=Location(lock, 10),
            targets=(TargetResult(PY39, True, "4.2.17", "5.x needs Python >=3.10"), TargetResult(PY312, True, "5.1.4")),
        ),
        PackageReport(
            name="requests[socks]",
            declared="^2.28",
            declared_pep440=">=2.28,<3",
            dialect="poetry",
            locked="2.31.0",
            fresh="2.32.3",
            newest="2.32.3",
            origin=Location("pyproject.toml", 12, 5),
            lock_origin=Location("poetry.lock", 200),
        ),
        PackageReport(
            name="internal-utils",
            declared=">=1.2",
            declared_pep440=">=1.2",
            locked="1.4.0",
            status=PackageStatus.UNKNOWN,
            reason="not found on the index",
            origin=Location(req, 3),
        ),
        PackageReport(
            name="mylib",
            status=PackageStatus.NOT_FROM_INDEX,
            source="vcs",
            origin=Location(req, 4),
        ),
        PackageReport(
            name="attrs",
            declared="~=23.1",
            declared_pep440="~=23.1",
            locked="23.2.0",
            fresh="23.2.0",
            newest="24.2.0",
            origin=Location(req, 5),
        ),
        PackageReport(
            name="idna",
            declared=">=3,<4",
            declared_pep440=">=3,<4",
            locked="3.10",
            fresh="3.10",
            newest="3.10",
            origin=Location(req, 6),
        ),
    )
    findings = (
        Finding(
            RuleCode.DRIFT,
            Severity.HIGH,
            "Django",
            "locked 4.2.7, a fresh install takes 5.1.4 (major jump; 23 releases, 410 days newer)",
            Location(req, 1),
            Location(lock, 10),
            data={"locked": "4.2.7", "fresh": "5.1.4", "jump": "major", "releases": 23, "days": 410},
            version="4.2.7",
        ),
        Finding(
            RuleCode.REQUIRES_PYTHON_TRAP,
            Severity.MEDIUM,
            "Django",
            "5.1.4 requires Python >=3.10; on 3.9 a fresh install takes 4.2.17 instead",
            Location(req, 1),
            data={"target": "py3.9-linux", "takes": "4.2.17"},
        ),
        Finding(
            RuleCode.DRIFT,
            Severity.LOW,
            "requests[socks]",
            NASTY,
            Location("pyproject.toml", 12, 5),
            Location("poetry.lock", 200),
            data={"jump": "patch", "nested": {"list": [1, 2.5, None, True]}},
            version="2.31.0",
        ),
        Finding(
            RuleCode.UNKNOWN,
            Severity.INFO,
            "internal-utils",
            "not found on the index; status unknown",
            Location(req, 3),
        ),
        Finding(
            RuleCode.NOT_FROM_INDEX,
            Severity.INFO,
            "mylib",
            "installed from VCS; not audited for drift",
            Location(req, 4),
        ),
        Finding(
            RuleCode.MISREAD_RANGE,
            Severity.LOW,
            "attrs",
            "'~=23.1' admits every 23.x from 23.1 on; for 23.1.x only write '~=23.1.0'",
            Location(req, 5),
            suppressed_by=Suppression(
                RuleCode.MISREAD_RANGE,
                "attrs",
                "we want every 23.x",
                until=dt.date(2030, 1, 1),
                location=Location("pyproject.toml", 40),
            ),
        ),
        Finding(
            RuleCode.EXPIRED_SUPPRESSION,
            Severity.LOW,
            "urllib3",
            "suppression of LA006 for urllib3 expired on 2024-12-31",
            Location("pyproject.toml", 44),
        ),
    )
    metadata = ReportMetadata(
        tool_version="0.1.0",
        as_of=dt.date(2025, 1, 31),
        policy=PolicySummary(
            fail_on=Severity.HIGH,
            selected=tuple(RuleCode),
            per_package_fail_on=per_package_fail_on or {},
            suppressions=2,
            source="pyproject.toml",
        ),
        targets=(PY39, PY312),
        index_url="https://user:s3cret@index.example.org/simple/",
        inputs=(req, lock),
    )
    return AuditReport(findings=findings, packages=packages, metadata=metadata, problems=problems)


@pytest.fixture
def report() -> AuditReport:
    return make_report()


@pytest.fixture
def problem_report() -> AuditReport:
    return make_report(
        problems=(
            InputProblem(
                "requirements.in",
                7,
                "invalid specifier",
                column=9,
                text="flask>=>2",
                width=3,
                expected="a PEP 440 specifier",
            ),
            InputProblem("requirements.in", 8, "unpinned editable install", severity="warning"),
        )
    )


def _replace_finding(report: AuditReport, index: int, **changes: object) -> AuditReport:
    findings = list(report.findings)
    findings[index] = dataclasses.replace(findings[index], **changes)  # type: ignore[arg-type]
    return dataclasses.replace(report, findings=tuple(findings))


@pytest.fixture
def replace_finding():  # type: ignore[no-untyped-def]
    """``replace_finding(report, index, **changes)``: the report with one finding changed."""
    return _replace_finding
