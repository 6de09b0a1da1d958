"""How ranges are written: LA001 no constraint, LA002 open-ended, LA009 misread ranges."""

from __future__ import annotations

from packaging.specifiers import InvalidSpecifier, Specifier, SpecifierSet
from packaging.version import Version

from ...findings import Finding, RuleCode
from ...model import Requirement
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


def _open_ended(facts: PackageFacts, req: Requirement) -> Finding:
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


def _release_text(v: Version, release: tuple[int, ...]) -> str:
    """``v`` with its release replaced by ``release`` (epoch and pre/post/dev kept)."""
    text = (f"{v.epoch}!" if v.epoch else "") + ".".join(map(str, release))
    if v.pre is not None:
        text += f"{v.pre[0]}{v.pre[1]}"
    if v.post is not None:
        text += f".post{v.post}"
    if v.dev is not None:
        text += f".dev{v.dev}"
    return text


def _valid(spec: str) -> str | None:
    """``spec`` when it parses as a PEP 440 specifier set, else None (never suggest one that does not)."""
    try:
        SpecifierSet(spec)
    except InvalidSpecifier:
        return None
    return spec


def _pep440_hint(clause: str, facts: PackageFacts) -> tuple[str, str | None] | None:
    """(hint, suggested specifier or None) for one PEP 440 clause people often misread."""
    locked_text = facts.locked.version if facts.locked and facts.locked.version else None
    locked = parse_version(locked_text) if locked_text else None
    try:
        spec = Specifier(clause)
    except InvalidSpecifier:
        return None
    op, version = spec.operator, spec.version
    if op == "~=":
        v = parse_version(version)
        if v is None or len(v.release) != 2:
            return None
        suggested = _valid("~=" + _release_text(v, (*v.release, 0)))
        hint = (
            f"'{clause}' admits every {_release_text(v, v.release[:1])}.x release from {version} on (minor "
            f"upgrades), not only {_release_text(v, v.release)}.x patches"
        )
        return (hint + (f"; for patches only write '{suggested}'" if suggested else "")), suggested
    if op == "==" and version.endswith(".*"):
        prefix = parse_version(version[:-2])
        if prefix is None or len(prefix.release) != 1:
            return None
        major = prefix.release[0]
        minor = 0
        if locked is not None and locked.epoch == prefix.epoch and locked.release[:1] == (major,):
            minor = locked.release[1] if len(locked.release) > 1 else 0
        suggested = _valid(f"~={_release_text(prefix, (major, minor, 0))}")
        hint = f"'{clause}' takes any {version} release, new features included"
        if suggested:
            hint += f"; for bug fixes of {major}.{minor} only write '{suggested}' (or pin it)"
        return hint, suggested
    if op == ">=" and locked is not None:
        low = parse_version(version)
        if low is None or low.epoch != locked.epoch or locked.major - low.major < 2:
            return None
        suggested = _valid(f">={locked.public}")
        hint = (
            f"the lower bound '{clause}' is {locked.major - low.major} major versions below the "
            f"locked {locked_text}: nothing tested that old"
        )
        return (hint + (f"; raise it to '{suggested}'" if suggested else "")), suggested
    return None


def _misread(facts: PackageFacts, req: Requirement) -> list[Finding]:
    """Ranges that say something other than what people usually mean.

    A suggested specifier is one that parses (a test parses every one the rule
    can produce); where none would, the hint names none.
    """
    text = req.specifier.replace(" ", "")
    found: tuple[str, str | None] | None = None
    if req.dialect == "pep440":
        for clause in text.split(","):
            found = _pep440_hint(clause, facts)
            if found:
                break
    elif req.dialect == "poetry" and text.startswith("^0."):
        v = text[1:]
        parts = v.split(".")
        if len(parts) >= 3 and parts[1] == "0":
            found = f"'{text}' admits only {v} and its patch releases (^0.0.x pins the patch), not later 0.0.x", None
        else:
            nxt = int(parts[1]) + 1 if parts[1].isdigit() else "y"
            found = f"'{text}' admits only 0.{parts[1]}.x, not 0.{nxt}: on 0.x a caret stops at the next minor", None
    if not found:
        return []
    hint, suggested = found
    data: dict[str, str | None] = {"declared": req.specifier, "dialect": req.dialect}
    if suggested:
        data["suggested"] = suggested
    return [finding(facts, RuleCode.MISREAD_RANGE, hint[0].upper() + hint[1:], data, requirement=req)]
