"""What an audit found, as plain data: the only module presenters read.

The audit engine fills these values; the presenters (``lockaudit.formats``, the
CLI, the HTTP service) turn them into text. Nothing here fetches, prints or
serializes.

Severity scale
--------------
``info < low < medium < high < critical``.

Thresholds (``--fail-on`` / ``fail-on``)
----------------------------------------
Two kinds, never mixed up:

- a severity (``info``, ``low``, ``medium``, ``high``, ``critical``): fail on
  findings of that severity or worse, whatever the rule;
- an upgrade size (``patch``, ``minor``, ``major``, :class:`UpgradeSize`): fail on
  the findings about an upgrade (those whose data carries a semver ``jump``: LA003
  drift, LA018 transitive drift) of that size or larger; a jump that cannot be
  sized (``unknown``) and a package a fresh resolution adds or drops count as
  major. Other findings never fail at a size threshold.

``never`` (or ``none``) as a threshold means findings never fail the run.
(``patch``, ``minor``, ``major`` still name the severities low, medium, high
where a severity is asked for, as in ``[tool.lockaudit.severity]``.)

Exit codes (:meth:`AuditReport.exit_code`)
------------------------------------------
0 nothing at or above the threshold; 1 findings at or above it; 2 bad usage or
an input that could not be read at all (a missing path, a file that does not
parse as its format); 3 some package's status is unknown (not found, index
unreachable) unless unknowns are allowed. A bad line in a file that was read is
a finding of its own (LA020) and counts toward the threshold like any other.
When several apply the first in the order 2, 1, 3 wins. Suppressed findings
never count.
"""

from __future__ import annotations

import datetime as _dt
import enum
import functools
import hashlib
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, TypeAlias

from packaging.utils import canonicalize_name

from ._target import Target
from .model import InputProblem, Origin, place_text
from .urls import redact_url

__all__ = [
    "SEVERITY_ALIASES",
    "AuditReport",
    "ExitCode",
    "Finding",
    "JSONValue",
    "Location",
    "PackageReport",
    "PackageStatus",
    "PolicySummary",
    "ReportFile",
    "ReportMetadata",
    "ReportUnit",
    "RuleCode",
    "Severity",
    "Suppression",
    "Target",
    "TargetResult",
    "Threshold",
    "UpgradeSize",
    "fingerprint_of",
    "parse_threshold",
    "redact_url",
]

#: A value that JSON can hold: what ``Finding.data`` may contain (a list or a tuple
#: as a Sequence, so that a ``list[str]`` is one).
JSONValue: TypeAlias = bool | int | float | str | Sequence["JSONValue"] | Mapping[str, "JSONValue"] | None


# --------------------------------------------------------------------------- severity


@functools.total_ordering
class Severity(enum.Enum):
    """How much a finding matters; ordered ``info < low < medium < high < critical``."""

    INFO = "info"
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"

    @property
    def rank(self) -> int:
        """0 for info up to 4 for critical."""
        return _RANK[self]

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, Severity):
            return NotImplemented
        return _RANK[self] < _RANK[other]

    def __str__(self) -> str:
        return self.value

    @classmethod
    def parse(cls, text: str | Severity) -> Severity:
        """A severity from its name or a semver alias (patch, minor, major), any case.

        Raises ValueError quoting the input for anything else.
        """
        if isinstance(text, Severity):
            return text
        key = str(text).strip().lower()
        if key in SEVERITY_ALIASES:
            return SEVERITY_ALIASES[key]
        try:
            return cls(key)
        except ValueError:
            raise ValueError(
                f"invalid severity {text!r}: expected one of "
                + ", ".join(s.value for s in cls)
                + " or patch, minor, major"
            ) from None


_RANK = {s: i for i, s in enumerate(Severity)}

#: The semver aliases ``fail-on`` accepts: the size of a drift that should fail.
SEVERITY_ALIASES: Mapping[str, Severity] = MappingProxyType(
    {"patch": Severity.LOW, "minor": Severity.MEDIUM, "major": Severity.HIGH}
)

_NEVER = frozenset({"never", "none", "off"})


