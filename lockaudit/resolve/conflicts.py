"""Resolution failures as data, with a readable explanation.

:class:`ResolutionConflict` carries which requirements could not be satisfied
together (each with the file:line it was declared at, or the chain of packages
through which a top-level requirement pulled it in), and for each package
involved what the index offered and why versions were unusable. ``explain()``
renders that as text; nothing here prints. :func:`conflict_from` builds one from
what resolvelib reports and what the provider and the repository know.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from ..errors import ResolutionError
from ..index.history import FetchStatus
from ..model import Origin
from .candidates import PYTHON, SKIP_PYTHON, SKIP_YANKED, Candidate, Project, ResolverRequirement
from .provider import LockauditProvider
from .repository import Repository

__all__ = [
    "ConflictCause",
    "PackageAvailability",
    "ResolutionConflict",
    "ResolutionTooComplex",
    "conflict_from",
]


@dataclass(frozen=True, slots=True)
class ConflictCause:
    """One requirement taking part in a conflict."""

    #: Normalized name of the package it is about ("<python>" for the Python version).
    package: str
    #: The requirement as shown ("foo[bar]>=2", "Python>=3.12").
    requirement: str
    specifier: str
    #: ``"bar 1.0"`` when a package requires it; None when it was requested.
    required_by: str | None = None
    #: Where the requirement (or the top-level requirement that pulled its
    #: requirer in) is declared.
    origin: Origin | None = None
    #: From the top-level requirement down to this one, e.g.
    #: ``("app.in:4 bar==1.0", "bar 1.0 requires foo<2")``.
    chain: tuple[str, ...] = ()
    #: A constraint (``-c`` file line): it narrows versions, it does not request the package.
    constraint: bool = False


@dataclass(frozen=True, slots=True)
class PackageAvailability:
    """What the index offered for one package in a conflict."""

    package: str
    #: "ok", or the index status ("not_found", "unreachable", ...).
    status: str = "ok"
    detail: str | None = None
    #: How many releases exist (as of the date, when there is one).
    versions: int = 0
    #: How many releases are newer than the as-of date (so do not exist here).
    newer_than_as_of: int = 0
    #: Versions the requirements admit, newest first (at most a few are kept).
    admitted: tuple[str, ...] = ()
    #: Admitted versions that cannot be installed here, by reason
    #: ("yanked", "requires-python", "no installable file").
    skipped: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    #: Why, in words: "2.0 requires Python >=3.12", "1.1 is yanked (broken build)".
    notes: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "skipped", MappingProxyType(dict(self.skipped)))


class ResolutionConflict(ResolutionError):
    """No set of pins satisfies the requirements together.

    ``causes`` are the requirements in conflict, ``packages`` what the index
    offered for each package involved, ``environment`` the target it was
    resolved for (e.g. "Python 3.11 on linux, as of 2025-01-01").
    """

    def __init__(
        self,
        causes: Sequence[ConflictCause],
        packages: Mapping[str, PackageAvailability],
        environment: str,
    ) -> None:
        self.causes = tuple(causes)
        self.packages = MappingProxyType(dict(packages))
        self.environment = environment
        super().__init__(self._summary())

    def _summary(self) -> str:
        names = sorted({c.package for c in self.causes})
        return f"cannot resolve {', '.join(names)} for {self.environment}"

    def explain(self) -> str:
        """Which requirements conflict, where each comes from, and what the index has."""
        lines = [f"Cannot resolve for {self.environment}: these requirements cannot be satisfied together:"]
        for c in self.causes:
            where = f"  {c.requirement}"
            if c.constraint:
                where += f"    constraint at {c.origin}" if c.origin else "    constraint"
            elif c.required_by is None:
                where += f"    requested at {c.origin}" if c.origin else "    requested"
            else:
                where += f"    required by {c.required_by}"
                if len(c.chain) > 1:
                    where += f" (pulled in by {c.chain[0]})"
            lines.append(where)
            for step in c.chain[1:-1]:
                lines.append(f"      via {step}")
        for name in sorted(self.packages):
            lines.append(_availability_line(self.packages[name]))
        return "\n".join(lines)


def _availability_line(a: PackageAvailability) -> str:
    if a.package == "<python>":
        return f"The target Python is {a.detail}."
    if a.status != "ok":
        text = {
            "not_found": "is not on the index",
            "unreachable": "could not be fetched from the index",
            "invalid": "has an unreadable index page",
            "not_cached": "is not cached (offline)",
        }.get(a.status, f"is unavailable ({a.status})")
        return f"{a.package} {text}" + (f" ({a.detail})" if a.detail else "") + "."
    parts = [f"{a.package}: {a.versions} release{'s' if a.versions != 1 else ''}"]
    if a.newer_than_as_of:
        parts.append(f"{a.newer_than_as_of} more after the as-of date")
    text = ", ".join(parts)
    if not a.admitted:
        return text + "; none satisfies all of the requirements above."
    shown = ", ".join(a.admitted[:5]) + (", ..." if len(a.admitted) > 5 else "")
    text += f"; the requirements above admit {shown}"
    if a.skipped:
        count = sum(len(v) for v in a.skipped.values())
        why = "; ".join(a.notes) or "; ".join(f"{reason}: {', '.join(vs[:5])}" for reason, vs in a.skipped.items())
        text += f", but {'it' if count == 1 else f'{count} of them'} cannot be installed here: {why}"
    return text + "."


class ResolutionTooComplex(ResolutionError):
    """The resolver gave up after ``rounds`` rounds without an answer."""

    def __init__(self, rounds: int, environment: str) -> None:
        self.rounds = rounds
        self.environment = environment
        super().__init__(f"resolution for {environment} did not finish within {rounds} rounds")

    def explain(self) -> str:
        return (
            f"Resolution for {self.environment} gave up after {self.rounds} rounds of backtracking. "
            "Narrow the ranges of the packages involved (or add constraints) and try again."
        )


# --------------------------------------------------------------------------- building one


def _origin_text(req: ResolverRequirement) -> str:
    where = req.source.origin.file_line if req.source is not None else None
    return f"{req.text} ({where})" if where else req.text


def _line_only(origin: Origin | None) -> Origin | None:
    return Origin(origin.path, origin.line) if origin is not None else None


def _chain(provider: LockauditProvider, parent: Candidate) -> list[str]:
    """From a top-level requirement down to ``parent``: one step per package."""
    steps: list[str] = []
    current: Candidate | None = parent
    seen: set[str] = set()
    while current is not None and current.identifier not in seen and len(steps) < 50:
        seen.add(current.identifier)
        hit = provider.first_requirer.get(current.identifier)
        if hit is None:
            break
        req, grandparent = hit
        if grandparent is None:
            steps.append(_origin_text(req))
            break
        steps.append(f"{grandparent.name} {grandparent.version} requires {req.text}")
        current = grandparent
    steps.reverse()
    return steps


def _root_origin(provider: LockauditProvider, parent: Candidate) -> Origin | None:
    current: Candidate | None = parent
    seen: set[str] = set()
    while current is not None and current.identifier not in seen:
        seen.add(current.identifier)
        hit = provider.first_requirer.get(current.identifier)
        if hit is None:
            return None
        req, grandparent = hit
        if grandparent is None:
            return req.source.origin if req.source is not None else None
        current = grandparent
    return None


def _notes(project: Project, skipped: Mapping[str, list[str]]) -> tuple[str, ...]:
    notes: list[str] = []
    for reason, versions in skipped.items():
        for v in versions[:3]:
            release = project.release(v)
            if reason == SKIP_PYTHON:
                rp = release.requires_python if release else None
                notes.append(
                    f"{v} requires Python {rp}" if rp else f"{v} does not support Python {project.env.python_version}"
                )
            elif reason == SKIP_YANKED:
                why = release.yanked_reason if release else None
                notes.append(f"{v} is yanked" + (f" ({why})" if why else ""))
            else:
                notes.append(f"{v} has no file for {project.env.label}")
        if len(versions) > 3:
            notes.append(f"{len(versions) - 3} more ({reason})")
    return tuple(notes)


def conflict_from(
    causes: Iterable[Any], provider: LockauditProvider, repository: Repository, environment: str
) -> ResolutionConflict:
    """The conflict resolvelib's ``causes`` describe, in the terms of the requirements
    as written: each with its file:line (or the chain that pulled it in), every
    constraint on the packages involved, and what the index offered for each."""
    out: list[ConflictCause] = []
    seen: set[tuple[str, str | None]] = set()
    specs: dict[str, list[str]] = {}
    for info in causes:
        req: ResolverRequirement = info.requirement
        parent: Candidate | None = info.parent
        key = (req.text, str(parent) if parent else None)
        if key in seen:
            continue
        seen.add(key)
        specs.setdefault(req.name, []).append(req.specifier)
        if parent is None:
            origin = req.source.origin if req.source is not None else None
            out.append(ConflictCause(req.name, req.text, req.specifier, None, _line_only(origin), (_origin_text(req),)))
        else:
            chain = _chain(provider, parent)
            chain.append(f"{parent.name} {parent.version} requires {req.text}")
            out.append(
                ConflictCause(
                    req.name,
                    req.text,
                    req.specifier,
                    f"{parent.name} {parent.version}",
                    _line_only(_root_origin(provider, parent)),
                    tuple(chain),
                )
            )
    for name in list(specs):
        for c in provider.constraint_requirements.get(name, ()):
            origin = c.source.origin if c.source is not None else None
            out.append(
                ConflictCause(name, c.text, c.specifier, None, _line_only(origin), (_origin_text(c),), constraint=True)
            )
    packages: dict[str, PackageAvailability] = {}
    for name, specifiers in specs.items():
        if name == PYTHON:
            packages[name] = PackageAvailability(name, detail=provider.env.python_version)
            continue
        project = repository.loaded(name)
        if project is None:
            packages[name] = PackageAvailability(name, "unknown", "never fetched")
            continue
        if not project.ok:
            detail = project.history.detail
            if project.status is FetchStatus.NOT_FOUND:
                detail = " ".join(project.history.indexes) or detail
            packages[name] = PackageAvailability(name, str(project.status), detail)
            continue
        wanted = specifiers + provider.constraints.get(name, [])
        listing = project.listing(wanted)
        skipped = project.skipped(wanted)
        packages[name] = PackageAvailability(
            name,
            versions=len(project.versions),
            newer_than_as_of=project.newer_than_as_of,
            admitted=listing.versions[:20],
            skipped={k: tuple(v) for k, v in skipped.items()},
            notes=_notes(project, skipped),
        )
    return ResolutionConflict(out, packages, environment)
