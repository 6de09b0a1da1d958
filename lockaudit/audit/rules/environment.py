"""Target environments: LA007 requires-python traps, LA014 divergence between targets."""

from __future__ import annotations

from ...findings import Finding, RuleCode, Severity
from ..facts import PackageFacts, supports_python
from ._base import finding


def check(facts: PackageFacts) -> list[Finding]:
    if not facts.known:
        return []
    out: list[Finding] = []
    for view in facts.targets:
        python = view.target.python
        if not view.applies or not python:
            continue
        newest = view.range_newest_any_python
        if newest and view.range_newest != newest:
            info = facts.release(newest)
            needs = info.requires_python if info else None
            instead = view.fresh or view.range_newest or "nothing"
            out.append(
                finding(
                    facts,
                    RuleCode.REQUIRES_PYTHON_TRAP,
                    f"on Python {python} a fresh install silently takes {instead}: the newest admissible "
                    f"{newest} requires Python {needs}",
                    {"target": view.target.label, "newest": newest, "takes": instead, "requires_python": needs},
                    version=newest,
                    extra=(view.target.label, "fresh"),
                )
            )
        locked = view.locked.version if view.locked is not None and view.locked.version else None
        locked_info = facts.release(locked) if view.locked is not None and view.locked.source.from_index else None
        if locked_info is not None and not supports_python(locked_info.requires_python, python):
            out.append(
                finding(
                    facts,
                    RuleCode.REQUIRES_PYTHON_TRAP,
                    f"the locked {locked} requires Python {locked_info.requires_python}, "
                    f"which excludes the target Python {python}: the lock cannot install there",
                    {"target": view.target.label, "locked": locked, "requires_python": locked_info.requires_python},
                    severity=Severity.HIGH,
                    version=locked,
                    extra=(view.target.label, "locked"),
                )
            )

    if len(facts.targets) >= 2:
        applies = {v.target.label: v.applies for v in facts.targets}
        fresh = {v.target.label: v.fresh for v in facts.targets if v.applies and v.change != "unknown"}
        if len(set(applies.values())) > 1:
            on = sorted(k for k, v in applies.items() if v)
            off = sorted(k for k, v in applies.items() if not v)
            out.append(
                finding(
                    facts,
                    RuleCode.ENVIRONMENT_DIVERGENCE,
                    f"{facts.name} is installed on {', '.join(on)} but not on {', '.join(off)} (markers)",
                    {"applies": applies},
                    extra=("markers",),
                )
            )
        if len(set(fresh.values())) > 1:
            parts = ", ".join(f"{k}: {v or 'none'}" for k, v in fresh.items())
            out.append(
                finding(
                    facts,
                    RuleCode.ENVIRONMENT_DIVERGENCE,
                    f"a fresh install takes different versions per environment ({parts})",
                    {"fresh": fresh},
                    extra=("versions",),
                )
            )
    return out
