"""The units an audit judges, and the fresh install behind each of them.

A *unit* is a project and one of its locks (or a project with no lock): the
declared requirements of the project, the pins of that lock, and the targets
the project is for. Facts belong to units, never to a package name alone: the
same package in two locks of one run is judged against each lock.

For each unit and target the fresh resolution of the unit's inputs
(:func:`lockaudit.resolve.fresh.fresh_install_async`) says what a fresh
install takes, package by package; the facts of every package of the unit,
direct and transitive, and of every package a fresh install would add, come
from it.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace

from .._target import Target
from ..findings import Finding, RuleCode
from ..index.client import IndexClient, Progress
from ..index.history import ProjectHistory
from ..model import InputFile, LockedPackage, Lockfile, Requirement
from ..resolve.environment import Environment
from ..resolve.fresh import GRAPH_LOCKS, FreshInstall, fresh_install_async, locked_selection
from ..resolve.fresh_cache import fresh_key, load_fresh, store_fresh
from ..resolve.metadata import ReleaseDependencies
from ..resolve.repository import Repository
from ..targets import project_targets
from .facts import AuditContext, PackageFacts, build_facts
from .local_projects import expand_local_projects
from .policy import Policy
from .rules.lock import conflict_finding, lock_findings, unknown_below

__all__ = ["EarlyDependencies", "Unit", "UnitResult", "audit_units", "selected_requirements", "units_of"]

# pip freeze output has no mark of its own: a file of pins alone is a lock when evidence says so.
_LOCK_FORMATS = frozenset({"uv.lock", "poetry.lock", "pylock", "pipfile.lock"})


@dataclass(frozen=True, slots=True)
class Unit:
    """A project and one of its locks (``lock`` None: the project has none)."""

    project: str
    lock: str | None
    lock_format: str | None
    #: The project's range files, then the lock (what the targets are read from).
    files: tuple[InputFile, ...]
    requirements: tuple[Requirement, ...]
    pins: tuple[LockedPackage, ...]
    #: Whether the lock claims to pin everything an install takes (a hand-written
    #: pinned requirements file does not: what it leaves out is "unlocked", not "added").
    complete: bool = True
    #: How the lock installs: every applicable entry, or what the inputs reach through it.
    flat: bool = True
    #: Whether the lock covers every environment (entries carry markers).
    universal: bool = False


@dataclass(slots=True)
class UnitResult:
    unit: Unit
    targets_from: str
    installs: dict[Target, FreshInstall]
    facts: list[PackageFacts] = field(default_factory=list)
    #: Findings about the unit as a whole: the lock's consistency, a fresh install that fails.
    findings: list[Finding] = field(default_factory=list)


def _roots(files: Sequence[InputFile]) -> dict[str, str]:
    """Each file's root: the file a user named or discovery found (includes point at it)."""
    parent = {os.path.normpath(f.path): os.path.normpath(f.included_by) for f in files if f.included_by}
    out: dict[str, str] = {}
    for f in files:
        path = os.path.normpath(f.path)
        seen = {path}
        while path in parent and parent[path] not in seen:
            path = parent[path]
            seen.add(path)
        out[os.path.normpath(f.path)] = path
    return out


def _is_complete_lock(root: InputFile, pins: Sequence[LockedPackage]) -> bool:
    if root.format in _LOCK_FORMATS or root.role == "locked":
        return True
    # A lone pinned requirements file is a lock when a tool made it: a header,
    # "# via" provenance, or a hash on every pin.
    return root.scope is not None or any(p.via for p in pins) or (bool(pins) and all(p.hashes for p in pins))