class UpgradeSize(enum.StrEnum):
    """A threshold by the size of an upgrade: ``patch < minor < major``.

    It blocks the findings whose ``data["jump"]`` (LA003, LA018) is an upgrade
    of at least that size; ``unknown`` jumps, and packages a fresh resolution
    adds or drops (``new``, ``removed``), count as major (never taken as small);
    ``none`` and findings without a jump never block.
    """

    PATCH = "patch"
    MINOR = "minor"
    MAJOR = "major"

    @property
    def rank(self) -> int:
        return _JUMP_RANK[self.value]

    def blocks(self, finding: Finding) -> bool:
        """Whether ``finding`` is about an upgrade of this size or larger."""
        jump = finding.data.get("jump")
        rank = _JUMP_RANK.get(jump) if isinstance(jump, str) else None
        return rank is not None and rank >= self.rank


#: ``data["jump"]`` values by size. A jump that cannot be sized, and a package a
#: fresh resolution adds or drops (LA018 ``new`` / ``removed``), count as major:
#: never taken as small.
_JUMP_RANK: Mapping[str, int] = MappingProxyType(
    {"patch": 1, "minor": 2, "major": 3, "unknown": 3, "new": 3, "removed": 3}
)

#: What ``--fail-on`` holds: a severity, an upgrade size, or None (never fail).
Threshold: TypeAlias = "Severity | UpgradeSize | None"


def parse_threshold(value: str | Severity | UpgradeSize | None) -> Severity | UpgradeSize | None:
    """A ``--fail-on`` value: a severity, an upgrade size (patch, minor, major), or
    never/none/off (None: never fail). Raises ValueError quoting anything else."""
    if value is None or isinstance(value, (Severity, UpgradeSize)):
        return value
    key = str(value).strip().lower()
    if key in _NEVER:
        return None
    if key in UpgradeSize.__members__.values():
        return UpgradeSize(key)
    try:
        return Severity(key)
    except ValueError:
        raise ValueError(
            f"invalid threshold {value!r}: expected a severity ("
            + ", ".join(s.value for s in Severity)
            + "), an upgrade size (patch, minor, major) or never"
        ) from None


# --------------------------------------------------------------------------- rule codes


class RuleCode(enum.StrEnum):
    """Stable rule codes. Members have descriptive names; ``RuleCode.LA003`` is an alias.

    New codes are appended (LA017, ...); a code is never reused for another meaning.
    Compares equal to its string: ``RuleCode.DRIFT == "LA003"``.
    """

    NO_CONSTRAINT = "LA001"
    OPEN_ENDED = "LA002"
    DRIFT = "LA003"
    LOCK_OUTSIDE_RANGE = "LA004"
    PRERELEASE = "LA005"
    YANKED = "LA006"
    REQUIRES_PYTHON_TRAP = "LA007"
    YOUNG_RELEASE = "LA008"
    MISREAD_RANGE = "LA009"
    HASHES = "LA010"
    LATE_ARTIFACTS = "LA011"
    DEPENDENCY_CHANGE = "LA012"
    UNKNOWN = "LA013"
    ENVIRONMENT_DIVERGENCE = "LA014"
    NOT_FROM_INDEX = "LA015"
    EXPIRED_SUPPRESSION = "LA016"
    LOCK_INCONSISTENT = "LA017"
    TRANSITIVE_DRIFT = "LA018"
    DEPENDENCIES_UNKNOWN = "LA019"
    UNREADABLE_INPUT = "LA020"
    # LA021-LA026: what an upgrade changes in the API (lockaudit.apidiff).
    API_DEFAULT_CHANGED = "LA021"
    API_REMOVED = "LA022"
    API_SIGNATURE_CHANGED = "LA023"
    API_DEPRECATION = "LA024"
    API_DISTRIBUTION_CHANGED = "LA025"
    API_UNKNOWN = "LA026"

    # Aliases by number.
    LA001 = "LA001"
    LA002 = "LA002"
    LA003 = "LA003"
    LA004 = "LA004"
    LA005 = "LA005"
    LA006 = "LA006"
    LA007 = "LA007"
    LA008 = "LA008"
    LA009 = "LA009"
    LA010 = "LA010"
    LA011 = "LA011"
    LA012 = "LA012"
    LA013 = "LA013"
    LA014 = "LA014"
    LA015 = "LA015"
    LA016 = "LA016"
    LA017 = "LA017"
    LA018 = "LA018"
    LA019 = "LA019"
    LA020 = "LA020"
    LA021 = "LA021"
    LA022 = "LA022"
    LA023 = "LA023"
    LA024 = "LA024"
    LA025 = "LA025"
    LA026 = "LA026"

    @classmethod
    def parse(cls, text: str | RuleCode) -> RuleCode:
        """A code from ``"LA003"`` (any case) or a member name (``"DRIFT"``)."""
        if isinstance(text, RuleCode):
            return text
        key = str(text).strip().upper()
        try:
            return cls(key)
        except ValueError:
            pass
        member = cls.__members__.get(key.replace("-", "_"))
        if member is None:
            raise ValueError(f"unknown rule code {text!r}: expected LA001 to {max(cls).value}")
        return member


