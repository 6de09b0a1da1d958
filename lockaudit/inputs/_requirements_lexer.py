"""pip requirements files, lexed as pip lexes them (pip/_internal/req/req_file.py).

Physical lines become logical lines (``\\`` continuations joined), whole-line
comments are set apart, trailing comments dropped, ``${VAR}`` expanded, the
requirement split from its options, and the options cut into words. Every
offset in a logical line maps back to its physical line and column
(:meth:`LogicalLine.locate`), so that a problem points at what was written.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import NamedTuple, Protocol

__all__ = [
    "CommentLine",
    "LogicalLine",
    "Report",
    "Word",
    "expand_env",
    "logical_lines",
    "option_words",
    "requirement_end",
    "strip_comment",
]

# pip's own patterns.
_COMMENT = re.compile(r"(^|\s+)#.*$")
_ENV_VAR = re.compile(r"\$\{([A-Z0-9_]+)\}")


class Report(Protocol):
    """Reports a problem at ``start:end`` of one logical line (offsets in its final text)."""

    def __call__(
        self,
        start: int,
        end: int,
        message: str,
        *,
        expected: str | None = None,
        severity: str = "error",
        code: str = "invalid",
    ) -> None: ...


class Word(NamedTuple):
    """One word of a line's options, unquoted as pip's shlex split leaves it."""

    text: str
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class CommentLine:
    """A physical line that is a comment, outside any continuation."""

    lineno: int
    text: str


class LogicalLine:
    """One logical line (continuations joined) and the way back to physical columns."""

    __slots__ = ("expansions", "physical", "segments", "shift", "text", "unterminated")

    def __init__(
        self, segments: list[tuple[int, int, int]], text: str, physical: list[str], *, unterminated: bool = False
    ) -> None:
        self.text = text
        #: (offset in the joined line, physical line number, column offset in it)
        self.segments = segments
        self.physical = physical
        #: leading characters stripped from the joined line
        self.shift = 0
        #: (offset in the expanded line, length there, length as written)
        self.expansions: list[tuple[int, int, int]] = []
        #: True when the file ends inside its continuation (its last line ends in ``\\``)
        self.unterminated = unterminated

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


def logical_lines(physical: list[str]) -> Iterator[LogicalLine | CommentLine]:
    """The file's logical lines in order, and its comment lines outside continuations."""
    pending: list[tuple[int, int, int]] = []
    joined: list[str] = []
    joined_len = 0
    for lineno, raw in enumerate(physical, 1):
        is_comment = raw.lstrip().startswith("#")
        if is_comment and not pending:
            yield CommentLine(lineno, raw)
            continue
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
        yield LogicalLine(segments, logical, physical)
    if pending:
        yield LogicalLine(pending, "".join(joined), physical, unterminated=True)


def strip_comment(line: LogicalLine) -> str:
    """The line without its comment and surrounding blanks ("" when nothing is left);
    records the leading blanks it drops in ``line.shift``."""
    text = _COMMENT.sub("", line.text)
    stripped = text.strip()
    if stripped:
        line.shift = len(text) - len(text.lstrip())
    return stripped


def expand_env(text: str, line: LogicalLine, env: Mapping[str, str]) -> str:
    """``${VAR}`` replaced from ``env``, each replacement recorded in ``line.expansions``;
    pip leaves unknown variables as written."""
    out: list[str] = []
    last = 0
    length = 0
    for m in _ENV_VAR.finditer(text):
        value = env.get(m.group(1))
        if value is None:
            continue
        out.append(text[last : m.start()])
        length += m.start() - last
        line.expansions.append((length, len(value), m.end() - m.start()))
        out.append(value)
        length += len(value)
        last = m.end()
    out.append(text[last:])
    return "".join(out)


def requirement_end(text: str) -> int:
    """Where the requirement of a line ends, as pip's break_args_options finds it:
    at the first word that starts with "-" (the end of the text when none does)."""
    pos = 0
    for token in text.split(" "):
        if token.startswith("-"):
            return pos
        pos += len(token) + 1
    return len(text)


def option_words(text: str, start: int, report: Report) -> list[Word] | None:
    """The words of ``text`` from ``start`` on, as pip shlex-splits its options;
    None (and the problem reported) when a quote is not closed."""
    words: list[Word] = []
    for m in re.finditer(r"""(?:[^\s"']+|"[^"]*"|'[^']*')+|["']""", text[start:]):
        raw = m.group()
        s, e = start + m.start(), start + m.end()
        if "'" in raw or '"' in raw or "\\" in raw:  # pip shlex-splits options; most need no unquoting
            try:
                parts = shlex.split(raw)
            except ValueError:
                report(s, e, "unbalanced quote: pip cannot split the options", expected="a closing quote")
                return None
            raw = parts[0] if parts else ""
        words.append(Word(raw, s, e))
    return words
