"""The resolvelib provider: the resolver's only view of packages.

The contract (resolvelib's, narrowed to lockaudit):

- ``identify``: a project by its normalized name, an extra by ``name[extra]``,
  the target Python by ``<python>``.
- ``find_matches``: the installable candidates every requirement on the
  identifier admits (and every constraint on the project), newest first,
  minus known incompatibilities. Admissible versions come from the core's
  release history in bulk; pre-release, yanked, Requires-Python, wheel-tag and
  as-of rules are :meth:`.Project.candidates`' (pip's rules).
- ``is_satisfied_by``: set membership in the versions a requirement admits,
  computed once per requirement.
- ``get_dependencies``: from the release's core metadata, markers evaluated for
  the target environment and the extra; an extra's candidate also requires its
  project at the same version; a Requires-Python the metadata states and the
  target does not meet is a requirement on ``<python>`` no candidate satisfies.
  A release whose metadata cannot be read has no dependencies here and is
  recorded in :attr:`LockauditProvider.unknown` (never guessed).
- ``get_preference``: the most constrained first: ``<python>``, then what the
  last conflict involved, exact pins, then the fewest admissible versions,
  then the order requirements were met.
- ``preferences`` (name -> version, e.g. the pins of an existing lock): that
  version is offered first whenever it is among the candidates, so a pin that
  still satisfies every requirement is kept (as pip-compile and
  ``uv pip compile`` keep an existing output file's pins); otherwise the usual
  newest-first order applies.

Nothing here prints or raises for a package: an unusable package is an empty
candidate list, and the resolver turns that into a conflict with data.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

from resolvelib import AbstractProvider
from resolvelib.structs import IteratorMapping, RequirementInformation

from ..errors import InvalidVersion
from ..index.history import FetchStatus
from ..versions import normalize_version
from .candidates import PYTHON, Candidate, ResolverRequirement, is_pinned
from .environment import Environment
from .metadata import ReleaseDependencies
from .repository import Repository

__all__ = ["UNAVAILABLE", "LockauditProvider"]

#: History statuses a partial resolution goes around (see ``partial``).
UNAVAILABLE = frozenset({FetchStatus.NOT_FOUND, FetchStatus.UNREACHABLE, FetchStatus.INVALID, FetchStatus.NOT_CACHED})

Info = RequirementInformation[ResolverRequirement, Candidate]


class LockauditProvider(AbstractProvider[ResolverRequirement, Candidate, str]):
    """Candidates and dependencies from a :class:`.Repository` for one environment."""

    def __init__(
        self,
        repository: Repository,
        env: Environment,
        *,
        prereleases: bool | None = None,
        constraints: Sequence[ResolverRequirement] = (),
        partial: bool = False,
        preferences: Mapping[str, str] | None = None,
    ) -> None:
        self.repository = repository
        #: Versions to try first, by normalized project name.
        self.preferences: dict[str, str] = dict(preferences or {})
        self.env = env
        self.prereleases = prereleases
        #: Leave out dependencies on projects whose history could not be had
        #: (the release that needs one has unknown dependencies) instead of failing.
        self.partial = partial
        #: Constraint specifiers by project (they narrow candidates, never add a package).
        self.constraints: dict[str, list[str]] = {}
        #: The constraint requirements themselves (with their file:line), for explanations.
        self.constraint_requirements: dict[str, list[ResolverRequirement]] = {}
        for c in constraints:
            self.constraints.setdefault(c.name, []).append(c.specifier)
            self.constraint_requirements.setdefault(c.name, []).append(c)
        #: Releases pinned at some point whose dependencies are unknown, with why.
        self.unknown: dict[tuple[str, str], str] = {}
        #: Extras asked of a release that does not provide them.
        self.missing_extras: dict[tuple[str, str], set[str]] = {}
        #: Who first required each identifier: (requirement, parent), for explanations.
        self.first_requirer: dict[str, tuple[ResolverRequirement, Candidate | None]] = {}
        self._order: dict[str, int] = {}
        self._deps: dict[tuple[str, str], list[ResolverRequirement]] = {}
        self._python = Candidate(PYTHON, env.python_version)
        self._causes: frozenset[str] = frozenset()
        self._preferences: dict[tuple[str, tuple[str, ...]], tuple[int, int]] = {}
        #: identifier -> (criterion, its preference key without the cause flag), see _choose.
        self._ranks: dict[str, tuple[object, tuple[int, int, int, str]]] = {}

    # -- identity -------------------------------------------------------------

    def identify(self, requirement_or_candidate: ResolverRequirement | Candidate) -> str:
        return requirement_or_candidate.identifier

    # -- choosing what to pin next ------------------------------------------

    def narrow_requirement_selection(
        self,
        identifiers: Iterable[str],
        resolutions: Mapping[str, Candidate],
        candidates: Mapping[str, Iterator[Candidate]],
        information: Mapping[str, Iterator[Info]],
        backtrack_causes: Sequence[Info],
    ) -> Iterable[str]:
        identifiers = list(identifiers)
        if PYTHON in identifiers:
            return [PYTHON]
        causes: set[str] = set()
        for cause in backtrack_causes:
            causes.add(cause.requirement.name)
            if cause.parent is not None:
                causes.add(cause.parent.name)
        self._causes = frozenset(causes)
        if causes:
            involved = [i for i in identifiers if i.split("[", 1)[0] in causes]
            if involved:
                identifiers = involved
        # Choose here, in one pass, rather than through one get_preference call
        # per identifier: resolvelib skips the sort when one name is left.
        return [self._choose(identifiers, information)]

    def _choose(self, identifiers: list[str], information: Mapping[str, Iterator[Info]]) -> str:
        """The identifier :meth:`get_preference` ranks first among ``identifiers``.

        Within one choice the cause flag is the same for all of them (they are
        narrowed to the identifiers a conflict involved, when there are any),
        so the rest of the key decides. That rest only changes with the
        criterion, which resolvelib replaces rather than mutates: it is kept
        per identifier with the criterion it was computed from. resolvelib
        hands ``information`` over as a plain view of its criteria; any other
        mapping is read item by item.
        """
        criteria = getattr(information, "_mapping", None)
        if type(information) is not IteratorMapping or type(criteria) is not dict or information._appends:
            return min(identifiers, key=lambda i: self._preference(i, information[i]))
        ranks = self._ranks
        order = self._order
        best: tuple[int, int, int, str] | None = None
        for identifier in identifiers:
            criterion = criteria[identifier]
            hit = ranks.get(identifier)
            if hit is None or hit[0] is not criterion:
                rank = self._preference(identifier, information[identifier])[2:]
                hit = ranks[identifier] = (criterion, rank)
            else:
                rank = hit[1]
                if rank[2] != order.get(identifier, 1 << 30):  # pragma: no cover - find_matches ran since
                    rank = self._preference(identifier, information[identifier])[2:]
                    ranks[identifier] = (criterion, rank)
            if best is None or rank < best:
                best = rank
        assert best is not None
        return best[3]

    def get_preference(
        self,
        identifier: str,
        resolutions: Mapping[str, Candidate],
        candidates: Mapping[str, Iterator[Candidate]],
        information: Mapping[str, Iterator[Info]],
        backtrack_causes: Sequence[Info],
    ) -> Any:
        return self._preference(identifier, information[identifier])

    def _preference(self, identifier: str, infos: Iterable[Info]) -> tuple[int, int, int, int, int, str]:
        if identifier == PYTHON:
            return (0, 0, 0, 0, 0, "")
        specifiers = tuple(info.requirement.specifier for info in infos)
        key = (identifier, specifiers)
        hit = self._preferences.get(key)
        if hit is None:
            name = identifier.split("[", 1)[0]
            project = self.repository.loaded(name)
            count = len(project.listing(list(specifiers) + self.constraints.get(name, [])).versions) if project else 0
            pinned = any(is_pinned(s) for s in specifiers)
            hit = self._preferences[key] = (0 if pinned else 1, count)
        name = identifier.split("[", 1)[0] if "[" in identifier else identifier
        return (1, 0 if name in self._causes else 1, *hit, self._order.get(identifier, 1 << 30), identifier)

    # -- candidates -------------------------------------------------------------

    def find_matches(
        self,
        identifier: str,
        requirements: Mapping[str, Iterator[ResolverRequirement]],
        incompatibilities: Mapping[str, Iterator[Candidate]],
    ) -> Any:
        reqs = list(requirements[identifier])
        self._order.setdefault(identifier, len(self._order))
        if identifier == PYTHON:
            if all(self.env.python_ok(r.specifier) for r in reqs):
                return [self._python]
            return []
        first = reqs[0]
        name, extra = first.name, first.extra
        project = self.repository.project(name)
        if not project.ok:
            return []
        specifiers = [r.specifier for r in reqs] + self.constraints.get(name, [])
        exclude = frozenset(c.version for c in incompatibilities[identifier])
        prereleases = self.prereleases

        def matches() -> Iterator[Candidate]:
            return project.candidates(specifiers, extra=extra, exclude=exclude, prereleases=prereleases)

        preferred = self.preferences.get(name)
        if preferred is None:
            return matches
        return lambda: _preferred_first(matches(), preferred)

    def is_satisfied_by(self, requirement: ResolverRequirement, candidate: Candidate) -> bool:
        allowed = requirement.allowed
        if allowed is None:
            allowed = self._allowed(requirement)
        return candidate.version in allowed

    def _allowed(self, requirement: ResolverRequirement) -> frozenset[str]:
        if requirement.identifier == PYTHON:
            ok = self.env.python_ok(requirement.specifier)
            allowed = frozenset([self.env.python_version]) if ok else frozenset()
        else:
            allowed = self.repository.project(requirement.name).matching(requirement.specifier)
        requirement.allowed = allowed
        return allowed

    # -- dependencies -----------------------------------------------------------

    def get_dependencies(self, candidate: Candidate) -> list[ResolverRequirement]:
        key = (candidate.identifier, candidate.version)
        hit = self._deps.get(key)
        if hit is not None:
            return hit
        if candidate.identifier == PYTHON:
            self._deps[key] = []
            return []
        name, version, extra = candidate.name, candidate.version, candidate.extra
        deps = self.repository.dependencies(name, version)
        out: list[ResolverRequirement] = []
        if extra:
            out.append(ResolverRequirement(name, f"=={version}", text=f"{name}=={version}"))
        out.extend(self.requirements_of(deps, name, version, extra))
        self.repository.ensure_histories({r.name for r in out if r.name != PYTHON})
        if self.partial:
            out = self._available(out, name, version)
        for r in out:
            self.first_requirer.setdefault(r.identifier, (r, candidate))
        self._deps[key] = out
        return out

    def _available(self, reqs: list[ResolverRequirement], name: str, version: str) -> list[ResolverRequirement]:
        """``reqs`` without those on projects whose history could not be had;
        the release that needs one has unknown dependencies."""
        kept: list[ResolverRequirement] = []
        for r in reqs:
            project = self.repository.loaded(r.name) if r.name != PYTHON else None
            if project is not None and project.status in UNAVAILABLE:
                self.unknown[(name, version)] = (
                    f"it depends on {r.name}, whose release history could not be had ({project.status.value})"
                )
                continue
            kept.append(r)
        return kept

    def requirements_of(
        self, deps: ReleaseDependencies, name: str, version: str, extra: str | None
    ) -> list[ResolverRequirement]:
        """The requirements one release (or one of its extras) adds in this environment."""
        if not deps.known:
            self.unknown[(name, version)] = deps.reason or "dependencies unknown"
            return []
        if extra and extra not in deps.extras:
            self.missing_extras.setdefault((name, version), set()).add(extra)
        out: list[ResolverRequirement] = []
        # An extra's candidate requires its project at the same version, so the
        # project's own dependencies are there already: only the extra's are added.
        inherited = set(deps.applicable(self.env, "")) if extra else set()
        for dep in deps.applicable(self.env, extra or ""):
            if (dep.name == name and not dep.extras) or dep in inherited:
                continue  # a project requiring itself adds nothing
            text = str(dep).split(";", 1)[0]
            out.append(ResolverRequirement(dep.name, dep.specifier, text=text))
            for e in dep.extras:
                out.append(ResolverRequirement(dep.name, dep.specifier, e, text=text))
        if deps.requires_python and not self.env.python_ok(deps.requires_python):
            out.append(ResolverRequirement(PYTHON, deps.requires_python))
        return out

    def dependencies_of(self, candidate: Candidate) -> list[ResolverRequirement]:
        """What ``get_dependencies`` returned for a candidate (empty if never asked)."""
        return self._deps.get((candidate.identifier, candidate.version), [])


def _same_version(candidate: str, wanted: str) -> bool:
    if candidate == wanted:
        return True
    try:
        return normalize_version(candidate) == wanted  # "1.0.0" on the index, "1.0" in the lock
    except InvalidVersion:
        return False


def _preferred_first(candidates: Iterator[Candidate], version: str) -> Iterator[Candidate]:
    """``candidates`` with the one at ``version`` (canonical form) moved to the front, when it is there."""
    passed: list[Candidate] = []
    for candidate in candidates:
        if _same_version(candidate.version, version):
            yield candidate
            yield from passed
            yield from candidates
            return
        passed.append(candidate)
    yield from passed