# --------------------------------------------------------------------------- locations


@dataclass(frozen=True, slots=True)
class Location:
    """A place in an input file: path as given (relative when possible), 1-based line/column."""

    path: str
    line: int | None = None
    column: int | None = None

    @classmethod
    def from_origin(cls, origin: Origin | None) -> Location | None:
        if origin is None:
            return None
        return cls(origin.path, origin.line, origin.column)

    def __str__(self) -> str:
        return place_text(self.path, self.line, self.column)


@dataclass(frozen=True, slots=True)
class Suppression:
    """A reviewed exception: findings of ``code`` for ``package`` are accepted for ``reason``.

    ``version`` limits it to findings about that version: an exact version
    (``"2.0.1"``) or a PEP 440 specifier set (``"<3"``). ``until`` is the last day
    it applies (inclusive); after it the suppression has expired. ``location``
    is where it was written (config file and line), when known.
    """

    code: RuleCode
    package: str
    reason: str
    version: str | None = None
    until: _dt.date | None = None
    location: Location | None = None

    def expired(self, today: _dt.date) -> bool:
        return self.until is not None and today > self.until

    def matches(self, finding: Finding) -> bool:
        """Whether this suppression covers ``finding`` (expiry is not checked here)."""
        if finding.code != self.code:
            return False
        if canonicalize_name(finding.package) != canonicalize_name(self.package):
            return False
        if self.version is None:
            return True
        if finding.version is None:
            return False
        return _version_matches(finding.version, self.version)


def _version_matches(version: str, pattern: str) -> bool:
    from packaging.specifiers import InvalidSpecifier, SpecifierSet
    from packaging.version import InvalidVersion, Version

    pattern = pattern.strip()
    try:
        if pattern[:1] in "<>=!~":
            return SpecifierSet(pattern).contains(version, prereleases=True)
        return Version(version) == Version(pattern)
    except (InvalidSpecifier, InvalidVersion):
        return version.strip() == pattern


# --------------------------------------------------------------------------- findings


def _check_json(value: Any, where: str) -> Any:
    """Return a read-only, JSON-able copy of ``value`` or raise TypeError naming ``where``."""
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise TypeError(f"{where}: {value!r} is not a finite number")
        return value
    if isinstance(value, Mapping):
        out = {}
        for k, v in value.items():
            if not isinstance(k, str):
                raise TypeError(f"{where}: key {k!r} is not a string")
            out[k] = _check_json(v, f"{where}.{k}")
        return MappingProxyType(out)
    if isinstance(value, (list, tuple)):
        return tuple(_check_json(v, f"{where}[{i}]") for i, v in enumerate(value))
    raise TypeError(f"{where}: {type(value).__name__} is not JSON-able")


