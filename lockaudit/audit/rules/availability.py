"""Whether the package can be audited at all: LA013 unknown, LA015 not from the index."""

from __future__ import annotations

from ...findings import Finding, RuleCode
from ...index.history import FetchStatus
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
    elif facts.locked is not None and facts.locked.version and facts.release(facts.locked.version) is None:
        out.append(
            finding(
                facts,
                RuleCode.UNKNOWN,
                f"the locked version {facts.locked.version} is not on the index (removed, or uploaded after the audit date)",
                {"status": "version_not_found", "locked": facts.locked.version},
                extra=("version",),
            )
        )
    return out
