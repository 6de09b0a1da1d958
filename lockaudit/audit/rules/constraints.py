"""How ranges are written: LA001 no constraint, LA002 open-ended, LA009 misread ranges."""

from __future__ import annotations

from ...findings import Finding, RuleCode
from ...versions import filter_versions
from ..facts import PackageFacts, parse_version
from ._base import finding

# A release no real project reaches: a range that admits it has no upper bound.
_FAR_FUTURE = "999999999"


def check(facts: PackageFacts) -> list[Finding]:
    out: list[Finding] = []
    for req in facts.requirements:
        if req.constraint:
            continue
        text = req.specifier.strip()
        if not text or text == "*":
            out.append(
                finding(
                    facts,
                    RuleCode.NO_CONSTRAINT,
                    f"{req.raw_name} has no version constraint: a fresh install takes whatever is newest",
                    {"declared": req.specifier},
                    requirement=req,
                )
            )
            continue
        alternatives = req.pep440.split(" || ")
        try:
            open_ended = bool(filter_versions(alternatives, [_FAR_FUTURE], prereleases=True))
        except ValueError:
            continue
        if open_ended:
            out.append(_open_ended(facts, req))
        out.extend(_misread(facts, req))
    return out


def _open_ended(facts: PackageFacts, req) -> Finding:  # type: ignore[no-untyped-def]
    floor = facts.locked.version if facts.locked else None
    majors: set[int] = set()
    if facts.installable is not None:
        admitted = facts.installable.filter(req.pep440.split(" || "), prereleases=False)
        base = parse_version(floor) if floor else (parse_version(admitted[0]) if admitted else None)
        for text in admitted:
            v = parse_version(text)
            if v is not None and base is not None and (v.epoch, v.major) > (base.epoch, base.major):
                majors.add((v.epoch << 32) + v.major)
    count = len(majors)
    if facts.installable is None:
        tail = ""
    elif count:
        tail = f"; it already admits {count} newer major version{'s' if count != 1 else ''}"
    else:
        tail = "; it will admit the next major version the day it is released"
    return finding(
        facts,
        RuleCode.OPEN_ENDED,
        f"{req.raw_name}{req.specifier} has no upper bound{tail}",
        {"declared": req.specifier, "newer_majors": count},
        requirement=req,
    )


def _misread(facts: PackageFacts, req) -> list[Finding]:  # type: ignore[no-untyped-def]
    """Ranges that say something other than what people usually mean."""
    out = []
    text = req.specifier.replace(" ", "")
    locked = parse_version(facts.locked.version) if facts.locked and facts.locked.version else None
    hint = None
    if req.dialect == "pep440":
        for clause in text.split(","):
            if clause.startswith("~=") and clause[2:].count(".") == 1 and not clause.endswith(".*"):
                v = clause[2:]
                hint = (
                    f"'{clause}' admits every {v.split('.')[0]}.x release (minor upgrades), "
                    f"not only {v}.x patches; for patches only write '~={v}.0'"
                )
            elif clause.startswith("==") and clause.endswith(".*"):
                prefix = clause[2:-2]
                hint = (
                    f"'{clause}' takes any {prefix}.* release, new features included; "
                    f"if you meant 'compatible with {prefix}', write '~={prefix}' or pin it"
                    if prefix.count(".") == 0
                    else None
                )
            elif clause.startswith(">=") and locked is not None:
                low = parse_version(clause[2:])
                if low is not None and locked.major - low.major >= 2:
                    hint = (
                        f"the lower bound '{clause}' is {locked.major - low.major} major versions below the "
                        f"locked {facts.locked.version}: nothing tested that old; raise it to '>={facts.locked.version}'"
                    )
            if hint:
                break
    elif req.dialect == "poetry" and text.startswith("^0."):
        v = text[1:]
        parts = v.split(".")
        if len(parts) >= 3 and parts[1] == "0":
            hint = f"'{text}' admits only {v} and its patch releases (^0.0.x pins the patch), not later 0.0.x"
        else:
            hint = f"'{text}' admits only 0.{parts[1]}.x, not 0.{int(parts[1]) + 1 if parts[1].isdigit() else 'y'}: on 0.x a caret stops at the next minor"
    if hint:
        out.append(
            finding(
                facts,
                RuleCode.MISREAD_RANGE,
                hint[0].upper() + hint[1:],
                {"declared": req.specifier, "dialect": req.dialect},
                requirement=req,
            )
        )
    return out
