"""The audit: inputs -> release histories -> fresh installs -> facts -> findings -> one report.

``audit()`` (and its async twin) is the one library call the CLI and the HTTP
service both make, so the same input gives the same findings through both. It
fetches every package's history once for the whole run (monorepos), resolves
each project's inputs afresh for each of its targets (what a fresh install
takes, direct and transitive alike: :mod:`.units`), computes each package's
facts, runs the rule families and applies the policy.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

from .._version import __version__
from ..as_of import as_of_day
from ..findings import (
    AuditReport,
    Finding,
    Location,
    PackageReport,
    PackageStatus,
    ReportFile,
    ReportMetadata,
    ReportUnit,
    RuleCode,
    Severity,
    Target,
    TargetResult,
    fingerprint_of,
    redact_url,
)
from ..index.client import DEFAULT_TTL, IndexClient
from ..index.settings import IndexLimits, IndexSettings, resolve_index_settings
from ..inputs import load, load_texts
from ..model import Lockfile
from ..resolve.fresh import FreshInstall
from ..resolve.resolver import run_sync
from .facts import AuditContext, PackageFacts
from .policy import Policy, apply_policy, load_policy
from .rules import api, availability, constraints, dependencies, drift, environment, inputs, releases
from .units import EarlyDependencies, UnitResult, audit_units

__all__ = ["AuditOptions", "audit", "audit_async", "audit_lockfile", "build_report"]

#: Progress callback: (done, total, what) while histories and metadata are fetched.
Progress = Callable[[int, int, str], None]


@dataclass(frozen=True, slots=True)
class AuditOptions:
    """How to read the inputs, how to reach the index and which facts to fetch; the policy says what to report."""

    index_url: str | None = None
    extra_index_urls: tuple[str, ...] | None = None
    cache: str | None = None
    offline: bool = False
    refresh: bool = False
    concurrency: int = 16
    cache_ttl: float | None = None
    #: Compare the dependencies of locked and fresh releases (LA012).
    dependency_changes: bool = True
    #: Kept for compatibility: every audit now resolves afresh (lock
    #: consistency LA017, transitive drift LA018, unknown dependencies LA019).
    resolve: bool = False
    #: Read the locked and the fresh wheel of upgrades for API changes (LA021-LA026).
    api_changes: bool = True
    #: Read a local project's dependencies (``-e .``) from its pyproject.toml on
    #: disk. The service turns it off: an upload's paths are not the server's files.
    local_projects: bool = True
    #: Deadline, budget and size cap for the index (None: the defaults).
    limits: IndexLimits | None = None
    #: Worker processes for a large cold fetch (``IndexClient``'s
    #: ``fetch_worker``): a library call starts none; the CLI passes None
    #: (as many as the spare cores suggest).
    fetch_worker: bool | None = False
    #: Read every input file as this format (None: detected from its name and content).
    input_format: str | None = None


def _context(lockfile: Lockfile, policy: Policy) -> AuditContext:
    cutoff = policy.as_of
    return AuditContext(
        now=cutoff if cutoff is not None else dt.datetime.now(dt.UTC),
        cutoff=cutoff,
        prereleases=True if lockfile.index.pre else None,
        cooldown=policy.cooldown,
    )


def _names(lockfile: Lockfile) -> list[str]:
    names = []
    for dep in lockfile.dependencies:
        if any(r.source.from_index for r in dep.requirements) or any(p.source.from_index for p in dep.locked):
            names.append(dep.name)
    return list(dict.fromkeys(names))


def _report_for(facts: PackageFacts) -> PackageReport:
    req = facts.requirements[0] if facts.requirements else (facts.direct[0] if facts.direct else None)
    main = facts.main
    unknown_fresh = facts.fresh_unknown
    if facts.direct and not facts.requirements:
        status, reason = PackageStatus.NOT_FROM_INDEX, f"from {facts.direct[0].source.kind}"
    elif facts.locked is not None and not facts.locked.source.from_index and not facts.requirements:
        status, reason = PackageStatus.NOT_FROM_INDEX, f"locked from {facts.locked.source.kind}"
    elif not facts.known:
        status = PackageStatus.UNKNOWN
        reason = str(facts.history.status) if facts.history is not None else "not fetched"
        if facts.history is not None and facts.history.detail:
            reason += f": {facts.history.detail}"
    elif unknown_fresh is not None:
        status, reason = PackageStatus.UNKNOWN, f"what a fresh install takes is unknown: {unknown_fresh}"
    elif facts.dependencies_unknown is not None:
        status, reason = PackageStatus.UNKNOWN, f"its dependencies are unknown: {facts.dependencies_unknown}"
    else:
        status, reason = PackageStatus.OK, None
    source = "index"
    if facts.direct and not facts.requirements:
        source = str(facts.direct[0].source.kind)
    elif facts.locked is not None and not facts.locked.source.from_index:
        source = str(facts.locked.source.kind)
    return PackageReport(
        name=facts.name,
        declared=", ".join(r.specifier for r in facts.requirements if r.specifier) if facts.requirements else "",
        declared_pep440=" || ".join(facts.spec) if facts.requirements else "",
        dialect=req.dialect if req is not None else "pep440",
        locked=facts.locked.version if facts.locked and facts.locked.version else None,
        fresh=facts.fresh,
        newest=facts.newest,
        status=status,
        reason=reason,
        origin=Location.from_origin(req.origin) if req is not None else None,
        lock_origin=Location.from_origin(facts.locked.origin) if facts.locked is not None else None,
        targets=tuple(
            TargetResult(
                v.target,
                v.applies,
                v.fresh,
                locked=v.locked.version if v.locked is not None and v.locked.version else None,
                change=v.change,
            )
            for v in facts.targets
        ),
        source=source,
        range_newest=facts.range_newest,
        change=main.change if main is not None else "unknown",
        direct=bool(facts.requirements or facts.direct) or (main is not None and main.direct),
        held_by=main.held_by if main is not None else (),
        pulled_in_by=main.pulled_in_by if main is not None else (),
        project=facts.project,
        lock=facts.lock,
    )


def _lock_file_findings(lockfile: Lockfile) -> list[Finding]:
    """LA010 for a whole lock file that carries no hashes at all (one finding, not one per pin)."""
    out = []
    by_file: dict[str, list] = {}
    for pkg in lockfile.packages:
        if pkg.source.from_index and pkg.version:
            by_file.setdefault(pkg.origin.path, []).append(pkg)
    locks = {f.path for f in lockfile.inputs if f.role in ("locked", "both")}
    for path, pins in by_file.items():
        if path not in locks or any(p.hashes for p in pins):
            continue
        name = os.path.basename(path)
        out.append(
            Finding(
                code=RuleCode.HASHES,
                severity=Severity.LOW,
                package=name,
                message=f"{name} pins {len(pins)} package{'s' if len(pins) != 1 else ''} without hashes: "
                "a changed or substituted file installs unnoticed",
                location=Location(path, pins[0].origin.line),
                data={"lock": path, "pins": len(pins)},
                fingerprint=fingerprint_of(RuleCode.HASHES, name, path, "no-hashes"),
            )
        )
    return out


def _package_findings(
    facts: PackageFacts, ctx: AuditContext, install: Mapping[Target, FreshInstall], dependency_changes: bool
) -> list[Finding]:
    findings: list[Finding] = []
    findings += availability.check(facts)
    findings += constraints.check(facts)
    findings += drift.check(facts, ctx)
    findings += releases.check(facts)
    findings += environment.check(facts)
    main = facts.main
    if (
        dependency_changes
        and facts.known
        and main is not None
        and main.change in ("upgrade", "downgrade")
        and main.locked is not None
        and main.fresh is not None
    ):
        fi = install.get(main.target)
        if fi is not None:
            # The resolver keyed metadata by the index's spelling of a version.
            old = facts.release(main.locked.version)
            findings += dependencies.check(
                facts,
                fi.dependencies_of(facts.name, old.version if old is not None else main.locked.version),
                fi.dependencies_of(facts.name, main.fresh),
            )
    return findings


def build_report(
    lockfile: Lockfile,
    policy: Policy,
    units: Sequence[UnitResult],
    *,
    index_url: str | None = None,
    extra_findings: Iterable[Finding] = (),
    dependency_changes: bool = True,
    api_diffs: api.Results | None = None,
) -> AuditReport:
    """The report from the units' facts and fresh installs (pure: no I/O)."""
    ctx = _context(lockfile, policy)
    findings: list[Finding] = []
    reports: list[PackageReport] = []
    compare = dependency_changes and policy.is_enabled(RuleCode.DEPENDENCY_CHANGE)
    for unit in units:
        # A package the lock lacks although a locked release requires it: LA017
        # says so; that a fresh install adds it is the same news.
        missing = {
            f.package
            for f in unit.findings
            if f.code is RuleCode.LA017 and str(f.data.get("kind", "")).startswith("missing")
        }
        for f in unit.facts:
            found = _package_findings(f, ctx, unit.installs, compare)
            if api_diffs is not None:
                found += api.check(f, api_diffs)
            if f.name in missing:
                found = [x for x in found if not (x.code is RuleCode.LA018 and x.data.get("change") == "added")]
            findings += found
            reports.append(_report_for(f))
        findings += (
            f if f.project is not None else dataclasses.replace(f, project=unit.unit.project, lock=unit.unit.lock)
            for f in unit.findings
        )
    findings += _lock_file_findings(lockfile)
    findings += inputs.check(lockfile)
    findings += list(extra_findings)
    findings = _unique(findings)
    findings = apply_policy(findings, policy, today=as_of_day(ctx.cutoff))
    findings.sort(key=lambda x: (-x.severity.rank, x.package, str(x.code)))
    packages = _merge_reports(reports)
    targets = tuple(dict.fromkeys(t for u in units for t in u.installs)) or tuple(policy.targets)
    metadata_out = ReportMetadata(
        tool_version=__version__,
        as_of=as_of_day(ctx.cutoff),
        policy=policy.summary(),
        targets=targets,
        index_url=redact_url(index_url),
        inputs=tuple(lockfile.files),
        cutoff=ctx.cutoff,
        units=tuple(ReportUnit(u.unit.project, u.unit.lock, tuple(u.installs), u.targets_from) for u in units),
        files=tuple(ReportFile(f.path, f.format, f.role, f.project, f.reason, f.included_by) for f in lockfile.inputs),
    )
    return AuditReport(findings=tuple(findings), packages=packages, metadata=metadata_out, problems=lockfile.problems)


