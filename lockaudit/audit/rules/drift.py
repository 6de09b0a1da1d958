"""What a fresh install would take: LA003 drift, LA004 lock outside its range,
LA005 pre-releases, LA008 releases younger than the cooldown."""

from __future__ import annotations

import datetime as dt

from ...findings import Finding, RuleCode
from ...versions import filter_versions
from ..facts import AuditContext, PackageFacts, parse_version
from .catalog import semver_jump, severity_for_jump
from ._base import finding


def check(facts: PackageFacts, ctx: AuditContext) -> list[Finding]:
    if not facts.known or facts.installable is None:
        return []
    out: list[Finding] = []
    locked = facts.locked.version if facts.locked and facts.locked.version else None
    fresh = facts.fresh

    if locked and facts.requirements and facts.spec_error is None:
        try:
            inside = bool(filter_versions(list(facts.spec), [locked], prereleases=True))
        except ValueError:
            inside = True
        if not inside:
            declared = " and ".join(f"{r.raw_name}{r.specifier}" for r in facts.requirements)
            out.append(
                finding(
                    facts,
                    RuleCode.LOCK_OUTSIDE_RANGE,
                    f"locked {locked} does not satisfy {declared}: the lock and its inputs disagree",
                    {"locked": locked, "declared": [r.specifier for r in facts.requirements]},
                )
            )

    if locked and fresh and parse_version(locked) and parse_version(fresh):
        jump = semver_jump(locked, fresh)
        if jump != "none":
            history = facts.installable
            between = history.count([f">{locked},<={fresh}"], prereleases=False) if history else 0
            days = _days_between(facts, locked, fresh)
            when = f", {days} days newer" if days is not None else ""
            out.append(
                finding(
                    facts,
                    RuleCode.DRIFT,
                    f"locked {locked}, a fresh install takes {fresh} ({jump} upgrade, "
                    f"{between} release{'s' if between != 1 else ''} later{when})",
                    {"locked": locked, "fresh": fresh, "jump": jump, "releases_between": between, "days_between": days},
                    severity=severity_for_jump(jump),
                )
            )

    if fresh and (v := parse_version(fresh)) is not None and v.is_prerelease:
        out.append(
            finding(
                facts,
                RuleCode.PRERELEASE,
                f"a fresh install would take the pre-release {fresh}",
                {"fresh": fresh, "which": "fresh"},
                version=fresh,
                extra=("fresh",),
            )
        )
    if locked and (v := parse_version(locked)) is not None and v.is_prerelease:
        out.append(
            finding(
                facts,
                RuleCode.PRERELEASE,
                f"the locked version {locked} is a pre-release",
                {"locked": locked, "which": "locked"},
                extra=("locked",),
            )
        )

    info = facts.release(fresh)
    if fresh and info is not None and info.upload_time is not None and fresh != locked:
        cooldown = ctx.cooldown
        age = ctx.now - info.upload_time
        if age < cooldown:
            clears = info.upload_time + cooldown
            out.append(
                finding(
                    facts,
                    RuleCode.YOUNG_RELEASE,
                    f"{fresh} was uploaded {_age(age)} ago, inside the {_age(cooldown)} cooldown; "
                    f"it clears on {clears:%Y-%m-%d %H:%M} UTC",
                    {
                        "fresh": fresh,
                        "uploaded": info.upload_time.isoformat(),
                        "clears": clears.isoformat(),
                        "cooldown_days": cooldown.total_seconds() / 86400,
                    },
                    version=fresh,
                )
            )
    return out


def _days_between(facts: PackageFacts, old: str, new: str) -> int | None:
    a, b = facts.release(old), facts.release(new)
    if a is None or b is None or a.upload_time is None or b.upload_time is None:
        return None
    return (b.upload_time - a.upload_time).days


def _age(delta: dt.timedelta) -> str:
    hours = delta.total_seconds() / 3600
    if hours < 48:
        return f"{max(hours, 0):.0f} hours"
    return f"{hours / 24:.0f} days"
