"""The Simple Repository API: PEP 691 JSON (preferred) and PEP 503 HTML pages.

Asks for JSON by content negotiation and reads whichever the index answers.
HTML pages are parsed by pypi-simple. JSON pages are decoded with orjson and
read field by field: pypi-simple's JSON path validates every file through
pydantic (about 20 us a file, 4 s for a large lock's 200,000 files), and the
JSON shape is fixed by PEP 691, so there is nothing left to parse by hand.

Also here: PEP 592 yanked, PEP 629 API version, PEP 700 ``versions`` and
``upload-time``, PEP 658/714 metadata advertisements (both key spellings).
"""

from __future__ import annotations

import os
import re
import warnings
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin

import orjson
from packaging.utils import canonicalize_name
from packaging.version import Version

from ..errors import IndexClientError
from . import _pageloops, _pypi_simple
from .history import FileRow, canonical_time

__all__ = [
    "ACCEPT",
    "JSON_CONTENT_TYPE",
    "SUPPORTED_API_MAJOR",
    "PageFormatError",
    "ParsedPage",
    "parse_html_page",
    "parse_json_page",
    "parse_project_page",
    "project_url",
    "version_from_filename",
]

#: JSON preferred, HTML accepted (PEP 691 content negotiation).
ACCEPT = _pypi_simple.constants()["ACCEPT_JSON_PREFERRED"]
JSON_CONTENT_TYPE = "application/vnd.pypi.simple.v1+json"
SUPPORTED_API_MAJOR = int(_pypi_simple.constants()["SUPPORTED_REPOSITORY_VERSION"].split(".")[0])


class PageFormatError(IndexClientError):
    """The index answered with a page that is not a readable project page."""


@dataclass(frozen=True, slots=True)
class ParsedPage:
    """A project page reduced to file rows (see ``history.FileRow``), grouped by
    version in the index's order."""

    groups: dict[str, list[FileRow]]
    api_version: str | None
    #: What every file URL starts with (stored once, not per file).
    url_prefix: str = ""
    #: Files whose version could not be told from their name.
    unmatched: int = 0


def project_url(index_url: str, name: str) -> str:
    """PEP 503: ``<index>/<normalized-name>/``."""
    return f"{index_url.rstrip('/')}/{canonicalize_name(name)}/"


def parse_project_page(body: bytes, content_type: str | None, page_url: str, name: str) -> ParsedPage:
    """Read a project page of either serialization; raises PageFormatError."""
    ctype = (content_type or "").split(";", 1)[0].strip().lower()
    if "json" in ctype:
        return parse_json_page(body, page_url, name)
    if "html" in ctype:
        return parse_html_page(body, page_url, name, _charset(content_type))
    if not ctype:
        # No Content-Type (a bare file server): tell by the first byte.
        if body.lstrip()[:1] == b"{":
            return parse_json_page(body, page_url, name)
        return parse_html_page(body, page_url, name, None)
    raise PageFormatError(f"unexpected content type {ctype!r} for the project page of {name}")


def _charset(content_type: str | None) -> str | None:
    m = re.search(r"charset=([\w.-]+)", content_type or "", re.I)
    return m.group(1) if m else None


def _check_api_version(version: str | None) -> None:
    if not version:
        return
    try:
        major = int(str(version).split(".")[0])
    except ValueError as exc:
        raise PageFormatError(f"unreadable repository API version {version!r}") from exc
    if major > SUPPORTED_API_MAJOR:
        # PEP 629: a client must not read a major version it does not know.
        raise PageFormatError(f"unsupported repository API version {version!r}")


