"""Per-package facts the rules read: what is declared, what the lock installs,
what a fresh install takes, per target environment.

A package's facts belong to one *unit*: a project and one of its locks (or
the project alone when it has none). What a fresh install takes comes from
the fresh resolution of the unit's inputs on each target
(:mod:`lockaudit.resolve.fresh`), never from one range alone; what the
declared range admits by itself (``range_newest``) is kept apart, for the
rules about how ranges are written. "Today" is the audit's as-of cutoff (or
the real time): releases uploaded later do not exist.
"""

from __future__ import annotations

import datetime as dt
import functools
import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from packaging.markers import InvalidMarker, Marker
from packaging.specifiers import InvalidSpecifier as _PkgInvalidSpecifier
from packaging.specifiers import SpecifierSet
from packaging.version import InvalidVersion as _PkgInvalidVersion
from packaging.version import Version

from ..as_of import exists_at
from ..errors import InvalidSpecifier, InvalidVersion
from ..findings import Target
from ..index.history import FetchStatus, FileInfo, ProjectHistory, ReleaseInfo
from ..index.history.model import LazyFiles
from ..model import LockedPackage, Requirement
from ..resolve.fresh import FreshPackage
from ..versions import ReleaseHistory, compile_range

__all__ = [
    "AuditContext",
    "PackageFacts",
    "TargetView",
    "build_facts",
    "intersect_alternatives",
    "marker_applies",
    "parse_version",
    "supports_python",
]

#: More alternatives than this after intersecting unions is not worth the work.
_MAX_ALTERNATIVES = 64


@dataclass(frozen=True, slots=True)
class AuditContext:
    """What every package is audited against."""

    #: The moment "now" stands for: the as-of cutoff, or the real time.
    now: dt.datetime
    #: The as-of cutoff (None: the real time, nothing is cut off).
    cutoff: dt.datetime | None
    #: pip's --pre from the input files: pre-releases admitted everywhere.
    prereleases: bool | None = None
    cooldown: dt.timedelta = dt.timedelta(days=7)


@dataclass(frozen=True, slots=True)
class TargetView:
    """One package on one target environment."""

    target: Target
    #: A requirement of it applies here, or the lock or a fresh install puts it here.
    applies: bool
    #: The lock entry installed here (None: the lock does not install it here).
    locked: LockedPackage | None = None
    #: What a fresh install takes here (None: it does not install it, or unknown).
    fresh: str | None = None
    #: How the fresh install differs from the lock here (see resolve.fresh.Change).
    change: str = "unknown"
    #: Named by a top-level requirement of the unit.
    direct: bool = False
    #: The newest final release this target can install, whoever requires what.
    newest: str | None = None
    held_by: tuple[tuple[str, str], ...] = ()
    pulled_in_by: tuple[str, ...] = ()
    reason: str | None = None
    #: The declared range here (requirements whose markers hold): PEP 440 alternatives.
    spec: tuple[str, ...] = ("",)
    #: The newest release the declared range admits here (requires-python honoured)...
    range_newest: str | None = None
    #: ...and ignoring requires-python (a trap when they differ).
    range_newest_any_python: str | None = None