def _unique(findings: list[Finding]) -> list[Finding]:
    """One finding per fingerprint (a lock finding seen on every target is one finding)."""
    seen: dict[str, Finding] = {}
    for f in findings:
        seen.setdefault(f.fingerprint, f)
    return list(seen.values())


def _merge_reports(reports: list[PackageReport]) -> tuple[PackageReport, ...]:
    """One row per package and unit (a monorepo repeats names across projects)."""
    seen: dict[tuple[str, str | None, str | None, str | None], PackageReport] = {}
    for r in reports:
        key = (r.name, r.project, r.lock, r.origin.path if r.origin else None)
        seen.setdefault(key, r)
    return tuple(seen.values())


async def audit_lockfile(
    lockfile: Lockfile,
    *,
    policy: Policy | None = None,
    client: IndexClient | None = None,
    options: AuditOptions = AuditOptions(),
    settings: IndexSettings | None = None,
    progress: Progress | None = None,
) -> AuditReport:
    """Audit inputs already read (the service's uploads, or ``load(...)``)."""
    policy = policy or Policy()
    own = client is None
    if client is None:
        settings = settings or resolve_index_settings(
            index_url=options.index_url,
            extra_index_urls=list(options.extra_index_urls) if options.extra_index_urls is not None else None,
            file_options=lockfile.index,
        )
        client = IndexClient(
            settings,
            cache=options.cache,
            offline=options.offline,
            refresh=options.refresh,
            concurrency=options.concurrency,
            limits=options.limits,
            fetch_worker=options.fetch_worker,
            ttl=options.cache_ttl if options.cache_ttl is not None else DEFAULT_TTL,
        )
    try:
        index_url = str(client.indexes[0]) if client.indexes else None
        ctx = _context(lockfile, policy)
        # Offline, the cache answers what it has; the rest is reported as unknown.
        early = EarlyDependencies(client, lockfile)
        try:
            histories = await client.fetch_histories(_names(lockfile), progress=progress, on_history=early.arrived)
            await early.wait()
        except BaseException:
            early.cancel()
            raise
        units = await audit_units(
            lockfile,
            client,
            policy,
            ctx,
            histories,
            progress=progress,
            dependencies=early.dependencies,
            local_projects=options.local_projects,
        )
        api_diffs = None
        if options.api_changes and api.enabled(policy):
            from ..apidiff import ApiPairs  # loaded only when some upgrade's API is read

            api_pairs = ApiPairs(client, progress)
            try:
                for unit in units:
                    for f in unit.facts:
                        if api.wanted(f, policy):
                            api_pairs.start(*api.releases(f))  # once per (package, locked, fresh)
                api_diffs = await api_pairs.wait()
            except BaseException:
                api_pairs.cancel()
                raise
        return build_report(
            lockfile,
            policy,
            units,
            index_url=index_url,
            dependency_changes=options.dependency_changes,
            api_diffs=api_diffs,
        )
    finally:
        if own:
            await client.aclose()


