"""What a fresh install takes, package by package, for one target environment.

The one answer behind every "a fresh install takes" of the audit, ``check``
and the service: the fresh resolution of the declared inputs (as of a date),
set against what the lock installs in the same environment.

What the lock installs there depends on how it is installed:

- a flat lock (requirements file, pylock.toml, Pipfile.lock) installs every
  entry whose markers hold;
- a graph lock (uv.lock, poetry.lock) installs what the project's
  requirements reach through the locked releases' own dependencies, markers
  and extras evaluated for the target.

A package the lock installs and the fresh resolution does not is *dropped*;
one the resolution adds is *added*; both, at different versions, an upgrade
or a downgrade. Where metadata is missing (offline, an sdist without reliable
metadata) the graph below that release is not known, and what depends on it is
*unknown*, never silently left out.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from types import MappingProxyType

from packaging.utils import canonicalize_name

from .._target import Target
from ..as_of import exists_at, parse_as_of
from ..errors import InvalidSpecifier, InvalidVersion
from ..index import IndexClient
from ..index.history import FetchStatus, ProjectHistory
from ..model import IndexOptions, LockedPackage, Lockfile, Requirement, requirement_at
from ..versions import ReleaseHistory
from .candidates import Project, compile_spec
from .conflicts import ResolutionConflict, ResolutionTooComplex
from .environment import Environment
from .lock_walk import LockWalk, walk_lock
from .metadata import ReleaseDependencies
from .reporter import Progress
from .repository import Repository
from .resolver import Pin, Resolution, ResolveOptions, requirements_from, resolve_async

__all__ = [
    "ALL_GROUPS_LOCKS",
    "GRAPH_LOCKS",
    "Change",
    "FreshInstall",
    "FreshPackage",
    "applicable_locked",
    "fresh_install_async",
    "locked_selection",
]

#: Lock formats that record a dependency graph: they install what the project
#: reaches through it (the others install every entry whose markers hold).
GRAPH_LOCKS = frozenset({"uv.lock", "poetry.lock"})
#: Lock formats that lock every group and extra of the project (as uv and Poetry do by default).
ALL_GROUPS_LOCKS = GRAPH_LOCKS

#: How a package's fresh install differs from the lock on one target.
#: same / upgrade / downgrade: both install it; added / dropped: only one does;
#: unlocked: the project has no lock; unknown: cannot be told (see ``reason``).
Change = str

#: Availability statuses that make a failed resolution unknown rather than a
#: failure: the history could not be had (a package the index does not know
#: may live on an index not configured here: LA013 says so, as unknown).
_NOT_A_FAILURE = frozenset({"not_found", "unreachable", "invalid", "not_cached", "unknown"})


@dataclass(frozen=True, slots=True)
class FreshPackage:
    """One package on one target: what the lock installs and what a fresh install takes."""

    name: str
    change: Change
    #: The lock entry installed on this target (None: the lock does not install it here).
    locked: LockedPackage | None = None
    #: The version a fresh install takes (None: it does not install the package).
    fresh: str | None = None
    #: Named by a top-level requirement (else pulled in by other packages).
    direct: bool = False
    #: The newest final release this target can install, whatever anyone requires.
    newest: str | None = None
    #: Who keeps the fresh version below ``newest``: (who, PEP 440 specifier),
    #: e.g. ``("celery 5.7.0", "==2.9.0.post0")``.
    held_by: tuple[tuple[str, str], ...] = ()
    #: The top-level requirements that pull it in (``requests>=2.28 (requirements.in:1)``).
    pulled_in_by: tuple[str, ...] = ()
    #: Why ``change`` is "unknown".
    reason: str | None = None


@dataclass(frozen=True, eq=False)
class FreshInstall:
    """A fresh install of one project's inputs on one target, set against its lock."""

    target: Target
    environment: Environment
    #: The as-of cutoff the resolution used (None: now).
    as_of: datetime | None
    #: Every package the lock or the fresh install puts on this target, by name.
    packages: Mapping[str, FreshPackage]
    #: The lock walked from the inputs here: what it installs (``top``) and
    #: what is wrong with it (issues the audit's rules word as LA017/LA019/LA013).
    lock_walk: LockWalk = field(default_factory=lambda: LockWalk((), {}))
    resolution: Resolution | None = None
    #: Why no resolution exists: a real conflict (a fresh install fails).
    conflict: ResolutionConflict | ResolutionTooComplex | None = None
    #: Why the fresh install cannot be told at all (a package's history unavailable).
    unknown_reason: str | None = None
    #: The lock entries that apply to the target, by name (installed or not).
    locked: Mapping[str, LockedPackage] = field(default_factory=dict)
    #: Release dependencies read on the way, by (name, version): what LA012 compares.
    dependencies: Mapping[tuple[str, str], ReleaseDependencies] = field(default_factory=dict)
    #: Fresh pins whose dependencies are unknown: name -> (version, why).
    unknown: Mapping[str, tuple[str, str]] = field(default_factory=dict)
    #: Every project whose release history this answer read (name -> fingerprint,
    #: see :func:`history_fingerprint`): the answer holds while none changes.
    read: Mapping[str, str] = field(default_factory=dict)

    @property
    def label(self) -> str:
        return self.environment.label

    @property
    def lock_top(self) -> Mapping[str, tuple[Requirement, ...]]:
        """The requested requirements that pull each lock entry the walk reached in."""
        return self.lock_walk.top

    def dependencies_of(self, name: str, version: str | None) -> ReleaseDependencies | None:
        if not version:
            return None
        return self.dependencies.get((canonicalize_name(name), version))