@dataclass(slots=True)
class PackageFacts:
    name: str
    #: The unit: the project's label and the lock's path (None: no lock).
    project: str
    lock: str | None
    #: Requirements that name an index package (URL/path/VCS ones are in ``direct``).
    requirements: tuple[Requirement, ...]
    direct: tuple[Requirement, ...]
    #: The lock entry on the main target (the first target that installs it).
    locked: LockedPackage | None
    #: Every pin of the unit for this name (several when a lock splits it by markers).
    all_locked: tuple[LockedPackage, ...]
    history: ProjectHistory | None
    #: PEP 440 alternatives every requirement admits together ("" = any).
    spec: tuple[str, ...] = ("",)
    spec_error: str | None = None
    #: Visible (uploaded before the cutoff), valid releases.
    releases: dict[str, ReleaseInfo] = field(default_factory=dict)
    #: Visible releases, and the installable ones (not yanked).
    all_history: ReleaseHistory | None = None
    installable: ReleaseHistory | None = None
    #: What a fresh install takes on the main target, and the newest final release overall.
    fresh: str | None = None
    newest: str | None = None
    #: The newest release the declared range admits on the main target.
    range_newest: str | None = None
    targets: tuple[TargetView, ...] = ()
    #: --as-of: files uploaded after this do not exist yet (applied when a
    #: release's files are looked at: decoding every file row would cost more
    #: than the whole audit).
    cutoff: dt.datetime | None = None
    #: Why this package's own dependencies are unknown (the graph below it is not known).
    dependencies_unknown: str | None = None

    @property
    def known(self) -> bool:
        return self.history is not None and self.history.status is FetchStatus.OK

    @property
    def from_index(self) -> bool:
        return bool(self.requirements) or (self.locked is not None and self.locked.source.from_index)

    @property
    def main(self) -> TargetView | None:
        """The view of the main target: the first that installs the package."""
        for view in self.targets:
            if view.applies:
                return view
        return self.targets[0] if self.targets else None

    @property
    def fresh_unknown(self) -> str | None:
        """Why what a fresh install takes cannot be told (None: it can)."""
        view = self.main
        if view is not None and view.change == "unknown":
            return view.reason or "unknown"
        return None

    def release(self, version: str | None) -> ReleaseInfo | None:
        found = self._release(version)
        if found is not None and self.cutoff is not None:
            return _files_by(found, self.cutoff)
        return found

    def _release(self, version: str | None) -> ReleaseInfo | None:
        if version is None:
            return None
        found = self.releases.get(version)
        if found is not None:
            return found
        # The lock may spell a version differently (1.0 vs 1.0.0): compare as PEP 440.
        wanted = parse_version(version)
        if wanted is None:
            return None
        for text, info in self.releases.items():
            if parse_version(text) == wanted:
                return info
        return None


@functools.lru_cache(maxsize=65536)
def parse_version(text: str) -> Version | None:
    try:
        return Version(text)
    except (_PkgInvalidVersion, ValueError, TypeError):
        return None


@functools.lru_cache(maxsize=4096)
def _python_spec(text: str) -> SpecifierSet | None:
    try:
        return SpecifierSet(text)
    except _PkgInvalidSpecifier:
        return None


def supports_python(requires_python: str | None, python: str | None) -> bool:
    """Whether a release's Requires-Python admits the target Python (unknown: yes)."""
    if not requires_python or not python:
        return True
    spec = _python_spec(requires_python)
    if spec is None:
        return True  # pip ignores an unreadable Requires-Python too
    full = python if python.count(".") >= 2 else python + ".0"
    return spec.contains(full, prereleases=True)


@functools.lru_cache(maxsize=4096)
def _marker(text: str) -> Marker | None:
    try:
        return Marker(text)
    except InvalidMarker:
        return None


@functools.lru_cache(maxsize=16)
def _environment(target: Target) -> dict[str, str]:
    return target.full_marker_environment()


def marker_applies(marker: str | None, target: Target, extras: frozenset[str] = frozenset()) -> bool:
    """Whether a requirement's marker holds on ``target`` (an unreadable one: yes, as pip warns)."""
    if not marker:
        return True
    parsed = _marker(marker)
    if parsed is None:
        return True
    env = dict(_environment(target))
    env["extra"] = next(iter(extras), "")
    try:
        return parsed.evaluate(env)
    except Exception:
        return True


def intersect_alternatives(groups: Sequence[Sequence[str]]) -> tuple[str, ...]:
    """The union alternatives of an AND of unions: every combination joined by commas."""
    result: list[str] = [""]
    for alternatives in groups:
        combined = []
        for left, right in itertools.product(result, alternatives):
            combined.append(",".join(p for p in (left, right) if p))
            if len(combined) > _MAX_ALTERNATIVES:
                raise InvalidSpecifier("too many alternatives when combining ranges")
        result = combined
    return tuple(dict.fromkeys(result))


def _files_by(info: ReleaseInfo, cutoff: dt.datetime) -> ReleaseInfo:
    """The release as it stood at ``cutoff``: later files filtered out when first read."""
    return info._replace(files=_FilesBy(info.files, cutoff))


