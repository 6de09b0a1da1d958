"""Whether the package can be audited at all: LA013 unknown, LA015 not from the index.

LA013 also covers answers that cannot be trusted or cannot be installed: a page
with no files at all (suspicious, medium) and a locked version the index does
not have (installing the lock fails: high).
"""

from __future__ import annotations

from packaging.version import Version

from ...findings import Finding, RuleCode, Severity
from ...index.history import FetchStatus, ProjectHistory, ReleaseInfo
from ..facts import PackageFacts
from ._base import finding

_WHY = {
    FetchStatus.NOT_FOUND: "is not on the index",
    FetchStatus.UNREACHABLE: "could not be fetched: the index could not be reached",
    FetchStatus.INVALID: "could not be read: the index answered with a page lockaudit cannot read",
    FetchStatus.NOT_CACHED: "has no cached release history (offline)",
}


def check(facts: PackageFacts) -> list[Finding]:
    out: list[Finding] = []
    for req in facts.direct:
        where = req.source.location or req.specifier
        out.append(
            finding(
                facts,
                RuleCode.NOT_FROM_INDEX,
                f"{req.raw_name} comes from {req.source.kind} ({where}), not from the index: drift cannot be audited",
                {"source": str(req.source.kind), "location": where, "editable": req.source.editable},
                requirement=req,
                extra=(str(req.source.kind),),
            )
        )
    if not facts.requirements and facts.locked is not None and not facts.locked.source.from_index:
        src = facts.locked.source
        out.append(
            finding(
                facts,
                RuleCode.NOT_FROM_INDEX,
                f"{facts.name} is locked from {src.kind} ({src.location}), not from the index: drift cannot be audited",
                {"source": str(src.kind), "location": src.location},
                extra=(str(src.kind),),
            )
        )
    if not facts.from_index or facts.history is None:
        return out
    if facts.history.status is not FetchStatus.OK:
        why = _WHY.get(facts.history.status, str(facts.history.status))
        # the index's own words only where they add something to ours
        plain = facts.history.status in (FetchStatus.NOT_FOUND, FetchStatus.NOT_CACHED)
        detail = f" ({facts.history.detail})" if facts.history.detail and not plain else ""
        out.append(
            finding(
                facts,
                RuleCode.UNKNOWN,
                f"{facts.name} {why}{detail}: its status is unknown",
                {"status": str(facts.history.status), "detail": facts.history.detail},
            )
        )
    else:
        out += _page_checks(facts)
    return out


def _page_checks(facts: PackageFacts) -> list[Finding]:
    """A page the index answered: is it a real one, and is the locked version on it?"""
    assert facts.history is not None
    out: list[Finding] = []
    history = facts.history
    # Counting needs no file rows decoded: a release knows how many it has.
    empty = not any(len(r.files) for r in history.versions)
    if empty:
        # A login page without links or an empty JSON file list reads as a
        # project with nothing to install: never take that as an answer.
        lists = f" (it lists {len(history.versions)} version(s) without files)" if history.versions else ""
        out.append(
            finding(
                facts,
                RuleCode.UNKNOWN,
                f"the index's page for {facts.name} lists no files at all{lists}: suspicious (a login page, "
                "a proxy's placeholder, or a project emptied on the index); a fresh install from it fails",
                {"status": "empty_page", "versions": len(history.versions)},
                severity=Severity.MEDIUM,
                extra=("empty-page",),
            )
        )
    locked = facts.locked.version if facts.locked is not None else None
    if not locked or facts.release(locked) is not None:
        return out
    listed = _listed(history, locked)
    if listed is not None and len(listed.files):
        # On the index, but uploaded after the audit date (--as-of).
        out.append(
            finding(
                facts,
                RuleCode.UNKNOWN,
                f"the locked version {locked} was uploaded after the audit date",
                {"status": "version_not_found", "locked": locked},
                extra=("version",),
            )
        )
        return out
    why = "is on the index without any file" if listed is not None else "is not on the index"
    out.append(
        finding(
            facts,
            RuleCode.UNKNOWN,
            f"the locked version {locked} {why}: installing the lock fails",
            {"status": "version_not_found", "locked": locked},
            severity=Severity.HIGH,
            extra=("version",),
        )
    )
    return out


def _listed(history: ProjectHistory, version: str) -> ReleaseInfo | None:
    """The history's release of ``version`` (as PEP 440 compares), whenever uploaded."""
    found = history.release(version)
    if found is not None:
        return found
    try:
        wanted = Version(version)
    except ValueError:  # InvalidVersion, or a number past int()'s digit limit
        return None
    for release in history.versions:
        try:
            if Version(release.version) == wanted:
                return release
        except ValueError:
            continue
    return None
