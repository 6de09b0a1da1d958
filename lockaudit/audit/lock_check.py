"""``check``'s library calls: a lock against its inputs, on every target, as findings and one report.

- :func:`check_lock_async` / :func:`check_async` / :func:`check`: one target.
  The lock is walked from its inputs (``lockaudit.resolve.lock_walk``: does it
  satisfy them, is it closed), the inputs are resolved afresh
  (``lockaudit.resolve.fresh``), and the audit's rules
  (``lockaudit.audit.rules.lock``) word what they found: LA017 (the lock does
  not satisfy its inputs or is not closed), LA018 (a fresh resolution changes,
  adds or drops a pin, or fails), LA019 (dependencies unknown), LA013 (a
  locked package whose history could not be had).
- :func:`check_lock_report`: every target of the project, as one report. The
  CLI's ``lockaudit check`` and the service's ``/v1/check`` both call it: the
  targets come from the project as the audit's do
  (:func:`lockaudit.targets.project_targets`), a universal lock is checked on
  each of them, the groups and extras default to what the lock was made
  from, and the report lists every package the lock or a fresh install puts
  on a target, with its findings.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime

from .._version import __version__
from ..as_of import as_of_day, parse_as_of
from ..findings import (
    AuditReport,
    ExitCode,
    Finding,
    Location,
    PackageReport,
    PackageStatus,
    PolicySummary,
    ReportMetadata,
    ReportUnit,
    RuleCode,
    Severity,
    Target,
    TargetResult,
    Threshold,
)
from ..index.cache import Cache
from ..index.client import IndexClient
from ..index.settings import IndexSettings, resolve_index_settings
from ..inputs.selection import Selection, select_requirements
from ..model import IndexOptions, LockedPackage, Lockfile, Requirement
from ..resolve.conflicts import ResolutionConflict, ResolutionTooComplex
from ..resolve.environment import Environment
from ..resolve.fresh import GRAPH_LOCKS, FreshInstall, fresh_install_async, locked_selection
from ..resolve.metadata import ReleaseDependencies
from ..resolve.reporter import Progress
from ..resolve.resolver import Resolution, requirements_from, run_sync
from ..targets import project_targets
from .local_projects import expand_local_projects
from .policy import Policy, apply_policy
from .rules.inputs import check as input_findings
from .rules.lock import conflict_finding, lock_findings, transitive_drift, unknown_below

__all__ = [
    "CheckOptions",
    "CheckResult",
    "check",
    "check_async",
    "check_exit_code",
    "check_lock_async",
    "check_lock_report",
    "default_selection",
    "inputs_for_lock",
]


@dataclass(frozen=True)
class CheckResult:
    """Everything a check on one target learned: the findings, and the fresh
    resolution (or why there is none)."""

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


def install_findings(install: FreshInstall, *, include_direct: bool = True) -> list[Finding]:
    """A fresh install against its lock, as findings: the lock's walk (LA017,
    LA019, LA013), then how a fresh resolution differs (LA018) or that it
    fails, then the fresh pins whose dependencies are unknown (LA019)."""
    findings = lock_findings(install.lock_walk)
    if install.conflict is not None:
        findings.append(conflict_finding(install.conflict))
    elif install.resolution is not None:
        findings.extend(
            transitive_drift(
                install.resolution, install.locked, include_direct=include_direct, lock_top=install.lock_top
            )
        )
        findings.extend(unknown_below(install.unknown, findings))
    return findings


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
        findings = install_findings(install, include_direct=options.include_direct)
        return CheckResult(tuple(findings), env, install.resolution, install.conflict, install.locked, install)
    finally:
        if own:
            await client.aclose()


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
    """Findings about ``lock`` against ``inputs`` on one target: LA017 (inconsistent
    or not closed), LA018 (a fresh resolution differs), LA019 (dependencies
    unknown), LA013 (a locked package the index does not know). Must not be
    called from a running event loop."""
    return run_sync(check_async(inputs, lock, options, client=client, progress=progress))


def default_selection(inputs: Lockfile, lock: Lockfile) -> Lockfile:
    """The inputs with the groups and extras the lock was made from (all of
    them for uv.lock and poetry.lock; those it pins for other locks)."""
    fmt = next((fmt for path, fmt in lock.formats if path in lock.files[:1]), None)
    return replace(inputs, requirements=locked_selection(inputs.requirements, lock.packages, fmt))


def inputs_for_lock(inputs: Lockfile, lock: Lockfile, selection: Selection) -> Lockfile:
    """The inputs with the extras and groups ``selection`` names; when it names
    none, with those the lock was made from (:func:`default_selection`)."""
    return select_requirements(inputs, selection) if selection.given else default_selection(inputs, lock)


async def check_lock_report(
    inputs: Lockfile,
    lock: Lockfile,
    *,
    client: IndexClient,
    policy: Policy,
    threshold: Threshold,
    python: Sequence[str] = (),
    platform: Sequence[str] = (),
    as_of: str | None = None,
    prereleases: bool | None = None,
    fresh: bool = True,
    allow_unknown: bool = False,
    progress: Progress | None = None,
    local_projects: bool = True,
) -> tuple[AuditReport, list[CheckResult]]:
    """Check ``lock`` against ``inputs`` on each target of the project; the
    report (policy applied) and the per-target results. ``local_projects``: a
    local project among the inputs (``-e .``) stands for the dependencies its
    pyproject.toml declares (read from disk: never for uploads)."""
    cutoff = parse_as_of(as_of)
    report_inputs = inputs
    if local_projects:
        inputs = replace(inputs, requirements=expand_local_projects(inputs.requirements))
    choice = project_targets(inputs.inputs + lock.inputs, python=python, platform=platform)
    shared: dict[tuple[str, str], ReleaseDependencies] = {}
    results: list[CheckResult] = []
    for target in choice.targets:
        results.append(
            await check_lock_async(
                inputs,
                lock,
                CheckOptions(target=target, as_of=cutoff, prereleases=prereleases, fresh=fresh),
                client=client,
                progress=progress,
                dependencies=shared,
            )
        )
    findings: dict[str, Finding] = {}
    # A bad line of either file is a finding of its own (LA020), as in the audit.
    for f in (*input_findings(inputs), *input_findings(lock)):
        findings.setdefault(f.fingerprint, f)
    for result in results:
        for f in result.findings:
            findings.setdefault(f.fingerprint, f)
    applied = apply_policy(list(findings.values()), policy, today=as_of_day(cutoff))
    applied.sort(key=lambda x: (-x.severity.rank, x.package, str(x.code)))
    targets = tuple(r.environment.target for r in results)
    report = AuditReport(
        findings=tuple(applied),
        packages=tuple(_rows(results, applied, report_inputs, resolved=fresh)),
        metadata=ReportMetadata(
            tool_version=__version__,
            as_of=as_of_day(cutoff),
            policy=PolicySummary(
                fail_on=threshold,
                selected=tuple(policy.enabled_codes()),
                suppressions=len(policy.suppressions),
                allow_unknown=allow_unknown,
                source=policy.source,
            ),
            targets=targets,
            index_url=str(client.indexes[0]) if client.indexes else None,
            inputs=tuple(dict.fromkeys((*inputs.files[:1], *lock.files[:1]))),
            cutoff=cutoff,
            units=(
                ReportUnit(
                    inputs.files[0] if inputs.files else "",
                    lock.files[0] if lock.files else None,
                    targets,
                    choice.reason,
                ),
            ),
        ),
        problems=inputs.problems + lock.problems,
    )
    return report, results


def _rows(
    results: Sequence[CheckResult], findings: Sequence[Finding], inputs: Lockfile, *, resolved: bool
) -> list[PackageReport]:
    """One row per package the lock or a fresh install puts on some target
    (``resolved`` False: no fresh resolution was asked for, so no change is known)."""
    declared: dict[str, Requirement] = {}
    for r in inputs.requirements:
        if not r.constraint:
            declared.setdefault(r.name, r)
    unknown = {f.package for f in findings if f.code in (RuleCode.LA013, RuleCode.LA019)}
    names: dict[str, None] = {}
    for result in results:
        if result.install is not None:
            names.update(dict.fromkeys(result.install.packages))
        names.update(dict.fromkeys(result.locked))
    names.update(
        dict.fromkeys(
            f.package for f in findings if not f.package.startswith("<") and f.code is not RuleCode.UNREADABLE_INPUT
        )
    )
    out = []
    for name in sorted(names):
        per_target: list[TargetResult] = []
        main = None
        for result in results:
            pkg = result.install.packages.get(name) if result.install is not None else None
            target: Target = result.environment.target
            locked = pkg.locked if pkg is not None else result.locked.get(name)
            per_target.append(
                TargetResult(
                    target,
                    applies=pkg is not None,
                    fresh=pkg.fresh if pkg is not None else None,
                    locked=locked.version if locked is not None and locked.version else None,
                    change=pkg.change if pkg is not None else "absent",
                )
            )
            if main is None and pkg is not None:
                main = pkg
        req = declared.get(name)
        locked_pin = (
            main.locked if main is not None else next((r.locked[name] for r in results if name in r.locked), None)
        )
        status = PackageStatus.OK
        reason = None
        if name in unknown or (resolved and main is not None and main.change == "unknown"):
            status = PackageStatus.UNKNOWN
            reason = main.reason if main is not None and main.reason else None
        out.append(
            PackageReport(
                name=name,
                declared=req.specifier if req else "",
                declared_pep440=req.pep440 if req else "",
                dialect=req.dialect if req else "pep440",
                locked=locked_pin.version if locked_pin is not None and locked_pin.version else None,
                fresh=main.fresh if main is not None else None,
                newest=main.newest if main is not None else None,
                status=status,
                reason=reason,
                origin=Location.from_origin(req.origin) if req else None,
                lock_origin=Location.from_origin(locked_pin.origin) if locked_pin is not None else None,
                targets=tuple(per_target),
                change=main.change if main is not None else "unknown",
                direct=req is not None,
                held_by=main.held_by if main is not None else (),
                pulled_in_by=main.pulled_in_by if main is not None else (),
            )
        )
    return out


def check_exit_code(report: AuditReport, threshold: Threshold, *, allow_unknown: bool = False) -> ExitCode:
    """2 an input that could not be read at all; 1 an inconsistent lock, a bad
    input line (LA020), or drift at/above ``threshold``; 3 unknowns; else 0."""
    if report.unreadable:
        return ExitCode.ERROR
    if any(f.code is RuleCode.UNREADABLE_INPUT for f in report.active):
        return ExitCode.FINDINGS
    for f in report.active:
        if f.code is RuleCode.LA017 and f.severity >= Severity.HIGH:
            return ExitCode.FINDINGS
        if f.code is not RuleCode.LA017 and report.is_blocking(f, threshold):
            return ExitCode.FINDINGS
    if not allow_unknown and any(f.code is RuleCode.LA013 for f in report.active):
        return ExitCode.UNKNOWN
    if not allow_unknown and report.unknowns:
        return ExitCode.UNKNOWN
    return ExitCode.OK
