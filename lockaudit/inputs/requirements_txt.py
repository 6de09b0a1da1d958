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

This module follows ``-r``/``-c`` includes and drives the rest: the lines,
comments and words come from :mod:`._requirements_lexer`, pip's options are
read and checked by :mod:`._pip_options`.
"""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import replace
from urllib.parse import unquote, urlsplit

from packaging.markers import InvalidMarker, Marker
from packaging.utils import canonicalize_name

from ..model import (
    INDEX_SOURCE,
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
from ._pip_options import PER_REQUIREMENT, IndexState, Option, apply_file_option, read_options
from ._requirements_lexer import (
    CommentLine,
    LogicalLine,
    Report,
    Word,
    expand_env,
    logical_lines,
    option_words,
    requirement_end,
    strip_comment,
)
from ._text import read_file

__all__ = ["Reader", "parse"]

#: Reads an include: (text, decoding problems); raises OSError when it cannot.
Reader = Callable[[str], tuple[str, list[InputProblem]]]

# pip-compile / uv provenance: "# via a, b" after a pin, or "# via" and "#   a" lines below it.
_VIA_START = re.compile(r"^\s*#\s*via(?:\s+(\S.*?))?\s*$")
_VIA_ITEM = re.compile(r"^\s*#\s{2,}(\S.*?)\s*$")
_INLINE_VIA = re.compile(r"\s#\s*via\s+(\S.*?)\s*$")
_URL_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://|^file:", re.IGNORECASE)
_WINDOWS_PATH = re.compile(r"^[A-Za-z]:[\\/]")
_EXTRAS_SUFFIX = re.compile(r"^(.+?)(\[[^\]]+\])$")
# A local project's name: [project] / [tool.poetry] name in pyproject.toml, [metadata] name in setup.cfg.
_PROJECT_NAME_FILES = (
    (
        "pyproject.toml",
        re.compile(r"""^\[(?:project|tool\.poetry)\][^\[]*?^name\s*=\s*["']([^"']+)["']""", re.M | re.S),
    ),
    ("setup.cfg", re.compile(r"^\[metadata\][^\[]*?^name\s*=\s*(\S+)", re.M | re.S)),
)


class _Parser:
    def __init__(self, env: Mapping[str, str], read: Reader) -> None:
        self.env = env
        self.read = read
        self.requirements: list[Requirement] = []
        self.packages: list[LockedPackage] = []
        self.problems: list[InputProblem] = []
        self.files: list[str] = []
        self.included: list[InputFile] = []
        self.index = IndexState()
        self._done: set[tuple[str, bool]] = set()
        self._stack: list[tuple[str, str]] = []  # (real path, path as shown)
        self.lines: dict[str, list[str]] = {}

    # -- problems

    def problem(
        self,
        path: str,
        line: LogicalLine,
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

    def _reporter(self, path: str, line: LogicalLine) -> Report:
        """Reports problems at offsets of ``line`` of ``path`` (for the lexer and pip's options)."""
        return functools.partial(self.problem, path, line)

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
        for line in logical_lines(physical):
            if isinstance(line, CommentLine):
                # "# via" blocks belong to the requirement just above them.
                last = len(self.requirements) - 1
                m = _VIA_START.match(line.text)
                if m and last >= first_req:
                    items = m.group(1)
                    via[last] = [i.strip() for i in items.split(",")] if items else []
                    collecting = None if items else last
                    continue
                m = _VIA_ITEM.match(line.text)
                if m and collecting is not None:
                    via[collecting].append(m.group(1))
                    continue
                collecting = None
                continue
            collecting = None
            before = len(self.requirements)
            self._logical(line, path, constraint)
            if len(self.requirements) > before and not line.unterminated:
                m = _INLINE_VIA.search(line.text)
                if m:
                    via[len(self.requirements) - 1] = [i.strip() for i in m.group(1).split(",")]
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

    def _logical(self, line: LogicalLine, path: str, constraint: bool) -> None:
        text = strip_comment(line)
        if not text:
            return
        if "${" in text:
            text = expand_env(text, line, self.env)
        args_end = requirement_end(text)
        args = text[:args_end].rstrip()
        report = self._reporter(path, line)
        options: list[Option] = []
        leftover: list[Word] = []
        if args_end < len(text):
            words = option_words(text, args_end, report)
            read = read_options(words, report) if words is not None else None
            if read is None:
                return  # pip rejects the line; the problem is reported
            options, leftover = read
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
            apply_file_option(option, self.index, report)

    def _ignored(self, leftover: list[Word], line: LogicalLine, path: str) -> None:
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

    def _unused(self, options: list[Option], used: Option, line: LogicalLine, path: str, what: str) -> None:
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

    # -- requirement lines

    def _requirement_line(
        self,
        args: str,
        options: list[Option],
        line: LogicalLine,
        path: str,
        constraint: bool,
    ) -> None:
        hashes: list[str] = []
        for o in options:
            if o.name == "--hash":
                hashes.append(o.value)
            elif o.name not in PER_REQUIREMENT:
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

    def _requirement(
        self,
        text: str,
        offset: int,
        line: LogicalLine,
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
        self, text: str, offset: int, line: LogicalLine, path: str, origin: Origin, editable: bool
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

    def _include(self, target: str, start: int, end: int, line: LogicalLine, path: str, constraint: bool) -> None:
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
