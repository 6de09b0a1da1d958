"""LA012: the release a fresh install takes declares other dependencies than the locked one.

Both sides come from the releases' core metadata as the resolver read it (one
read per release for the whole run), for the same unit (project and lock):
a package in two locks is compared with each lock's own pin.
"""

from __future__ import annotations

from ...findings import Finding, RuleCode, Severity
from ...resolve.metadata import ReleaseDependencies
from ..facts import PackageFacts
from ._base import finding

#: Items named per kind of change before "and N more".
_SHOWN = 4


def _requirements(deps: ReleaseDependencies) -> dict[tuple[str, str], str]:
    """What a plain install pulls in: (name[extras], marker) -> specifier.

    Dependencies behind an ``extra == ...`` marker only install when someone
    asks for that extra, so they are left out of the comparison.
    """
    out: dict[tuple[str, str], str] = {}
    for dep in deps.dependencies:
        marker = dep.marker or ""
        if dep.only_extra is not None or "extra" in marker:
            continue
        key = dep.name
        if dep.extras:
            key += "[" + ",".join(sorted(dep.extras)) + "]"
        out[(key, marker)] = dep.specifier
    return out


def _shown(key: tuple[str, str], spec: str) -> str:
    """``name[extras]spec when marker``: a marker is never wrapped in parentheses of
    ours (it may carry its own), nor set off by "; " (the message's own separator)."""
    name, marker = key
    return name + spec + (f" when {marker}" if marker else "")


def _rebound(key: tuple[str, str], before: str, after: str) -> str:
    name, marker = key
    return f"{name} {before or 'any version'} -> {after or 'any version'}" + (f" when {marker}" if marker else "")


def _listed(items: list[str]) -> str:
    head = ", ".join(items[:_SHOWN])
    return head + (f" and {len(items) - _SHOWN} more" if len(items) > _SHOWN else "")


def check(
    facts: PackageFacts,
    old: ReleaseDependencies | None,
    new: ReleaseDependencies | None,
) -> list[Finding]:
    locked = facts.locked.version if facts.locked else None
    fresh = facts.fresh
    if not locked or not fresh:
        return []
    if old is None or new is None or not old.known or not new.known:
        error = next((d.reason for d in (old, new) if d is not None and not d.known), None)
        return [
            finding(
                facts,
                RuleCode.DEPENDENCY_CHANGE,
                f"whether {fresh} changes {facts.name}'s dependencies is unknown: "
                f"core metadata could not be read ({error or 'not available'})",
                {"locked": locked, "fresh": fresh, "status": "unknown", "error": error},
                severity=Severity.INFO,
                extra=("unknown",),
            )
        ]
    before, after = _requirements(old), _requirements(new)
    added = sorted(_shown(k, after[k]) for k in after.keys() - before.keys())
    removed = sorted(_shown(k, before[k]) for k in before.keys() - after.keys())
    rebounded = sorted(_rebound(k, before[k], after[k]) for k in before.keys() & after.keys() if before[k] != after[k])
    python_change = (old.requires_python or "") != (new.requires_python or "")
    if not (added or removed or rebounded or python_change):
        return []
    parts = []
    if added:
        parts.append(f"adds {_listed(added)}")
    if removed:
        parts.append(f"drops {_listed(removed)}")
    if rebounded:
        parts.append(f"re-bounds {_listed(rebounded)}")
    if python_change:
        parts.append(f"requires Python {new.requires_python or 'any'} (was {old.requires_python or 'any'})")
    return [
        finding(
            facts,
            RuleCode.DEPENDENCY_CHANGE,
            f"{fresh} {'; '.join(parts)} compared with the locked {locked}",
            {
                "locked": locked,
                "fresh": fresh,
                "added": added,
                "removed": removed,
                "rebounded": rebounded,
                "requires_python": [old.requires_python, new.requires_python],
            },
        )
    ]
