"""What the index says about the pinned release: LA006 yanked, LA010 hashes,
LA011 files added after the lock was made."""

from __future__ import annotations

import datetime as dt

from ...findings import Finding, RuleCode, Severity
from ..facts import PackageFacts, parse_version
from ._base import finding


def check(facts: PackageFacts) -> list[Finding]:
    if not facts.known or facts.locked is None or not facts.locked.version:
        return _fresh_yanked(facts)
    out: list[Finding] = []
    locked = facts.locked.version
    info = facts.release(locked)
    if info is not None and info.yanked:
        reason = f": {info.yanked_reason}" if info.yanked_reason else " (no reason given)"
        out.append(
            finding(
                facts,
                RuleCode.YANKED,
                f"the locked version {locked} is yanked{reason}",
                {"locked": locked, "reason": info.yanked_reason, "which": "locked"},
                extra=("locked",),
            )
        )
    out.extend(_fresh_yanked(facts))
    if info is None or not facts.locked.source.from_index:
        # A pin's source decides what it is compared with: files from a URL, a path or
        # a VCS are not the index's, so the index's hashes and upload times say nothing of them.
        return out

    locked_hashes = {h.lower() for h in facts.locked.hashes}
    if locked_hashes:
        known = {h.lower() for f in info.files for h in f.hashes}
        unknown = sorted(locked_hashes - known)
        if unknown and known:
            out.append(
                finding(
                    facts,
                    RuleCode.HASHES,
                    f"{len(unknown)} locked hash{'es' if len(unknown) != 1 else ''} of {locked} "
                    f"{'are' if len(unknown) != 1 else 'is'} not among the index's files for that version",
                    {"locked": locked, "unknown_hashes": unknown},
                    severity=Severity.CRITICAL,
                    extra=("unknown-hash",),
                )
            )
        # Files the lock names are the ones that existed when it was made.
        named = [f for f in info.files if any(h.lower() in locked_hashes for h in f.hashes)]
        made = max((f.upload_time for f in named if f.upload_time is not None), default=None)
        late_after = made
    else:
        late_after = _parse_time(facts.locked.locked_at)
    if late_after is not None:
        late = [
            f for f in info.files if f.upload_time is not None and f.upload_time > late_after + dt.timedelta(hours=1)
        ]
        if locked_hashes:
            late = [f for f in late if not any(h.lower() in locked_hashes for h in f.hashes)]
        if late:
            names = sorted(f.filename for f in late)
            out.append(
                finding(
                    facts,
                    RuleCode.LATE_ARTIFACTS,
                    f"{len(late)} file{'s were' if len(late) != 1 else ' was'} added to {locked} after the lock "
                    f"was made ({', '.join(names[:3])}{', ...' if len(names) > 3 else ''}): "
                    "a fresh install may pick a different file",
                    {"locked": locked, "files": names, "lock_made": late_after.isoformat()},
                )
            )
    return out


def _fresh_yanked(facts: PackageFacts) -> list[Finding]:
    """The top of the range was yanked: a fresh install silently falls back."""
    if not facts.known or facts.all_history is None:
        return []
    top = facts.all_history.newest(list(facts.spec))
    info = facts.release(top)
    if (
        top is None
        or info is None
        or not info.yanked
        or _same_release(facts.locked.version if facts.locked else None, top)
    ):
        return []
    reason = f": {info.yanked_reason}" if info.yanked_reason else ""
    return [
        finding(
            facts,
            RuleCode.YANKED,
            f"the newest admissible release {top} is yanked{reason}; a fresh install takes {facts.fresh or 'nothing'}",
            {"yanked": top, "reason": info.yanked_reason, "fresh": facts.fresh, "which": "fresh"},
            severity=Severity.MEDIUM,  # a fresh install falls back; the lock itself is fine
            version=top,
            extra=("fresh",),
        )
    ]


def _same_release(a: str | None, b: str | None) -> bool:
    """Whether two spellings name one release (a lock may write 2020.07.28 for the index's 2020.7.28)."""
    if a is None or b is None:
        return False
    va, vb = parse_version(a), parse_version(b)
    return a == b if va is None or vb is None else va == vb


def _parse_time(text: str | None) -> dt.datetime | None:
    if not text:
        return None
    try:
        value = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)