def parse_json_page(body: bytes, page_url: str, name: str) -> ParsedPage:
    """A PEP 691 JSON project page."""
    try:
        data = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise PageFormatError(f"the JSON project page of {name} is malformed or truncated ({exc})") from exc
    try:
        api_version = data["meta"]["api-version"]
        files = data["files"]
        listed = data.get("versions")
    except (KeyError, TypeError) as exc:
        raise PageFormatError(f"the JSON project page of {name} lacks {exc}") from exc
    _check_api_version(api_version)
    if not isinstance(files, list) or (listed is not None and not isinstance(listed, list)):
        raise PageFormatError(f"the JSON project page of {name} is not a PEP 691 page")
    grouper = _Grouper(canonicalize_name(name), listed)
    groups = grouper.groups
    try:
        urls, absolute = _pageloops.file_urls(files)
        prefix = _url_prefix(urls)
        cut = len(prefix)
        if not absolute:
            # Relative URLs (common on private indexes): resolve their shared
            # prefix once; urljoin for each of 200,000 files costs seconds.
            tails = None
            if "://" not in prefix and not prefix.startswith("//"):
                tails = _pageloops.plain_tails(urls, cut)
            if tails is not None:
                prefix, cut = urljoin(page_url, prefix or "./"), 0
                urls = tails
            else:
                urls = [urljoin(page_url, u) for u in urls]
                prefix = _url_prefix(urls)
                cut = len(prefix)
        # The hot loop of a cold run (one pass per file, compiled): rows kept in
        # PEP 691's own shapes, the file name's version looked up in PEP 700's
        # list before anything slower is tried.
        _pageloops.group_files(files, urls, cut, groups, grouper.slow_group, canonical_time)
    except (KeyError, TypeError, AttributeError, IndexError, ValueError) as exc:
        raise PageFormatError(f"a file entry on the JSON project page of {name} is malformed ({exc!r})") from exc
    return ParsedPage(groups, str(api_version), prefix, grouper.unmatched)


def _url_prefix(urls: list[str]) -> str:
    if not urls:
        return ""
    # URLs, not paths: the longest common text, cut back to its last "/" below.
    common = os.path.commonprefix(urls)  # noqa: RUF071
    return common[: common.rfind("/") + 1]


def parse_html_page(body: bytes, page_url: str, name: str, encoding: str | None = None) -> ParsedPage:
    """A PEP 503 HTML project page (with PEP 592 and PEP 658/714 attributes)."""
    try:
        with warnings.catch_warnings():
            # A newer minor API version is fine to read (PEP 629); pypi-simple warns.
            warnings.simplefilter("ignore", _pypi_simple.module().UnexpectedRepoVersionWarning)
            page = _pypi_simple.module().RepositoryPage.from_html(body, page_url, encoding)
    except _pypi_simple.module().UnsupportedRepoVersionError as exc:
        raise PageFormatError(f"unsupported repository API version on the page of {name}: {exc}") from exc
    except Exception as exc:  # bs4 raises a variety of parser errors
        raise PageFormatError(f"the HTML project page of {name} could not be parsed ({exc!r})") from exc
    grouper = _Grouper(canonicalize_name(name), None)
    links = [(link, _pypi_simple.module().DistributionPackage.from_link(link, name)) for link in page.links]
    prefix = _url_prefix([pkg.url for _, pkg in links])
    for link, pkg in links:
        md: Any = None
        if pkg.has_metadata is not None:
            md = (pkg.metadata_digests or True) if pkg.has_metadata else None
        else:
            legacy = link.get_str_attrib("data-dist-info-metadata")
            if legacy is not None and legacy.lower() != "false":
                alg, _, value = legacy.partition("=")
                md = {alg: value} if value else True
        fn = pkg.filename
        tail = pkg.url[len(prefix) :]
        if tail.endswith("/" + fn) or tail == fn:
            tail = tail[: -len(fn)]
        row = [fn, tail, dict(pkg.digests), None, (pkg.yanked_reason or True) if pkg.is_yanked else False,
               pkg.requires_python, None, md]  # fmt: skip
        group = grouper.slow_group(fn, pkg.version)
        if group is not None:
            group.append(row)
    return ParsedPage(grouper.groups, page.repository_version, prefix, grouper.unmatched)


