"""LA021-LA026: what the upgrade a fresh install takes changes in the package's API.

The evidence comes from :mod:`lockaudit.apidiff` (the locked and the fresh
wheel, read statically); this module only decides which packages call for it
(:func:`wanted`, :func:`releases`) and turns a diff into findings
(:func:`check`): one finding per family of change, its message a count and
the first items, its data every item.

Only ``facts.locked.version`` and ``facts.fresh`` (and the release files of
those two versions) are read from the facts.
"""

from __future__ import annotations

from collections.abc import Mapping

from ...apidiff.changes import (
    DEFAULTS,
    DEPRECATIONS,
    DISTRIBUTION,
    REMOVALS,
    SIGNATURES,
    ApiChange,
    ApiDiff,
    ApiUnknown,
    ReleaseRef,
)
from ...errors import InvalidVersion
from ...findings import Finding, RuleCode, Severity
from ..facts import PackageFacts
from ..policy import Policy
from ._base import finding
from .catalog import CATALOG, Jump, semver_jump

__all__ = ["CODES", "check", "code_for", "enabled", "key", "releases", "wanted"]

#: What the audit collects: (package, locked version, fresh version) -> diff.
Results = Mapping[tuple[str, str, str], ApiDiff | ApiUnknown]

#: Items named in a message before "and N more", and the most characters each takes there.
SHOWN = 3
ITEM_CHARS = 100

#: Rule code -> the kinds of change it reports, and how a message counts them.
_FAMILIES: tuple[tuple[RuleCode, tuple[str, ...], str, str], ...] = (
    (RuleCode.API_DEFAULT_CHANGED, DEFAULTS, "default changed", "defaults changed"),
    (RuleCode.API_REMOVED, REMOVALS, "removal or rename", "removals or renames"),
    (RuleCode.API_SIGNATURE_CHANGED, SIGNATURES, "signature change", "signature changes"),
    (RuleCode.API_DEPRECATION, DEPRECATIONS, "new deprecation", "new deprecations"),
    (RuleCode.API_DISTRIBUTION_CHANGED, DISTRIBUTION, "distribution change", "distribution changes"),
)
CODES: tuple[RuleCode, ...] = (*(code for code, *_ in _FAMILIES), RuleCode.API_UNKNOWN)
_ORDER = {"patch": 1, "minor": 2, "major": 3}
_CODE_OF_KIND = {kind: code for code, kinds, *_ in _FAMILIES for kind in kinds}


def code_for(kind: str) -> RuleCode:
    """The rule code that reports a kind of change (``default-changed`` -> LA021)."""
    return _CODE_OF_KIND[kind]


_LOWER = {Severity.CRITICAL: Severity.HIGH, Severity.HIGH: Severity.MEDIUM, Severity.MEDIUM: Severity.LOW}


def enabled(policy: Policy) -> bool:
    """Whether any package may get API findings under ``policy``."""
    return policy.api_changes != "never" and any(policy.is_enabled(code) for code in CODES)


def _jump(facts: PackageFacts) -> Jump | None:
    locked = facts.locked.version if facts.locked is not None else None
    if not locked or not facts.fresh or locked == facts.fresh:
        return None
    try:
        return semver_jump(locked, facts.fresh)
    except InvalidVersion:
        return None


def wanted(facts: PackageFacts, policy: Policy) -> bool:
    """Whether the upgrade from the locked version to ``facts.fresh`` is big enough to read its API."""
    if not facts.known or policy.api_changes == "never":
        return False
    if not any(policy.is_enabled(code, facts.name) for code in CODES):
        return False
    jump = _jump(facts)
    if jump is None or jump == "none":
        return False
    if _ORDER[jump] < _ORDER[policy.api_changes]:
        return False
    return (
        facts.release(facts.locked.version if facts.locked else None) is not None
        and facts.release(facts.fresh) is not None
    )


def releases(facts: PackageFacts) -> tuple[ReleaseRef, ReleaseRef]:
    """The locked and the fresh release, with their files as the audit sees them."""
    assert facts.locked is not None and facts.fresh is not None
    old = facts.release(facts.locked.version)
    new = facts.release(facts.fresh)
    assert old is not None and new is not None
    return (
        ReleaseRef(facts.name, old.version, tuple(old.files)),
        ReleaseRef(facts.name, new.version, tuple(new.files)),
    )


def key(facts: PackageFacts) -> tuple[str, str, str] | None:
    """The key of the package's pair among the audit's results (see ApiPairs);
    None when it has no pair. Only versions: a release's file rows are decoded
    only for the pairs that are read (decoding every package's would cost more
    than a warm audit)."""
    if facts.locked is None or not facts.fresh:
        return None
    old, new = facts.release(facts.locked.version), facts.release(facts.fresh)
    if old is None or new is None:
        return None
    return (facts.name, old.version, new.version)


def _listed(items: tuple[ApiChange, ...]) -> str:
    head = ", ".join(c.text(ITEM_CHARS) for c in items[:SHOWN])
    return head + (f" and {len(items) - SHOWN} more" if len(items) > SHOWN else "")


def check(facts: PackageFacts, results: Results) -> list[Finding]:
    """The findings for one package's API diff (none when it was not read)."""
    if not results or _jump(facts) in (None, "none"):
        return []
    pair = key(facts)
    result = results.get(pair) if pair is not None else None
    if result is None or facts.locked is None or facts.fresh is None:
        return []
    locked, fresh = facts.locked.version, facts.fresh
    jump = _jump(facts)
    base = {"locked": locked, "fresh": fresh, "jump": jump}
    if isinstance(result, ApiUnknown):
        message = f"API changes from {locked} to {fresh} unknown: {result.reason}"
        return [
            finding(
                facts,
                RuleCode.API_UNKNOWN,
                message,
                {**base, "status": "unknown", "reason": result.reason},
                extra=(fresh,),
            )
        ]
    out = []
    wheels = {"locked_wheel": result.old_wheel, "fresh_wheel": result.new_wheel}
    for code, kinds, one, many in _FAMILIES:
        items = result.of_kinds(kinds)
        if not items:
            continue
        noun = one if len(items) == 1 else many
        message = f"{len(items)} {noun} from {locked} to {fresh}: {_listed(items)}"
        severity = None
        if all(c.low_confidence for c in items) or (
            code is RuleCode.API_DISTRIBUTION_CHANGED and all(c.kind == "requires-python-changed" for c in items)
        ):
            default = CATALOG[code].default_severity
            severity = _LOWER.get(default, default)
        suppressed = [c for c in result.suppressed if c.kind in kinds]
        out.append(
            finding(
                facts,
                code,
                message,
                {
                    **base,
                    **wheels,
                    "count": len(items),
                    "low_confidence": sum(1 for c in items if c.low_confidence),
                    "suppressed": len(suppressed),
                    "changes": [c.to_data() for c in items],
                },
                severity=severity,
                extra=(fresh,),
            )
        )
    return out