async def audit_async(
    paths: str | os.PathLike[str] | Iterable[str | os.PathLike[str]],
    *,
    policy: Policy | None = None,
    options: AuditOptions = AuditOptions(),
    files: Mapping[str, str | bytes] | None = None,
    client: IndexClient | None = None,
    progress: Progress | None = None,
) -> AuditReport:
    """Read ``paths`` (files or directories; or ``files``, contents by name) and audit them.

    ``policy`` None: the one found from the first path upwards (as the CLI
    finds it), the defaults for ``files``. ``client``: an index client to use
    (not closed here); otherwise one is made from ``options``.
    """
    lockfile = (
        load_texts(files, format=options.input_format)
        if files is not None
        else load(paths, format=options.input_format)
    )
    if files is not None:
        # Contents in hand: their paths name nothing on this disk.
        options = dataclasses.replace(options, local_projects=False)
    if policy is None:
        start = None
        if files is None:
            first = next(iter([paths] if isinstance(paths, (str, os.PathLike)) else paths), None)
            start = first
        policy = load_policy(start=start) if start is not None else Policy()
    return await audit_lockfile(lockfile, policy=policy, client=client, options=options, progress=progress)


def audit(
    paths: str | os.PathLike[str] | Iterable[str | os.PathLike[str]],
    *,
    policy: Policy | None = None,
    options: AuditOptions = AuditOptions(),
    files: Mapping[str, str | bytes] | None = None,
    client: IndexClient | None = None,
    progress: Progress | None = None,
) -> AuditReport:
    """Audit dependency files: what is locked, what a fresh install takes today, and why it matters.

    The synchronous face of :func:`audit_async` (which the HTTP service calls).
    """
    return run_sync(audit_async(paths, policy=policy, options=options, files=files, client=client, progress=progress))