class _Grouper:
    """Assigns files to versions; PEP 700's list is the source of truth when present."""

    def __init__(self, name: str, listed: Iterable[str] | None) -> None:
        self.name = name
        self.groups: dict[str, list[FileRow]] = {str(v): [] for v in listed or ()}
        self._canonical: dict[Version | str, str] | None = None
        self.unmatched = 0

    def slow_group(self, filename: str, hint: str | None = None) -> list[FileRow] | None:
        """The group of a file whose version is not simply its name's second field."""
        groups = self.groups
        version = hint if hint in groups else version_from_filename(filename, self.name, groups.keys())
        if version is None:
            version = hint
        if version is None:
            self.unmatched += 1
            return None
        group = groups.get(version)
        if group is None:
            # Wheel names normalize the version ("1.0_rc1"): find the listed spelling.
            listed = self._listed_spelling(version)
            if listed is not None:
                return groups[listed]
            # A version only file names show (no PEP 700 list, or it misses one).
            group = groups[version] = []
        return group

    def _listed_spelling(self, version: str) -> str | None:
        if self._canonical is None:
            self._canonical = {}
            for v in self.groups:
                self._canonical.setdefault(_canon_version(v), v)
        return self._canonical.get(_canon_version(version))


def _valid(v: str) -> bool:
    try:
        Version(v)
    except ValueError:  # InvalidVersion, or a number past int()'s digit limit
        return False
    return True


def _canon_version(v: str) -> Version | str:
    # Version objects compare and hash by PEP 440 equality ("3.3.0" == "3.3").
    try:
        return Version(v)
    except ValueError:
        return v.lower()


_SEP = re.compile(r"[-_.]+")
_SDIST_EXTENSIONS = (".tar.gz", ".tar.bz2", ".tar.xz", ".tar.Z", ".tgz", ".tbz", ".tar", ".zip")
_EXTENSIONS = (*_SDIST_EXTENSIONS, ".egg", ".exe", ".msi", ".rpm", ".dmg", ".deb")


def version_from_filename(filename: str, name: str, known: Collection[str] = ()) -> str | None:
    """The version a file belongs to, or None when it cannot be told.

    ``name`` is the normalized project name; ``known`` the versions the page
    lists (PEP 700), which settle installers' names ("<name>-<ver>.win32.exe").
    """
    if filename.endswith(".whl"):
        # {name}-{version}(-{build})?-{python}-{abi}-{platform}.whl, old wheels
        # sometimes with hyphens left in the name.
        parts = filename[:-4].split("-")
        for i in range(1, len(parts) - 3):
            if _SEP.sub("-", "-".join(parts[:i])).lower() == name:
                return parts[i]
        return parts[1] if len(parts) >= 5 else None
    stem = None
    for ext in _EXTENSIONS:
        if filename.endswith(ext):
            stem = filename[: -len(ext)]
            break
    if stem is None:
        return None
    sdist = ext in _SDIST_EXTENSIONS
    # Where the name ends: the first hyphen whose prefix normalizes to the name.
    i = stem.find("-")
    while i != -1 and _SEP.sub("-", stem[:i]).lower() != name:
        i = stem.find("-", i + 1)
    rest = stem[i + 1 :] if i != -1 else None
    if rest is not None and (rest in known or (sdist and _valid(rest))):
        return rest
    if rest is not None and known:
        # Eggs and installers ("1.0-py2.7", "1.0.win32"): the longest listed
        # version followed by a separator. Tried before pypi-simple's parser,
        # whose import (pydantic) costs more than a whole page's decoding.
        for i in range(len(rest) - 1, 0, -1):
            if rest[i] in ".-_" and rest[:i] in known:
                return rest[:i]
    if rest and ext == ".egg":
        # {name}-{version}(-py{X.Y}(-{platform})?)?.egg, hyphens escaped in both.
        return rest.split("-", 1)[0]
    try:
        parsed = _pypi_simple.module().parse_filename(filename, name)[1]
    except _pypi_simple.module().UnparsableFilenameError:
        parsed = None
    return parsed
