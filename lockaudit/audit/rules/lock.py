"""The lock against its inputs and a fresh resolution, as findings: LA017 (the
lock does not satisfy its inputs or is not closed), LA018 (a fresh resolution
changes, adds or drops a pin, or fails), LA019 (a release's dependencies are
unknown), LA013 (a locked package whose history could not be had).

The data comes from the resolver's layer (``lockaudit.resolve.lock_walk``, a
``Resolution``, a conflict); only the wording lives here, with the other rules.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from ...errors import InvalidVersion
from ...findings import Finding, JSONValue, Location, RuleCode, Severity
from ...model import LockedPackage, Requirement, requirement_at, requirement_text
from ...resolve.conflicts import ResolutionConflict, ResolutionTooComplex
from ...resolve.lock_walk import LockIssue, LockWalk, satisfies
from ...resolve.resolver import Resolution
from ...semver import semver_jump, severity_for_jump

__all__ = ["conflict_finding", "lock_findings", "transitive_drift", "unknown_below"]


def _top_text(reqs: Sequence[Requirement]) -> str:
    return ", ".join(f"{requirement_at(r)}" for r in reqs[:3]) + (", ..." if len(reqs) > 3 else "")


# --------------------------------------------------------------------------- consistency


def _issue_finding(i: LockIssue) -> Finding:
    pkg = i.locked
    first = Location.from_origin(i.roots[0].origin) if i.roots else None
    top = tuple(requirement_text(r) for r in i.roots)
    if i.kind in ("constraint-violated", "unsatisfied-requirement", "missing-requirement"):
        r = i.requirement
        assert r is not None
        if i.kind == "missing-requirement":
            return Finding(
                RuleCode.LA017,
                Severity.HIGH,
                i.package,
                f"requested by {requirement_at(r)} but not in the lock",
                location=Location.from_origin(r.origin),
                data={"kind": i.kind, "requirement": requirement_text(r)},
            )
        assert pkg is not None
        verb = "violates the constraint" if i.kind == "constraint-violated" else "does not satisfy"
        return Finding(
            RuleCode.LA017,
            Severity.HIGH,
            i.package,
            f"locked {pkg.version} {verb} {requirement_at(r)}",
            location=Location.from_origin(r.origin),
            lock_location=Location.from_origin(pkg.origin),
            version=pkg.version,
            data={"kind": i.kind, "locked": pkg.version, "requirement": requirement_text(r)},
        )
    assert pkg is not None
    if i.kind == "unavailable":
        return Finding(
            RuleCode.LA013,
            Severity.INFO,
            i.package,
            f"{i.reason}; its dependencies cannot be checked",
            lock_location=Location.from_origin(pkg.origin),
            version=pkg.version,
            data={"kind": i.kind, "reason": i.reason},
        )
    if i.kind == "version-not-on-index":
        return Finding(
            RuleCode.LA017,
            Severity.HIGH,
            i.package,
            f"locked version {pkg.version} is not on the index",
            location=first,
            lock_location=Location.from_origin(pkg.origin),
            version=pkg.version,
            data={"kind": i.kind, "locked": pkg.version},
        )
    if i.kind == "dependencies-unknown":
        return Finding(
            RuleCode.LA019,
            Severity.INFO,
            i.package,
            f"the dependencies of {pkg.version} are unknown ({i.reason}); the lock's closure is not checked below it",
            lock_location=Location.from_origin(pkg.origin),
            version=pkg.version,
            data={"kind": i.kind, "locked": pkg.version, "reason": i.reason},
        )
    if i.kind == "python-excluded":
        return Finding(
            RuleCode.LA017,
            Severity.HIGH,
            i.package,
            f"locked {pkg.version} requires Python {i.requires_python}; the target is {i.python}",
            lock_location=Location.from_origin(pkg.origin),
            version=pkg.version,
            data={"kind": i.kind, "locked": pkg.version, "requires_python": i.requires_python},
        )
    if i.kind == "missing-dependency":
        return Finding(
            RuleCode.LA017,
            Severity.HIGH,
            i.package,
            f"required by {i.required_by} ({i.specifier}) but missing from the lock"
            + (f"; pulled in by {_top_text(i.roots)}" if i.roots else ""),
            location=first,
            lock_location=Location.from_origin(pkg.origin),
            data={"kind": i.kind, "required_by": i.required_by, "requirement": i.specifier, "top_level": top},
        )
    if i.kind == "excluded-version":
        return Finding(
            RuleCode.LA017,
            Severity.HIGH,
            i.package,
            f"locked {pkg.version} is excluded by {i.required_by}, which requires {i.specifier}",
            location=first,
            lock_location=Location.from_origin(pkg.origin),
            version=pkg.version,
            data={
                "kind": i.kind,
                "locked": pkg.version,
                "required_by": i.required_by,
                "requirement": i.specifier,
                "top_level": top,
            },
        )
    if i.kind == "extraneous":
        return Finding(
            RuleCode.LA017,
            Severity.INFO,
            i.package,
            f"locked {pkg.version or '(no version)'} but nothing requires it for this target",
            lock_location=Location.from_origin(pkg.origin),
            version=pkg.version or None,
            data={"kind": i.kind, "locked": pkg.version},
        )
    raise ValueError(f"unknown lock issue kind {i.kind!r}")


def lock_findings(walk: LockWalk | Iterable[LockIssue]) -> list[Finding]:
    """One finding per issue the lock's walk found."""
    issues = walk.issues if isinstance(walk, LockWalk) else walk
    return [_issue_finding(i) for i in issues]