# --------------------------------------------------------------------------- the lock side


def applicable_locked(locked: Iterable[LockedPackage], env: Environment) -> dict[str, LockedPackage]:
    """The lock entries that install in ``env`` (markers hold), by normalized
    name: one per name, the first whose markers hold when a lock splits a
    package by environment."""
    out: dict[str, LockedPackage] = {}
    for pkg in locked:
        if pkg.marker and not env.evaluate(pkg.marker, ""):
            continue
        out.setdefault(canonicalize_name(pkg.name), pkg)
    return out


def _same_version(a: str, b: str) -> bool:
    if a == b:
        return True
    try:
        return ReleaseHistory([a]).count(compile_spec(f"=={b}"), prereleases=True) > 0
    except (InvalidSpecifier, InvalidVersion):
        return False


def _direction(old: str, new: str) -> Change:
    if _same_version(old, new):
        return "same"
    try:
        newer = ReleaseHistory([old, new]).newest("", prereleases=True)
    except (InvalidSpecifier, InvalidVersion):
        return "upgrade"
    return "upgrade" if newer == new else "downgrade"


def _admits(specifier: str, version: str) -> bool:
    if not specifier:
        return True
    try:
        return ReleaseHistory([version]).count(compile_spec(specifier), prereleases=True) > 0
    except (InvalidSpecifier, InvalidVersion):
        return True


def _newest(project: Project | None) -> str | None:
    if project is None or not project.ok:
        return None
    best = next(project.candidates([""], prereleases=False), None)
    return best.version if best is not None else None


def _held_by(pin: Pin, newest: str | None) -> tuple[tuple[str, str], ...]:
    if newest is None or _same_version(pin.version, newest):
        return ()
    return tuple((who, spec) for who, spec in pin.wanted_specifiers if not _admits(spec, newest))


def locked_selection(
    requirements: Sequence[Requirement], pins: Sequence[LockedPackage], lock_format: str | None
) -> tuple[Requirement, ...]:
    """The requirements a lock was made from: the main ones, and the groups
    and extras it locks.

    uv.lock and poetry.lock lock every group and extra; a lock made by other
    tools (pip-compile, ``uv pip compile``, ``uv export``, pipenv) holds the
    groups it was asked for, which show in it: a group whose every
    requirement is pinned was locked, one with a requirement the lock lacks
    was not. Without pins, everything is selected.
    """
    if not pins or lock_format in ALL_GROUPS_LOCKS:
        return tuple(requirements)
    pinned = {canonicalize_name(p.name) for p in pins}
    groups: dict[tuple[str, bool], list[Requirement]] = {}
    out: list[Requirement] = []
    for r in requirements:
        if r.group is None:
            out.append(r)
        else:
            groups.setdefault((r.group, r.optional), []).append(r)
    for members in groups.values():
        indexed = [r for r in members if r.source.from_index and not r.constraint]
        if all(r.name in pinned for r in indexed):
            out.extend(members)
    order = {id(r): i for i, r in enumerate(requirements)}
    return tuple(sorted(out, key=lambda r: order[id(r)]))


# --------------------------------------------------------------------------- the fresh install


def _declared(inputs: Lockfile | Iterable[Requirement | str]) -> tuple[list[Requirement], IndexOptions | None]:
    if isinstance(inputs, Lockfile):
        return list(inputs.requirements), inputs.index
    return requirements_from(inputs), None


def _pinned_after(
    conflict: ResolutionConflict | ResolutionTooComplex,
    locked: Mapping[str, LockedPackage],
    repository: Repository,
    cutoff: datetime | None,
) -> str | None:
    """A resolution as of a date that fails on a package the lock pins at a
    release uploaded after that date says nothing about a fresh install then:
    the lock is newer than the question."""
    if cutoff is None or not isinstance(conflict, ResolutionConflict):
        return None
    for name in conflict.packages:
        pin = locked.get(name)
        project = repository.loaded(name)
        if pin is None or not pin.version or project is None or not project.ok:
            continue
        spelling = project.spelling(pin.version)
        release = project.release(spelling) if spelling is not None else None
        if release is not None and not exists_at(release.upload_time, cutoff):
            return f"the locked {name} {pin.version} was uploaded after the as-of date"
    return None