def fingerprint_of(code: str, package: str, path: str | None, *extra: str) -> str:
    """A stable identity for a finding: same problem, same fingerprint across runs.

    Built from the rule code, the normalized package name, the file (not the
    line: lines move) and any ``extra`` parts the rule needs to tell two findings
    apart (a target, a version). 32 hex digits of SHA-256.
    """
    parts = [str(code), canonicalize_name(package), path or "", *map(str, extra)]
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()[:32]


@dataclass(frozen=True, slots=True)
class Finding:
    """One thing worth telling about one package.

    ``location`` is the requirement's file:line, ``lock_location`` the lock
    entry's (either may be None: a transitive pin has no requirement). ``version``
    is the version the finding is about (usually the locked one), which
    suppressions with a ``version`` match against. ``data`` holds the rule's
    facts as JSON-able values (stored read-only). ``fingerprint`` is computed by
    :func:`fingerprint_of` when left empty. ``severity`` is the effective one
    after policy; ``suppressed_by`` is set when a suppression accepted it.
    ``project`` and ``lock`` name the unit it was found in (a project's label and
    its lock's path, as on :class:`PackageReport`): a package in two projects of one
    run is two rows, and each row shows its own findings. None: about no unit (the
    input files, the policy).
    """

    code: RuleCode
    severity: Severity
    package: str
    message: str
    location: Location | None = None
    lock_location: Location | None = None
    data: Mapping[str, JSONValue] = field(default_factory=dict, hash=False)
    fingerprint: str = ""
    version: str | None = None
    suppressed_by: Suppression | None = None
    project: str | None = None
    lock: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "code", RuleCode.parse(self.code))
        object.__setattr__(self, "severity", Severity.parse(self.severity))
        object.__setattr__(self, "data", _check_json(dict(self.data), f"{self.code} data"))
        if not self.fingerprint:
            where = self.location or self.lock_location
            # Without a file to point at, the unit tells two findings apart.
            path = where.path if where else self.project
            object.__setattr__(self, "fingerprint", fingerprint_of(self.code, self.package, path))

    @property
    def suppressed(self) -> bool:
        return self.suppressed_by is not None

    @property
    def where(self) -> Location | None:
        """The best place to point at: the requirement, else the lock entry."""
        return self.location or self.lock_location


# --------------------------------------------------------------------------- packages


class PackageStatus(enum.StrEnum):
    """Whether a package could be audited: ``ok``, ``unknown`` (LA013) or ``not-from-index`` (LA015)."""

    OK = "ok"
    UNKNOWN = "unknown"
    NOT_FROM_INDEX = "not-from-index"


@dataclass(frozen=True, slots=True)
class TargetResult:
    """What one target environment sees for one requirement."""

    target: Target
    #: Whether the requirement's markers select it on this target.
    applies: bool = True
    #: What a fresh install takes there (None: it does not install it, or unknown).
    fresh: str | None = None
    note: str | None = None
    #: What the lock installs there (None: the lock does not install it there).
    locked: str | None = None
    #: How the two differ there: same, upgrade, downgrade, added, dropped,
    #: unlocked (no lock), absent (neither installs it), unknown.
    change: str = "unknown"


@dataclass(frozen=True, slots=True)
class PackageReport:
    """The facts about one requirement (or one lock entry without a requirement).

    ``declared`` is the range as written ("" when none), ``declared_pep440`` its
    PEP 440 meaning, ``dialect`` how to read it (pep440, poetry, npm). ``fresh`` is
    what a fresh install of the project's inputs takes today on the main target
    (the fresh resolution: direct and transitive alike), ``range_newest`` the
    newest release the declared range alone admits, ``newest`` the newest
    release overall. ``status`` says whether the package could be audited;
    ``reason`` says why not (or carries a note). ``held_by`` says who keeps the
    fresh version below the newest one: (who, specifier) pairs.
    """

    name: str
    declared: str = ""
    declared_pep440: str = ""
    dialect: str = "pep440"
    locked: str | None = None
    fresh: str | None = None
    newest: str | None = None
    status: PackageStatus = PackageStatus.OK
    reason: str | None = None
    origin: Location | None = None
    lock_origin: Location | None = None
    targets: tuple[TargetResult, ...] = ()
    #: Where it comes from when not from the index: "url", "path", "vcs" (+ "editable").
    source: str = "index"
    #: The newest release the declared range admits by itself (main target).
    range_newest: str | None = None
    #: How the fresh install differs from the lock on the main target (see TargetResult.change).
    change: str = "unknown"
    #: Named by a top-level requirement (else pulled in by other packages).
    direct: bool = False
    #: Who keeps the fresh version below the newest: ("celery 5.7.0", "==2.9.0.post0").
    held_by: tuple[tuple[str, str], ...] = ()
    #: The top-level requirements that pull it in (transitive packages).
    pulled_in_by: tuple[str, ...] = ()
    #: The project (its label) and the lock (its path) this row belongs to.
    project: str | None = None
    lock: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "status", PackageStatus(self.status))

    @property
    def key(self) -> str:
        return canonicalize_name(self.name)


