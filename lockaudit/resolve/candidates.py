"""What the resolver works with: requirements, candidates, and one project's
admissible versions.

A :class:`Project` wraps one release history for one environment and date. Its
version questions are answered by the core (``ReleaseHistory``): every
specifier is compiled once and matched against the whole sorted history with
binary searches, never per candidate with ``packaging``. Whether a version can
be installed at all (not newer than the as-of date, not yanked unless pinned,
Requires-Python, a file this environment installs) is decided per version,
lazily, from the release summary; files are looked at only for releases without
an sdist, where wheel tags decide.

Identifiers: a project is known by its normalized name; each extra of it by
``name[extra]`` (a candidate that depends on the project itself at the same
version plus the extra's dependencies, as pip does); the target Python by
``<python>``.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, NamedTuple

from packaging.version import InvalidVersion, Version

from ..as_of import exists_at
from ..errors import InvalidSpecifier
from ..index.history import FetchStatus, FileInfo, ProjectHistory, ReleaseInfo
from ..model import Requirement
from ..versions import CompiledSpec, ReleaseHistory, compile_range

if TYPE_CHECKING:
    from .environment import Environment

__all__ = [
    "PYTHON",
    "Candidate",
    "Project",
    "ResolverRequirement",
    "SkipReason",
    "compile_spec",
    "identifier_of",
    "is_pinned",
]

#: The identifier of the target Python (not a valid project name, so never a clash).
PYTHON = "<python>"


def identifier_of(name: str, extra: str | None) -> str:
    return f"{name}[{extra}]" if extra else name


class Candidate:
    """One version of a project (or of one of its extras) the resolver may pin."""

    __slots__ = ("extra", "identifier", "name", "version")

    def __init__(self, name: str, version: str, extra: str | None = None) -> None:
        self.name = name
        self.version = version
        self.extra = extra
        self.identifier = identifier_of(name, extra) if name != PYTHON else PYTHON

    def __repr__(self) -> str:
        return f"<Candidate {self.identifier} {self.version}>"

    def __str__(self) -> str:
        return f"{self.identifier} {self.version}"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Candidate) and self.identifier == other.identifier and self.version == other.version

    def __hash__(self) -> int:
        return hash((self.identifier, self.version))


class ResolverRequirement:
    """One requirement on one identifier, as the resolver merges them.

    ``specifier`` is PEP 440 ("" for any version; a Poetry/npm union is
    alternatives joined by ``" || "``). ``source`` is the declared requirement
    (file:line) for a requested one, None for a dependency; ``text`` is how
    messages show it. ``allowed`` caches the matching versions once computed.
    """

    __slots__ = ("allowed", "extra", "identifier", "name", "source", "specifier", "text")

    def __init__(
        self,
        name: str,
        specifier: str = "",
        extra: str | None = None,
        *,
        source: Requirement | None = None,
        text: str | None = None,
    ) -> None:
        self.name = name
        self.extra = extra
        self.identifier = identifier_of(name, extra) if name != PYTHON else PYTHON
        self.specifier = specifier
        self.source = source
        self.text = text or (f"{self.identifier}{specifier}" if name != PYTHON else f"Python{specifier}")
        self.allowed: frozenset[str] | None = None

    def __repr__(self) -> str:
        return f"<ResolverRequirement {self.text!r}>"

    def __str__(self) -> str:
        return self.text


def _version_or_none(text: str) -> Version | None:
    try:
        return Version(text)
    except InvalidVersion:
        return None


def compile_spec(specifier: str) -> CompiledSpec:
    """A specifier string compiled by the core; ``a || b`` is a union."""
    if " || " in specifier:
        return compile_range([s.strip() for s in specifier.split(" || ")])
    return compile_range(specifier)


def is_pinned(specifier: str) -> bool:
    """An exact pin: ``==`` without a wildcard, or ``===`` (pip's rule for yanked releases)."""
    if " || " in specifier:
        return False
    for clause in specifier.split(","):
        clause = clause.strip()
        if clause.startswith("===") or (clause.startswith("==") and not clause.endswith(".*")):
            return True
    return False


#: Why a version cannot be installed here (counted in conflict explanations).
SkipReason = str
SKIP_YANKED: SkipReason = "yanked"
SKIP_PYTHON: SkipReason = "requires-python"
SKIP_NO_FILES: SkipReason = "no installable file"


class _Listing(NamedTuple):
    """The versions matching a set of specifiers, newest first."""

    versions: tuple[str, ...]
    #: Whether some specifier names a pre-release (then pre-releases are allowed).
    explicit_pre: bool
    pinned: bool


class Project:
    """One project's admissible versions for one environment and date."""

    def __init__(self, history: ProjectHistory, env: Environment, as_of: datetime | None = None) -> None:
        self.name = history.name
        self.history = history
        self.env = env
        self.as_of = as_of
        releases: Sequence[ReleaseInfo] = history.versions
        if as_of is not None:
            # Later uploads do not exist yet; without an upload time nothing proves a release did.
            releases = [r for r in releases if exists_at(r.upload_time, as_of)]
        self._releases: dict[str, ReleaseInfo] = {r.version: r for r in releases}
        self.newer_than_as_of = len(history.versions) - len(releases)
        self.versions = ReleaseHistory(list(self._releases))
        self._finals: frozenset[str] | None = None
        self._matching: dict[str, frozenset[str]] = {}
        self._compiled: dict[str, CompiledSpec | None] = {}
        self._listings: dict[tuple[str, ...], _Listing] = {}
        self._skip: dict[tuple[str, bool], SkipReason | None] = {}
        self._files: dict[str, tuple[FileInfo, ...]] = {}

    # -- facts ------------------------------------------------------------

    @property
    def ok(self) -> bool:
        return self.history.status is FetchStatus.OK

    @property
    def status(self) -> FetchStatus:
        return self.history.status

    def release(self, version: str) -> ReleaseInfo | None:
        return self._releases.get(version)

    def spelling(self, version: str) -> str | None:
        """The index's spelling of a version a lock may write otherwise
        (``4.2.0`` for ``4.2``, ``2020.07.28`` for ``2020.7.28``), or None when
        the index has no such release (as of the date)."""
        if version in self._releases:
            return version
        try:
            matches = self.versions.filter(compile_range(f"=={version}"), prereleases=True)
        except (InvalidSpecifier, ValueError):
            return None
        wanted = _version_or_none(version)
        for text in matches:
            if wanted is not None and _version_or_none(text) == wanted:
                return text
        return None

    def is_final(self, version: str) -> bool:
        if self._finals is None:
            self._finals = frozenset(self.versions.filter("", prereleases=False))
        return version in self._finals

    def files(self, version: str) -> tuple[FileInfo, ...]:
        """The version's files that exist as of the date (all of them without one)."""
        release = self._releases.get(version)
        if release is None:
            return ()
        files = self._files.get(version)
        if files is None:
            files = tuple(release.files)
        if self.as_of is None:
            return files
        as_of = self.as_of
        return tuple(f for f in files if exists_at(f.upload_time, as_of))

    def set_files(self, version: str, files: tuple[FileInfo, ...]) -> None:
        """The version's files, read from somewhere cheaper than the history's rows."""
        self._files[version] = files

    def files_wanted(self, specifiers: Sequence[str] = (), newest: int = 3) -> list[str]:
        """Of the ``newest`` versions the specifiers admit, those whose files
        decide whether they install (no sdist: wheel tags do) and are not set
        yet. Reading them from a per-release list first (see
        :meth:`set_files`) spares decoding the whole project's file rows,
        which a large wheel-only project makes slow."""
        out: list[str] = []
        for v in self.listing(specifiers).versions[:newest]:
            release = self._releases.get(v)
            if release is not None and not release.has_sdist and release.files and v not in self._files:
                out.append(v)
        return out

    # -- specifiers -------------------------------------------------------

    def _spec(self, specifier: str) -> CompiledSpec | None:
        if specifier not in self._compiled:
            try:
                self._compiled[specifier] = compile_spec(specifier)
            except InvalidSpecifier:
                self._compiled[specifier] = None  # matches nothing; reported by the caller
        return self._compiled[specifier]

    def matching(self, specifier: str) -> frozenset[str]:
        """Every version the specifier admits, pre-releases included."""
        hit = self._matching.get(specifier)
        if hit is None:
            hit = frozenset(self._ascending(specifier))
            self._matching[specifier] = hit
        return hit

    def _ascending(self, specifier: str) -> list[str]:
        spec = self._spec(specifier)
        return self.versions.filter(spec, prereleases=True) if spec is not None else []

    def listing(self, specifiers: Sequence[str]) -> _Listing:
        """The versions all specifiers admit, newest first (pre-releases included)."""
        key = tuple(sorted(set(specifiers)))
        hit = self._listings.get(key)
        if hit is not None:
            return hit
        constraining = [s for s in key if s]
        if not constraining:
            ordered = list(reversed(self.versions.versions))
        else:
            # Walk the narrowest specifier's matches, newest first, and check the others.
            narrowest = min(constraining, key=lambda s: len(self.matching(s)))
            rest = [self.matching(s) for s in constraining if s != narrowest]
            ordered = [v for v in reversed(self._ascending(narrowest)) if all(v in other for other in rest)]
        explicit = False
        for s in constraining:
            spec = self._spec(s)
            if spec is not None and spec.prereleases:
                explicit = True
        hit = _Listing(tuple(ordered), explicit, any(is_pinned(s) for s in constraining))
        self._listings[key] = hit
        return hit

    # -- installability -----------------------------------------------------

    def skip_reason(self, version: str, allow_yanked: bool) -> SkipReason | None:
        """Why ``version`` cannot be installed in this environment, or None if it can."""
        key = (version, allow_yanked)
        if key in self._skip:
            return self._skip[key]
        reason = self._skip_reason(version, allow_yanked)
        self._skip[key] = reason
        return reason

    def _skip_reason(self, version: str, allow_yanked: bool) -> SkipReason | None:
        release = self._releases.get(version)
        if release is None or not release.files:
            return SKIP_NO_FILES
        if release.yanked and not allow_yanked:
            return SKIP_YANKED
        env = self.env
        if not env.python_ok(release.requires_python):
            return SKIP_PYTHON
        if release.has_sdist:
            return None
        # Wheel-only releases: the files decide (wheel tags; Requires-Python,
        # yanked status and the as-of date per file).
        python_excluded = yanked = False
        for f in self.files(version):
            if f.yanked and not allow_yanked:
                yanked = True
                continue
            if not env.python_ok(f.requires_python):
                python_excluded = True
                continue
            if f.is_sdist or (f.is_wheel and env.wheel_ok(f.filename)):
                return None
        if python_excluded:
            return SKIP_PYTHON
        if yanked:
            return SKIP_YANKED
        return SKIP_NO_FILES

    def candidates(
        self,
        specifiers: Sequence[str],
        *,
        extra: str | None = None,
        exclude: frozenset[str] = frozenset(),
        prereleases: bool | None = None,
    ) -> Iterator[Candidate]:
        """Installable candidates for all ``specifiers`` together, newest first, by pip's rules:

        - pre-releases only when ``prereleases`` is True, a specifier names one,
          or no final release is installable (``prereleases`` False: never);
        - yanked releases only when a specifier pins the version exactly.
        """
        listing = self.listing(specifiers)
        allow_pre = prereleases is True or (prereleases is None and listing.explicit_pre)
        yielded = False
        for v in listing.versions:
            if v in exclude or (not allow_pre and not self.is_final(v)):
                continue
            if self.skip_reason(v, listing.pinned) is None:
                yielded = True
                yield Candidate(self.name, v, extra)
        if yielded or allow_pre or prereleases is False:
            return
        for v in listing.versions:
            if v not in exclude and not self.is_final(v) and self.skip_reason(v, listing.pinned) is None:
                yield Candidate(self.name, v, extra)

    def skipped(self, specifiers: Sequence[str]) -> dict[SkipReason, list[str]]:
        """The versions the specifiers admit that cannot be installed here, by reason."""
        listing = self.listing(specifiers)
        out: dict[SkipReason, list[str]] = {}
        for v in listing.versions:
            reason = self.skip_reason(v, listing.pinned)
            if reason is not None:
                out.setdefault(reason, []).append(v)
        return out
