"""The report as a versioned JSON document.

The document has ``"schema_version": "1"`` and validates against the JSON Schema
(draft 2020-12) shipped as ``lockaudit/schemas/report-v1.schema.json``. Within a
schema version fields are only added, never renamed or removed; a breaking
change bumps ``schema_version`` and ships a new schema file.
"""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources
from typing import Any

import orjson

from ..audit.rules.catalog import CATALOG
from ..findings import AuditReport, Finding, Location, PackageReport, Target, TargetResult, Threshold
from ._common import TOOL_NAME, plain, threshold_name

__all__ = ["SCHEMA_RESOURCE", "SCHEMA_VERSION", "render", "schema", "to_document"]

SCHEMA_VERSION = "1"
#: Path of the schema inside the ``lockaudit`` package.
SCHEMA_RESOURCE = "schemas/report-v1.schema.json"


@lru_cache(maxsize=1)
def _schema_text() -> str:
    return resources.files("lockaudit").joinpath(SCHEMA_RESOURCE).read_text(encoding="utf-8")


def schema() -> dict[str, Any]:
    """The JSON Schema the document follows (a fresh copy)."""
    loaded: dict[str, Any] = json.loads(_schema_text())
    return loaded


def _location(loc: Location | None) -> dict[str, Any] | None:
    if loc is None:
        return None
    return {"path": loc.path, "line": loc.line, "column": loc.column}


def _target(target: Target) -> dict[str, Any]:
    return {"label": target.label, "python": target.python, "platform": target.platform}


def _target_result(result: TargetResult) -> dict[str, Any]:
    return {
        "target": _target(result.target),
        "applies": result.applies,
        "fresh": result.fresh,
        "note": result.note,
        "locked": result.locked,
        "change": result.change,
    }


def _package(pkg: PackageReport, report: AuditReport) -> dict[str, Any]:
    return {
        "name": pkg.name,
        "declared": pkg.declared,
        "declared_pep440": pkg.declared_pep440,
        "dialect": pkg.dialect,
        "locked": pkg.locked,
        "fresh": pkg.fresh,
        "newest": pkg.newest,
        "status": pkg.status.value,
        "reason": pkg.reason,
        "source": pkg.source,
        "origin": _location(pkg.origin),
        "lock_origin": _location(pkg.lock_origin),
        "targets": [_target_result(r) for r in pkg.targets],
        "findings": [f.fingerprint for f in report.findings_for(pkg)],
        "range_newest": pkg.range_newest,
        "change": pkg.change,
        "direct": pkg.direct,
        "held_by": [{"by": who, "requirement": spec} for who, spec in pkg.held_by],
        "pulled_in_by": list(pkg.pulled_in_by),
        "project": pkg.project,
        "lock": pkg.lock,
    }


def _finding(f: Finding, report: AuditReport, threshold: Threshold) -> dict[str, Any]:
    suppressed = None
    if f.suppressed_by is not None:
        s = f.suppressed_by
        suppressed = {
            "reason": s.reason,
            "until": s.until.isoformat() if s.until else None,
            "location": _location(s.location),
        }
    return {
        "code": f.code.value,
        "title": CATALOG[f.code].title,
        "severity": f.severity.value,
        "package": f.package,
        "version": f.version,
        "message": f.message,
        "location": _location(f.location),
        "lock_location": _location(f.lock_location),
        "project": f.project,
        "lock": f.lock,
        "data": plain(f.data),
        "fingerprint": f.fingerprint,
        "blocking": report.is_blocking(f, threshold),
        "suppressed": suppressed,
    }


def to_document(report: AuditReport, *, threshold: Threshold) -> dict[str, Any]:
    """The report as JSON-ready data (``threshold`` None: findings never fail)."""
    meta = report.metadata
    policy = meta.policy
    return {
        "schema_version": SCHEMA_VERSION,
        "tool": {"name": TOOL_NAME, "version": meta.tool_version},
        "as_of": meta.as_of.isoformat(),
        "index_url": meta.index_url,
        "inputs": list(meta.inputs),
        "targets": [_target(t) for t in meta.targets],
        "cutoff": meta.cutoff.isoformat().replace("+00:00", "Z") if meta.cutoff else None,
        "units": [
            {
                "project": u.project,
                "lock": u.lock,
                "targets": [_target(t) for t in u.targets],
                "targets_from": u.targets_from,
            }
            for u in meta.units
        ],
        "files": [
            {
                "path": f.path,
                "format": f.format,
                "role": f.role,
                "project": f.project,
                "reason": f.reason,
                "included_by": f.included_by,
            }
            for f in meta.files
        ],
        "threshold": threshold_name(threshold),
        "policy": {
            "fail_on": threshold_name(policy.fail_on),
            "selected": [c.value for c in policy.selected],
            "cooldown_days": policy.cooldown_days,
            "per_package_fail_on": {k: threshold_name(v) for k, v in policy.per_package_fail_on.items()},
            "suppressions": policy.suppressions,
            "allow_unknown": policy.allow_unknown,
            "source": policy.source,
        },
        "summary": {
            "packages": len(report.packages),
            "findings": len(report.active),
            "blocking": len(report.blocking(threshold)),
            "suppressed": len(report.suppressed),
            "unknown": len(report.unknowns),
            "problems": len(report.problems),
            "by_severity": {s.value: n for s, n in report.counts().items()},
        },
        "packages": [_package(p, report) for p in report.packages],
        "findings": [_finding(f, report, threshold) for f in report.findings],
        "problems": [
            {
                "path": p.path,
                "line": p.line,
                "column": p.column,
                "severity": p.severity,
                "message": p.message,
                "expected": p.expected,
                "text": p.text,
            }
            for p in report.problems
        ],
    }


def render(report: AuditReport, *, threshold: Threshold) -> str:
    """The document, indented by two spaces, ending with a newline."""
    return orjson.dumps(to_document(report, threshold=threshold), option=orjson.OPT_INDENT_2).decode("utf-8") + "\n"
