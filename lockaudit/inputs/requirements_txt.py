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

# Options pip accepts in a requirements file: name -> (canonical name, takes a value).
_OPTIONS: dict[str, tuple[str, bool]] = {
    "-i": ("--index-url", True),
    "--index-url": ("--index-url", True),
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
    "--pre": ("--pre", False),
    "--trusted-host": ("--trusted-host", True),
    "--use-feature": ("--use-feature", True),
    "--hash": ("--hash", True),
    "--config-settings": ("--config-settings", True),
    "--global-option": ("--global-option", True),
}
_PER_REQUIREMENT = frozenset({"--hash", "--config-settings", "--global-option"})
_LONG = sorted(k for k in _OPTIONS if k.startswith("--"))


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
        options = self._options(text, args_end, line, path) if args_end < len(text) else []
        if args:
            self._requirement_line(args, options, line, path, constraint)
            return
        for option in options:
            self._file_option(option, line, path, constraint)

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

    def _options(self, text: str, start: int, line: _Line, path: str) -> list[_Option]:
        """The options from ``start`` on. A bad one is reported and ends the list
        (its value, if any, cannot be told from the next option)."""
        tokens: list[tuple[str, int, int]] = []
        for m in re.finditer(r"""(?:[^\s"']+|"[^"]*"|'[^']*')+|["']""", text[start:]):
            raw = m.group()
            s, e = start + m.start(), start + m.end()
            if "'" in raw or '"' in raw or "\\" in raw:  # pip shlex-splits options; most need no unquoting
                try:
                    parts = shlex.split(raw)
                except ValueError:
                    self.problem(path, line, s, e, "unbalanced quote", expected="a closing quote")
                    return []
                raw = parts[0] if parts else ""
            tokens.append((raw, s, e))
        out: list[_Option] = []
        i = 0
        while i < len(tokens):
            token, s, e = tokens[i]
            i += 1
            if not token.startswith("-"):
                self.problem(path, line, s, e, f"unexpected argument {token!r}", expected="an option")
                break
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
                spec = _OPTIONS[matches[0]] if len(matches) == 1 else None
            if spec is None:
                self.problem(
                    path,
                    line,
                    s,
                    s + len(name),
                    f"unknown option {name!r}",
                    expected="a pip requirements-file option",
                    code="unknown-option",
                )
                break
            canonical, takes_value = spec
            if takes_value and value is None:
                if i >= len(tokens):
                    self.problem(path, line, s, e, f"option {canonical} needs a value", expected="a value")
                    break
                value, vstart, e = tokens[i]
                i += 1
            elif not takes_value and value is not None:
                self.problem(path, line, s, e, f"option {canonical} takes no value")
                continue
            out.append(_Option(canonical, value or "", s, e, vstart))
        return out

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
                if self._check_hash(o.value, o.start, o.end, line, path):
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
        if not sep or not digest:
            self.problem(path, line, s, e, f"invalid hash {value!r}", expected="--hash=ALGORITHM:HEXDIGEST")
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

    # -- options on their own line

    def _file_option(self, option: _Option, line: _Line, path: str, constraint: bool) -> None:
        idx = self.index
        name, value, start, end = option.name, option.value, option.start, option.end
        if name in ("--requirement", "--constraint"):
            # pip: whatever a constraints file includes is a constraint too.
            self._include(value, option.vstart, end, line, path, constraint or name == "--constraint")
        elif name == "--editable":
            self._requirement(value, option.vstart, line, path, constraint, (), editable=True)
        elif name == "--index-url":
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
        elif name in _PER_REQUIREMENT:
            self.problem(
                path,
                line,
                start,
                end,
                f"option {name} needs a requirement on the same line",
                expected="NAME... " + name,
            )
        # --use-feature changes pip's behaviour, not what is required: nothing to keep.

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

    result = _build.single_file(
        path, fmt, p.requirements, p.packages, p.problems, p.index.freeze(), line_text=line_text
    )
    included = tuple(f.path for f in p.included)
    return replace(
        result,
        files=(path, *included),
        formats=((path, fmt), *((f, "requirements") for f in included)),
        inputs=tuple(p.included),
    )
