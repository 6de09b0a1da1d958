"""Wording shared by the presenters: cell texts, ordering, the one-line summary.

Reads only :mod:`lockaudit.findings` data; computes nothing the audit should.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from packaging.utils import canonicalize_name

from ..findings import AuditReport, Finding, PackageReport, PackageStatus, Target, Threshold, UpgradeSize

TOOL_NAME = "lockaudit"


_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")


def printable(text: str, keep: str = "\n\t") -> str:
    """``text`` with control characters (escape sequences, CR, ...) shown as ``\\xNN``.

    Messages can quote what the index says (a yank reason); a terminal or a log
    must never receive its control sequences. The characters in ``keep`` stay.
    """
    return _CONTROL.sub(lambda m: m.group() if m.group() in keep else f"\\x{ord(m.group()):02x}", text)


def plain(value: Any) -> Any:
    """``Finding.data`` (read-only mappings, tuples) as plain dicts and lists for serializers."""
    if isinstance(value, Mapping):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    return value


def threshold_name(threshold: Threshold) -> str:
    return "never" if threshold is None else threshold.value


def ordered(findings: Iterable[Finding]) -> list[Finding]:
    """Most severe first, then by package and code; stable otherwise."""
    return sorted(findings, key=lambda f: (-f.severity.rank, f.package.lower(), f.code.value))


def declared_text(pkg: PackageReport) -> str:
    if not pkg.declared:
        if pkg.status is PackageStatus.NOT_FROM_INDEX:
            return f"({pkg.source})"
        # only in the lock: pulled in by another package, not declared by you
        return "(transitive)" if pkg.origin is None and pkg.lock_origin is not None else "(none)"
    if pkg.dialect != "pep440" and pkg.declared_pep440 and pkg.declared_pep440 != pkg.declared:
        return f"{pkg.declared} ({pkg.declared_pep440})"
    return pkg.declared


def locked_text(pkg: PackageReport) -> str:
    return pkg.locked or "-"


def fresh_text(pkg: PackageReport) -> str:
    """What a fresh install takes, with the targets that differ from the main answer."""
    if pkg.status is PackageStatus.NOT_FROM_INDEX:
        return f"({pkg.source})"
    if pkg.status is PackageStatus.UNKNOWN:
        return "?"
    text = pkg.fresh or "-"
    notes = []
    for result in pkg.targets:
        if not result.applies:
            notes.append(f"{result.target.label}: not installed")
        elif result.fresh != pkg.fresh:
            notes.append(f"{result.target.label}: {result.fresh or '-'}")
    if notes:
        text += " (" + "; ".join(notes) + ")"
    return text


def newest_text(pkg: PackageReport) -> str:
    if pkg.status is PackageStatus.UNKNOWN:
        return "?"
    return pkg.newest or "-"


def held_note(pkg: PackageReport) -> str | None:
    """What keeps a fresh install below the newest release, when something does:
    "newest 4.0.0, held at 2.9.0.post0 by celery 5.7.0 ==2.9.0.post0"."""
    if not pkg.held_by or not pkg.fresh or not pkg.newest:
        return None
    who = "; ".join(f"{by} {spec}" for by, spec in pkg.held_by[:3])
    more = f" and {len(pkg.held_by) - 3} more" if len(pkg.held_by) > 3 else ""
    return f"newest {pkg.newest}, held at {pkg.fresh} by {who}{more}"


def change_note(pkg: PackageReport) -> str | None:
    """A package only one side has: "a fresh install adds it" / "... no longer installs it"."""
    if pkg.change == "added":
        return "not in the lock: a fresh install adds it"
    if pkg.change == "dropped":
        return "a fresh install no longer installs it"
    return None


def status_note(pkg: PackageReport) -> str | None:
    """A short note for packages that could not be audited, or that a fresh install adds, drops or holds back."""
    if pkg.status is PackageStatus.UNKNOWN:
        return "unknown" + (f": {pkg.reason}" if pkg.reason else "")
    if pkg.status is PackageStatus.NOT_FROM_INDEX:
        return f"not from the index ({pkg.source})" + (f": {pkg.reason}" if pkg.reason else "")
    return pkg.reason or change_note(pkg) or held_note(pkg)


def summary_line(report: AuditReport, threshold: Threshold) -> str:
    """E.g. "4 findings (1 high, 3 low), 1 at or above high; 1 suppressed; 1 unknown"."""
    active = report.active
    counts = [f"{n} {sev.value}" for sev, n in report.counts().items() if n]
    head = f"{len(active)} finding{'s' if len(active) != 1 else ''}"
    if counts:
        head += " (" + ", ".join(counts) + ")"
    blocking = len(report.blocking(threshold))
    if isinstance(threshold, UpgradeSize):
        parts = [head + f", {blocking} about a {threshold.value} or larger upgrade (fail-on {threshold.value})"]
    else:
        parts = [head + f", {blocking} at or above {threshold_name(threshold)}"]
    if report.suppressed:
        parts.append(f"{len(report.suppressed)} suppressed")
    if report.unknowns:
        parts.append(f"{len(report.unknowns)} unknown")
    if report.errors:
        parts.append(f"{len(report.errors)} input error{'s' if len(report.errors) != 1 else ''}")
    parts.append(f"{len(report.packages)} package{'s' if len(report.packages) != 1 else ''} audited")
    return "; ".join(parts)


def package_names(report: AuditReport) -> list[str]:
    """Every package name in the report (packages first, then ones only findings name), once each."""
    seen: dict[str, str] = {}
    for name in [p.name for p in report.packages] + [f.package for f in report.findings]:
        seen.setdefault(canonicalize_name(name), name)
    return list(seen.values())


def targets_text(targets: Sequence[Target]) -> str:
    """The targets an audit ran for, by name: what it left open is this interpreter's."""
    if not targets:
        targets = (Target(),)
    here_python = f"{sys.version_info.major}.{sys.version_info.minor}"
    here_platform = sys.platform if sys.platform in ("linux", "darwin", "win32") else None
    out = []
    for t in targets:
        label = Target(t.python or here_python, t.platform or here_platform).label
        if t.python is None or (t.platform is None and here_platform is not None):
            label += " (this interpreter)"
        out.append(label)
    return ", ".join(out)
