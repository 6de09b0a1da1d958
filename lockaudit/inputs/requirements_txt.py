"""pip requirements files: the whole pip syntax, read as pip reads it.

Lines are processed in pip's order: join ``\\`` continuations, drop comments
(a ``#`` at the start or after whitespace), expand ``${VAR}``, split the
requirement from its options, then read the options. Requirement strings go to
``packaging``; direct references (URLs, VCS, local paths, ``-e``) are kept as
"not from the index". pip-compile / uv ``# via`` annotations become the pins'
provenance. Every bad line becomes an InputProblem pointing at the physical line
and column; parsing goes on with the next line.

The parser keeps both readings of a file: every line as a Requirement, and every
exact pin (``==V`` / ``===V``) also as a LockedPackage. Pairing (``pairing.py``)
keeps the reading the file's role calls for.
"""

from __future__ import annotations

import os
import re
import shlex
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import NamedTuple
from urllib.parse import unquote, urlsplit

from packaging.markers import InvalidMarker, Marker
from packaging.utils import canonicalize_name

from ..model import (
    INDEX_SOURCE,
    IndexOptions,
    InputFile,
    InputProblem,
    LockedPackage,
    Lockfile,
    Origin,
    PythonScope,
    Requirement,
)
from . import _build
from ._pep508 import SpecError, convert, exact_pin, is_archive, name_from_location, source_for
from ._text import read_file

__all__ = ["parse", "Reader"]

#: Reads an include: (text, decoding problems); raises OSError when it cannot.
Reader = Callable[[str], tuple[str, list[InputProblem]]]

# pip's own patterns (pip/_internal/req/req_file.py).
_COMMENT = re.compile(r"(^|\s+)#.*$")
_ENV_VAR = re.compile(r"\$\{([A-Z0-9_]+)\}")
_VIA_START = re.compile(r"^\s*#\s*via(?:\s+(\S.*?))?\s*$")
_VIA_ITEM = re.compile(r"^\s*#\s{2,}(\S.*?)\s*$")
_INLINE_VIA = re.compile(r"\s#\s*via\s+(\S.*?)\s*$")
_URL_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://|^file:", re.IGNORECASE)
_WINDOWS_PATH = re.compile(r"^[A-Za-z]:[\\/]")
_EXTRAS_SUFFIX = re.compile(r"^(.+?)(\[[^\]]+\])$")
STRONG_HASHES = ("sha256", "sha384", "sha512")
# A local project's name: [project] / [tool.poetry] name in pyproject.toml, [metadata] name in setup.cfg.
_PROJECT_NAME_FILES = (
    ("pyproject.toml", re.compile(r"""^\[(?:project|tool\.poetry)\][^\[]*?^name\s*=\s*["']([^"']+)["']""", re.M | re.S)),
    ("setup.cfg", re.compile(r"^\[metadata\][^\[]*?^name\s*=\s*(\S+)", re.M | re.S)),
)

# Options pip accepts in a requirements file (pip/_internal/req/req_file.py,
# SUPPORTED_OPTIONS + SUPPORTED_OPTIONS_REQ): name -> (canonical name, takes a value).
_OPTIONS: dict[str, tuple[str, bool]] = {
    "-i": ("--index-url", True),
    "--index-url": ("--index-url", True),
    "--pypi-url": ("--index-url", True),
    "--extra-index-url": ("--extra-index-url", True),
    "--no-index": ("--no-index", False),
    "-c": ("--constraint", True),
    "--constraint": ("--constraint", True),
    "-r": ("--requirement", True),
    "--requirement": ("--requirement", True),
    "-e": ("--editable", True),
    "--editable": ("--editable", True),
    "-f": ("--find-links", True),
    "--find-links": ("--find-links", True),
    "--no-binary": ("--no-binary", True),
    "--only-binary": ("--only-binary", True),
    "--prefer-binary": ("--prefer-binary", False),
    "--require-hashes": ("--require-hashes", False),
    "--no-require-hashes": ("--no-require-hashes", False),
    "--pre": ("--pre", False),
    "--all-releases": ("--all-releases", True),
    "--only-final": ("--only-final", True),
    "--trusted-host": ("--trusted-host", True),
    "--use-feature": ("--use-feature", True),
    "--hash": ("--hash", True),
    "-C": ("--config-settings", True),
    "--config-settings": ("--config-settings", True),
}
#: The options that belong to the requirement on their line (all others are ignored there).
_PER_REQUIREMENT = frozenset({"--hash", "--config-settings"})
_LONG = sorted(k for k in _OPTIONS if k.startswith("--"))
#: pip's --use-feature choices (the features it knows, and those now always on).
_FEATURES = ("fast-deps", "inprocess-build-deps", "venv-isolation", "truststore", "no-binary-enable-wheel-cache",
             "build-constraint")


