"""What every rule module shares: building a finding from a package's facts."""

from __future__ import annotations

from collections.abc import Mapping

from ...findings import Finding, JSONValue, Location, RuleCode, Severity, fingerprint_of
from ...model import Requirement
from ..facts import PackageFacts
from .catalog import CATALOG


def finding(
    facts: PackageFacts,
    code: RuleCode,
    message: str,
    data: Mapping[str, JSONValue] | None = None,
    *,
    severity: Severity | None = None,
    requirement: Requirement | None = None,
    version: str | None = None,
    extra: tuple[str, ...] = (),
) -> Finding:
    """A finding located at the requirement's line (and the lock entry's)."""
    req = requirement or (facts.requirements[0] if facts.requirements else None)
    if req is None and facts.direct:
        req = facts.direct[0]
    location = Location.from_origin(req.origin) if req is not None else None
    if facts.locked is not None:
        lock_location = Location.from_origin(facts.locked.origin)
    else:
        # A package only a fresh install has belongs to the lock it is missing from.
        lock_location = Location(facts.lock) if facts.lock else None
    place = location or lock_location
    # Nothing to point at (a package only a fresh install of a lock-less project takes):
    # the project tells it apart from the same package in another project.
    path = place.path if place is not None else facts.project
    # Facts belong to a unit (project and lock): the same package in two locks is two findings.
    unit = (facts.lock,) if facts.lock and location is not None and facts.lock != location.path else ()
    return Finding(
        code=code,
        severity=severity or CATALOG[code].default_severity,
        package=facts.name,
        message=message,
        location=location,
        lock_location=lock_location,
        data=dict(data or {}),
        fingerprint=fingerprint_of(code, facts.name, path, *unit, *extra),
        version=version if version is not None else (facts.locked.version if facts.locked else None),
        project=facts.project,
        lock=facts.lock,
    )