def units_of(lockfile: Lockfile) -> list[Unit]:
    """The units of a paired Lockfile, in the order of its projects."""
    projects: dict[str, list[InputFile]] = {}
    for f in lockfile.inputs:
        projects.setdefault(f.project, []).append(f)
    for dep in lockfile.dependencies:
        projects.setdefault(dep.project, [])
    units: list[Unit] = []
    for project, files in projects.items():
        roots = _roots(files)
        by_path = {os.path.normpath(f.path): f for f in files}
        deps = [d for d in lockfile.dependencies if d.project == project]
        requirements = tuple(r for d in deps for r in d.requirements)
        by_root: dict[str, list[LockedPackage]] = {}
        for d in deps:
            for pin in d.locked:
                path = os.path.normpath(pin.origin.path)
                by_root.setdefault(roots.get(path, path), []).append(pin)
        declared = tuple(f for f in files if f.role == "declared" and not f.included_by)
        if not by_root:
            units.append(Unit(project, None, None, declared, requirements, ()))
            continue
        for root_path, pins in by_root.items():
            root = by_path.get(root_path)
            fmt = root.format if root is not None else None
            scope = root.scope if root is not None else None
            units.append(
                Unit(
                    project,
                    root.path if root is not None else root_path,
                    fmt,
                    declared + ((root,) if root is not None and root not in declared else ()),
                    requirements,
                    tuple(pins),
                    complete=_is_complete_lock(root, pins) if root is not None else True,
                    flat=fmt not in GRAPH_LOCKS,
                    universal=bool(scope is not None and scope.universal),
                )
            )
    return units


def selected_requirements(unit: Unit) -> tuple[Requirement, ...]:
    """The requirements the unit's lock was made from (see
    :func:`lockaudit.resolve.fresh.locked_selection`)."""
    return locked_selection(unit.requirements, unit.pins, unit.lock_format)


def _unit_findings(unit: Unit, installs: Mapping[Target, FreshInstall]) -> list[Finding]:
    """What the unit's lock and fresh installs say of themselves, as findings
    (each once, however many targets saw it)."""
    out: list[Finding] = []
    installed_somewhere = {n for fi in installs.values() for n, p in fi.packages.items() if p.locked is not None}
    for fi in installs.values():
        issues = []
        # A project without a lock has no lock to be wrong: nothing is "not in the lock".
        walked = fi.lock_walk.issues if unit.lock is not None else ()
        for issue in walked:
            if issue.kind == "unavailable":
                continue  # the package's own LA013 says it
            if issue.kind in ("python-excluded", "version-not-on-index"):
                continue  # LA007 says it per target; the package's own LA013 (high) says it
            if issue.kind == "extraneous" and (
                unit.universal or not unit.complete or issue.package in installed_somewhere
            ):
                continue
            if issue.kind in ("missing-dependency", "missing-requirement") and not unit.complete:
                # A hand-written pinned file does not claim to pin everything: what it
                # leaves out a fresh install takes unpinned ("unlocked"), which is not an error.
                continue
            issues.append(issue)
        out.extend(lock_findings(issues))
        if fi.conflict is not None:
            out.append(conflict_finding(fi.conflict))
        out.extend(unknown_below(fi.unknown, out))
    return out


class EarlyDependencies:
    """On a cold run, the locked releases' dependencies are read as each
    history arrives, while other pages are still coming (a warm run reads
    them from the cache in one batch later: it starts nothing here)."""

    def __init__(self, client: IndexClient, lockfile: Lockfile) -> None:
        self.dependencies: dict[tuple[str, str], ReleaseDependencies] = {}
        self._histories: dict[str, ProjectHistory] = {}
        self._client = client
        self._repository: Repository | None = None
        self._pins: dict[str, set[str]] = {}
        for pin in lockfile.packages:
            if pin.source.from_index and pin.version:
                self._pins.setdefault(pin.name, set()).add(pin.version)
        self._tasks: list[asyncio.Future[None]] = []

    def arrived(self, name: str, history: ProjectHistory) -> None:
        if history.from_cache or not history.ok or name not in self._pins:
            return
        if self._repository is None:
            self._repository = Repository(
                self._client,
                Environment.for_target(None),
                dependencies=self.dependencies,
                histories=self._histories,
            )
        self._histories[name] = history
        self._tasks.append(asyncio.ensure_future(self._one(name)))

    async def _one(self, name: str) -> None:
        assert self._repository is not None
        await self._repository.load_histories([name])
        project = self._repository.loaded(name)
        if project is None:
            return
        releases = [(name, s) for v in sorted(self._pins[name]) if (s := project.spelling(v)) is not None]
        await self._repository.load_dependencies(releases)

    async def wait(self) -> None:
        if self._tasks:
            await asyncio.gather(*self._tasks)

    def cancel(self) -> None:
        for task in self._tasks:
            task.cancel()