@dataclass
class _Index:
    """Mutable twin of IndexOptions while files are read."""

    index_url: str | None = None
    extra: list[str] = field(default_factory=list)
    find_links: list[str] = field(default_factory=list)
    trusted: list[str] = field(default_factory=list)
    no_index: bool = False
    pre: bool = False
    only_binary: list[str] = field(default_factory=list)
    no_binary: list[str] = field(default_factory=list)
    prefer_binary: bool = False
    require_hashes: bool = False

    def freeze(self) -> IndexOptions:
        return IndexOptions(
            index_url=self.index_url,
            extra_index_urls=tuple(dict.fromkeys(self.extra)),
            find_links=tuple(dict.fromkeys(self.find_links)),
            trusted_hosts=tuple(dict.fromkeys(self.trusted)),
            no_index=self.no_index,
            pre=self.pre,
            only_binary=tuple(dict.fromkeys(self.only_binary)),
            no_binary=tuple(dict.fromkeys(self.no_binary)),
            prefer_binary=self.prefer_binary,
            require_hashes=self.require_hashes,
        )


class _Option(NamedTuple):
    name: str  # canonical: "--index-url" for -i
    value: str  # "" for a flag
    start: int
    end: int
    vstart: int  # where the value starts


class _Line:
    """One logical line (continuations joined) and the way back to physical columns."""

    __slots__ = ("text", "segments", "physical", "shift", "expansions")

    def __init__(self, segments: list[tuple[int, int, int]], text: str, physical: list[str]) -> None:
        self.text = text
        #: (offset in the joined line, physical line number, column offset in it)
        self.segments = segments
        self.physical = physical
        #: leading characters stripped from the joined line
        self.shift = 0
        #: (offset in the expanded line, length there, length as written)
        self.expansions: list[tuple[int, int, int]] = []

    def locate(self, offset: int) -> tuple[int, int, str]:
        """(line number, 1-based column, physical line) of an offset in the final text."""
        raw = offset
        for at, new_len, old_len in self.expansions:
            if offset >= at + new_len:
                raw += old_len - new_len
            elif offset > at:
                raw = raw - (offset - at)
        raw += self.shift
        seg = self.segments[0]
        for s in self.segments:
            if s[0] <= raw:
                seg = s
            else:
                break
        start, lineno, col = seg
        return lineno, col + raw - start + 1, self.physical[lineno - 1]


