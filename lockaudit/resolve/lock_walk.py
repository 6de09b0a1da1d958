"""A lock walked from its inputs on one target: what it installs, and what is wrong with it.

Two questions about a lock and the inputs it was made from, answered as plain
data (:class:`LockIssue`); the audit's rules (``lockaudit.audit.rules.lock``)
word them as findings (LA017, LA019, LA013):

1. Does the lock satisfy the inputs? Every requested requirement that applies
   to the target must be locked, at a version its range admits.
2. Is the lock closed? Walking from the requested packages through each locked
   release's own dependencies (its core metadata; markers and extras evaluated
   for the target), every dependency must be locked, at a version that
   dependency's range admits, and each locked release must support the target
   Python. Locked packages nothing reaches are noted. A release whose metadata
   cannot be read stops the walk there; so does a package whose history could
   not be had.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

from packaging.utils import canonicalize_name

from ..errors import InvalidSpecifier, InvalidVersion
from ..model import LockedPackage, Requirement
from ..versions import ReleaseHistory
from .candidates import compile_spec
from .environment import Environment
from .metadata import ReleaseDependencies

__all__ = ["DependenciesOf", "LockIssue", "LockWalk", "satisfies", "walk_lock"]

DependenciesOf = Callable[[str, str], "ReleaseDependencies | None"]


@dataclass(frozen=True, slots=True)
class LockIssue:
    """One thing the walk found.

    ``kind`` is one of: ``constraint-violated``, ``missing-requirement``,
    ``unsatisfied-requirement`` (a requested requirement against the lock);
    ``unavailable``, ``version-not-on-index``, ``dependencies-unknown``,
    ``python-excluded`` (a locked release); ``missing-dependency``,
    ``excluded-version`` (a locked release's dependency); ``extraneous``
    (nothing requires it here).
    """

    kind: str
    package: str
    #: The lock entry it is about (for ``missing-dependency``: the requiring release's).
    locked: LockedPackage | None = None
    #: The requested requirement it is about (requirement kinds).
    requirement: Requirement | None = None
    #: ``name[extra] version`` of the locked release that requires it (dependency kinds).
    required_by: str | None = None
    #: The dependency as that release requires it: ``name[extras]spec``.
    specifier: str | None = None
    #: The requested requirements that pull the package in.
    roots: tuple[Requirement, ...] = ()
    #: Why (``unavailable``, ``dependencies-unknown``).
    reason: str | None = None
    requires_python: str | None = None
    #: The target's Python (``python-excluded``).
    python: str | None = None


@dataclass(frozen=True, slots=True)
class LockWalk:
    """What the walk found, and for each lock entry it reached the requested
    requirements that pull it in (what the lock installs on a graph lock)."""

    issues: tuple[LockIssue, ...]
    top: Mapping[str, tuple[Requirement, ...]]

    @property
    def complete(self) -> bool:
        """Nothing stopped the walk: every reached release's dependencies were read."""
        return not any(i.kind in ("unavailable", "dependencies-unknown") for i in self.issues)


_satisfies_cache: dict[tuple[str, str], bool] = {}


def satisfies(version: str, specifier: str) -> bool:
    """Whether ``version`` is admitted by a PEP 440 specifier (pre-releases
    included, as an exact lock entry is); an invalid one admits nothing."""
    if not specifier:
        return True
    key = (version, specifier)
    hit = _satisfies_cache.get(key)
    if hit is None:
        try:
            hit = ReleaseHistory([version]).count(compile_spec(specifier), prereleases=True) > 0
        except (InvalidSpecifier, InvalidVersion, ValueError):
            hit = False
        if len(_satisfies_cache) > 100_000:
            _satisfies_cache.clear()
        _satisfies_cache[key] = hit
    return hit


def _applies(r: Requirement, env: Environment) -> bool:
    return (not r.marker or env.evaluate(r.marker, "")) and r.source.from_index


def walk_lock(
    requirements: Sequence[Requirement],
    locked: Mapping[str, LockedPackage],
    env: Environment,
    dependencies_of: DependenciesOf,
    *,
    unavailable: Mapping[str, str] | None = None,
) -> LockWalk:
    """Walk ``locked`` (the entries that apply to ``env``, by name) from
    ``requirements``. ``dependencies_of(name, version)`` gives a locked
    release's dependencies (None: the index does not have that version);
    ``unavailable`` names packages whose history could not be had, with why."""
    unavailable = unavailable or {}
    issues: list[LockIssue] = []
    top: dict[str, dict[int, Requirement]] = {}
    contexts: dict[str, set[str]] = {}
    queue: list[str] = []
    reported: set[tuple[str, str]] = set()

    def reach(name: str, extras: Iterable[str], roots: Iterable[Requirement]) -> None:
        wanted = {"", *extras}
        known = contexts.setdefault(name, set())
        entry = top.setdefault(name, {})
        grew = False
        for r in roots:
            if id(r) not in entry:
                entry[id(r)] = r
                grew = True
        if not wanted <= known or grew:
            known.update(wanted)
            queue.append(name)

    for r in requirements:
        if not _applies(r, env):
            continue
        pkg = locked.get(r.name)
        if r.constraint:
            if pkg is not None and pkg.source.from_index and not satisfies(pkg.version, r.pep440):
                issues.append(LockIssue("constraint-violated", r.name, locked=pkg, requirement=r))
            continue
        if pkg is None:
            issues.append(LockIssue("missing-requirement", r.name, requirement=r))
            continue
        if pkg.source.from_index and not satisfies(pkg.version, r.pep440):
            issues.append(LockIssue("unsatisfied-requirement", r.name, locked=pkg, requirement=r))
        reach(r.name, (canonicalize_name(e) for e in r.extras), (r,))

    def once(key: tuple[str, str]) -> bool:
        if key in reported:
            return False
        reported.add(key)
        return True

    while queue:
        name = queue.pop()
        pkg = locked[name]
        roots = tuple(top[name].values())
        if not pkg.source.from_index or not pkg.version:
            continue
        if name in unavailable:
            if once((name, "unavailable")):
                issues.append(LockIssue("unavailable", name, locked=pkg, roots=roots, reason=unavailable[name]))
            continue
        deps = dependencies_of(name, pkg.version)
        if deps is None:
            if once((name, "missing")):
                issues.append(LockIssue("version-not-on-index", name, locked=pkg, roots=roots))
            continue
        if not deps.known:
            if once((name, "unknown")):
                issues.append(LockIssue("dependencies-unknown", name, locked=pkg, roots=roots, reason=deps.reason))
            continue
        if deps.requires_python and not env.python_ok(deps.requires_python) and once((name, "python")):
            issues.append(
                LockIssue(
                    "python-excluded",
                    name,
                    locked=pkg,
                    roots=roots,
                    requires_python=deps.requires_python,
                    python=env.python_version,
                )
            )
        for context in sorted(contexts[name]):
            for dep in deps.applicable(env, context):
                if dep.name == name and not dep.extras:
                    continue
                requirer = f"{name}[{context}] {pkg.version}" if context else f"{name} {pkg.version}"
                target = locked.get(dep.name)
                spec_text = f"{dep.name}{'[' + ','.join(dep.extras) + ']' if dep.extras else ''}{dep.specifier}"
                if target is None:
                    if once((dep.name, f"missing {name}")):
                        issues.append(
                            LockIssue(
                                "missing-dependency",
                                dep.name,
                                locked=pkg,
                                required_by=requirer,
                                specifier=spec_text,
                                roots=roots,
                            )
                        )
                    continue
                if (
                    target.source.from_index
                    and not satisfies(target.version, dep.specifier)
                    and once((dep.name, f"excluded {name}"))
                ):
                    issues.append(
                        LockIssue(
                            "excluded-version",
                            dep.name,
                            locked=target,
                            required_by=requirer,
                            specifier=spec_text,
                            roots=roots,
                        )
                    )
                reach(dep.name, dep.extras, roots)

    for name, pkg in sorted(locked.items()):
        if name not in top and pkg.source.from_index:
            issues.append(LockIssue("extraneous", name, locked=pkg))
    return LockWalk(tuple(issues), {name: tuple(v.values()) for name, v in top.items()})