# --------------------------------------------------------------------------- report


@dataclass(frozen=True, slots=True)
class PolicySummary:
    """The policy an audit ran under, as plain data for the report."""

    fail_on: Threshold = Severity.HIGH
    #: The rule codes that were enabled.
    selected: tuple[RuleCode, ...] = ()
    cooldown_days: float = 7.0
    #: Per-package ``fail-on`` overrides (normalized names; None: never fails).
    per_package_fail_on: Mapping[str, Threshold] = field(default_factory=dict, hash=False)
    suppressions: int = 0
    allow_unknown: bool = False
    #: The config file it was read from, if any.
    source: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(
            self,
            "per_package_fail_on",
            MappingProxyType({canonicalize_name(k): v for k, v in self.per_package_fail_on.items()}),
        )

    def threshold_for(self, package: str, threshold: Threshold) -> Threshold:
        """The threshold for ``package``: its per-package override, else ``threshold``."""
        key = canonicalize_name(package)
        if key in self.per_package_fail_on:
            return self.per_package_fail_on[key]
        return threshold


@dataclass(frozen=True, slots=True)
class ReportFile:
    """One input file of a run: how it was read and paired, and why."""

    path: str
    #: requirements, pyproject, uv.lock, poetry.lock, pipfile, pipfile.lock, pylock, pip-freeze.
    format: str
    #: declared (ranges), locked (pins), both (a lone pinned file), includes (only includes others).
    role: str
    #: The project it belongs to (the path of its range file, or of the lock alone).
    project: str
    #: The evidence for the pairing (a tool's header, ``# via`` lines, file names).
    reason: str = ""
    #: The file that included it with -r / -c.
    included_by: str | None = None


@dataclass(frozen=True, slots=True)
class ReportUnit:
    """One project (and lock) of a run: the targets it was judged for, and why those."""

    project: str
    lock: str | None
    targets: tuple[Target, ...]
    #: Where the targets came from ("the lowest Python requires-python >=3.11 admits", ...).
    targets_from: str = ""


@dataclass(frozen=True, slots=True)
class ReportMetadata:
    """How the audit ran. ``index_url`` is stored with any credentials removed.

    ``as_of`` is the last day the audit's moment includes; ``cutoff`` the
    moment itself when ``--as-of`` set one (releases uploaded from then on do
    not exist), None when the audit ran at the real time.
    """

    tool_version: str
    as_of: _dt.date
    policy: PolicySummary = field(default_factory=PolicySummary)
    targets: tuple[Target, ...] = ()
    index_url: str | None = None
    inputs: tuple[str, ...] = ()
    cutoff: _dt.datetime | None = None
    units: tuple[ReportUnit, ...] = ()
    #: Every file read, with its role and pairing (what ``-v`` shows).
    files: tuple[ReportFile, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "index_url", redact_url(self.index_url))


class ExitCode(enum.IntEnum):
    OK = 0
    FINDINGS = 1
    ERROR = 2
    UNKNOWN = 3