async def audit_units(
    lockfile: Lockfile,
    client: IndexClient,
    policy: Policy,
    ctx: AuditContext,
    histories: Mapping[str, ProjectHistory],
    *,
    progress: Progress | None = None,
    dependencies: dict[tuple[str, str], ReleaseDependencies] | None = None,
    local_projects: bool = True,
) -> list[UnitResult]:
    """Every unit's fresh installs (one per target) and facts. ``dependencies``:
    release dependencies already read in this run (see :class:`EarlyDependencies`).
    ``local_projects``: read the dependencies of local projects (``-e .``) from
    their pyproject.toml on disk (never for uploads: their paths are not ours)."""
    shared_deps: dict[tuple[str, str], ReleaseDependencies] = {} if dependencies is None else dependencies
    shared_histories: dict[str, ProjectHistory] = dict(histories)
    results: list[UnitResult] = []
    for unit in units_of(lockfile):
        choice = project_targets(unit.files, python=policy.python, platform=policy.platform)
        requirements = selected_requirements(unit)
        if local_projects:
            requirements = expand_local_projects(requirements)
        inputs = replace(lockfile, requirements=requirements, packages=(), dependencies=(), inputs=unit.files)
        installs: dict[Target, FreshInstall] = {}
        indexes = [i.url for i in client.indexes]
        for target in choice.targets:
            key = fresh_key(
                inputs.requirements,
                unit.pins,
                target,
                ctx.cutoff,
                prereleases=ctx.prereleases,
                flat=unit.flat,
                complete=unit.complete,
                indexes=indexes,
            )
            env = Environment.for_target(target)
            install, missing = load_fresh(client, key, unit.pins, requirements, env, ctx.cutoff, shared_histories)
            if missing:
                shared_histories.update(await client.fetch_histories(missing))
                install, _ = load_fresh(client, key, unit.pins, requirements, env, ctx.cutoff, shared_histories)
            if install is None:
                install = await fresh_install_async(
                    inputs,
                    unit.pins,
                    client=client,
                    target=env,
                    as_of=ctx.cutoff,
                    prereleases=ctx.prereleases,
                    flat=unit.flat,
                    complete=unit.complete,
                    dependencies=shared_deps,
                    histories=shared_histories,
                    progress=progress,
                )
                store_fresh(client, key, install, unit.pins, requirements)
            installs[target] = install
        result = UnitResult(unit, choice.reason, installs)
        result.findings = _unit_findings(unit, installs)
        result.facts = _facts(unit, installs, shared_histories, histories, ctx, result.findings)
        results.append(result)
    return results


def _facts(
    unit: Unit,
    installs: Mapping[Target, FreshInstall],
    all_histories: Mapping[str, ProjectHistory],
    histories: Mapping[str, ProjectHistory],
    ctx: AuditContext,
    unit_findings: Sequence[Finding],
) -> list[PackageFacts]:
    reqs: dict[str, list[Requirement]] = {}
    for r in unit.requirements:
        reqs.setdefault(r.name, []).append(r)
    pins: dict[str, list[LockedPackage]] = {}
    for p in unit.pins:
        pins.setdefault(p.name, []).append(p)
    names = list(dict.fromkeys([*reqs, *pins, *(n for fi in installs.values() for n in fi.packages)]))
    below_unknown = {
        f.package: str(f.data.get("reason") or "unknown")
        for f in unit_findings
        if f.code is RuleCode.DEPENDENCIES_UNKNOWN
    }
    out = []
    for name in sorted(names):
        history = histories.get(name) or all_histories.get(name)
        facts = build_facts(
            name,
            unit.project,
            unit.lock,
            reqs.get(name, ()),
            pins.get(name, ()),
            history,
            ctx,
            {t: fi.packages.get(name) for t, fi in installs.items()},
        )
        facts.dependencies_unknown = below_unknown.get(name)
        out.append(facts)
    return out