class _Skipped(Exception):
    """No resolution was asked for."""


def _failure_is_unknown(conflict: ResolutionConflict | ResolutionTooComplex) -> str | None:
    """Why a failed resolution says nothing about a fresh install (a history
    that could not be had), or None when it is a real failure."""
    if not isinstance(conflict, ResolutionConflict):
        return None
    for name, availability in conflict.packages.items():
        if availability.status in _NOT_A_FAILURE:
            detail = f" ({availability.detail})" if availability.detail else ""
            return f"the release history of {name} could not be had: {availability.status}{detail}"
    return None


async def fresh_install_async(
    inputs: Lockfile | Iterable[Requirement | str],
    lock: Iterable[LockedPackage],
    *,
    client: IndexClient,
    target: Target | Environment | None = None,
    as_of: date | datetime | str | None = None,
    prereleases: bool | None = None,
    flat: bool = True,
    complete: bool = True,
    resolve: bool = True,
    dependencies: dict[tuple[str, str], ReleaseDependencies] | None = None,
    histories: dict[str, ProjectHistory] | None = None,
    progress: Progress | None = None,
) -> FreshInstall:
    """Resolve ``inputs`` afresh for ``target`` as of ``as_of`` and set the
    result against what ``lock`` installs there (see the module doc).

    ``flat`` says how the lock installs: every applicable entry (requirements
    files, pylock, Pipfile.lock) or what the inputs reach through it (uv.lock,
    poetry.lock). ``complete`` False says the lock does not claim to pin
    everything (a hand-written pinned file): what a fresh install takes beyond
    it is "unlocked", not "added". The lock's own versions are looked up
    whatever their date.
    ``dependencies`` and ``histories`` are maps shared by the run's
    resolutions (see :func:`~lockaudit.resolve.resolve_async`). ``resolve`` False checks the
    lock alone (no fresh resolution: every package's change is unknown).
    """
    env = target if isinstance(target, Environment) else Environment.for_target(target)
    cutoff = parse_as_of(as_of)
    declared, _ = _declared(inputs)
    deps_map: dict[tuple[str, str], ReleaseDependencies] = {} if dependencies is None else dependencies
    history_map: dict[str, ProjectHistory] = {} if histories is None else histories
    locked = applicable_locked(lock, env)

    # The lock: its releases' dependencies, whatever their date.
    repository = Repository(client, env, loop=asyncio.get_running_loop(), dependencies=deps_map, histories=history_map)
    from_index = {n: p for n, p in locked.items() if p.source.from_index and p.version}
    await repository.load_histories(from_index)
    unavailable: dict[str, str] = {}
    spelled: dict[str, str] = {}
    for name, pin in from_index.items():
        project = repository.loaded(name)
        if project is None or not project.ok:
            status = project.status if project is not None else "not fetched"
            detail = project.history.detail if project is not None else None
            unavailable[name] = (
                "not found on the index"
                if status is FetchStatus.NOT_FOUND
                else f"index answer: {status}" + (f" ({detail})" if detail else "")
            )
            continue
        spelling = project.spelling(pin.version)
        if spelling is not None:
            spelled[name] = spelling
    await repository.load_dependencies(spelled.items())

    def dependencies_of(name: str, version: str) -> ReleaseDependencies | None:
        spelling = spelled.get(name)
        if spelling is None or repository.loaded(name) is None:
            return None
        return repository.known_dependencies(name, spelling)

    walk = walk_lock(declared, locked, env, dependencies_of, unavailable=unavailable)
    lock_top = walk.top
    walk_complete = walk.complete and not unavailable

    # The fresh install.
    resolution: Resolution | None = None
    conflict: ResolutionConflict | ResolutionTooComplex | None = None
    unknown_reason: str | None = None if resolve else "not resolved (asked not to)"
    try:
        if not resolve:
            raise _Skipped
        resolution = await resolve_async(
            inputs if isinstance(inputs, Lockfile) else declared,
            ResolveOptions(target=env, as_of=cutoff, prereleases=prereleases, partial=True),
            client=client,
            progress=progress,
            dependencies=deps_map,
            histories=history_map,
        )
    except _Skipped:
        pass
    except (ResolutionConflict, ResolutionTooComplex) as exc:
        unknown_reason = _failure_is_unknown(exc) or _pinned_after(exc, locked, repository, cutoff)
        if unknown_reason is None:
            conflict = exc

    # What the lock installs here.
    if flat or not walk_complete:
        installed = {n: p for n, p in locked.items()}
    else:
        installed = {n: p for n, p in locked.items() if n in lock_top}

    packages = _compare(installed, locked, lock_top, resolution, conflict, unknown_reason, walk_complete, complete)
    unknown = (
        {
            name: (resolution.pins[name].version, reason)
            for name, reason in resolution.unknown.items()
            if name in resolution.pins
        }
        if resolution is not None
        else {}
    )
    read = {n: history_fingerprint(history_map[n]) for n in _touched(repository, resolution) if n in history_map}
    return FreshInstall(
        target=env.target,
        environment=env,
        as_of=cutoff,
        packages=MappingProxyType(packages),
        lock_walk=walk,
        resolution=resolution,
        conflict=conflict,
        unknown_reason=unknown_reason,
        locked=MappingProxyType(dict(locked)),
        dependencies=deps_map,
        unknown=MappingProxyType(unknown),
        read=read,
    )