class _Parser:
    def __init__(self, env: Mapping[str, str], read: Reader) -> None:
        self.env = env
        self.read = read
        self.requirements: list[Requirement] = []
        self.packages: list[LockedPackage] = []
        self.problems: list[InputProblem] = []
        self.files: list[str] = []
        self.included: list[InputFile] = []
        self.index = _Index()
        self._done: set[tuple[str, bool]] = set()
        self._stack: list[tuple[str, str]] = []  # (real path, path as shown)
        self.lines: dict[str, list[str]] = {}

    # -- problems

    def problem(
        self,
        path: str,
        line: _Line,
        start: int,
        end: int,
        message: str,
        *,
        expected: str | None = None,
        severity: str = "error",
        code: str = "invalid",
    ) -> None:
        lineno, column, text = line.locate(start)
        end_line, end_col, _ = line.locate(max(start, end - 1))
        width = end_col - column + 1 if end_line == lineno else len(text) - column + 1
        self.problems.append(
            InputProblem(
                path,
                lineno,
                message,
                column=column,
                text=text,
                width=max(1, width),
                expected=expected,
                severity=severity,
                code=code,
            )
        )

    # -- files

    def parse_file(self, text: str, path: str, *, constraint: bool = False) -> None:
        key = os.path.realpath(path)
        self._done.add((key, constraint))
        self._stack.append((key, path))
        self.files.append(path)
        try:
            self._parse_lines(text, path, constraint)
        finally:
            self._stack.pop()

    def _parse_lines(self, text: str, path: str, constraint: bool) -> None:
        physical = text.splitlines()
        self.lines[path] = physical
        first_req = len(self.requirements)
        via: dict[int, list[str]] = {}  # requirement index -> provenance
        collecting: int | None = None  # requirement index a "# via" block is filling
        pending: list[tuple[int, int, int]] = []
        joined: list[str] = []
        joined_len = 0
        for lineno, raw in enumerate(physical, 1):
            is_comment = raw.lstrip().startswith("#")
            if is_comment and not pending:
                # "# via" blocks belong to the requirement just above them.
                last = len(self.requirements) - 1
                m = _VIA_START.match(raw)
                if m and last >= first_req:
                    items = m.group(1)
                    via[last] = [i.strip() for i in items.split(",")] if items else []
                    collecting = None if items else last
                    continue
                m = _VIA_ITEM.match(raw)
                if m and collecting is not None:
                    via[collecting].append(m.group(1))
                    continue
                collecting = None
                continue
            collecting = None
            if raw.endswith("\\") and not is_comment:
                stripped = raw.lstrip("\\")
                pending.append((joined_len, lineno, len(raw) - len(stripped)))
                stripped = stripped.rstrip("\\")
                joined.append(stripped)
                joined_len += len(stripped)
                continue
            if pending:
                if is_comment:
                    raw = " " + raw  # pip: a comment ends the continuation and stays a comment
                pending.append((joined_len, lineno, -1 if is_comment else 0))
                joined.append(raw)
                segments, logical = pending, "".join(joined)
                pending, joined, joined_len = [], [], 0
            else:
                segments, logical = [(0, lineno, 0)], raw
            line = _Line(segments, logical, physical)
            before = len(self.requirements)
            self._logical(line, path, constraint)
            if len(self.requirements) > before:
                m = _INLINE_VIA.search(logical)
                if m:
                    via[len(self.requirements) - 1] = [i.strip() for i in m.group(1).split(",")]
        if pending:
            line = _Line(pending, "".join(joined), physical)
            self._logical(line, path, constraint)
        self._attach_via(via)

    def _attach_via(self, via: dict[int, list[str]]) -> None:
        if not via:
            return
        by_origin: dict[tuple[str, int | None], tuple[str, ...]] = {}
        for i, items in via.items():
            r = self.requirements[i]
            by_origin[(r.origin.path, r.origin.line)] = tuple(items)
        for j, p in enumerate(self.packages):
            found = by_origin.get((p.origin.path, p.origin.line))
            if found is not None:
                self.packages[j] = replace(p, via=found)

    # -- one logical line

    def _logical(self, line: _Line, path: str, constraint: bool) -> None:
        text = _COMMENT.sub("", line.text)
        stripped = text.strip()
        if not stripped:
            return
        line.shift = len(text) - len(text.lstrip())
        text = stripped
        if "${" in text:
            text = self._expand(text, line)
        # pip's break_args_options: the requirement ends at the first token that starts with "-".
        args_end = len(text)
        pos = 0
        for token in text.split(" "):
            if token.startswith("-"):
                args_end = pos
                break
            pos += len(token) + 1
        args = text[:args_end].rstrip()
        options, leftover = self._options(text, args_end, line, path) if args_end < len(text) else ([], [])
        if options is None:
            return  # pip rejects the line; the problem is reported
        if args:
            self._requirement_line(args, options, line, path, constraint)
            return
        self._ignored(leftover, line, path)
        editables = [o for o in options if o.name == "--editable"]
        if editables:
            # pip takes the first -e of a line as its requirement and ignores the rest.
            self._requirement(editables[0].value, editables[0].vstart, line, path, constraint, (), editable=True)
            self._unused(options, editables[0], line, path, "an editable requirement")
            return
        includes = [o for o in options if o.name in ("--requirement", "--constraint")]
        if includes:
            # pip follows one include per line (-r before -c) and ignores the line's other options.
            first = next((o for o in includes if o.name == "--requirement"), includes[0])
            self._include(first.value, first.vstart, first.end, line, path, constraint or first.name == "--constraint")
            self._unused(options, first, line, path, f"{first.name} {first.value}")
            return
        first_find_links = next((o for o in options if o.name == "--find-links"), None)
        for option in options:
            if option.name == "--find-links" and option is not first_find_links:
                self.problem(
                    path,
                    line,
                    option.start,
                    option.end,
                    "pip uses only the first --find-links of a line",
                    expected="one --find-links per line",
                    severity="warning",
                    code="ignored-option",
                )
                continue
            self._file_option(option, line, path, constraint)

    def _ignored(self, leftover: list[tuple[str, int, int]], line: _Line, path: str) -> None:
        """Words after the options that pip's option parser leaves over and pip ignores."""
        for word, start, end in leftover:
            self.problem(
                path,
                line,
                start,
                end,
                f"{word!r} follows an option on the same line: pip ignores it"
                + (" (it is not installed)" if word[:1].isalnum() else ""),
                expected="a requirement at the start of its own line",
                severity="warning",
                code="ignored-argument",
            )

    def _unused(self, options: list[_Option], used: _Option, line: _Line, path: str, what: str) -> None:
        for o in options:
            if o is not used:
                self.problem(
                    path,
                    line,
                    o.start,
                    o.end,
                    f"pip ignores {o.name} on the line of {what}",
                    expected="one option per line",
                    severity="warning",
                    code="ignored-option",
                )

    def _expand(self, text: str, line: _Line) -> str:
        out: list[str] = []
        last = 0
        length = 0
        for m in _ENV_VAR.finditer(text):
            value = self.env.get(m.group(1))
            if value is None:
                continue  # pip leaves unknown variables as written
            out.append(text[last : m.start()])
            length += m.start() - last
            line.expansions.append((length, len(value), m.end() - m.start()))
            out.append(value)
            length += len(value)
            last = m.end()
        out.append(text[last:])
        return "".join(out)

    def _options(
        self, text: str, start: int, line: _Line, path: str
    ) -> tuple[list[_Option] | None, list[tuple[str, int, int]]]:
        """The options from ``start`` on, read as pip's optparse reads them, and the
        words left over (pip ignores those). None when pip rejects the line."""
        tokens: list[tuple[str, int, int]] = []
        for m in re.finditer(r"""(?:[^\s"']+|"[^"]*"|'[^']*')+|["']""", text[start:]):
            raw = m.group()
            s, e = start + m.start(), start + m.end()
            if "'" in raw or '"' in raw or "\\" in raw:  # pip shlex-splits options; most need no unquoting
                try:
                    parts = shlex.split(raw)
                except ValueError:
                    self.problem(path, line, s, e, "unbalanced quote: pip cannot split the options", expected="a closing quote")
                    return None, []
                raw = parts[0] if parts else ""
            tokens.append((raw, s, e))
        out: list[_Option] = []
        leftover: list[tuple[str, int, int]] = []
        i = 0
        while i < len(tokens):
            token, s, e = tokens[i]
            i += 1
            if token == "--":  # optparse: the end of the options
                leftover.extend(tokens[i:])
                break
            if not token.startswith("-") or token == "-":
                leftover.append((token, s, e))  # optparse keeps it as an argument; pip ignores those
                continue
            name, value, vstart = token, None, e
            if token.startswith("--") and "=" in token:
                name, value = token.split("=", 1)
                vstart = s + len(name) + 1
            elif not token.startswith("--") and len(token) > 2:
                name, value = token[:2], token[2:]
                vstart = s + 2
            spec = _OPTIONS.get(name)
            if spec is None and name.startswith("--"):
                # optparse (pip's parser) accepts any unambiguous prefix of a long option.
                matches = [o for o in _LONG if o.startswith(name)]
                if len(matches) > 1 and len({_OPTIONS[o][0] for o in matches}) > 1:
                    self.problem(
                        path,
                        line,
                        s,
                        s + len(name),
                        f"ambiguous option {name!r} ({', '.join(matches)})",
                        expected="a pip requirements-file option",
                        code="unknown-option",
                    )
                    return None, []
                spec = _OPTIONS[matches[0]] if matches else None
            if spec is None:
                self.problem(
                    path,
                    line,
                    s,
                    s + len(name),
                    f"no such option: {name}",
                    expected="a pip requirements-file option",
                    code="unknown-option",
                )
                return None, []
            canonical, takes_value = spec
            if takes_value and value is None:
                if i >= len(tokens):
                    self.problem(path, line, s, e, f"option {canonical} requires 1 argument", expected="a value")
                    return None, []
                value, vstart, e = tokens[i]  # optparse takes the next word, whatever it is
                i += 1
            elif not takes_value and value is not None:
                self.problem(path, line, s, e, f"option {canonical} does not take a value")
                return None, []
            option = _Option(canonical, value or "", s, e, vstart)
            if not self._valid(option, line, path):
                return None, []
            out.append(option)
        return out, leftover

    def _valid(self, o: _Option, line: _Line, path: str) -> bool:
        """The checks pip's option callbacks make (a failed one rejects the line)."""
        if o.name == "--hash":
            return self._check_hash(o.value, o.start, o.end, line, path)
        if o.name == "--config-settings" and "=" not in o.value:
            self.problem(path, line, o.vstart, o.end, f"arguments to {o.name} must be of the form KEY=VAL")
            return False
        if o.name in ("--no-binary", "--only-binary", "--all-releases", "--only-final") and o.value.startswith("-"):
            self.problem(path, line, o.start, o.end, f"option {o.name} requires 1 argument", expected="a value")
            return False
        if o.name == "--use-feature" and o.value not in _FEATURES:
            self.problem(
                path,
                line,
                o.vstart,
                o.end,
                f"option --use-feature: invalid choice {o.value!r}",
                expected=", ".join(_FEATURES),
            )
            return False
        return True

    # -- requirement lines

    def _requirement_line(
        self,
        args: str,
        options: list[_Option],
        line: _Line,
        path: str,
        constraint: bool,
    ) -> None:
        hashes: list[str] = []
        for o in options:
            if o.name == "--hash":
                hashes.append(o.value)
            elif o.name not in _PER_REQUIREMENT:
                self.problem(
                    path,
                    line,
                    o.start,
                    o.end,
                    f"option {o.name} has no effect on a requirement line",
                    severity="warning",
                    code="ignored-option",
                )
        self._requirement(args, 0, line, path, constraint, tuple(hashes), editable=False)

    def _check_hash(self, value: str, s: int, e: int, line: _Line, path: str) -> bool:
        algo, sep, digest = value.partition(":")
        if not sep:
            self.problem(
                path,
                line,
                s,
                e,
                f"invalid hash {value!r}: pip wants a hash name followed by a value",
                expected="--hash=ALGORITHM:HEXDIGEST",
            )
            return False
        if algo not in STRONG_HASHES:
            self.problem(
                path,
                line,
                s,
                e,
                f"hash algorithm {algo!r} is not allowed",
                expected=", ".join(STRONG_HASHES),
            )
            return False
        if not digest:  # pip accepts it, and no file will ever match it
            self.problem(path, line, s, e, f"empty hash {value!r}", expected="--hash=ALGORITHM:HEXDIGEST",
                         severity="warning", code="empty-hash")
        return True

    def _requirement(
        self,
        text: str,
        offset: int,
        line: _Line,
        path: str,
        constraint: bool,
        hashes: tuple[str, ...],
        *,
        editable: bool,
    ) -> None:
        """One requirement at ``offset`` in the line: PEP 508, or a bare URL/path as pip allows."""
        lineno, column, _ = line.locate(offset)
        origin = Origin(path, lineno, column)
        if _is_direct(text):
            req = self._direct(text, offset, line, path, origin, editable)
            if req is None:
                return
            req = replace(req, constraint=constraint, hashes=hashes)
        else:
            try:
                req, parsed = convert(text, origin, constraint=constraint, hashes=hashes, editable=editable)
            except SpecError as exc:
                self.problem(
                    path,
                    line,
                    offset + exc.start,
                    offset + exc.end,
                    exc.message,
                    expected=exc.expected,
                    code="invalid-requirement",
                )
                return
            if editable and req.source is INDEX_SOURCE:
                self.problem(
                    path,
                    line,
                    offset,
                    offset + len(text),
                    "an editable requirement needs a path or a VCS URL",
                    expected="-e PATH or -e VCS+URL#egg=NAME",
                )
                return
            pin = exact_pin(parsed.specifier) if req.source is INDEX_SOURCE else None
            if pin is not None:
                self.packages.append(
                    LockedPackage(name=req.name, version=pin, origin=origin, hashes=hashes, marker=req.marker)
                )
        self.requirements.append(req)

    def _direct(
        self, text: str, offset: int, line: _Line, path: str, origin: Origin, editable: bool
    ) -> Requirement | None:
        """A bare URL or path: ``https://.../x.whl``, ``git+https://...#egg=x``, ``./pkg[extra]``."""
        location, marker_text = text, None
        sep = "; " if _URL_SCHEME.match(text) else ";"
        if sep in text:
            location, marker_text = text.split(sep, 1)
            location = location.rstrip()
        marker = None
        if marker_text is not None:
            try:
                marker = str(Marker(marker_text.strip()))
            except InvalidMarker as exc:
                start = offset + text.index(sep) + len(sep)
                self.problem(
                    path,
                    line,
                    start,
                    offset + len(text),
                    "invalid marker",
                    expected=str(exc).split("\n", 1)[0].removeprefix("Expected "),
                    code="invalid-requirement",
                )
                return None
        extras: frozenset[str] = frozenset()
        if not _URL_SCHEME.match(location):
            m = _EXTRAS_SUFFIX.match(location)
            if m:
                location = m.group(1)
                extras = frozenset(canonicalize_name(e) for e in m.group(2)[1:-1].split(",") if e.strip())
        else:
            egg = re.search(r"[#&]egg=[^&\[]+(\[[^\]]+\])", location)
            if egg:
                extras = frozenset(canonicalize_name(e) for e in egg.group(1)[1:-1].split(",") if e.strip())
        url = location if _URL_SCHEME.match(location) else _path_url(location)
        source = source_for(url, editable=editable)
        source = replace(source, location=source.location if _URL_SCHEME.match(location) else location)
        name = name_from_location(location)
        if name is None and not _URL_SCHEME.match(location) and not is_archive(location):
            name = self._project_name(location, path)
        shown = source.location or location  # credentials removed
        return Requirement(
            name=name or shown,
            raw_name=name or shown,
            specifier="",
            pep440="",
            origin=origin,
            extras=extras,
            marker=marker,
            source=source,
        )

    def _project_name(self, location: str, path: str) -> str | None:
        """The name of the local project at ``location`` (``-e .``, ``./pkg``), read from its
        pyproject.toml or setup.cfg, so that it is shown as that project and not as a path.
        pip resolves the path from where it runs: the file's directory is tried, then as given."""
        bases = [os.path.dirname(path), ""]
        for base in dict.fromkeys(bases):
            directory = os.path.normpath(os.path.join(base, location))
            for name, pattern in _PROJECT_NAME_FILES:
                try:
                    text, _ = self.read(os.path.join(directory, name))
                except OSError:
                    continue
                m = pattern.search(text)
                if m:
                    return canonicalize_name(m.group(1))
        return None

    # -- options on their own line

    def _file_option(self, option: _Option, line: _Line, path: str, constraint: bool) -> None:
        idx = self.index
        name, value, start, end = option.name, option.value, option.start, option.end
        if name == "--index-url":
            idx.index_url = value
        elif name == "--extra-index-url":
            idx.extra.append(value)
        elif name == "--find-links":
            idx.find_links.append(value)
        elif name == "--trusted-host":
            idx.trusted.append(value)
        elif name == "--no-index":
            idx.no_index = True
        elif name == "--pre":
            idx.pre = True
        elif name == "--prefer-binary":
            idx.prefer_binary = True
        elif name == "--require-hashes":
            idx.require_hashes = True
        elif name in ("--only-binary", "--no-binary"):
            self._binary(name, value, idx)
        elif name == "--all-releases" and ":all:" in value.split(","):
            idx.pre = True  # what --pre means
        elif name in _PER_REQUIREMENT:
            self.problem(
                path,
                line,
                start,
                end,
                f"{name} without a requirement on its line: pip ignores it",
                expected="NAME... " + name,
                severity="warning",
                code="ignored-option",
            )
        # --use-feature, --no-require-hashes, --only-final and --all-releases for single
        # packages change how pip installs, not what is required: nothing to keep.

    @staticmethod
    def _binary(name: str, value: str, idx: _Index) -> None:
        # pip: ":all:" / ":none:" reset the other list, as its fmt_ctl_handle_mutual_exclude does.
        this, other = (idx.only_binary, idx.no_binary) if name == "--only-binary" else (idx.no_binary, idx.only_binary)
        for item in value.split(","):
            item = item.strip()
            if item == ":all:":
                this[:] = [":all:"]
                other.clear()
            elif item == ":none:":
                this.clear()
            elif item:
                item = canonicalize_name(item)
                this.append(item)
                if item in other:
                    other.remove(item)

    def _include(self, target: str, start: int, end: int, line: _Line, path: str, constraint: bool) -> None:
        what = "constraints" if constraint else "requirements"
        if re.match(r"^https?://", target, re.IGNORECASE):
            self.problem(
                path,
                line,
                start,
                end,
                f"remote {what} file {target!r} is not fetched",
                expected="a local file",
                code="remote-include",
            )
            return
        if target.lower().startswith("file:"):
            target = _file_url_path(target)
        why = _unusable_path(target)
        if why is not None:
            self.problem(
                path,
                line,
                start,
                end,
                f"{what} file {target!r} cannot be a file name: it holds {why}",
                expected="a path without NUL bytes or lone surrogates",
                code="invalid-include",
            )
            return
        if not os.path.isabs(target):
            target = os.path.normpath(os.path.join(os.path.dirname(path), target))
        key = os.path.realpath(target)
        keys = [k for k, _ in self._stack]
        if key in keys:
            shown = [p for _, p in self._stack[keys.index(key) :]]
            cycle = " -> ".join([*shown, target])
            self.problem(
                path,
                line,
                start,
                end,
                f"include cycle: {cycle}",
                code="include-cycle",
            )
            return
        if (key, constraint) in self._done:
            return  # already read (a diamond of includes): pip would read it twice to the same effect
        try:
            text, problems = self.read(target)
        except OSError as exc:
            reason = exc.strerror or str(exc)
            self.problem(
                path,
                line,
                start,
                end,
                f"cannot read {what} file {target!r}: {reason}",
                expected="an existing file",
                code="missing-include",
            )
            return
        self.problems.extend(problems)
        self.included.append(
            InputFile(target, "requirements", "both", project="", included_by=path, constraint=constraint)
        )
        self.parse_file(text, target, constraint=constraint)


