"""PEP 735 dependency groups: ``{include-group = ...}`` followed by ``packaging``.

``packaging.dependency_groups`` resolves includes (names compared normalized,
cycles detected). The readers keep each requirement with its group and the
include edges (``Lockfile.group_includes``); here the edges are handed to
packaging's resolver to learn which groups a selection takes in, and which
includes are cycles.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from packaging.dependency_groups import CyclicDependencyGroup, DependencyGroupResolver
from packaging.utils import canonicalize_name

__all__ = ["cycles", "included_groups"]


def _table(
    edges: Iterable[tuple[str, str]], groups: Iterable[str], known: Iterable[str] | None = None
) -> tuple[dict[str, list], dict[str, str]]:
    """A ``[dependency-groups]`` table packaging can resolve: each group holds one
    stand-in requirement naming it, and its includes of groups that exist (those in
    ``known``, or when it is None every group an edge names)."""
    edges = list(edges)
    exist = [t for _, t in edges] if known is None else list(known)
    names: dict[str, str] = {canonicalize_name(g): g for g in [*groups, *(a for a, _ in edges), *exist]}
    stand_in = {f"group-{i}": name for i, name in enumerate(sorted(names))}
    by_name = {name: key for key, name in stand_in.items()}
    table: dict[str, list] = {}
    for name in names:
        table[name] = [by_name[name]]
    for group, target in edges:
        if canonicalize_name(target) in table:
            table[canonicalize_name(group)].append({"include-group": target})
    return table, stand_in


def included_groups(
    edges: Iterable[tuple[str, str]], selected: Sequence[str], known: Iterable[str] | None = None
) -> set[str]:
    """The normalized names of the ``selected`` groups and of every group they
    include, directly or not. Includes of groups not in ``known`` are left out
    (None: every group an edge names exists); a group in a cycle is taken alone
    (the reader reports the cycle)."""
    table, stand_in = _table(edges, selected, known)
    resolver = DependencyGroupResolver(table)
    out: set[str] = set()
    for group in selected:
        key = canonicalize_name(group)
        out.add(key)
        try:
            out.update(stand_in[str(r.name)] for r in resolver.resolve(key))
        except ExceptionGroup:
            pass  # an include cycle: the reader reports it; the group is taken alone
    return out


def cycles(edges: Iterable[tuple[str, str]], groups: Iterable[str]) -> list[CyclicDependencyGroup]:
    """The include cycles packaging finds, one per group it reports a cycle from."""
    table, _ = _table(edges, groups, groups)
    resolver = DependencyGroupResolver(table)
    found: list[CyclicDependencyGroup] = []
    for group in sorted(table):
        try:
            resolver.resolve(group)
        except ExceptionGroup as eg:
            found += [e for e in eg.exceptions if isinstance(e, CyclicDependencyGroup)]
    return found
