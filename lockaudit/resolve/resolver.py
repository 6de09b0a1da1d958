"""``resolve(...)``: a fresh resolution of declared requirements, as plain data.

The requirements come from the inputs layer (or as PEP 508 strings); the index
client supplies release histories and metadata (see :mod:`.repository`);
resolvelib does the search with :class:`.LockauditProvider`. The answer is a
:class:`Resolution`: one :class:`Pin` per package with its version, files and
hashes, and the provenance graph (who requested or requires it). Packages whose
dependencies could not be known are listed with the reason, never guessed. A
conflict raises :class:`.ResolutionConflict` carrying the conflicting
requirements with their file:line origins; nothing here prints.

``resolve`` is the synchronous face of ``resolve_async``; the resolver itself
runs in a worker thread while the index client stays on the event loop.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from types import MappingProxyType
from typing import Any, Generic, TypeVar

from packaging.requirements import InvalidRequirement
from packaging.requirements import Requirement as _PkgRequirement
from packaging.utils import canonicalize_name
from resolvelib.resolvers import ResolutionImpossible, ResolutionTooDeep, Result

from .._target import Target
from ..as_of import as_of_label, parse_as_of
from ..errors import InvalidSpecifier, InvalidVersion
from ..index import IndexClient, IndexSettings, resolve_index_settings
from ..index.cache import Cache
from ..index.history import FileInfo, ProjectHistory
from ..model import (
    INDEX_SOURCE,
    IndexOptions,
    Lockfile,
    Origin,
    Requirement,
    Source,
    SourceKind,
    requirement_text,
)
from ._resolvelib import run_resolver
from .candidates import (
    PYTHON,
    Candidate,
    Project,
    ResolverRequirement,
    compile_spec,
)
from .conflicts import ResolutionTooComplex, conflict_from
from .environment import Environment
from .metadata import ReleaseDependencies
from .provider import UNAVAILABLE, LockauditProvider
from .reporter import Progress, ProgressReporter
from .repository import Repository

__all__ = [
    "DEFAULT_MAX_ROUNDS",
    "Pin",
    "Resolution",
    "ResolveOptions",
    "SkippedRequirement",
    "parse_as_of",
    "requirements_from",
    "resolve",
    "resolve_async",
]

#: Resolver rounds before giving up (pip uses 200000 too).
DEFAULT_MAX_ROUNDS = 200_000

RequirementLike = Requirement | str
Inputs = Lockfile | Iterable[RequirementLike]


# --------------------------------------------------------------------------- results


@dataclass(frozen=True, slots=True)
class Pin:
    """One package a resolution chose."""

    #: PEP 503 normalized name.
    name: str
    version: str
    #: Extras of it that something requested (their dependencies are pinned too).
    extras: frozenset[str] = frozenset()
    #: The top-level requirements that name it directly (with their file:line).
    requested_by: tuple[Requirement, ...] = ()
    #: The pinned packages that depend on it (normalized names).
    required_by: tuple[str, ...] = ()
    #: The pinned packages it depends on here (normalized names).
    dependencies: tuple[str, ...] = ()
    #: Every requirement on it, with who states it: ``("web 2.0", "util>=1.5")``,
    #: ``("requirements.in:3", "util<2")`` for a requested one.
    wanted: tuple[tuple[str, str], ...] = ()
    #: The same, with each requirement's PEP 440 specifier (``("web 2.0", ">=1.5")``):
    #: what says which versions it may take.
    wanted_specifiers: tuple[tuple[str, str], ...] = ()
    #: False when its metadata could not be read (see ``Resolution.unknown``).
    dependencies_known: bool = True
    requires_python: str | None = None
    yanked: bool = False
    yanked_reason: str | None = None
    upload_time: datetime | None = None
    #: The index (or indexes) it comes from, credential-free.
    index: str | None = None
    _project: Project | None = field(default=None, repr=False, compare=False)

    @property
    def files(self) -> tuple[FileInfo, ...]:
        """Every file of this version on the index (as of the resolution's date)."""
        return self._project.files(self.version) if self._project is not None else ()

    @property
    def hashes(self) -> tuple[str, ...]:
        """``"sha256:<hex>"`` of every file, sorted (what ``--hash`` lines carry)."""
        out = set()
        for f in self.files:
            for h in f.hashes:  # the first sha256 of each file, as FileInfo.hash_value finds it
                if h.startswith("sha256:"):
                    if len(h) > 7:
                        out.add(h)
                    break
        return tuple(sorted(out))

    @property
    def requirement(self) -> str:
        """``name[extra,...]==version``."""
        extras = f"[{','.join(sorted(self.extras))}]" if self.extras else ""
        return f"{self.name}{extras}=={self.version}"

    @property
    def direct(self) -> bool:
        return bool(self.requested_by)


@dataclass(frozen=True, slots=True)
class SkippedRequirement:
    """A requested requirement the resolution did not resolve, and why."""

    requirement: Requirement
    #: "marker" (does not apply to the target), "not-from-index" (URL, path, VCS)
    #: or "unavailable" (its history could not be had; a partial resolution only).
    kind: str
    reason: str


@dataclass(frozen=True)
class Resolution:
    """The outcome of :func:`resolve`: pins by name, sorted, and how they connect."""

    pins: Mapping[str, Pin]
    #: The requested requirements that applied to the target (constraints excluded).
    requirements: tuple[Requirement, ...]
    environment: Environment
    as_of: datetime | None = None
    #: Requested requirements that were not resolved (marker false, not from the index).
    skipped: tuple[SkippedRequirement, ...] = ()
    #: Packages whose dependencies are unknown, with why: pinned releases whose
    #: metadata could not be read, and requested packages not from the index.
    unknown: Mapping[str, str] = field(default_factory=dict)
    #: Things worth knowing that are not errors (an extra a release does not provide, ...).
    warnings: tuple[str, ...] = ()
    #: Counters: rounds, backtracks, histories, metadata fetched / cached.
    stats: Mapping[str, int] = field(default_factory=dict)
    constraints: tuple[Requirement, ...] = ()
    #: Every project whose release history the resolution read (normalized names).
    read: frozenset[str] = frozenset()
    _top: dict[str, tuple[Requirement, ...]] = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "pins", MappingProxyType(dict(sorted(self.pins.items()))))
        object.__setattr__(self, "unknown", MappingProxyType(dict(self.unknown)))
        object.__setattr__(self, "stats", MappingProxyType(dict(self.stats)))

    @property
    def target(self) -> Target:
        return self.environment.target

    def __len__(self) -> int:
        return len(self.pins)

    def __iter__(self) -> Iterator[Pin]:
        return iter(self.pins.values())

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and canonicalize_name(name) in self.pins

    def __getitem__(self, name: str) -> Pin:
        return self.pins[canonicalize_name(name)]

    def versions(self) -> dict[str, str]:
        """``{name: version}`` for every pin."""
        return {name: pin.version for name, pin in self.pins.items()}

    def top_level(self, name: str) -> tuple[Requirement, ...]:
        """The requested requirements that pull ``name`` in (directly or through
        other packages), in file order."""
        key: str = canonicalize_name(name)
        hit = self._top.get(key)
        if hit is not None:
            return hit
        seen: set[str] = {key}
        queue: list[str] = [key]
        found: dict[int, Requirement] = {}
        while queue:
            current = queue.pop()
            pin = self.pins.get(current)
            if pin is None:
                continue
            for r in pin.requested_by:
                found[id(r)] = r
            for parent in pin.required_by:
                if parent not in seen:
                    seen.add(parent)
                    queue.append(parent)
        order = {id(r): i for i, r in enumerate(self.requirements)}
        hit = tuple(sorted(found.values(), key=lambda r: order.get(id(r), 1 << 30)))
        self._top[key] = hit
        return hit

    @property
    def label(self) -> str:
        """``Python 3.11 on linux, as of 2025-01-01``."""
        text = self.environment.label
        if self.as_of is not None:
            text += f", as of {as_of_label(self.as_of)}"
        return text


