"""SARIF 2.1.0, for code-scanning tools.

One run; ``tool.driver.rules`` is the whole rule catalogue. Each finding is a
result with its ``ruleId``, a ``level`` from its severity (info and low: note,
medium: warning, high and critical: error), the requirement's file and line as a
relative URI against the ``%SRCROOT%`` base (the lock entry as a related
location), and ``partialFingerprints``. Suppressed findings stay in the log with
an accepted external suppression carrying the reason. Input problems become tool
execution notifications.

Specification: https://docs.oasis-open.org/sarif/sarif/v2.1.0/sarif-v2.1.0.html
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import PurePath, PurePosixPath, PureWindowsPath
from typing import Any
from urllib.parse import quote

import orjson

from ..audit.rules.catalog import CATALOG, Rule
from ..findings import AuditReport, Finding, Location, Severity, Threshold
from ..model import InputProblem
from ._common import TOOL_NAME, plain, threshold_name

__all__ = ["LEVELS", "SARIF_SCHEMA_URI", "SARIF_VERSION", "SRCROOT", "render", "to_sarif"]

SARIF_VERSION = "2.1.0"
SARIF_SCHEMA_URI = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
#: The base every relative artifact URI is resolved against (the checkout root).
SRCROOT = "%SRCROOT%"
FINGERPRINT_KEY = "lockaudit/v1"

LEVELS: Mapping[Severity, str] = {
    Severity.INFO: "note",
    Severity.LOW: "note",
    Severity.MEDIUM: "warning",
    Severity.HIGH: "error",
    Severity.CRITICAL: "error",
}


def artifact_location(path: str) -> dict[str, str]:
    """A relative path as a percent-encoded URI against %SRCROOT%; an absolute one as a file: URI."""
    posix = path.replace("\\", "/")
    if PurePosixPath(posix).is_absolute() or PureWindowsPath(path).is_absolute():
        pure: PurePath = PureWindowsPath(path) if PureWindowsPath(path).drive else PurePosixPath(posix)
        return {"uri": pure.as_uri()}
    while posix.startswith("./"):
        posix = posix[2:]
    return {"uri": quote(posix, safe="/"), "uriBaseId": SRCROOT}


def _location(loc: Location, message: str | None = None, ident: int | None = None) -> dict[str, Any]:
    physical: dict[str, Any] = {"artifactLocation": artifact_location(loc.path)}
    if loc.line is not None and loc.line >= 1:
        region: dict[str, Any] = {"startLine": loc.line}
        if loc.column is not None and loc.column >= 1:
            region["startColumn"] = loc.column
        physical["region"] = region
    out: dict[str, Any] = {"physicalLocation": physical}
    if ident is not None:
        out["id"] = ident
    if message:
        out["message"] = {"text": message}
    return out


def _rule(rule: Rule) -> dict[str, Any]:
    return {
        "id": rule.code.value,
        "name": rule.name,
        "shortDescription": {"text": rule.title},
        "fullDescription": {"text": rule.explanation},
        "help": {
            "text": rule.help_text(),
            "markdown": (
                f"**{rule.code}: {rule.title}**\n\n{rule.explanation}\n\n"
                f"Example:\n\n```\n{rule.example}\n```\n\n**How to fix:** {rule.fix}"
            ),
        },
        "defaultConfiguration": {"level": LEVELS[rule.default_severity]},
        "properties": {"severity": rule.default_severity.value, "tags": ["dependencies", "supply-chain"]},
    }


def _result(f: Finding, report: AuditReport, threshold: Threshold, rule_index: Mapping[str, int]) -> dict[str, Any]:
    result: dict[str, Any] = {
        "ruleId": f.code.value,
        "ruleIndex": rule_index[f.code.value],
        "level": LEVELS[f.severity],
        "message": {"text": f"{f.package}: {f.message}"},
    }
    if f.where is not None:
        result["locations"] = [_location(f.where)]
    if f.location is not None and f.lock_location is not None:
        result["relatedLocations"] = [_location(f.lock_location, "locked here", 1)]
    result["partialFingerprints"] = {FINGERPRINT_KEY: f.fingerprint}
    if f.suppressed_by is not None:
        suppression: dict[str, Any] = {
            "kind": "external",
            "status": "accepted",
            "justification": f.suppressed_by.reason,
        }
        if f.suppressed_by.location is not None:
            suppression["location"] = _location(f.suppressed_by.location)
        if f.suppressed_by.until is not None:
            suppression["properties"] = {"until": f.suppressed_by.until.isoformat()}
        result["suppressions"] = [suppression]
    result["properties"] = {
        "package": f.package,
        "severity": f.severity.value,
        "version": f.version,
        "blocking": report.is_blocking(f, threshold),
        "data": plain(f.data),
    }
    return result


def _notification(problem: InputProblem) -> dict[str, Any]:
    text = problem.message + (f" (expected {problem.expected})" if problem.expected else "")
    note: dict[str, Any] = {
        "level": "error" if problem.severity == "error" else "warning",
        "message": {"text": text},
    }
    if problem.path:
        note["locations"] = [_location(Location(problem.path, problem.line, problem.column))]
    return note


def to_sarif(report: AuditReport, *, threshold: Threshold) -> dict[str, Any]:
    """The SARIF log as JSON-ready data."""
    meta = report.metadata
    rules = list(CATALOG.values())
    rule_index = {r.code.value: i for i, r in enumerate(rules)}
    driver: dict[str, Any] = {
        "name": TOOL_NAME,
        "version": meta.tool_version,
        "semanticVersion": meta.tool_version,
        "rules": [_rule(r) for r in rules],
    }
    run: dict[str, Any] = {
        "tool": {"driver": driver},
        "invocations": [
            {
                "executionSuccessful": not report.errors,
                "toolExecutionNotifications": [_notification(p) for p in report.problems],
            }
        ],
        "columnKind": "unicodeCodePoints",
        "results": [_result(f, report, threshold, rule_index) for f in report.findings],
        "properties": {
            "asOf": meta.as_of.isoformat(),
            "indexUrl": meta.index_url,
            "threshold": threshold_name(threshold),
            "targets": [t.label for t in meta.targets],
        },
    }
    return {"$schema": SARIF_SCHEMA_URI, "version": SARIF_VERSION, "runs": [run]}


def render(report: AuditReport, *, threshold: Threshold) -> str:
    return orjson.dumps(to_sarif(report, threshold=threshold), option=orjson.OPT_INDENT_2).decode("utf-8") + "\n"