class _FilesBy(LazyFiles):
    __slots__ = ("_all", "_cutoff", "_kept")

    def __init__(self, files: Sequence[FileInfo], cutoff: dt.datetime) -> None:
        self._all = files
        self._cutoff = cutoff
        self._kept: tuple[FileInfo, ...] | None = None

    def _files(self) -> tuple[FileInfo, ...]:
        if self._kept is None:
            self._kept = tuple(f for f in self._all if exists_at(f.upload_time, self._cutoff))
        return self._kept


def _spec_of(requirements: Sequence[Requirement]) -> tuple[tuple[str, ...], str | None]:
    try:
        spec = intersect_alternatives([tuple(r.pep440.split(" || ")) for r in requirements if r.pep440])
        compile_range(list(spec))
    except (InvalidSpecifier, InvalidVersion, ValueError) as exc:
        return ("",), str(exc)
    return spec, None


def build_facts(
    name: str,
    project: str,
    lock: str | None,
    requirements: Sequence[Requirement],
    pins: Sequence[LockedPackage],
    history: ProjectHistory | None,
    ctx: AuditContext,
    fresh: Mapping[Target, FreshPackage | None],
) -> PackageFacts:
    """One package's facts in one unit. ``fresh`` holds, per target the unit is
    judged for, what the fresh install says of the package there (None: it
    neither installs it nor is it in the lock there)."""
    index_reqs = tuple(r for r in requirements if r.source.from_index)
    direct = tuple(r for r in requirements if not r.source.from_index)
    facts = PackageFacts(
        name=name,
        project=project,
        lock=lock,
        requirements=index_reqs,
        direct=direct,
        locked=pins[0] if pins else None,
        all_locked=tuple(pins),
        history=history,
    )
    facts.spec, facts.spec_error = _spec_of(index_reqs)
    known = history is not None and history.status is FetchStatus.OK
    if known:
        assert history is not None
        visible = [r for r in history.versions if exists_at(r.upload_time, ctx.cutoff)]
        facts.cutoff = ctx.cutoff
        facts.releases = {r.version: r for r in visible}
        facts.all_history = ReleaseHistory([r.version for r in visible])
        facts.installable = ReleaseHistory([r.version for r in visible if not r.yanked])
        facts.newest = facts.installable.newest("", prereleases=False) or facts.installable.newest("")

    views = []
    for target, pkg in fresh.items():
        reqs_here = tuple(r for r in index_reqs if marker_applies(r.marker, target, r.extras))
        spec, _ = _spec_of(reqs_here) if reqs_here != index_reqs else (facts.spec, facts.spec_error)
        range_newest = range_any = None
        if known and facts.installable is not None and (reqs_here or not index_reqs):
            admitted = facts.installable.filter(list(spec), prereleases=ctx.prereleases)
            range_any = admitted[-1] if admitted else None
            for version in reversed(admitted):
                info = facts.releases.get(version)
                if supports_python(info.requires_python if info else None, target.python):
                    range_newest = version
                    break
        applies = pkg is not None and (pkg.locked is not None or pkg.fresh is not None)
        applies = applies or bool(reqs_here) or any(p.marker and marker_applies(p.marker, target) for p in pins)
        views.append(
            TargetView(
                target=target,
                applies=applies,
                locked=pkg.locked if pkg is not None else None,
                fresh=pkg.fresh if pkg is not None else None,
                change=pkg.change if pkg is not None else ("unknown" if not known else "absent"),
                direct=pkg.direct if pkg is not None else bool(reqs_here),
                newest=pkg.newest if pkg is not None else None,
                held_by=pkg.held_by if pkg is not None else (),
                pulled_in_by=pkg.pulled_in_by if pkg is not None else (),
                reason=pkg.reason if pkg is not None else None,
                spec=spec,
                range_newest=range_newest,
                range_newest_any_python=range_any,
            )
        )
    facts.targets = tuple(views)
    main = facts.main
    if main is not None:
        facts.fresh = main.fresh
        facts.range_newest = main.range_newest
        if main.locked is not None:
            facts.locked = main.locked
    return facts
