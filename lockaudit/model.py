"""The plain data every layer passes on: where a requirement came from, what it
declares, and what is locked. Frozen dataclasses, no behaviour beyond small
conveniences; parsers build them, the audit and resolver read them.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

__all__ = [
    "Origin",
    "SourceKind",
    "Source",
    "Requirement",
    "LockedPackage",
    "IndexOptions",
    "InputProblem",
    "Dependency",
    "Lockfile",
]


@dataclass(frozen=True, slots=True)
class Origin:
    """A place in a file: 1-based line and column (column may be unknown)."""

    path: str
    line: int | None = None
    column: int | None = None

    def __str__(self) -> str:
        if self.line is None:
            return self.path
        if self.column is None:
            return f"{self.path}:{self.line}"
        return f"{self.path}:{self.line}:{self.column}"


class SourceKind(str, enum.Enum):
    """Where a distribution comes from; only INDEX can be audited for drift."""

    INDEX = "index"
    URL = "url"
    PATH = "path"
    VCS = "vcs"

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True, slots=True)
class Source:
    kind: SourceKind = SourceKind.INDEX
    #: URL, path or VCS reference as written (credentials already removed).
    location: str | None = None
    editable: bool = False
    #: Index URL a lock names for this package, when it names one.
    index_url: str | None = None


INDEX_SOURCE = Source()


@dataclass(frozen=True, slots=True)
class Requirement:
    """One declared dependency, as written, with its PEP 440 meaning."""

    #: PEP 503 normalized name.
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


@dataclass(frozen=True, slots=True)
class LockedPackage:
    """One pinned distribution in a lock."""

    name: str
    version: str
    origin: Origin
    hashes: tuple[str, ...] = ()
    marker: str | None = None
    source: Source = INDEX_SOURCE
    #: Provenance: which requirements pulled it in ("-r app.in", "fastapi", ...).
    via: tuple[str, ...] = ()
    #: When the lock says when it was made or the file was uploaded, if it does.
    locked_at: str | None = None


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


@dataclass(frozen=True, slots=True)
class InputProblem:
    """A bad or suspicious line, collected instead of raised.

    ``render()`` gives the file:line:column header, the line itself and a caret
    under the bad span, and what was expected.
    """

    path: str
    line: int | None
    message: str
    column: int | None = None
    text: str | None = None
    width: int = 1
    expected: str | None = None
    severity: str = "error"  # "error" or "warning"

    @property
    def origin(self) -> Origin:
        return Origin(self.path, self.line, self.column)

    def render(self) -> str:
        head = f"{self.origin}: {self.severity}: {self.message}"
        if self.expected:
            head += f" (expected {self.expected})"
        if self.text is None:
            return head
        lines = [head, f"    {self.text}"]
        if self.column is not None:
            lines.append("    " + " " * (self.column - 1) + "^" * max(1, self.width))
        return "\n".join(lines)


@dataclass(frozen=True, slots=True)
class Dependency:
    """A package as the audit sees it: its declared ranges and its locked pin."""

    name: str
    requirements: tuple[Requirement, ...] = ()
    locked: tuple[LockedPackage, ...] = ()


@dataclass(frozen=True, slots=True)
class Lockfile:
    """What a set of input files says: requirements, pins, index options, problems."""

    files: tuple[str, ...]
    requirements: tuple[Requirement, ...] = ()
    packages: tuple[LockedPackage, ...] = ()
    index: IndexOptions = field(default_factory=IndexOptions)
    problems: tuple[InputProblem, ...] = ()
    #: Detected format per file ("requirements", "pyproject", "poetry.lock", ...).
    formats: tuple[tuple[str, str], ...] = ()
