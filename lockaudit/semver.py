"""How big a version move is: the semver size drift is graded by.

Shared by the audit's rules, the resolver's lock checks and the presenters
(``--fail-on patch|minor|major`` reads it), so it lives apart from all of them.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Literal

from packaging.version import InvalidVersion as _PackagingInvalidVersion
from packaging.version import Version

from .errors import InvalidVersion
from .findings import Severity

__all__ = ["Jump", "semver_jump", "severity_for_jump"]

Jump = Literal["none", "patch", "minor", "major"]


def _parse(text: str) -> Version:
    try:
        return Version(text)
    except _PackagingInvalidVersion:
        raise InvalidVersion(f"invalid version: {text!r}") from None


def semver_jump(old: str, new: str) -> Jump:
    """The size of the move from ``old`` to ``new``, as drift is graded.

    - ``"none"``: ``new`` is not newer than ``old``;
    - ``"major"``: the epoch changes, the major number changes, or on 0.x the
      minor number changes (0.4 -> 0.5);
    - ``"minor"``: the minor number changes;
    - ``"patch"``: anything smaller: the patch or a later release part, or only
      the pre-, post-, dev- or local part.

    Missing release parts count as 0 (1.2 == 1.2.0). Raises
    :class:`lockaudit.errors.InvalidVersion` for an invalid version.
    """
    a, b = _parse(old), _parse(new)
    if b <= a:
        return "none"
    if a.epoch != b.epoch:
        return "major"
    ra = a.release + (0,) * (3 - len(a.release))
    rb = b.release + (0,) * (3 - len(b.release))
    if ra[0] != rb[0]:
        return "major"
    if ra[1] != rb[1]:
        return "major" if ra[0] == 0 else "minor"
    return "patch"


_JUMP_SEVERITY: Mapping[str, Severity] = MappingProxyType(
    {"none": Severity.INFO, "patch": Severity.LOW, "minor": Severity.MEDIUM, "major": Severity.HIGH}
)


def severity_for_jump(jump: Jump) -> Severity:
    """Drift's severity for a jump: patch low, minor medium, major high (none: info)."""
    return _JUMP_SEVERITY[jump]