def _is_direct(text: str) -> bool:
    """Whether pip reads ``text`` as a URL or path rather than a PEP 508 string."""
    if _URL_SCHEME.match(text) or _WINDOWS_PATH.match(text):
        return True
    head = text.split(";", 1)[0].strip()
    if head.startswith((".", "/", "~")):
        return True
    if "@" in head:
        return False  # "name @ url" is PEP 508
    if "/" in head or "\\" in head:
        return True
    bare = _EXTRAS_SUFFIX.sub(r"\1", head)
    return is_archive(bare)


def _unusable_path(target: str) -> str | None:
    """Why no file system can open ``target`` (the OS would raise ValueError), or None."""
    if "\x00" in target:
        return "a NUL byte"
    try:
        os.fsencode(target)
    except UnicodeEncodeError:
        return "a lone surrogate (not text)"
    return None


def _path_url(location: str) -> str:
    return "file:" + location


def _file_url_path(url: str) -> str:
    parts = urlsplit(url)
    path = unquote(parts.path)
    if parts.netloc and parts.netloc != "localhost":
        path = f"//{parts.netloc}{path}"
    return path


def _default_reader(path: str) -> tuple[str, list[InputProblem]]:
    return read_file(path)


def parse(
    text: str,
    path: str,
    *,
    env: Mapping[str, str] | None = None,
    read: Reader | None = None,
    constraint: bool = False,
    fmt: str = "requirements",
) -> Lockfile:
    """Read a requirements file (``text`` is its content, ``path`` its name as given).

    ``-r``/``-c`` includes are read through ``read`` (default: from disk, relative
    to the including file). ``env`` is where ``${VAR}`` comes from (default:
    ``os.environ``). Never raises for bad input: problems are in the result.
    """
    p = _Parser(os.environ if env is None else env, read or _default_reader)
    p.parse_file(text, path, constraint=constraint)

    def line_text(file: str, line: int | None) -> str | None:
        lines = p.lines.get(file)
        return lines[line - 1] if lines and line and line <= len(lines) else None

    scope = header_scope(text)
    if any(pin.marker for pin in p.packages):
        scope = replace(scope or PythonScope(source="markers on the pins"), universal=True)
    result = _build.single_file(
        path, fmt, p.requirements, p.packages, p.problems, p.index.freeze(), line_text=line_text, scope=scope
    )
    included = tuple(f.path for f in p.included)
    return replace(
        result,
        files=(path, *included),
        formats=((path, fmt), *((f, "requirements") for f in included)),
        inputs=tuple(p.included),
    )