# --------------------------------------------------------------------------- drift


def _same_version(a: str, b: str) -> bool:
    if a == b:
        return True
    return satisfies(a, f"=={b}") if b else False


def transitive_drift(
    resolution: Resolution,
    locked: Mapping[str, LockedPackage],
    *,
    include_direct: bool = True,
    lock_top: Mapping[str, Sequence[Requirement]] | None = None,
) -> list[Finding]:
    """LA018 findings: how the fresh ``resolution`` differs from the lock.

    ``include_direct`` False leaves out packages a top-level requirement names
    (the audit's LA003 covers those). ``lock_top`` says which top-level
    requirements pull each locked package in (``LockWalk.top``),
    for packages a fresh resolution drops.
    """
    lock_top = lock_top or {}
    requested = {r.name for r in resolution.requirements}
    findings: list[Finding] = []
    for name in sorted(set(resolution.pins) | {n for n, p in locked.items() if p.source.from_index}):
        pin = resolution.pins.get(name)
        old = locked.get(name)
        direct = name in requested
        if direct and not include_direct:
            continue
        if old is not None and not old.source.from_index:
            continue
        tops = resolution.top_level(name) if pin is not None else tuple(lock_top.get(name, ()))
        top_data = tuple(requirement_text(r) for r in tops)
        top_locs = tuple(str(r.origin) for r in tops)
        via = tuple(pin.required_by) if pin is not None else tuple(old.via if old else ())
        pulled = f"; pulled in by {_top_text(tops)}" if tops and not direct else ""
        location = Location.from_origin(tops[0].origin) if tops else None
        if pin is not None and old is not None:
            if not old.version or _same_version(old.version, pin.version):
                continue
            change = "upgrade"
            jump: str
            try:
                jump = semver_jump(old.version, pin.version)
                if jump == "none":
                    change = "downgrade"
                    jump = semver_jump(pin.version, old.version)
                severity = severity_for_jump(jump)
            except InvalidVersion:
                jump, severity = "unknown", Severity.MEDIUM
            verb = "takes" if change == "upgrade" else "goes back to"
            message = f"locked {old.version}, a fresh resolution {verb} {pin.version} ({jump}{pulled})"
            findings.append(
                Finding(
                    RuleCode.LA018,
                    severity,
                    name,
                    message,
                    location=location,
                    lock_location=Location.from_origin(old.origin),
                    version=old.version,
                    data={
                        "change": change,
                        "locked": old.version,
                        "fresh": pin.version,
                        "jump": jump,
                        "direct": direct,
                        "via": via,
                        "top_level": top_data,
                        "top_level_locations": top_locs,
                    },
                )
            )
        elif pin is not None:
            findings.append(
                Finding(
                    RuleCode.LA018,
                    Severity.MEDIUM,
                    name,
                    f"not in the lock; a fresh resolution adds {pin.version}{pulled}",
                    location=location,
                    version=pin.version,
                    data={
                        "change": "added",
                        "locked": None,
                        "fresh": pin.version,
                        "jump": "new",
                        "direct": direct,
                        "via": via,
                        "top_level": top_data,
                        "top_level_locations": top_locs,
                    },
                )
            )
        elif old is not None:
            findings.append(
                Finding(
                    RuleCode.LA018,
                    Severity.LOW,
                    name,
                    f"locked {old.version}, but a fresh resolution no longer installs it"
                    + (f" (it came with {_top_text(tops)})" if tops and not direct else ""),
                    location=location,
                    lock_location=Location.from_origin(old.origin),
                    version=old.version or None,
                    data={
                        "change": "removed",
                        "locked": old.version,
                        "fresh": None,
                        "jump": "removed",
                        "direct": direct,
                        "via": via,
                        "top_level": top_data,
                        "top_level_locations": top_locs,
                    },
                )
            )
    return findings


def conflict_finding(conflict: ResolutionConflict | ResolutionTooComplex) -> Finding:
    if isinstance(conflict, ResolutionConflict):
        package = min(c.package for c in conflict.causes) if conflict.causes else "<resolution>"
        origin = next((c.origin for c in conflict.causes if c.origin is not None), None)
        data: dict[str, JSONValue] = {
            "change": "unresolvable",
            "explanation": conflict.explain(),
            "causes": tuple(
                {
                    "package": c.package,
                    "requirement": c.requirement,
                    "required_by": c.required_by,
                    "origin": str(c.origin) if c.origin else None,
                }
                for c in conflict.causes
            ),
        }
    else:
        package, origin, data = "<resolution>", None, {"change": "unresolvable", "explanation": conflict.explain()}
    return Finding(
        RuleCode.LA018,
        Severity.HIGH,
        package,
        f"a fresh resolution fails: {conflict}",
        location=Location.from_origin(origin),
        data=data,
    )


def unknown_below(unknown: Mapping[str, tuple[str, str]], findings: Sequence[Finding] = ()) -> list[Finding]:
    """LA019 for each fresh pin whose dependencies are unknown (``unknown``:
    name -> (version, why)), once per package, and not for one ``findings``
    already name so."""
    reported = {f.package for f in findings if f.code is RuleCode.LA019}
    return [
        Finding(
            RuleCode.LA019,
            Severity.INFO,
            name,
            f"the dependencies of {version} are unknown ({reason}); a fresh resolution cannot see below it",
            version=version,
            data={"kind": "dependencies-unknown", "fresh": version, "reason": reason},
        )
        for name, (version, reason) in sorted(unknown.items())
        if name not in reported
    ]
