"""A policy applied to findings: which are reported, how severe, which are suppressed."""

from __future__ import annotations

import dataclasses
import datetime as _dt
from collections.abc import Iterable

from ...findings import Finding, RuleCode, Suppression
from ..rules.catalog import CATALOG
from .model import Policy

__all__ = ["apply_policy", "unused_suppressions"]


def apply_policy(findings: Iterable[Finding], policy: Policy, today: _dt.date | None = None) -> list[Finding]:
    """The findings as the policy wants them reported.

    Drops findings of rules that are not enabled (globally or for the package),
    sets each one's effective severity (per-package, then global overrides),
    marks the ones a current suppression covers (they stay in the list, with
    ``suppressed_by`` set), and appends one LA016 finding per expired suppression.
    ``today`` defaults to :meth:`Policy.today`. Call it once per audit.
    """
    today = today or policy.today()
    current = [s for s in policy.suppressions if not s.expired(today)]
    out: list[Finding] = []

    def finish(f: Finding) -> None:
        if not policy.is_enabled(f.code, f.package):
            return
        severity = policy.severity_for(f.code, f.package, f.severity)
        suppression = f.suppressed_by or next((s for s in current if s.matches(f)), None)
        if severity is not f.severity or suppression is not f.suppressed_by:
            f = dataclasses.replace(f, severity=severity, suppressed_by=suppression)
        out.append(f)

    for f in findings:
        finish(f)
    rule = CATALOG[RuleCode.EXPIRED_SUPPRESSION]
    for s in policy.suppressions:
        if not s.expired(today):
            continue
        what = f"{s.code} for {s.package}" + (f" {s.version}" if s.version else "")
        finish(
            Finding(
                code=RuleCode.EXPIRED_SUPPRESSION,
                severity=rule.default_severity,
                package=s.package,
                message=f"suppression of {what} expired on {s.until.isoformat() if s.until else '?'} "
                f"(reason: {s.reason}); its findings are reported again",
                location=s.location,
                data={
                    "code": s.code.value,
                    "until": s.until.isoformat() if s.until else None,
                    "reason": s.reason,
                    "version": s.version,
                },
                version=s.version,
            )
        )
    return out


def unused_suppressions(
    findings: Iterable[Finding], policy: Policy, today: _dt.date | None = None
) -> tuple[Suppression, ...]:
    """Current suppressions that matched none of ``findings`` (worth a note, not an error)."""
    today = today or policy.today()
    used = {f.suppressed_by for f in findings if f.suppressed_by is not None}
    return tuple(s for s in policy.suppressions if not s.expired(today) and s not in used)
