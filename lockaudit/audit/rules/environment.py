"""Target environments: LA007 requires-python traps, LA014 divergence between targets."""

from __future__ import annotations

from ...findings import Finding, RuleCode
from ..facts import PackageFacts, supports_python
from ._base import finding


def check(facts: PackageFacts) -> list[Finding]:
    if not facts.known:
        return []
    out: list[Finding] = []
    locked = facts.locked.version if facts.locked and facts.locked.version else None
    locked_info = facts.release(locked)
    for view in facts.targets:
        python = view.target.python
        if not view.applies or not python:
            continue
        if view.fresh_any_python and view.fresh != view.fresh_any_python:
            info = facts.release(view.fresh_any_python)
            needs = info.requires_python if info else None
            instead = view.fresh or "nothing"
            out.append(
                finding(
                    facts,
                    RuleCode.REQUIRES_PYTHON_TRAP,
                    f"on Python {python} a fresh install silently takes {instead}: the newest admissible "
                    f"{view.fresh_any_python} requires Python {needs}",
                    {"target": view.target.label, "newest": view.fresh_any_python, "takes": view.fresh, "requires_python": needs},
                    version=view.fresh_any_python,
                    extra=(view.target.label, "fresh"),
                )
            )
        if locked_info is not None and not supports_python(locked_info.requires_python, python):
            out.append(
                finding(
                    facts,
                    RuleCode.REQUIRES_PYTHON_TRAP,
                    f"the locked {locked} requires Python {locked_info.requires_python}, "
                    f"which excludes the target Python {python}",
                    {"target": view.target.label, "locked": locked, "requires_python": locked_info.requires_python},
                    extra=(view.target.label, "locked"),
                )
            )

    if len(facts.targets) >= 2:
        applies = {v.target.label: v.applies for v in facts.targets}
        fresh = {v.target.label: v.fresh for v in facts.targets if v.applies}
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
            parts = ", ".join(f"{k}: {v or 'none'}" for k, v in sorted(fresh.items()))
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