# pip-compile: "# This file is autogenerated by pip-compile with Python 3.11".
_PIP_COMPILE = re.compile(r"autogenerated by pip-compile with Python (\d+\.\d+(?:\.\d+)?)")
# lockaudit lock: "# This file was generated by lockaudit 0.1.0 for Python 3.11 on linux".
_LOCKAUDIT = re.compile(r"generated by lockaudit \S+ for Python (\d+\.\d+(?:\.\d+)?) on (\w+)")
# uv pip compile / uv export: the command line is in the header.
_UV_COMMAND = re.compile(r"^#\s+uv (pip compile|export)\b(.*)$", re.MULTILINE)
_UV_PYTHON = re.compile(r"(?:--python-version|--python|-p)[= ](\d+\.\d+(?:\.\d+)?)\b")
_UV_PLATFORM = re.compile(r"--python-platform[= ](\S+)")
_HEADER_LINES = 20


def _platform_of(triple: str) -> str | None:
    """``x86_64-unknown-linux-gnu``, ``linux``, ``macos``, ``windows``, ... as a sys.platform."""
    text = triple.lower()
    if "linux" in text:
        return "linux"
    if "darwin" in text or "macos" in text or "apple" in text:
        return "darwin"
    if "windows" in text or "win" in text:
        return "win32"
    return None


def header_scope(text: str) -> PythonScope | None:
    """The environment a compiled lock's header says it was made for."""
    head = "\n".join(text.splitlines()[:_HEADER_LINES])
    if "#" not in head:
        return None
    found = _PIP_COMPILE.search(head)
    if found:
        return PythonScope(python=found.group(1), source="the pip-compile header")
    found = _LOCKAUDIT.search(head)
    if found:
        return PythonScope(python=found.group(1), platform=_platform_of(found.group(2)), source="the lockaudit header")
    command = _UV_COMMAND.search(head)
    if command is None:
        return None
    args = command.group(2)
    python = _UV_PYTHON.search(args)
    platform = _UV_PLATFORM.search(args)
    return PythonScope(
        python=python.group(1) if python else None,
        platform=_platform_of(platform.group(1)) if platform else None,
        universal=command.group(1) == "export" or "--universal" in args,
        source=f"the uv {command.group(1)} header",
    )