# --------------------------------------------------------------------------- inputs


def requirements_from(items: Iterable[RequirementLike], origin: str = "<requirements>") -> list[Requirement]:
    """Model requirements from PEP 508 strings (model requirements pass through).

    Raises :class:`lockaudit.errors.InvalidSpecifier` quoting a string that is
    not a valid requirement.
    """
    out: list[Requirement] = []
    for i, item in enumerate(items, 1):
        if isinstance(item, Requirement):
            out.append(item)
            continue
        try:
            req = _PkgRequirement(item)
        except InvalidRequirement as exc:
            raise InvalidSpecifier(f"invalid requirement {item!r}: {exc}") from None
        source = Source(SourceKind.URL, req.url) if req.url else INDEX_SOURCE
        out.append(
            Requirement(
                name=canonicalize_name(req.name),
                raw_name=req.name,
                specifier=str(req.specifier),
                pep440=str(req.specifier),
                origin=Origin(origin, i),
                extras=frozenset(req.extras),
                marker=str(req.marker) if req.marker is not None else None,
                source=source,
            )
        )
    return out


def _roots(
    requirements: Sequence[Requirement], env: Environment
) -> tuple[list[ResolverRequirement], list[ResolverRequirement], list[Requirement], list[SkippedRequirement]]:
    roots: list[ResolverRequirement] = []
    constraints: list[ResolverRequirement] = []
    applied: list[Requirement] = []
    skipped: list[SkippedRequirement] = []
    for r in requirements:
        if r.marker and not env.evaluate(r.marker, ""):
            skipped.append(SkippedRequirement(r, "marker", f"marker {r.marker!r} is false for {env.label}"))
            continue
        if not r.source.from_index:
            where = r.source.location or r.name
            skipped.append(
                SkippedRequirement(r, "not-from-index", f"installed from {r.source.kind} ({where}); not resolved")
            )
            continue
        spec = r.pep440
        try:
            compile_spec(spec)
        except InvalidSpecifier as exc:
            raise InvalidSpecifier(f"{r.origin}: {exc}") from None
        text = requirement_text(r)
        if r.constraint:
            constraints.append(ResolverRequirement(r.name, spec, source=r, text=text))
            continue
        applied.append(r)
        roots.append(ResolverRequirement(r.name, spec, source=r, text=text))
        for extra in sorted({canonicalize_name(e) for e in r.extras}):
            roots.append(ResolverRequirement(r.name, spec, extra, source=r, text=text))
    return roots, constraints, applied, skipped


