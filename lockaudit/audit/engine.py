"""The audit: inputs -> release histories -> facts -> findings -> one report.

``audit()`` (and its async twin) is the one library call the CLI and the HTTP
service both make, so the same input gives the same findings through both. It
fetches every package's history once for the whole run (monorepos), computes
each package's facts, runs the rule families and applies the policy.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace

from .. import __version__
from ..findings import (
    AuditReport,
    Finding,
    Location,
    PackageReport,
    PackageStatus,
    ReportMetadata,
    RuleCode,
    Severity,
    Target,
    TargetResult,
    fingerprint_of,
    redact_url,
)
from ..index.client import IndexClient
from ..index.history import ProjectHistory
from ..index.metadata import CoreMetadata, MetadataUnavailable
from ..index.settings import IndexLimits, IndexSettings, resolve_index_settings
from ..inputs import load, load_texts
from ..model import Lockfile
from .facts import AuditContext, PackageFacts, build_facts
from .policy import Policy, apply_policy, load_policy
from .rules import availability, constraints, dependencies, drift, environment, releases

__all__ = ["AuditOptions", "audit", "audit_async", "audit_lockfile", "build_report"]

#: Progress callback: (done, total, what) while histories and metadata are fetched.
Progress = Callable[[int, int, str], None]

#: How many metadata pairs are fetched at once for LA012.
_METADATA_CONCURRENCY = 16


@dataclass(frozen=True, slots=True)
class AuditOptions:
    """How to reach the index; the policy says what to report."""

    index_url: str | None = None
    extra_index_urls: tuple[str, ...] | None = None
    cache: str | None = None
    offline: bool = False
    refresh: bool = False
    concurrency: int = 16
    cache_ttl: float | None = None
    #: Fetch core metadata to compare dependencies (LA012); off for a quick look.
    dependency_changes: bool = True
    #: Also resolve every project afresh: lock consistency (LA017), transitive
    #: drift (LA018), unknown dependencies (LA019).
    resolve: bool = False
    #: Deadline, budget and size cap for the index (None: the defaults).
    limits: IndexLimits | None = None


def _now(policy: Policy) -> dt.datetime:
    if policy.as_of is not None:
        # --as-of DATE: everything uploaded by the end of that day exists.
        return dt.datetime.combine(policy.as_of, dt.time(23, 59, 59), tzinfo=dt.timezone.utc)
    return dt.datetime.now(dt.timezone.utc)


def _names(lockfile: Lockfile) -> list[str]:
    names = []
    for dep in lockfile.dependencies:
        if any(r.source.from_index for r in dep.requirements) or any(p.source.from_index for p in dep.locked):
            names.append(dep.name)
    return list(dict.fromkeys(names))


def _needs_metadata(facts: PackageFacts) -> bool:
    return (
        facts.known
        and facts.locked is not None
        and bool(facts.locked.version)
        and facts.fresh is not None
        and facts.fresh != facts.locked.version
        and facts.release(facts.locked.version) is not None
    )


class _MetadataPairs:
    """Locked and fresh core metadata per package, errors kept as data; each
    pair is started as soon as its package's facts are known, so that these
    small requests overlap the page fetches still under way."""

    def __init__(self, client: IndexClient, progress: Progress | None) -> None:
        self._client = client
        self._progress = progress
        self._limit = asyncio.Semaphore(_METADATA_CONCURRENCY)
        self._tasks: list[asyncio.Future[None]] = []
        self._started: set[str] = set()
        self._done = 0
        self.out: dict[str, tuple[CoreMetadata | None, CoreMetadata | None, str | None]] = {}

    def start(self, facts: PackageFacts) -> None:
        if facts.name not in self._started:
            self._started.add(facts.name)
            self._tasks.append(asyncio.ensure_future(self._one(facts)))

    async def _one(self, facts: PackageFacts) -> None:
        assert facts.history is not None and facts.locked is not None and facts.fresh is not None
        locked_release = facts.release(facts.locked.version)
        locked_version = locked_release.version if locked_release else facts.locked.version
        async with self._limit:
            try:
                old, new = await asyncio.gather(
                    self._client.release_metadata(facts.history, locked_version),
                    self._client.release_metadata(facts.history, facts.fresh),
                )
                self.out[facts.name] = (old, new, None)
            except (MetadataUnavailable, OSError, ValueError) as exc:
                self.out[facts.name] = (None, None, str(exc))
        self._done += 1
        if self._progress is not None:
            self._progress(self._done, len(self._tasks), f"metadata {facts.name}")

    async def wait(self) -> dict[str, tuple[CoreMetadata | None, CoreMetadata | None, str | None]]:
        if self._tasks:
            await asyncio.gather(*self._tasks)
        return self.out

    def cancel(self) -> None:
        for task in self._tasks:
            task.cancel()


def _report_for(facts: PackageFacts) -> PackageReport:
    req = facts.requirements[0] if facts.requirements else (facts.direct[0] if facts.direct else None)
    if facts.direct and not facts.requirements:
        status, reason = PackageStatus.NOT_FROM_INDEX, f"from {facts.direct[0].source.kind}"
    elif facts.locked is not None and not facts.locked.source.from_index and not facts.requirements:
        status, reason = PackageStatus.NOT_FROM_INDEX, f"locked from {facts.locked.source.kind}"
    elif not facts.known:
        status = PackageStatus.UNKNOWN
        reason = str(facts.history.status) if facts.history is not None else "not fetched"
        if facts.history is not None and facts.history.detail:
            reason += f": {facts.history.detail}"
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
        targets=tuple(TargetResult(v.target, v.applies, v.fresh) for v in facts.targets),
        source=source,
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


async def _transitive(
    lockfile: Lockfile, client: IndexClient, ctx: AuditContext, policy: Policy, progress: Progress | None
) -> list[Finding]:
    """--resolve: per project, the lock against a fresh resolution of its inputs.

    Top-level requirements are left out of the drift (LA003 covers them); a
    project without pins has nothing to compare.
    """
    from ..resolve.check import check_lock_async  # the resolver loads only when asked for

    projects: dict[str, list] = {}
    for dep in lockfile.dependencies:
        projects.setdefault(dep.project, []).append(dep)
    out: list[Finding] = []
    for deps in projects.values():
        locked = [p for d in deps for p in d.locked]
        if not locked:
            continue
        inputs = replace(
            lockfile,
            requirements=tuple(r for d in deps for r in d.requirements),
            packages=(),
            dependencies=(),
        )
        result = await check_lock_async(
            inputs,
            locked,
            client=client,
            target=ctx.targets[0],
            as_of=policy.as_of,
            include_direct=False,
            progress=progress,
        )
        out.extend(result.findings)
    return out


def build_report(
    lockfile: Lockfile,
    histories: Mapping[str, ProjectHistory],
    policy: Policy,
    metadata: Mapping[str, tuple[CoreMetadata | None, CoreMetadata | None, str | None]] | None = None,
    *,
    index_url: str | None = None,
    facts: list[PackageFacts] | None = None,
    extra_findings: Iterable[Finding] = (),
) -> AuditReport:
    """The report from facts already fetched (pure: no I/O)."""
    ctx = _context(lockfile, policy)
    if facts is None:
        facts = [build_facts(d, histories.get(d.name), ctx) for d in lockfile.dependencies]
    findings: list[Finding] = []
    for f in facts:
        findings += availability.check(f)
        findings += constraints.check(f)
        findings += drift.check(f, ctx)
        findings += releases.check(f)
        findings += environment.check(f)
        if metadata is not None and f.name in metadata:
            findings += dependencies.check(f, *metadata[f.name])
    findings += _lock_file_findings(lockfile)
    findings += list(extra_findings)
    findings = apply_policy(findings, policy, today=ctx.now.date())
    findings.sort(key=lambda x: (-x.severity.rank, x.package, str(x.code)))
    packages = _merge_reports([_report_for(f) for f in facts])
    metadata_out = ReportMetadata(
        tool_version=__version__,
        as_of=ctx.now.date(),
        policy=policy.summary(),
        targets=ctx.targets,
        index_url=redact_url(index_url),
        inputs=tuple(lockfile.files),
    )
    return AuditReport(findings=tuple(findings), packages=packages, metadata=metadata_out, problems=lockfile.problems)


def _merge_reports(reports: list[PackageReport]) -> tuple[PackageReport, ...]:
    """One row per package and declaring file (a monorepo repeats names across projects)."""
    seen: dict[tuple[str, str | None, str | None], PackageReport] = {}
    for r in reports:
        key = (r.name, r.origin.path if r.origin else None, r.lock_origin.path if r.lock_origin else None)
        seen.setdefault(key, r)
    return tuple(seen.values())


def _context(lockfile: Lockfile, policy: Policy) -> AuditContext:
    return AuditContext(
        now=_now(policy),
        targets=policy.targets or (Target(),),
        prereleases=True if lockfile.index.pre else None,
        cooldown=policy.cooldown,
        as_of=policy.as_of is not None,
    )


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
        kwargs = {}
        if options.cache_ttl is not None:
            kwargs["ttl"] = options.cache_ttl
        client = IndexClient(
            settings,
            cache=options.cache,
            offline=options.offline,
            refresh=options.refresh,
            concurrency=options.concurrency,
            limits=options.limits,
            **kwargs,
        )
    try:
        index_url = str(client.indexes[0]) if client.indexes else None
        ctx = _context(lockfile, policy)
        # Offline, the cache answers what it has; the rest is reported as unknown.
        pairs = None
        if options.dependency_changes and policy.is_enabled(RuleCode.DEPENDENCY_CHANGE):
            pairs = _MetadataPairs(client, progress)
        by_name: dict[str, list[int]] = {}
        for i, d in enumerate(lockfile.dependencies):
            by_name.setdefault(d.name, []).append(i)
        early: dict[int, PackageFacts] = {}

        def arrived(name: str, history: ProjectHistory) -> None:
            # Facts, and the metadata they call for, as each history comes in.
            for i in by_name.get(name, ()):
                facts = early[i] = build_facts(lockfile.dependencies[i], history, ctx)
                if pairs is not None and _needs_metadata(facts):
                    pairs.start(facts)

        try:
            histories = await client.fetch_histories(_names(lockfile), progress=progress, on_history=arrived)
            facts = [
                early[i] if i in early else build_facts(d, histories.get(d.name), ctx)
                for i, d in enumerate(lockfile.dependencies)
            ]
            if pairs is not None:
                for f in facts:
                    if _needs_metadata(f):
                        pairs.start(f)  # a no-op for those already started
            metadata = await pairs.wait() if pairs is not None else None
        except BaseException:
            if pairs is not None:
                pairs.cancel()
            raise
        transitive: list[Finding] = []
        if options.resolve:
            transitive = await _transitive(lockfile, client, ctx, policy, progress)
        return build_report(
            lockfile, histories, policy, metadata, index_url=index_url, facts=facts, extra_findings=transitive
        )
    finally:
        if own:
            await client.aclose()


async def audit_async(
    paths: str | os.PathLike[str] | Iterable[str | os.PathLike[str]],
    *,
    policy: Policy | None = None,
    client: IndexClient | None = None,
    options: AuditOptions = AuditOptions(),
    format: str | None = None,
    files: Mapping[str, str | bytes] | None = None,
    progress: Progress | None = None,
) -> AuditReport:
    """Read ``paths`` (files or directories; or ``files``, contents by name) and audit them."""
    lockfile = load_texts(files, format=format) if files is not None else load(paths, format=format)
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
    client: IndexClient | None = None,
    options: AuditOptions = AuditOptions(),
    format: str | None = None,
    files: Mapping[str, str | bytes] | None = None,
    progress: Progress | None = None,
) -> AuditReport:
    """Audit dependency files: what is locked, what a fresh install takes today, and why it matters.

    The synchronous face of :func:`audit_async` (which the HTTP service calls).
    """
    return asyncio.run(
        audit_async(paths, policy=policy, client=client, options=options, format=format, files=files, progress=progress)
    )

