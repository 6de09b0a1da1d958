"""PEP 508 strings to model requirements, through ``packaging`` (never a second parser).

Also what every format needs about direct references: is a URL a VCS, a local
path or an archive, what name does it carry, and the URL without credentials.
"""

from __future__ import annotations

import logging
import re
from typing import Any
from urllib.parse import unquote

from packaging.requirements import InvalidRequirement
from packaging.requirements import Requirement as PackagingRequirement
from packaging.specifiers import SpecifierSet
from packaging.utils import (
    canonicalize_name,
    parse_sdist_filename,
    parse_wheel_filename,
)

from ..model import INDEX_SOURCE, Origin, Requirement, Source, SourceKind
from ..urls import redact_url

__all__ = [
    "VCS_SCHEMES",
    "SpecError",
    "convert",
    "exact_pin",
    "from_pep508",
    "name_from_location",
    "source_for",
]

VCS_SCHEMES = ("git", "hg", "svn", "bzr")

logger = logging.getLogger(__name__)


class SpecError(ValueError):
    """A requirement string packaging rejects; ``start``/``end`` index into it."""

    def __init__(self, message: str, start: int, end: int, expected: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.start = start
        self.end = end
        self.expected = expected


def parse_pep508(text: str) -> PackagingRequirement:
    """packaging's requirement, or SpecError with the span packaging points at."""
    try:
        return PackagingRequirement(text)
    except InvalidRequirement as exc:
        detail, caret = _pointed(str(exc), text)
        # The bad spot is at packaging's "^"; underline the word that starts there.
        start = caret if caret is not None else 0
        m = _WORD.match(text, start)
        end = m.end() if m and m.end() > start else start + 1
        expected = None
        if detail.startswith("Expected "):
            expected, detail = detail[len("Expected ") :], "invalid requirement"
        raise SpecError(detail, start, end, expected) from None


_WORD = re.compile(r"[^\s,;]*")
#: The last line of packaging's message: "~" under the context, "^" at the bad spot.
_POINTER = re.compile(r"( *)~*\^")


def _pointed(message: str, text: str) -> tuple[str, int | None]:
    """The problem and the column packaging points at, read from its message.

    packaging's message (what it shows its own users, and what pip prints)
    is the problem, then the requirement and a pointer line under it, each
    indented four spaces. That is read here rather than the attributes of
    the private exception packaging chains it from. A message of another shape
    (a bad specifier has no pointer) leaves the column unknown: None, and the
    whole first line is the problem.
    """
    head, _, pointer = message.rpartition("\n    ")
    problem, _, echoed = head.partition("\n    ")
    m = _POINTER.fullmatch(pointer)
    if not head or echoed != text or m is None or m.end() - 1 > len(text):
        logger.debug("packaging's message points at no column: %r", message.split("\n", 1)[0])
        return message.split("\n", 1)[0], None
    return problem, m.end() - 1


def source_for(url: str, *, editable: bool = False) -> Source:
    """The source a direct reference names: VCS (``git+...``), local path (``file:``) or URL."""
    scheme = url.split(":", 1)[0].lower() if ":" in url else ""
    if ("+" in scheme and scheme.split("+", 1)[0] in VCS_SCHEMES) or scheme in VCS_SCHEMES:
        kind = SourceKind.VCS
    elif scheme in ("http", "https", "ftp"):
        kind = SourceKind.URL
    else:
        kind = SourceKind.PATH
    return Source(kind=kind, location=redact_url(url), editable=editable)


_EGG = re.compile(r"[#&]egg=([^&]+)")
_ARCHIVES = (".whl", ".tar.gz", ".tgz", ".tar.bz2", ".tbz", ".tar.xz", ".txz", ".tar", ".zip")


def name_from_location(location: str) -> str | None:
    """The project name a URL or path carries: ``#egg=``, or a wheel/sdist file name."""
    m = _EGG.search(location)
    if m:
        egg = unquote(m.group(1)).split("[", 1)[0]
        return canonicalize_name(egg) if egg else None
    tail = location.split("#", 1)[0].split("?", 1)[0].rstrip("/\\")
    filename = re.split(r"[/\\]", unquote(tail))[-1]
    try:
        if filename.endswith(".whl"):
            return parse_wheel_filename(filename)[0]
        if filename.endswith((".tar.gz", ".zip")):
            return parse_sdist_filename(filename)[0]
    except ValueError:  # InvalidWheelFilename, InvalidSdistFilename, or a number past int()'s limit
        return None
    return None


def is_archive(location: str) -> bool:
    return location.split("#", 1)[0].split("?", 1)[0].lower().endswith(_ARCHIVES)


def exact_pin(spec: SpecifierSet) -> str | None:
    """The version when ``spec`` is one ``==V`` (no wildcard) or ``===V``: a pin."""
    specs = list(spec)
    if len(specs) != 1:
        return None
    s = specs[0]
    if s.operator == "===" or (s.operator == "==" and not s.version.endswith(".*")):
        return s.version
    return None


def written_specifier(text: str, req: PackagingRequirement) -> str:
    """The version part of ``text`` as its author wrote it (packaging reorders it)."""
    if req.url or not req.specifier:
        return ""
    body = text.split(";", 1)[0]
    m = re.match(r"\s*[A-Za-z0-9][A-Za-z0-9._-]*\s*(?:\[[^\]]*\])?\s*", body)
    return body[m.end() if m else 0 :].strip()


def from_pep508(text: str, origin: Origin, **kwargs: Any) -> Requirement:
    """A model requirement from a PEP 508 string; SpecError when packaging rejects it.

    Keywords are those of :func:`convert`.
    """
    return convert(text, origin, **kwargs)[0]


def convert(
    text: str,
    origin: Origin,
    *,
    group: str | None = None,
    optional: bool = False,
    constraint: bool = False,
    hashes: tuple[str, ...] = (),
    editable: bool = False,
    marker: str | None = None,
) -> tuple[Requirement, PackagingRequirement]:
    """The model requirement and packaging's reading of ``text``; SpecError when
    packaging rejects it.

    ``marker`` is and-ed with the string's own marker (formats that keep markers
    beside the string, like Poetry's ``python = ...``).
    """
    req = parse_pep508(text)
    own = str(req.marker) if req.marker is not None else None
    marker = f"({own}) and ({marker})" if own and marker else own or marker
    source = source_for(req.url, editable=editable) if req.url else INDEX_SOURCE
    return Requirement(
        name=canonicalize_name(req.name),
        raw_name=req.name,
        specifier=written_specifier(text, req),
        pep440=str(req.specifier),
        origin=origin,
        extras=frozenset(canonicalize_name(e) for e in req.extras),
        marker=marker,
        source=source,
        constraint=constraint,
        group=group,
        optional=optional,
        hashes=hashes,
    ), req