def _available_roots(
    repository: Repository, roots: list[ResolverRequirement], skipped: list[SkippedRequirement]
) -> tuple[list[ResolverRequirement], list[SkippedRequirement]]:
    """Roots whose project's history could be had; the others become skipped ("unavailable")."""
    kept: list[ResolverRequirement] = []
    out = list(skipped)
    seen: set[int] = set()
    for r in roots:
        project = repository.loaded(r.name)
        if project is None or project.status not in UNAVAILABLE:
            kept.append(r)
            continue
        if r.source is not None and id(r.source) not in seen:
            seen.add(id(r.source))
            reason = f"its release history could not be had ({project.status.value})"
            out.append(SkippedRequirement(r.source, "unavailable", reason))
    return kept, out


def _collect(requirements: Inputs) -> tuple[list[Requirement], IndexOptions | None]:
    if isinstance(requirements, Lockfile):
        return list(requirements.requirements), requirements.index
    return requirements_from(requirements), None


# --------------------------------------------------------------------------- API


@dataclass(frozen=True, slots=True)
class ResolveOptions:
    """What a resolution is for, and how it reaches the index when no client is given.

    ``target``: Python version and platform (default: the running
    interpreter). ``as_of``: releases and files uploaded later do not exist.
    ``prereleases``: True allows them everywhere, False nowhere, None follows
    pip (when a specifier names one, or when nothing else is installable).
    ``preferences`` (name -> version, e.g. an existing lock's pins) are kept
    wherever they still satisfy every requirement; the rest resolve as usual.
    ``partial`` True resolves around projects whose release history could not
    be had (not found, unreachable, offline): they are left out, listed in
    ``Resolution.unknown`` with the releases that need them, instead of
    failing the whole resolution (what an audit wants; a lock must not).
    ``max_rounds``: resolver rounds before :class:`.ResolutionTooComplex`.

    ``settings``, ``cache``, ``offline``: the index client made when the call
    is given none (default settings: flags, environment, the input's index
    options, pip's configuration); it is closed afterwards.
    """

    target: Target | Environment | None = None
    as_of: date | datetime | str | None = None
    prereleases: bool | None = None
    preferences: Mapping[str, str] | None = field(default=None, hash=False)
    partial: bool = False
    max_rounds: int = DEFAULT_MAX_ROUNDS
    settings: IndexSettings | None = None
    cache: Cache | str | None = None
    offline: bool = False


def resolve(
    requirements: Inputs,
    options: ResolveOptions = ResolveOptions(),
    *,
    client: IndexClient | None = None,
    progress: Progress | None = None,
) -> Resolution:
    """Resolve ``requirements`` as ``options`` say (see :class:`ResolveOptions`).

    ``requirements``: a :class:`~lockaudit.model.Lockfile` from the inputs layer
    (its declared requirements; constraint lines constrain; its index options
    and ``--pre`` apply), or model requirements / PEP 508 strings.

    ``client``: an :class:`~lockaudit.index.IndexClient` to use (not closed
    here); otherwise one is made from the options. ``progress(done, total,
    name)`` is called as packages are fetched and pinned.

    Raises :class:`.ResolutionConflict` (with ``explain()``) when no set of pins
    works, :class:`.ResolutionTooComplex` after ``max_rounds``, and
    :class:`lockaudit.errors.InvalidSpecifier` for a requirement that cannot be read.
    Must not be called from a running event loop: use :func:`resolve_async` there.
    """
    return run_sync(resolve_async(requirements, options, client=client, progress=progress))


