"""Per-package facts the rules read: what is declared, locked, and admissible today.

Everything here is computed once per package from the inputs and the release
history; the rules only compare facts and never touch the index or the core
themselves. "Today" is the audit date (``--as-of`` or the real date): releases
uploaded later do not exist.
"""

from __future__ import annotations

import datetime as dt
import functools
import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field

from packaging.markers import InvalidMarker, Marker
from packaging.specifiers import InvalidSpecifier as _PkgInvalidSpecifier
from packaging.specifiers import SpecifierSet
from packaging.version import InvalidVersion as _PkgInvalidVersion
from packaging.version import Version

from ..errors import InvalidSpecifier, InvalidVersion
from ..findings import Target
from ..index.history import FetchStatus, FileInfo, ProjectHistory, ReleaseInfo
from ..model import Dependency, LockedPackage, Requirement
from ..versions import ReleaseHistory, compile_range

__all__ = ["AuditContext", "PackageFacts", "TargetView", "build_facts", "intersect_alternatives", "parse_version"]

#: More alternatives than this after intersecting unions is not worth the work.
_MAX_ALTERNATIVES = 64


@dataclass(frozen=True, slots=True)
class AuditContext:
    """What every package is audited against."""

    #: The moment "now" stands for: the end of the --as-of day, or the real time.
    now: dt.datetime
    targets: tuple[Target, ...]
    #: pip's --pre from the input files: pre-releases admitted everywhere.
    prereleases: bool | None = None
    cooldown: dt.timedelta = dt.timedelta(days=7)
    #: True when "now" is a --as-of date rather than the real time.
    as_of: bool = False


@dataclass(frozen=True, slots=True)
class TargetView:
    """What a fresh install takes on one target environment."""

    target: Target
    #: The package's requirements whose markers select it there.
    applies: bool
    #: The newest admissible release this target can install (requires-python honoured).
    fresh: str | None
    #: The newest admissible release ignoring requires-python (the trap when it differs).
    fresh_any_python: str | None


@dataclass(slots=True)
class PackageFacts:
    name: str
    dependency: Dependency
    #: Requirements that name an index package (URL/path/VCS ones are in ``direct``).
    requirements: tuple[Requirement, ...]
    direct: tuple[Requirement, ...]
    locked: LockedPackage | None
    #: Every pin (several when a lock splits one package by markers).
    all_locked: tuple[LockedPackage, ...]
    history: ProjectHistory | None
    #: PEP 440 alternatives whose union every requirement admits together ("" = any).
    spec: tuple[str, ...] = ("",)
    spec_error: str | None = None
    #: Visible (uploaded by "now"), valid releases.
    releases: dict[str, ReleaseInfo] = field(default_factory=dict)
    #: Visible releases, and the installable ones (not yanked).
    all_history: ReleaseHistory | None = None
    installable: ReleaseHistory | None = None
    #: Newest admissible on the first target, and the newest final release overall.
    fresh: str | None = None
    newest: str | None = None
    targets: tuple[TargetView, ...] = ()
    #: --as-of: files uploaded after this do not exist yet (applied when a
    #: release's files are looked at: decoding every file row would cost more
    #: than the whole audit).
    cutoff: dt.datetime | None = None

    @property
    def known(self) -> bool:
        return self.history is not None and self.history.status is FetchStatus.OK

    @property
    def from_index(self) -> bool:
        return bool(self.requirements) or (self.locked is not None and self.locked.source.from_index)

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


def marker_applies(marker: str | None, target: Target, extras: frozenset[str] = frozenset()) -> bool:
    if not marker:
        return True
    parsed = _marker(marker)
    if parsed is None:
        return True
    env = target.marker_environment()
    env["extra"] = next(iter(extras), "")
    try:
        return parsed.evaluate(env)  # type: ignore[arg-type]
    except Exception:  # noqa: BLE001 - an undefined variable: treat as applying, as pip would warn
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


def _visible(info: ReleaseInfo, now: dt.datetime) -> bool:
    return info.upload_time is None or info.upload_time <= now


def _files_by(info: ReleaseInfo, cutoff: dt.datetime) -> ReleaseInfo:
    """The release as it stood at ``cutoff``: later files filtered out when first read."""
    return info._replace(files=_FilesBy(info.files, cutoff))


class _FilesBy(Sequence[FileInfo]):
    __slots__ = ("_files", "_cutoff", "_kept")

    def __init__(self, files: Sequence[FileInfo], cutoff: dt.datetime) -> None:
        self._files = files
        self._cutoff = cutoff
        self._kept: tuple[FileInfo, ...] | None = None

    def _all(self) -> tuple[FileInfo, ...]:
        if self._kept is None:
            self._kept = tuple(f for f in self._files if f.upload_time is None or f.upload_time <= self._cutoff)
        return self._kept

    def __len__(self) -> int:
        return len(self._all())

    def __getitem__(self, index):  # type: ignore[no-untyped-def]
        return self._all()[index]

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(self._all())


def build_facts(dependency: Dependency, history: ProjectHistory | None, ctx: AuditContext) -> PackageFacts:
    requirements = tuple(r for r in dependency.requirements if r.source.from_index)
    direct = tuple(r for r in dependency.requirements if not r.source.from_index)
    locked_all = tuple(dependency.locked)
    locked = locked_all[0] if locked_all else None
    facts = PackageFacts(
        name=dependency.name,
        dependency=dependency,
        requirements=requirements,
        direct=direct,
        locked=locked,
        all_locked=locked_all,
        history=history,
    )
    try:
        facts.spec = intersect_alternatives([tuple(r.pep440.split(" || ")) for r in requirements if r.pep440])
        compile_range(list(facts.spec))
    except (InvalidSpecifier, InvalidVersion, ValueError) as exc:
        facts.spec = ("",)
        facts.spec_error = str(exc)

    if history is None or history.status is not FetchStatus.OK:
        return facts

    visible = [r for r in history.versions if _visible(r, ctx.now)]
    if ctx.as_of:
        facts.cutoff = ctx.now
    facts.releases = {r.version: r for r in visible}
    facts.all_history = ReleaseHistory([r.version for r in visible])
    facts.installable = ReleaseHistory([r.version for r in visible if not r.yanked])
    facts.newest = facts.installable.newest("", prereleases=False) or facts.installable.newest("")

    views = []
    for target in ctx.targets or (Target(),):
        applies = not requirements or any(marker_applies(r.marker, target, r.extras) for r in requirements)
        admitted = facts.installable.filter(list(facts.spec), prereleases=ctx.prereleases)
        fresh_any = admitted[-1] if admitted else None
        fresh = None
        for version in reversed(admitted):
            info = facts.releases.get(version)
            if supports_python(info.requires_python if info else None, target.python):
                fresh = version
                break
        views.append(TargetView(target, applies, fresh, fresh_any))
    facts.targets = tuple(views)
    facts.fresh = views[0].fresh if views else None
    return facts
