"""Lock consistency and transitive drift, as findings.

Three questions about a lock and the inputs it was made from, for one target
environment:

1. Does the lock satisfy the inputs? Every requested requirement that applies
   to the target must be locked, at a version its range admits (LA017).
2. Is the lock closed? Walking from the requested packages through each locked
   release's own dependencies (its core metadata; markers and extras evaluated
   for the target), every dependency must be locked, at a version that
   dependency's range admits, and each locked release must support the target
   Python (LA017). Locked packages nothing reaches are reported for
   information. A release whose metadata cannot be read stops the walk there
   (LA019); a package the index does not know is LA013.
3. How would a fresh resolution today (or as of a date) differ? Each changed,
   added or removed pin is an LA018 finding with the semver size of the change
   and the top-level requirements that pull the package in; a fresh resolution
   that fails is one LA018 finding with the conflict's explanation.

``lock_consistency`` and ``transitive_drift`` are pure functions over data;
``check`` / ``check_async`` fetch what they need and run both.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from packaging.utils import canonicalize_name

from ..errors import InvalidSpecifier, InvalidVersion
from ..findings import Finding, JSONValue, Location, PackageReport, PackageStatus, RuleCode, Severity, Target
from ..index import IndexClient, IndexSettings, resolve_index_settings
from ..index.cache import Cache
from ..model import IndexOptions, LockedPackage, Lockfile, Requirement, requirement_text
from ..semver import semver_jump, severity_for_jump
from ..versions import ReleaseHistory
from .candidates import compile_spec
from .conflicts import ResolutionConflict, ResolutionTooComplex
from .environment import Environment
from .fresh import GRAPH_LOCKS, FreshInstall, applicable_locked, fresh_install_async
from .metadata import ReleaseDependencies
from .reporter import Progress
from .resolver import Resolution, parse_as_of, requirements_from, run_sync

__all__ = [
    "CheckOptions",
    "CheckResult",
    "applicable_locked",
    "check",
    "check_async",
    "check_lock_async",
    "lock_consistency",
    "package_reports",
    "transitive_drift",
]

DependenciesOf = Callable[[str, str], "ReleaseDependencies | None"]


@dataclass(frozen=True)
class CheckResult:
    """Everything ``check`` learned: the findings, and the fresh resolution
    (or why there is none)."""

    findings: tuple[Finding, ...]
    environment: Environment
    resolution: Resolution | None = None
    conflict: ResolutionConflict | ResolutionTooComplex | None = None
    #: The lock entries that apply to the target, by name.
    locked: Mapping[str, LockedPackage] = field(default_factory=dict)
    #: The fresh install set against the lock, package by package.
    install: FreshInstall | None = None

    @property
    def consistent(self) -> bool:
        """No lock-inconsistency finding of severity high or above."""
        return not any(
            f.code is RuleCode.LA017 and f.severity >= Severity.HIGH and not f.suppressed for f in self.findings
        )


# --------------------------------------------------------------------------- helpers


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
        except (InvalidSpecifier, InvalidVersion):
            hit = False
        if len(_satisfies_cache) > 100_000:
            _satisfies_cache.clear()
        _satisfies_cache[key] = hit
    return hit


def _loc(origin) -> Location | None:  # type: ignore[no-untyped-def]
    return Location.from_origin(origin)


def _at(r: Requirement) -> str:
    """``path:line`` of a requirement (columns are noise in a message)."""
    o = r.origin
    return f"{o.path}:{o.line}" if o.line is not None else o.path


def _top_text(reqs: Sequence[Requirement]) -> str:
    return ", ".join(f"{requirement_text(r)} ({_at(r)})" for r in reqs[:3]) + (", ..." if len(reqs) > 3 else "")


def _applies(r: Requirement, env: Environment) -> bool:
    return (not r.marker or env.evaluate(r.marker, "")) and r.source.from_index


# --------------------------------------------------------------------------- consistency


def lock_consistency(
    requirements: Sequence[Requirement],
    locked: Mapping[str, LockedPackage],
    env: Environment,
    dependencies_of: DependenciesOf,
    *,
    unavailable: Mapping[str, str] | None = None,
) -> tuple[list[Finding], dict[str, tuple[Requirement, ...]]]:
    """Findings about a lock against its inputs and its own closure.

    ``locked`` holds the entries that apply to ``env`` (see
    :func:`applicable_locked`); ``dependencies_of(name, version)`` gives a
    locked release's dependencies (None: the index does not have that
    version); ``unavailable`` names packages whose history could not be had,
    with why. Returns the findings and, for each locked package reached, the
    top-level requirements that pull it in.
    """
    unavailable = unavailable or {}
    findings: list[Finding] = []
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
                findings.append(
                    Finding(
                        RuleCode.LA017,
                        Severity.HIGH,
                        r.name,
                        f"locked {pkg.version} violates the constraint {requirement_text(r)} ({_at(r)})",
                        location=_loc(r.origin),
                        lock_location=_loc(pkg.origin),
                        version=pkg.version,
                        data={"kind": "constraint-violated", "locked": pkg.version, "requirement": requirement_text(r)},
                    )
                )
            continue
        if pkg is None:
            findings.append(
                Finding(
                    RuleCode.LA017,
                    Severity.HIGH,
                    r.name,
                    f"requested by {requirement_text(r)} ({_at(r)}) but not in the lock",
                    location=_loc(r.origin),
                    data={"kind": "missing-requirement", "requirement": requirement_text(r)},
                )
            )
            continue
        if pkg.source.from_index and not satisfies(pkg.version, r.pep440):
            findings.append(
                Finding(
                    RuleCode.LA017,
                    Severity.HIGH,
                    r.name,
                    f"locked {pkg.version} does not satisfy {requirement_text(r)} ({_at(r)})",
                    location=_loc(r.origin),
                    lock_location=_loc(pkg.origin),
                    version=pkg.version,
                    data={"kind": "unsatisfied-requirement", "locked": pkg.version, "requirement": requirement_text(r)},
                )
            )
        reach(r.name, (canonicalize_name(e) for e in r.extras), (r,))

    while queue:
        name = queue.pop()
        pkg = locked[name]
        roots = tuple(top[name].values())
        if not pkg.source.from_index or not pkg.version:
            continue
        if name in unavailable:
            if (name, "unavailable") not in reported:
                reported.add((name, "unavailable"))
                findings.append(
                    Finding(
                        RuleCode.LA013,
                        Severity.INFO,
                        name,
                        f"{unavailable[name]}; its dependencies cannot be checked",
                        lock_location=_loc(pkg.origin),
                        version=pkg.version,
                        data={"kind": "unavailable", "reason": unavailable[name]},
                    )
                )
            continue
        deps = dependencies_of(name, pkg.version)
        if deps is None:
            if (name, "missing") not in reported:
                reported.add((name, "missing"))
                findings.append(
                    Finding(
                        RuleCode.LA017,
                        Severity.HIGH,
                        name,
                        f"locked version {pkg.version} is not on the index",
                        location=_loc(roots[0].origin) if roots else None,
                        lock_location=_loc(pkg.origin),
                        version=pkg.version,
                        data={"kind": "version-not-on-index", "locked": pkg.version},
                    )
                )
            continue
        if not deps.known:
            if (name, "unknown") not in reported:
                reported.add((name, "unknown"))
                findings.append(
                    Finding(
                        RuleCode.LA019,
                        Severity.INFO,
                        name,
                        f"the dependencies of {pkg.version} are unknown ({deps.reason}); the lock's closure is not checked below it",
                        lock_location=_loc(pkg.origin),
                        version=pkg.version,
                        data={"kind": "dependencies-unknown", "locked": pkg.version, "reason": deps.reason},
                    )
                )
            continue
        if deps.requires_python and not env.python_ok(deps.requires_python) and (name, "python") not in reported:
            reported.add((name, "python"))
            findings.append(
                Finding(
                    RuleCode.LA017,
                    Severity.HIGH,
                    name,
                    f"locked {pkg.version} requires Python {deps.requires_python}; the target is {env.python_version}",
                    lock_location=_loc(pkg.origin),
                    version=pkg.version,
                    data={"kind": "python-excluded", "locked": pkg.version, "requires_python": deps.requires_python},
                )
            )
        for context in sorted(contexts[name]):
            for dep in deps.applicable(env, context):
                if dep.name == name and not dep.extras:
                    continue
                requirer = f"{name}[{context}] {pkg.version}" if context else f"{name} {pkg.version}"
                target = locked.get(dep.name)
                spec_text = f"{dep.name}{'[' + ','.join(dep.extras) + ']' if dep.extras else ''}{dep.specifier}"
                data_top = tuple(requirement_text(r) for r in roots)
                if target is None:
                    if (dep.name, f"missing {name}") not in reported:
                        reported.add((dep.name, f"missing {name}"))
                        findings.append(
                            Finding(
                                RuleCode.LA017,
                                Severity.HIGH,
                                dep.name,
                                f"required by {requirer} ({spec_text}) but missing from the lock"
                                + (f"; pulled in by {_top_text(roots)}" if roots else ""),
                                location=_loc(roots[0].origin) if roots else None,
                                lock_location=_loc(pkg.origin),
                                data={
                                    "kind": "missing-dependency",
                                    "required_by": requirer,
                                    "requirement": spec_text,
                                    "top_level": data_top,
                                },
                            )
                        )
                    continue
                if (
                    target.source.from_index
                    and not satisfies(target.version, dep.specifier)
                    and (dep.name, f"excluded {name}") not in reported
                ):
                    reported.add((dep.name, f"excluded {name}"))
                    findings.append(
                        Finding(
                            RuleCode.LA017,
                            Severity.HIGH,
                            dep.name,
                            f"locked {target.version} is excluded by {requirer}, which requires {spec_text}",
                            location=_loc(roots[0].origin) if roots else None,
                            lock_location=_loc(target.origin),
                            version=target.version,
                            data={
                                "kind": "excluded-version",
                                "locked": target.version,
                                "required_by": requirer,
                                "requirement": spec_text,
                                "top_level": data_top,
                            },
                        )
                    )
                reach(dep.name, dep.extras, roots)

    for name, pkg in sorted(locked.items()):
        if name not in top and pkg.source.from_index:
            findings.append(
                Finding(
                    RuleCode.LA017,
                    Severity.INFO,
                    name,
                    f"locked {pkg.version or '(no version)'} but nothing requires it for this target",
                    lock_location=_loc(pkg.origin),
                    version=pkg.version or None,
                    data={"kind": "extraneous", "locked": pkg.version},
                )
            )
    return findings, {name: tuple(v.values()) for name, v in top.items()}


# --------------------------------------------------------------------------- drift


def _same_version(a: str, b: str) -> bool:
    if a == b:
        return True
    return satisfies(a, f"=={b}") if b else False


def transitive_drift(
    resolution: Resolution,
    locked: Mapping[str, LockedPackage],
    *,
    include_direct: bool = True,
    lock_top: Mapping[str, Sequence[Requirement]] | None = None,
) -> list[Finding]:
    """LA018 findings: how the fresh ``resolution`` differs from the lock.

    ``include_direct`` False leaves out packages a top-level requirement names
    (the audit's LA003 covers those). ``lock_top`` says which top-level
    requirements pull each locked package in (from :func:`lock_consistency`),
    for packages a fresh resolution drops.
    """
    lock_top = lock_top or {}
    requested = {r.name for r in resolution.requirements}
    findings: list[Finding] = []
    for name in sorted(set(resolution.pins) | {n for n, p in locked.items() if p.source.from_index}):
        pin = resolution.pins.get(name)
        old = locked.get(name)
        direct = name in requested
        if direct and not include_direct:
            continue
        if old is not None and not old.source.from_index:
            continue
        tops = resolution.top_level(name) if pin is not None else tuple(lock_top.get(name, ()))
        top_data = tuple(requirement_text(r) for r in tops)
        top_locs = tuple(str(r.origin) for r in tops)
        via = tuple(pin.required_by) if pin is not None else tuple(old.via if old else ())
        pulled = f"; pulled in by {_top_text(tops)}" if tops and not direct else ""
        location = _loc(tops[0].origin) if tops else None
        if pin is not None and old is not None:
            if not old.version or _same_version(old.version, pin.version):
                continue
            change = "upgrade"
            jump: str
            try:
                jump = semver_jump(old.version, pin.version)
                if jump == "none":
                    change = "downgrade"
                    jump = semver_jump(pin.version, old.version)
                severity = severity_for_jump(jump)
            except InvalidVersion:
                jump, severity = "unknown", Severity.MEDIUM
            verb = "takes" if change == "upgrade" else "goes back to"
            message = f"locked {old.version}, a fresh resolution {verb} {pin.version} ({jump}{pulled})"
            findings.append(
                Finding(
                    RuleCode.LA018,
                    severity,
                    name,
                    message,
                    location=location,
                    lock_location=_loc(old.origin),
                    version=old.version,
                    data={
                        "change": change,
                        "locked": old.version,
                        "fresh": pin.version,
                        "jump": jump,
                        "direct": direct,
                        "via": via,
                        "top_level": top_data,
                        "top_level_locations": top_locs,
                    },
                )
            )
        elif pin is not None:
            findings.append(
                Finding(
                    RuleCode.LA018,
                    Severity.MEDIUM,
                    name,
                    f"not in the lock; a fresh resolution adds {pin.version}{pulled}",
                    location=location,
                    version=pin.version,
                    data={
                        "change": "added",
                        "locked": None,
                        "fresh": pin.version,
                        "jump": "new",
                        "direct": direct,
                        "via": via,
                        "top_level": top_data,
                        "top_level_locations": top_locs,
                    },
                )
            )
        elif old is not None:
            findings.append(
                Finding(
                    RuleCode.LA018,
                    Severity.LOW,
                    name,
                    f"locked {old.version}, but a fresh resolution no longer installs it"
                    + (f" (it came with {_top_text(tops)})" if tops and not direct else ""),
                    location=location,
                    lock_location=_loc(old.origin),
                    version=old.version or None,
                    data={
                        "change": "removed",
                        "locked": old.version,
                        "fresh": None,
                        "jump": "removed",
                        "direct": direct,
                        "via": via,
                        "top_level": top_data,
                        "top_level_locations": top_locs,
                    },
                )
            )
    return findings


def _conflict_finding(conflict: ResolutionConflict | ResolutionTooComplex) -> Finding:
    if isinstance(conflict, ResolutionConflict):
        package = min(c.package for c in conflict.causes) if conflict.causes else "<resolution>"
        origin = next((c.origin for c in conflict.causes if c.origin is not None), None)
        data: dict[str, JSONValue] = {
            "change": "unresolvable",
            "explanation": conflict.explain(),
            "causes": tuple(
                {
                    "package": c.package,
                    "requirement": c.requirement,
                    "required_by": c.required_by,
                    "origin": str(c.origin) if c.origin else None,
                }
                for c in conflict.causes
            ),
        }
    else:
        package, origin, data = "<resolution>", None, {"change": "unresolvable", "explanation": conflict.explain()}
    return Finding(
        RuleCode.LA018,
        Severity.HIGH,
        package,
        f"a fresh resolution fails: {conflict}",
        location=_loc(origin),
        data=data,
    )


# --------------------------------------------------------------------------- API


def _declared(inputs: Lockfile | Iterable[Requirement | str]) -> tuple[list[Requirement], IndexOptions | None]:
    if isinstance(inputs, Lockfile):
        return list(inputs.requirements), inputs.index
    return requirements_from(inputs), None


def _packages(lock: Lockfile | Iterable[LockedPackage]) -> list[LockedPackage]:
    if isinstance(lock, Lockfile):
        return list(lock.packages)
    return list(lock)


@dataclass(frozen=True, slots=True)
class CheckOptions:
    """What a lock is checked for, and how the check reaches the index when no client is given.

    ``target``: Python version and platform (default: the running
    interpreter). ``as_of`` and ``prereleases`` apply to the fresh resolution
    only; the lock's own versions are looked up whatever their date. ``fresh``
    False skips the fresh resolution (no LA018); ``include_direct`` False
    leaves drift of requested packages out. ``settings``, ``cache``,
    ``offline``: the client made when the call is given none, as for
    :class:`~lockaudit.resolve.ResolveOptions`.
    """

    target: Target | Environment | None = None
    as_of: date | datetime | str | None = None
    prereleases: bool | None = None
    fresh: bool = True
    include_direct: bool = True
    settings: IndexSettings | None = None
    cache: Cache | str | None = None
    offline: bool = False


async def check_lock_async(
    inputs: Lockfile | Iterable[Requirement | str],
    lock: Lockfile | Iterable[LockedPackage],
    options: CheckOptions = CheckOptions(),
    *,
    client: IndexClient | None = None,
    progress: Progress | None = None,
    dependencies: dict[tuple[str, str], ReleaseDependencies] | None = None,
) -> CheckResult:
    """Check ``lock`` against ``inputs`` as ``options`` say (see the module doc).

    ``inputs``: a Lockfile with the declared requirements (or requirements /
    PEP 508 strings); ``lock``: a Lockfile with the pins (or LockedPackages).
    ``client`` and ``progress`` are :func:`~lockaudit.resolve.resolve`'s;
    ``dependencies`` a map of release dependencies shared by several checks.
    """
    target, as_of = options.target, options.as_of
    env = target if isinstance(target, Environment) else Environment.for_target(target)
    parse_as_of(as_of)  # a bad date fails before any fetch
    declared, file_options = _declared(inputs)
    packages = _packages(lock)
    lock_format = lock.formats[0][1] if isinstance(lock, Lockfile) and lock.formats else None
    own = client is None
    if client is None:
        settings = options.settings or resolve_index_settings(file_options=file_options)
        client = IndexClient(settings, cache=options.cache, offline=options.offline)
    try:
        install = await fresh_install_async(
            inputs if isinstance(inputs, Lockfile) else declared,
            packages,
            client=client,
            target=env,
            as_of=as_of,
            prereleases=options.prereleases,
            resolve=options.fresh,
            flat=lock_format not in GRAPH_LOCKS,
            progress=progress,
            dependencies=dependencies,
        )
        findings = list(install.lock_findings)
        if install.resolution is not None:
            findings.extend(
                transitive_drift(
                    install.resolution, install.locked, include_direct=options.include_direct, lock_top=install.lock_top
                )
            )
        findings.extend(install.install_findings)
        return CheckResult(tuple(findings), env, install.resolution, install.conflict, install.locked, install)
    finally:
        if own:
            await client.aclose()


def _unknown_below(resolution: Resolution, findings: Sequence[Finding]) -> list[Finding]:
    """LA019 for each fresh pin whose dependencies are unknown (once per package)."""
    reported = {f.package for f in findings if f.code is RuleCode.LA019}
    out = []
    for name, reason in sorted(resolution.unknown.items()):
        pin = resolution.pins.get(name)
        if name in reported or pin is None:
            continue
        out.append(
            Finding(
                RuleCode.LA019,
                Severity.INFO,
                name,
                f"the dependencies of {pin.version} are unknown ({reason}); a fresh resolution cannot see below it",
                version=pin.version,
                data={"kind": "dependencies-unknown", "fresh": pin.version, "reason": reason},
            )
        )
    return out


async def check_async(
    inputs: Lockfile | Iterable[Requirement | str],
    lock: Lockfile | Iterable[LockedPackage],
    options: CheckOptions = CheckOptions(),
    *,
    client: IndexClient | None = None,
    progress: Progress | None = None,
) -> list[Finding]:
    """The findings of :func:`check_lock_async` (same arguments)."""
    return list((await check_lock_async(inputs, lock, options, client=client, progress=progress)).findings)


def check(
    inputs: Lockfile | Iterable[Requirement | str],
    lock: Lockfile | Iterable[LockedPackage],
    options: CheckOptions = CheckOptions(),
    *,
    client: IndexClient | None = None,
    progress: Progress | None = None,
) -> list[Finding]:
    """Findings about ``lock`` against ``inputs``: LA017 (inconsistent or not
    closed), LA018 (a fresh resolution differs), LA019 (dependencies unknown),
    LA013 (a locked package the index does not know). See the module doc."""
    return run_sync(check_async(inputs, lock, options, client=client, progress=progress))


def package_reports(result: CheckResult, findings: list[Finding], inputs: Lockfile) -> list[PackageReport]:
    """One report row per package a check finding names (the CLI and the service show the same)."""
    declared = {r.name: r for r in inputs.requirements if not r.constraint}
    fresh = result.resolution.versions() if result.resolution is not None else {}
    unknown = {f.package for f in findings if f.code is RuleCode.LA013}
    out = []
    for name in sorted({f.package for f in findings if not f.package.startswith("<")}):
        req = declared.get(name)
        locked = result.locked.get(name)
        out.append(
            PackageReport(
                name=name,
                declared=req.specifier if req else "",
                declared_pep440=req.pep440 if req else "",
                dialect=req.dialect if req else "pep440",
                locked=locked.version if locked else None,
                fresh=fresh.get(name),
                status=PackageStatus.UNKNOWN if name in unknown else PackageStatus.OK,
                origin=Location.from_origin(req.origin) if req else None,
                lock_origin=Location.from_origin(locked.origin) if locked else None,
                targets=(),
            )
        )
    return out