_T = TypeVar("_T")


class _Box(Generic[_T]):
    __slots__ = ("value",)

    def __init__(self, value: _T) -> None:
        self.value = value

    def __repr__(self) -> str:
        return "<result>"


async def _boxed(coro: Coroutine[Any, Any, _T]) -> _Box[_T]:
    return _Box(await coro)


def run_sync(coro: Coroutine[Any, Any, _T]) -> _T:
    """``asyncio.run(coro)``, less a cost Python 3.11's runner adds: putting
    its SIGINT handler back, it reads it with ``signal.getsignal``, which
    formats the handler's repr, the finished main task and its result
    included. For a resolution that is a 200 kB string, twice (~4 ms): the
    result travels in a box with a short repr instead."""
    return asyncio.run(_boxed(coro)).value


async def resolve_async(
    requirements: Inputs,
    options: ResolveOptions = ResolveOptions(),
    *,
    client: IndexClient | None = None,
    progress: Progress | None = None,
    dependencies: dict[tuple[str, str], ReleaseDependencies] | None = None,
    histories: dict[str, ProjectHistory] | None = None,
) -> Resolution:
    """:func:`resolve` for callers inside an event loop (same arguments, same result).

    ``dependencies`` and ``histories``: release dependencies (by name and
    version) and release histories (by normalized name) already read in this
    run, shared with the caller (read and filled): several resolutions of one
    run then read each only once.
    """
    target, prereleases = options.target, options.prereleases
    env = target if isinstance(target, Environment) else Environment.for_target(target)
    moment = parse_as_of(options.as_of)
    declared, file_options = _collect(requirements)
    if prereleases is None and file_options is not None and file_options.pre:
        prereleases = True
    own = client is None
    if client is None:
        settings = options.settings or resolve_index_settings(file_options=file_options)
        client = IndexClient(settings, cache=options.cache, offline=options.offline)
    try:
        repository = Repository(
            client,
            env,
            as_of=moment,
            loop=asyncio.get_running_loop(),
            progress=progress,
            dependencies=dependencies,
            histories=histories,
        )
        roots, constraints, applied, skipped = _roots(declared, env)
        # The cyclic GC stays as the caller set it: a library never turns it off
        # for the whole process across awaits (the one-shot CLI commands run
        # without it, see lockaudit.cli).
        await repository.prefetch(roots, constraints, prereleases)
        if options.partial:
            roots, skipped = _available_roots(repository, roots, skipped)
        resolution = await asyncio.to_thread(
            _run,
            repository,
            env,
            moment,
            roots,
            constraints,
            applied,
            skipped,
            prereleases,
            progress,
            options.max_rounds,
            options.partial,
            _normalized_preferences(options.preferences),
        )
        # The pins' file lists (hashes), while the client and its cache are open.
        await repository.load_files((pin.name, pin.version) for pin in resolution)
        return replace(resolution, stats={**resolution.stats, **repository.stats}, read=frozenset(repository.projects))
    finally:
        if own:
            await client.aclose()


def _run(
    repository: Repository,
    env: Environment,
    as_of: datetime | None,
    roots: list[ResolverRequirement],
    constraints: list[ResolverRequirement],
    applied: list[Requirement],
    skipped: list[SkippedRequirement],
    prereleases: bool | None,
    progress: Progress | None,
    max_rounds: int,
    partial: bool = False,
    preferences: Mapping[str, str] | None = None,
) -> Resolution:
    provider = LockauditProvider(
        repository, env, prereleases=prereleases, constraints=constraints, partial=partial, preferences=preferences
    )
    for r in roots:
        provider.first_requirer.setdefault(r.identifier, (r, None))
    reporter = ProgressReporter(progress)
    label = env.label + (f", as of {as_of_label(as_of)}" if as_of else "")
    try:
        result = run_resolver(provider, reporter, roots, max_rounds)
    except ResolutionImpossible as exc:
        raise conflict_from(exc.causes, provider, repository, label) from None
    except ResolutionTooDeep:
        raise ResolutionTooComplex(max_rounds, label) from None
    stats = dict(repository.stats)
    stats.update(rounds=reporter.rounds, backtracks=reporter.backtracks, rejected=reporter.rejected)
    return _build(result, provider, repository, env, as_of, applied, skipped, constraints, stats)