def _touched(repository: Repository, resolution: Resolution | None) -> set[str]:
    """The projects both sides of the answer looked at (the lock's and the resolution's)."""
    names = set(repository.projects)
    if resolution is not None:
        names.update(resolution.read)
    return names


def history_fingerprint(history: ProjectHistory) -> str:
    """What a history says that a fresh install depends on, in a few numbers:
    its status, how many releases, how many yanked, with wheels, with sdists,
    and the last one listed. A new release, a yank or a new kind of file
    changes it; an answer computed from the history holds while it stays."""
    versions = history.versions
    yanked = wheels = sdists = 0
    for r in versions:
        yanked += r.yanked
        wheels += r.has_wheel
        sdists += r.has_sdist
    last = versions[-1].version if versions else ""
    return f"{history.status.value}:{len(versions)}:{yanked}:{wheels}:{sdists}:{last}"


def _compare(
    installed: Mapping[str, LockedPackage],
    locked: Mapping[str, LockedPackage],
    lock_top: Mapping[str, tuple[Requirement, ...]],
    resolution: Resolution | None,
    conflict: ResolutionConflict | ResolutionTooComplex | None,
    unknown_reason: str | None,
    walk_complete: bool,
    complete: bool,
) -> dict[str, FreshPackage]:
    out: dict[str, FreshPackage] = {}
    has_lock = bool(locked) and complete
    if resolution is None:
        why = unknown_reason or (f"a fresh resolution fails: {conflict}" if conflict is not None else "not resolved")
        for name, entry in installed.items():
            out[name] = FreshPackage(name, "unknown", locked=entry, reason=why)
        return out

    requested = {r.name for r in resolution.requirements}
    # Below a release whose dependencies are unknown, the fresh graph is not
    # known; nor below a requested URL, path or VCS reference (never resolved).
    fresh_incomplete = {n: r for n, r in resolution.unknown.items() if n in resolution.pins}
    for skipped in resolution.skipped:
        if skipped.kind == "not-from-index":
            fresh_incomplete[skipped.requirement.name] = skipped.reason
    for name, pin in resolution.pins.items():
        old = installed.get(name)
        project = pin._project
        newest = _newest(project)
        tops = tuple(requirement_at(r) for r in resolution.top_level(name))
        if old is not None and not old.source.from_index:
            change: Change = "same"  # a path/URL/VCS pin: not the index's to judge
        elif old is not None and old.version:
            change = _direction(old.version, pin.version)
        elif old is not None:
            change = "same"
        elif not has_lock:
            change = "unlocked"
        else:
            change = "added"
        out[name] = FreshPackage(
            name,
            change,
            locked=old,
            fresh=pin.version,
            direct=name in requested,
            newest=newest,
            held_by=_held_by(pin, newest),
            pulled_in_by=tops,
            reason=None if change != "unknown" else "the lock's dependencies below it are unknown",
        )
    for name, old in installed.items():
        if name in out or not old.source.from_index:
            continue
        tops = tuple(requirement_at(r) for r in lock_top.get(name, ()))
        if fresh_incomplete:
            below = ", ".join(sorted(fresh_incomplete))
            out[name] = FreshPackage(
                name,
                "unknown",
                locked=old,
                pulled_in_by=tops,
                reason=f"it may come with {below}, whose dependencies are unknown",
            )
        else:
            out[name] = FreshPackage(name, "dropped", locked=old, direct=name in requested, pulled_in_by=tops)
    return out


def summary(installs: Sequence[FreshInstall]) -> dict[str, int]:
    """Counts of changes over the given installs (for headers and tests)."""
    counts: dict[str, int] = {}
    for fi in installs:
        for pkg in fi.packages.values():
            counts[pkg.change] = counts.get(pkg.change, 0) + 1
    return counts