@dataclass(frozen=True, slots=True)
class AuditReport:
    """Everything an audit produced; what every presenter renders."""

    findings: tuple[Finding, ...]
    packages: tuple[PackageReport, ...]
    metadata: ReportMetadata
    problems: tuple[InputProblem, ...] = ()
    #: Findings by normalized package name (built once; not part of the value).
    _by_package: Mapping[str, tuple[Finding, ...]] = field(init=False, repr=False, compare=False, hash=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "findings", tuple(self.findings))
        object.__setattr__(self, "packages", tuple(self.packages))
        object.__setattr__(self, "problems", tuple(self.problems))
        index: dict[str, list[Finding]] = {}
        for f in self.findings:
            index.setdefault(canonicalize_name(f.package), []).append(f)
        object.__setattr__(self, "_by_package", MappingProxyType({k: tuple(v) for k, v in index.items()}))

    # -- views

    @property
    def active(self) -> tuple[Finding, ...]:
        """Findings that are not suppressed."""
        return tuple(f for f in self.findings if not f.suppressed)

    @property
    def suppressed(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.suppressed)

    @property
    def errors(self) -> tuple[InputProblem, ...]:
        """Input problems of severity ``error``."""
        return tuple(p for p in self.problems if p.severity == "error")

    @property
    def unreadable(self) -> tuple[InputProblem, ...]:
        """Input errors that kept a whole path from being read (exit 2)."""
        return tuple(p for p in self.problems if p.unreadable)

    @property
    def unknowns(self) -> tuple[PackageReport, ...]:
        """Packages whose status is unknown, except those with a suppressed LA013 finding."""
        waived = {canonicalize_name(f.package) for f in self.suppressed if f.code is RuleCode.UNKNOWN}
        return tuple(p for p in self.packages if p.status is PackageStatus.UNKNOWN and p.key not in waived)

    def is_blocking(self, finding: Finding, threshold: Threshold) -> bool:
        """Whether ``finding`` fails the run at ``threshold`` (per-package overrides apply):
        its severity is at least a severity threshold, or it is an upgrade at least
        as large as a size threshold (see :class:`UpgradeSize`)."""
        if finding.suppressed:
            return False
        limit = self.metadata.policy.threshold_for(finding.package, threshold)
        if limit is None:
            return False
        if isinstance(limit, UpgradeSize):
            return limit.blocks(finding)
        return finding.severity >= limit

    def blocking(self, threshold: Threshold) -> tuple[Finding, ...]:
        """Unsuppressed findings at or above ``threshold`` (or the package's own threshold)."""
        return tuple(f for f in self.findings if self.is_blocking(f, threshold))

    def findings_for(self, package: PackageReport) -> tuple[Finding, ...]:
        """The findings about ``package``: same name, same unit (project and lock) when
        both are known, and the same requirement when both point at one."""
        return tuple(
            f
            for f in self._by_package.get(package.key, ())
            if (f.project is None or package.project is None or (f.project, f.lock) == (package.project, package.lock))
            and (f.location is None or package.origin is None or f.location == package.origin)
        )

    def orphans(self) -> tuple[Finding, ...]:
        """Findings about no package in ``packages`` (e.g. LA016 for a package not audited)."""
        seen = {id(f) for p in self.packages for f in self.findings_for(p)}
        return tuple(f for f in self.findings if id(f) not in seen)

    def counts(self, findings: Iterable[Finding] | None = None) -> dict[Severity, int]:
        """How many findings per severity (all severities present, highest first)."""
        out = {s: 0 for s in sorted(Severity, reverse=True)}
        for f in self.active if findings is None else findings:
            out[f.severity] += 1
        return out

    # -- outcome

    def exit_code(self, threshold: Threshold, allow_unknown: bool = False) -> ExitCode:
        """0 ok, 1 findings at/above threshold, 2 unreadable input, 3 unknowns (see module doc).

        ``threshold`` None means findings never fail (per-package overrides still apply).
        A bad line (an LA020 finding) counts toward the threshold; only a path that
        could not be read at all makes it 2.
        """
        if self.unreadable:
            return ExitCode.ERROR
        if self.blocking(threshold):
            return ExitCode.FINDINGS
        if self.unknowns and not (allow_unknown or self.metadata.policy.allow_unknown):
            return ExitCode.UNKNOWN
        return ExitCode.OK