def _normalized_preferences(preferences: Mapping[str, str] | None) -> dict[str, str]:
    """Names PEP 503-normalized, versions in canonical form (as the candidates carry them);
    a version that is not PEP 440 cannot be a candidate and is left out."""
    from ..versions import normalize_version

    out: dict[str, str] = {}
    for name, version in (preferences or {}).items():
        try:
            out[canonicalize_name(name)] = normalize_version(version)
        except InvalidVersion:
            continue
    return out


def _build(
    result: Result[ResolverRequirement, Candidate, str],
    provider: LockauditProvider,
    repository: Repository,
    env: Environment,
    as_of: datetime | None,
    applied: list[Requirement],
    skipped: list[SkippedRequirement],
    constraints: list[ResolverRequirement],
    stats: dict[str, int],
) -> Resolution:
    mapping: Mapping[str, Candidate] = result.mapping
    versions: dict[str, str] = {}
    extras: dict[str, set[str]] = {}
    requested: dict[str, dict[int, Requirement]] = {}
    parents: dict[str, set[str]] = {}
    wanted: dict[str, dict[tuple[str, str], None]] = {}
    specifiers: dict[str, dict[tuple[str, str], None]] = {}
    children: dict[str, set[str]] = {}
    for ident, cand in mapping.items():
        if ident == PYTHON:
            continue
        versions[cand.name] = cand.version
        extras.setdefault(cand.name, set())
        if cand.extra:
            extras[cand.name].add(cand.extra)
    for ident, cand in mapping.items():
        if ident == PYTHON:
            continue
        name = cand.name
        for info in result.criteria[ident].information:
            parent = info.parent
            req = info.requirement
            if parent is None:
                if req.source is not None:
                    requested.setdefault(name, {})[id(req.source)] = req.source
                    where = req.source.origin.file_line or "requested"
                else:
                    where = "requested"
                wanted.setdefault(name, {})[(where, req.text)] = None
                specifiers.setdefault(name, {})[(where, req.specifier)] = None
            elif mapping.get(parent.identifier) == parent and parent.name != name:
                parents.setdefault(name, set()).add(parent.name)
                who = f"{parent.identifier} {parent.version}"
                wanted.setdefault(name, {})[(who, req.text)] = None
                specifiers.setdefault(name, {})[(who, req.specifier)] = None
        for dep in provider.dependencies_of(cand):
            if dep.name != name and dep.name != PYTHON and dep.name in versions:
                children.setdefault(name, set()).add(dep.name)
    unknown: dict[str, str] = {}
    for (name, version), reason in provider.unknown.items():
        if versions.get(name) == version:
            unknown[name] = reason
    for s in skipped:
        if s.kind in ("not-from-index", "unavailable"):
            unknown[s.requirement.name] = s.reason
    warnings = [
        f"{name} {version} does not provide the extra{'s' if len(missing) > 1 else ''} {', '.join(sorted(missing))}"
        for (name, version), missing in sorted(provider.missing_extras.items())
        if versions.get(name) == version
    ]
    pins: dict[str, Pin] = {}
    for name, version in versions.items():
        project = repository.loaded(name)
        release = project.release(version) if project is not None else None
        pins[name] = Pin(
            name=name,
            version=version,
            extras=frozenset(extras[name]),
            requested_by=tuple(requested.get(name, {}).values()),
            required_by=tuple(sorted(parents.get(name, ()))),
            dependencies=tuple(sorted(children.get(name, ()))),
            wanted=tuple(sorted(wanted.get(name, {}))),
            wanted_specifiers=tuple(sorted(specifiers.get(name, {}))),
            dependencies_known=name not in unknown,
            requires_python=release.requires_python if release else None,
            yanked=bool(release and release.yanked),
            yanked_reason=release.yanked_reason if release else None,
            upload_time=release.upload_time if release else None,
            index=" ".join(project.history.indexes) if project is not None else None,
            _project=project,
        )
    return Resolution(
        pins=pins,
        requirements=tuple(applied),
        environment=env,
        as_of=as_of,
        skipped=tuple(skipped),
        unknown=unknown,
        warnings=tuple(warnings),
        stats=stats,
        constraints=tuple(c.source for c in constraints if c.source is not None),
    )
