"""TOML with positions: tomllib parses, a light line scan says where things are.

tomllib gives values but no line numbers, and every requirement needs its
file:line. The file has already parsed when the scan runs, so the scan only has
to find table headers, keys and string values, not validate anything.
"""

from __future__ import annotations

import re
import tomllib
from typing import Any

from ..model import InputProblem, Origin

__all__ = ["MAX_INT_DIGITS", "TomlIndex", "TomlLimitError", "huge_number_at", "load_toml", "loads"]

_AT = re.compile(r"\s*\(at line (\d+), column (\d+)\)\s*$")
_AT_END = re.compile(r"\s*\(at end of document\)\s*$")

#: Python turns no integer of more decimal digits into text or back
#: (``sys.get_int_max_str_digits``' default): such a number in an input is an
#: input error, never a crash further on.
MAX_INT_DIGITS = 4300
_INT_LIMIT = 10**MAX_INT_DIGITS
# An integer literal long enough to pass the limit, in any base TOML has
# (hex, octal and binary are not limited by Python, but printing them is).
_HUGE_NUMBER = re.compile(
    rf"(?<![\w.\"'])[+-]?(?:0x[0-9A-Fa-f_]{{3570,}}|0o[0-7_]{{4760,}}|0b[01_]{{14280,}}|[0-9][0-9_]{{{MAX_INT_DIGITS},}})"
)


class TomlLimitError(tomllib.TOMLDecodeError):
    """A TOML document past what lockaudit reads: an integer of more than
    ``MAX_INT_DIGITS`` digits, or nesting deeper than Python's recursion allows.
    Carries the position like tomllib's own errors."""

    def __init__(self, msg: str, lineno: int | None = None, colno: int | None = None) -> None:
        where = f" (at line {lineno}, column {colno})" if lineno else ""
        ValueError.__init__(self, msg + where)
        self.msg, self.lineno, self.colno = msg, lineno, colno


def huge_number_at(text: str, start: int = 0) -> tuple[int, int] | None:
    """``(line, column)`` of the first integer literal too long for Python, or None."""
    m = _HUGE_NUMBER.search(text, start)
    if m is None:
        return None
    line = text.count("\n", 0, m.start()) + 1
    return line, m.start() - (text.rfind("\n", 0, m.start()) + 1) + 1


def _too_large(text: str) -> TomlLimitError:
    where = huge_number_at(text)
    message = f"integer too large (more than {MAX_INT_DIGITS:,} digits)"
    return TomlLimitError(message, *where) if where else TomlLimitError(message)


def _has_huge_int(doc: Any) -> bool:
    # Iterative: a document nested deep enough to matter already parsed.
    stack = [doc]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
        elif type(node) is int and node.bit_length() > 14000 and abs(node) >= _INT_LIMIT:
            return True
    return False


def loads(text: str) -> dict[str, Any]:
    """``tomllib.loads`` whose every failure is a ``TOMLDecodeError`` with a position:
    integers past Python's digit limit (in any base) and nesting too deep for
    the parser are input errors too, not ValueError or RecursionError."""
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        raise
    except ValueError:  # int() of a decimal literal past the digit limit
        raise _too_large(text) from None
    except RecursionError:
        raise TomlLimitError("arrays or inline tables nested too deeply") from None
    if _has_huge_int(doc):
        raise _too_large(text)
    return doc


def load_toml(text: str, path: str) -> tuple[dict[str, Any] | None, InputProblem | None]:
    """The document, or None and a problem naming the file, line and column."""
    try:
        return loads(text), None
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        line = getattr(exc, "lineno", None)
        column = getattr(exc, "colno", None)
        msg = getattr(exc, "msg", None)
        m = _AT.search(message)
        if m:
            line, column = int(m.group(1)), int(m.group(2))
            message = message[: m.start()]
        elif _AT_END.search(message):
            lines = text.split("\n")
            line, column = len(lines), len(lines[-1]) + 1
            message = _AT_END.sub("", message)
        if msg:
            message = msg
        lines = text.split("\n")
        src = lines[line - 1] if line and 0 < line <= len(lines) else None
        code = "toml-limit" if isinstance(exc, TomlLimitError) else "toml-syntax"
        return None, InputProblem(path, line, f"invalid TOML: {message}", column=column, text=src, code=code)


# One line of TOML: the tokens that change nesting, plus comments.
_TOKENS = re.compile(r'"""|\'\'\'|"(?:[^"\\]|\\.)*"?|\'[^\']*\'?|#|[\[\]{}]')
_HEADER = re.compile(r"^\s*(\[\[?)\s*(.+?)\s*\]\]?\s*(?:#.*)?$")
_KEY = re.compile(
    r"""^\s*((?:[A-Za-z0-9_-]+|"(?:[^"\\]|\\.)*"|'[^']*')(?:\s*\.\s*(?:[A-Za-z0-9_-]+|"(?:[^"\\]|\\.)*"|'[^']*'))*)\s*="""
)
_KEY_PART = re.compile(r"""\s*([A-Za-z0-9_-]+|"(?:[^"\\]|\\.)*"|'[^']*')\s*(?:\.|$)""")


