"""Which optional requirements of a project take part: its extras and dependency groups.

A pyproject.toml, a Pipfile or a Poetry project declares main requirements,
optional-dependency extras and dependency groups. ``lockaudit lock`` and
``lockaudit check`` (``--extra``, ``--group``, ``--all-extras``,
``--all-groups``) and their HTTP routes choose among them with one
:class:`Selection`; :func:`select_requirements` applies it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from packaging.utils import canonicalize_name

from ..model import Lockfile
from .groups import included_groups

__all__ = ["Selection", "select_requirements"]


@dataclass(frozen=True, slots=True)
class Selection:
    """The extras and dependency groups that take part besides the main requirements.

    Names are kept as given (a lock's header quotes them); they are compared
    normalized. A group takes in the groups it includes (PEP 735).
    """

    extras: tuple[str, ...] = ()
    groups: tuple[str, ...] = ()
    all_extras: bool = False
    all_groups: bool = False

    def __post_init__(self) -> None:
        # Lists from argparse or a request body become tuples: the selection stays frozen.
        object.__setattr__(self, "extras", tuple(self.extras))
        object.__setattr__(self, "groups", tuple(self.groups))

    @property
    def given(self) -> bool:
        """Whether anything was chosen (else a caller's default applies, e.g. what a lock was made from)."""
        return bool(self.extras or self.groups or self.all_extras or self.all_groups)


def select_requirements(lockfile: Lockfile, selection: Selection) -> Lockfile:
    """``lockfile`` with only the requirements ``selection`` keeps: the main
    ones, plus the chosen extras and dependency groups."""
    extras = {canonicalize_name(e) for e in selection.extras}
    known = {r.group for r in lockfile.requirements if r.group is not None and not r.optional}
    groups = included_groups(
        lockfile.group_includes, list(selection.groups), known | {a for a, _ in lockfile.group_includes}
    )
    kept = []
    for r in lockfile.requirements:
        if r.group is None:
            kept.append(r)
        elif r.optional:
            if selection.all_extras or canonicalize_name(r.group) in extras:
                kept.append(r)
        elif selection.all_groups or canonicalize_name(r.group) in groups:
            kept.append(r)
    return replace(lockfile, requirements=tuple(kept))
