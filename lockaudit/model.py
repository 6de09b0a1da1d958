"""The plain data every layer passes on: where a requirement came from, what it
declares, and what is locked. Frozen dataclasses, no behaviour beyond small
conveniences; parsers build them, the audit and resolver read them.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Literal

#: What a file contributes once paired: ranges, pins, or (a lone pinned file) both;
#: "includes" for a file that only pulls in others (``-r``) read on their own.
Role = Literal["declared", "locked", "both", "includes"]

__all__ = [
    "UNREADABLE_CODES",
    "Dependency",
    "IndexOptions",
    "InputFile",
    "InputProblem",
    "LockedPackage",
    "Lockfile",
    "Origin",
    "PythonScope",
    "Requirement",
    "Role",
    "Source",
    "SourceKind",
    "place_text",
    "requirement_at",
    "requirement_text",
]


@dataclass(frozen=True, slots=True)
class Origin:
    """A place in a file: 1-based line and column (column may be unknown)."""

    path: str
    line: int | None = None
    column: int | None = None

    def __str__(self) -> str:
        return place_text(self.path, self.line, self.column)

    @property
    def file_line(self) -> str:
        """``path:line`` (the path alone without a line): the column is noise in a message."""
        return place_text(self.path, self.line)


def place_text(path: str, line: int | None = None, column: int | None = None) -> str:
    """``path:line:column``, as far as they are known: how every place in a file is shown."""
    if line is None:
        return path
    if column is None:
        return f"{path}:{line}"
    return f"{path}:{line}:{column}"


class SourceKind(enum.StrEnum):
    """Where a distribution comes from; only INDEX can be audited for drift."""

    INDEX = "index"
    URL = "url"
    PATH = "path"
    VCS = "vcs"


@dataclass(frozen=True, slots=True)
class Source:
    kind: SourceKind = SourceKind.INDEX
    #: URL, path or VCS reference as written (credentials already removed).
    location: str | None = None
    editable: bool = False
    #: Index URL a lock names for this package, when it names one.
    index_url: str | None = None
    #: For VCS sources: the commit a lock resolved the reference to, when it says.
    commit: str | None = None

    @property
    def from_index(self) -> bool:
        return self.kind is SourceKind.INDEX


INDEX_SOURCE = Source()


@dataclass(frozen=True, slots=True)
class Requirement:
    """One declared dependency, as written, with its PEP 440 meaning."""

    #: PEP 503 normalized name; for a direct reference whose name cannot be known
    #: without building it (``-e .``, ``./pkg``), the location as written.
    name: str
    #: The name as written in the file.
    raw_name: str
    #: The range as written ("" when there is none).
    specifier: str
    #: The range in PEP 440; a Poetry/npm union is several sets joined by " || ".
    pep440: str
    origin: Origin
    extras: frozenset[str] = frozenset()
    marker: str | None = None
    #: "pep440", "poetry" or "npm": how ``specifier`` is to be read.
    dialect: str = "pep440"
    source: Source = INDEX_SOURCE
    #: True for lines that come from a -c/--constraint file.
    constraint: bool = False
    #: Optional-dependency extra, dependency group or Poetry group it belongs to.
    group: str | None = None
    optional: bool = False
    #: Hashes written next to the requirement (pip's --hash).
    hashes: tuple[str, ...] = ()


def requirement_text(r: Requirement, *, marker: bool = False) -> str:
    """``r`` as one line for messages, conflicts and answers: ``Name[extra]range``.

    The name and the range as written (a PEP 440 range without its spaces and
    PEP 508's optional parentheses, ``foo (>= 1.0)`` -> ``foo>=1.0``; a Poetry
    or npm range after a space when it starts with a version: ``pkg 1.2 - 2.3``),
    extras sorted; ``marker`` True adds ``; marker``.
    """
    extras = f"[{','.join(sorted(r.extras))}]" if r.extras else ""
    spec = r.specifier.strip()
    if r.dialect == "pep440":
        spec = "".join(spec.split())
        if spec.startswith("(") and spec.endswith(")"):
            spec = spec[1:-1]
    elif spec[:1].isalnum() or spec[:1] == "*":
        spec = f" {spec}"
    text = f"{r.raw_name or r.name}{extras}{spec}"
    return f"{text}; {r.marker}" if marker and r.marker else text


def requirement_at(r: Requirement) -> str:
    """``r`` with where it is declared: ``Name[extra]range (path:line)``."""
    return f"{requirement_text(r)} ({r.origin.file_line})"


@dataclass(frozen=True, slots=True)
class LockedPackage:
    """One pinned distribution in a lock."""

    #: PEP 503 normalized name.
    name: str
    #: The version as the lock writes it; "" when the lock records none (a local
    #: project with a dynamic version).
    version: str
    origin: Origin
    hashes: tuple[str, ...] = ()
    marker: str | None = None
    source: Source = INDEX_SOURCE
    #: Provenance: which requirements pulled it in ("-r app.in", "fastapi", ...).
    via: tuple[str, ...] = ()
    #: When the lock says when it was made or the file was uploaded, if it does.
    locked_at: str | None = None
    #: Dependency groups / Pipfile categories / extras the lock files it under.
    groups: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class IndexOptions:
    """Index options found inside the input files (pip's per-file options)."""

    index_url: str | None = None
    extra_index_urls: tuple[str, ...] = ()
    find_links: tuple[str, ...] = ()
    trusted_hosts: tuple[str, ...] = ()
    no_index: bool = False
    pre: bool = False
    only_binary: tuple[str, ...] = ()
    no_binary: tuple[str, ...] = ()
    prefer_binary: bool = False
    require_hashes: bool = False
    #: Named indexes (Pipfile ``[[source]]``, Poetry ``[[tool.poetry.source]]``,
    #: ``[[tool.uv.index]]``): (name, url) in file order.
    named: tuple[tuple[str, str], ...] = ()

    # URLs are kept as written after ${VAR} expansion, credentials included, because
    # the index layer needs them to authenticate: presenters must redact them.


#: Problem codes for a path that could not be read at all: missing, nothing to
#: read in it, or not parseable as its format (TOML/JSON syntax, wrong document).
UNREADABLE_CODES = frozenset(
    {"missing-file", "no-input", "toml-syntax", "json-syntax", "toml-limit", "json-limit", "invalid-document"}
)


@dataclass(frozen=True, slots=True)
class InputProblem:
    """A bad or suspicious line, collected instead of raised.

    ``render()`` gives the file:line:column header, the line itself and a caret
    under the bad span, and what was expected. ``code`` is a stable kind
    ("invalid-requirement", "include-cycle", "duplicate", ...) for tests and tools.
    """

    path: str
    line: int | None
    message: str
    column: int | None = None
    text: str | None = None
    width: int = 1
    expected: str | None = None
    severity: str = "error"  # "error" or "warning"
    code: str = "invalid"

    @property
    def origin(self) -> Origin:
        return Origin(self.path, self.line, self.column)

    @property
    def unreadable(self) -> bool:
        """An error that kept a whole file (or path) from being read, not one line of it."""
        return self.severity == "error" and self.code in UNREADABLE_CODES

    def render(self) -> str:
        head = f"{self.origin}: {self.severity}: {self.message}"
        if self.expected:
            head += f" (expected {self.expected})"
        if self.text is None:
            return head
        lines = [head, f"    {self.text}"]
        if self.column is not None:
            # Keep the line's tabs in the padding so the caret lines up under them.
            pad = "".join(c if c == "\t" else " " for c in self.text[: self.column - 1])
            pad += " " * max(0, self.column - 1 - len(self.text))
            lines.append("    " + pad + "^" * max(1, self.width))
        return "\n".join(lines)


@dataclass(frozen=True, slots=True)
class Dependency:
    """A package as the audit sees it: its declared ranges and its locked pin(s).

    Either side may be empty: a transitive pin has no requirement, a range that
    nothing locks has no pin. Several pins happen when a lock splits a package by
    markers (uv.lock) or two locks sit in one project.
    """

    name: str
    requirements: tuple[Requirement, ...] = ()
    locked: tuple[LockedPackage, ...] = ()
    #: The project it belongs to (see :attr:`InputFile.project`).
    project: str = ""


@dataclass(frozen=True, slots=True)
class PythonScope:
    """What a file says about the environments it is for (all optional).

    ``requires_python`` is the project's supported range (PEP 621
    ``requires-python``, Poetry's ``python``, Pipfile's ``[requires]``, a lock's
    own ``requires-python``); ``python`` the one Python a single-environment
    lock was made with (pip-compile's header, ``uv pip compile
    --python-version``); ``platform`` its platform when the file says
    (``--python-platform``); ``markers`` the environments a universal lock was
    split into (uv.lock ``resolution-markers``, pylock ``environments``);
    ``universal`` whether the lock covers every environment (entries carry
    markers) rather than the one it was made on. ``source`` says where each
    came from, for messages.
    """

    requires_python: str | None = None
    python: str | None = None
    platform: str | None = None
    markers: tuple[str, ...] = ()
    universal: bool = False
    source: str = ""


@dataclass(frozen=True, slots=True)
class InputFile:
    """One file that was read, how it was read and what it was paired with."""

    path: str
    #: "requirements", "pip-freeze", "pyproject", "poetry.lock", "uv.lock",
    #: "pipfile", "pipfile.lock" or "pylock".
    format: str
    role: Role
    #: Files paired together share a project: the path of the range file (or of
    #: the lock when there is none). Included files (-r/-c) share their includer's.
    project: str
    #: The file that -r/-c included this one, if any.
    included_by: str | None = None
    #: Included with -c: its lines are constraints.
    constraint: bool = False
    #: What the file says about the environments it is for (None: nothing).
    scope: PythonScope | None = None
    #: Why it was read this way and paired with what: the evidence (a tool's
    #: header, ``# via`` lines, the lock's record of its inputs, the file names).
    reason: str = ""


@dataclass(frozen=True, slots=True)
class Lockfile:
    """What a set of input files says: requirements, pins, index options, problems.

    ``requirements`` are the declared ranges and ``packages`` the pins, after
    pairing (a lock's exact pins are pins, not ranges); ``dependencies`` is the
    two matched by normalized name, per project, sorted by project then name.
    """

    files: tuple[str, ...]
    requirements: tuple[Requirement, ...] = ()
    packages: tuple[LockedPackage, ...] = ()
    index: IndexOptions = field(default_factory=IndexOptions)
    problems: tuple[InputProblem, ...] = ()
    #: Detected format per file ("requirements", "pyproject", "poetry.lock", ...).
    formats: tuple[tuple[str, str], ...] = ()
    dependencies: tuple[Dependency, ...] = ()
    inputs: tuple[InputFile, ...] = ()
    #: PEP 735 ``{include-group = ...}`` edges: (group, included group).
    group_includes: tuple[tuple[str, str], ...] = ()
    #: What a single parsed file says about its environments (its parser sets
    #: it; a paired result carries it on each :class:`InputFile` instead).
    scope: PythonScope | None = None

    @property
    def errors(self) -> tuple[InputProblem, ...]:
        return tuple(p for p in self.problems if p.severity == "error")

    @property
    def warnings(self) -> tuple[InputProblem, ...]:
        return tuple(p for p in self.problems if p.severity == "warning")