def _basic_string(quoted: str) -> str:
    """A TOML basic string's value (escapes as TOML reads them, text as it is);
    its inner text when it is not one (the scan may meet a line that only looks
    like a key)."""
    if "\\" not in quoted:
        return quoted[1:-1]
    try:
        value = tomllib.loads(f"k = {quoted}")["k"]
    except (tomllib.TOMLDecodeError, KeyError):
        return quoted[1:-1]
    return value if isinstance(value, str) else quoted[1:-1]


def _split_key(text: str) -> tuple[str, ...]:
    parts = []
    for m in _KEY_PART.finditer(text):
        part = m.group(1)
        if part[:1] == '"':
            part = _basic_string(part)
        elif part[:1] == "'":
            part = part[1:-1]
        parts.append(part)
    return tuple(parts)


class TomlIndex:
    """Where headers, keys and strings sit in a TOML text (1-based lines and columns).

    A table is named by its key path; an array of tables by its path and the
    0-based index of the element.
    """

    def __init__(self, text: str, path: str) -> None:
        self.path = path
        self.lines = text.split("\n")
        self._starts: list[int] = []
        pos = 0
        for line in self.lines:
            self._starts.append(pos)
            pos += len(line) + 1
        self.text = text
        #: (line, table path, array element index or -1)
        self.sections: list[tuple[int, tuple[str, ...], int]] = [(0, (), -1)]
        #: (section index, key path) -> (line, column)
        self.keys: dict[tuple[int, tuple[str, ...]], tuple[int, int]] = {}
        self._scan()
        self._by_path = {(p, i): n for n, (_, p, i) in reversed(list(enumerate(self.sections)))}

    def _scan(self) -> None:
        depth = 0
        in_multi: str | None = None
        counts: dict[tuple[str, ...], int] = {}
        section = 0
        for no, line in enumerate(self.lines, 1):
            if in_multi is None and depth == 0:
                h = _HEADER.match(line)
                if h:
                    key = _split_key(h.group(2))
                    if h.group(1) == "[[":
                        idx = counts.get(key, -1) + 1
                        counts[key] = idx
                    else:
                        idx = -1
                    self.sections.append((no, key, idx))
                    section = len(self.sections) - 1
                    continue
                k = _KEY.match(line)
                if k:
                    self.keys.setdefault((section, _split_key(k.group(1))), (no, k.start(1) + 1))
            if not any(c in line for c in "\"'[]{}"):
                continue
            for tok in _TOKENS.finditer(line):
                t = tok.group()
                if in_multi is not None:
                    if t == in_multi:
                        in_multi = None
                    continue
                if t in ('"""', "'''"):
                    in_multi = t
                elif t == "#":
                    break
                elif t in "[{":
                    depth += 1
                elif t in "]}":
                    depth = max(0, depth - 1)

    # -- lookups

    def section(self, table: tuple[str, ...], index: int = -1) -> int | None:
        return self._by_path.get((table, index))

    def table_line(self, table: tuple[str, ...], index: int = -1) -> int | None:
        i = self.section(table, index)
        return self.sections[i][0] if i is not None else None

    def key(self, table: tuple[str, ...], key: tuple[str, ...], index: int = -1) -> tuple[int, int] | None:
        """Where ``key`` is assigned: in ``table``, in a parent table as a dotted
        key, or as a sub-table header ``[table.key]``."""
        for cut in range(len(table), -1, -1):
            i = self.section(table[:cut], index if cut == len(table) else -1)
            if i is None:
                continue
            hit = self.keys.get((i, table[cut:] + key))
            if hit:
                return hit
        line = self.table_line(table + key)
        return (line, 1) if line else None

    def origin(self, table: tuple[str, ...], key: tuple[str, ...] = (), index: int = -1) -> Origin:
        """The best place for ``key`` in ``table``: the key, else the table header, else the file."""
        hit = self.key(table, key, index) if key else None
        if hit:
            return Origin(self.path, hit[0], hit[1])
        line = self.table_line(table, index)
        return Origin(self.path, line) if line else Origin(self.path)

    def string(self, value: str, after: Origin) -> Origin:
        """Where the string ``value`` is written, at or after ``after``; the column is
        that of its first character inside the quotes. Falls back to ``after``."""
        if after.line is None:
            return after
        start = self._starts[after.line - 1] + (after.column or 1) - 1
        best = -1
        for quote in ('"', "'"):
            found = self.text.find(quote + value + quote, start)
            if found != -1 and (best == -1 or found < best):
                best = found
        if best == -1:
            return after
        line = self._line_of(best)
        return Origin(self.path, line, best - self._starts[line - 1] + 2)

    def _line_of(self, offset: int) -> int:
        lo, hi = 0, len(self._starts) - 1
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if self._starts[mid] <= offset:
                lo = mid
            else:
                hi = mid - 1
        return lo + 1

    def line_text(self, line: int | None) -> str | None:
        if line is None or not 0 < line <= len(self.lines):
            return None
        return self.lines[line - 1]

    def problem(
        self,
        at: Origin,
        message: str,
        *,
        offset: int = 0,
        width: int = 1,
        expected: str | None = None,
        severity: str = "error",
        code: str = "invalid",
    ) -> InputProblem:
        """A problem at ``at`` (shifted right by ``offset`` columns), quoting the line."""
        column = at.column + offset if at.column is not None else None
        return InputProblem(
            self.path,
            at.line,
            message,
            column=column,
            text=self.line_text(at.line),
            width=width,
            expected=expected,
            severity=severity,
            code=code,
        )
