"""What a fresh install would take, from the fresh resolution on each target:
LA003 drift of a declared package, LA018 drift of a transitive one (and the
packages a fresh install adds or drops), LA004 a lock outside its own range,
LA005 pre-releases, LA008 releases younger than the cooldown.

A transitive pin that a parent holds back is not drift: the fresh resolution
takes the same version, and what holds it is told as information on the row.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Hashable, Iterable
from typing import TypeVar

from ...errors import InvalidVersion
from ...findings import Finding, JSONValue, RuleCode, Severity
from ...model import Requirement
from ...semver import semver_jump, severity_for_jump
from ...versions import filter_versions
from ..facts import AuditContext, PackageFacts, TargetView, parse_version
from ._base import finding

#: What a rule says about one target (targets with the same answer share a finding).
_Answer = TypeVar("_Answer", bound=Hashable)

#: Severity of a package a fresh install would add: nobody ever tested it with this project.
ADDED_SEVERITY = Severity.HIGH
#: ... and of one it would no longer install.
DROPPED_SEVERITY = Severity.LOW


def check(facts: PackageFacts, ctx: AuditContext) -> list[Finding]:
    if not facts.known or facts.installable is None:
        return []
    out = _outside_range(facts)
    out += _changes(facts)
    out += _prereleases(facts)
    out += _young(facts, ctx)
    return out


def _labels(views: Iterable[TargetView]) -> list[str]:
    return [v.target.label for v in views]


def _grouped(
    facts: PackageFacts, key: Callable[[TargetView], _Answer | None]
) -> list[tuple[_Answer, list[TargetView]]]:
    """Targets grouped by what a rule says about them (one finding per distinct answer)."""
    groups: dict[_Answer, list[TargetView]] = {}
    for view in facts.targets:
        k = key(view)
        if k is not None:
            groups.setdefault(k, []).append(view)
    return list(groups.items())


def _extra(facts: PackageFacts, views: list[TargetView], groups: int) -> tuple[str, ...]:
    # One answer for every target: no target in the fingerprint (stable when targets change).
    return () if groups == 1 else tuple(_labels(views))


def _outside_range(facts: PackageFacts) -> list[Finding]:
    """LA004 on each target: the pin installed there against the requirements that apply there."""
    if not facts.requirements or facts.spec_error is not None:
        return []

    def key(view: TargetView) -> tuple[str, tuple[str, ...]] | None:
        if view.locked is None or not view.locked.version or not view.locked.source.from_index:
            return None
        if view.spec == ("",):
            return None
        try:
            inside = bool(filter_versions(list(view.spec), [view.locked.version], prereleases=True))
        except ValueError:
            return None
        return None if inside else (view.locked.version, view.spec)

    groups = _grouped(facts, key)
    out = []
    for (locked, spec), views in groups:
        reqs = [r for r in facts.requirements if any(_applies_on(r, v) for v in views)]
        declared = " and ".join(f"{r.raw_name}{r.specifier}" for r in reqs) or " || ".join(spec)
        where = f" on {', '.join(_labels(views))}" if len(groups) > 1 or len(facts.targets) > 1 else ""
        out.append(
            finding(
                facts,
                RuleCode.LOCK_OUTSIDE_RANGE,
                f"locked {locked} does not satisfy {declared}{where}: the lock and its inputs disagree",
                {"locked": locked, "declared": [r.specifier for r in reqs], "targets": _labels(views)},
                requirement=reqs[0] if reqs else None,
                version=locked,
                extra=_extra(facts, views, len(groups)),
            )
        )
    return out


def _applies_on(req: Requirement, view: TargetView) -> bool:
    from ..facts import marker_applies

    return marker_applies(req.marker, view.target, req.extras)


def _changes(facts: PackageFacts) -> list[Finding]:
    """LA003 / LA018: where the fresh install differs from what the lock installs."""

    def key(view: TargetView) -> tuple[str, str | None, str | None, bool] | None:
        if view.change in ("upgrade", "downgrade"):
            assert view.locked is not None
            return (view.change, view.locked.version, view.fresh, view.direct)
        if view.change in ("added", "dropped"):
            return (view.change, view.locked.version if view.locked else None, view.fresh, view.direct)
        return None

    groups = _grouped(facts, key)
    out = []
    for (change, locked, fresh, direct), views in groups:
        extra = _extra(facts, views, len(groups))
        where = f" on {', '.join(_labels(views))}" if len(facts.targets) > 1 else ""
        # A move has both versions, an added package the fresh one, a dropped one the locked one.
        if change in ("upgrade", "downgrade"):
            assert locked is not None and fresh is not None
            out.append(_drift(facts, views, change, locked, fresh, direct, where, extra))
        elif change == "added":
            assert fresh is not None
            out.append(_added(facts, views, fresh, direct, where, extra))
        else:
            assert locked is not None
            out.append(_dropped(facts, views, locked, direct, where, extra))
    return out


def _pulled(view: TargetView) -> str:
    tops = view.pulled_in_by
    if not tops:
        return ""
    return "; pulled in by " + ", ".join(tops[:3]) + (", ..." if len(tops) > 3 else "")


def _drift(
    facts: PackageFacts,
    views: list[TargetView],
    change: str,
    locked: str,
    fresh: str,
    direct: bool,
    where: str,
    extra: tuple[str, ...],
) -> Finding:
    jump: str
    try:
        jump = semver_jump(locked, fresh) if change == "upgrade" else semver_jump(fresh, locked)
        severity = severity_for_jump(jump) if jump != "none" else Severity.LOW
    except InvalidVersion:
        jump, severity = "unknown", Severity.MEDIUM
    history = facts.installable
    between = 0
    if history is not None and change == "upgrade":
        try:
            between = history.count([f">{locked},<={fresh}"], prereleases=False)
        except ValueError:
            between = 0
    days = _days_between(facts, locked, fresh)
    verb = "takes" if change == "upgrade" else "goes back to"
    detail = [f"{jump} {'upgrade' if change == 'upgrade' else 'downgrade'}"]
    if change == "upgrade":
        detail.append(f"{between} release{'s' if between != 1 else ''} later")
        if days is not None:
            detail.append(f"{days} days newer")
    view = views[0]
    message = f"locked {locked}, a fresh install {verb} {fresh}{where} ({', '.join(detail)})"
    if not direct:
        message += _pulled(view)
    data: dict[str, JSONValue] = {
        "locked": locked,
        "fresh": fresh,
        "change": change,
        "jump": jump,
        "releases_between": between,
        "days_between": days,
        "direct": direct,
        "targets": _labels(views),
        "top_level": list(view.pulled_in_by),
    }
    code = RuleCode.DRIFT if direct else RuleCode.TRANSITIVE_DRIFT
    return finding(facts, code, message, data, severity=severity, version=locked, extra=extra)


def _added(
    facts: PackageFacts, views: list[TargetView], fresh: str, direct: bool, where: str, extra: tuple[str, ...]
) -> Finding:
    view = views[0]
    message = f"not in the lock; a fresh install adds {fresh}{where}: a package nobody tested with this lock"
    message += _pulled(view)
    return finding(
        facts,
        RuleCode.TRANSITIVE_DRIFT,
        message,
        {
            "change": "added",
            "locked": None,
            "fresh": fresh,
            "jump": "new",
            "direct": direct,
            "targets": _labels(views),
            "top_level": list(view.pulled_in_by),
        },
        severity=ADDED_SEVERITY,
        version=fresh,
        extra=("added", *extra),
    )


def _dropped(
    facts: PackageFacts, views: list[TargetView], locked: str, direct: bool, where: str, extra: tuple[str, ...]
) -> Finding:
    view = views[0]
    came = f" (it came with {', '.join(view.pulled_in_by[:3])})" if view.pulled_in_by else ""
    return finding(
        facts,
        RuleCode.TRANSITIVE_DRIFT,
        f"locked {locked}, but a fresh install no longer installs it{where}{came}",
        {
            "change": "removed",
            "locked": locked,
            "fresh": None,
            "jump": "removed",
            "direct": direct,
            "targets": _labels(views),
            "top_level": list(view.pulled_in_by),
        },
        severity=DROPPED_SEVERITY,
        version=locked,
        extra=("removed", *extra),
    )


def _prereleases(facts: PackageFacts) -> list[Finding]:
    out = []
    locked = facts.locked.version if facts.locked and facts.locked.version else None
    fresh = facts.fresh
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
    return out


def _young(facts: PackageFacts, ctx: AuditContext) -> list[Finding]:
    fresh = facts.fresh
    main = facts.main
    info = facts.release(fresh)
    # The lock already has it (however it spells the version): nothing new is taken.
    if not fresh or info is None or info.upload_time is None or (main is not None and main.change == "same"):
        return []
    cooldown = ctx.cooldown
    age = ctx.now - info.upload_time
    if age >= cooldown:
        return []
    clears = info.upload_time + cooldown
    return [
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
    ]


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
