"""Bytes to text the way editors write dependency files: BOMs, UTF-16, CRLF.

Decoding never raises: bytes that are not valid in the detected encoding are
replaced and reported once, at the line and column of the first bad byte.
"""

from __future__ import annotations

import codecs
import re

from ..model import InputProblem

__all__ = ["decode", "read_file"]

# Longest BOM first: the UTF-32-LE BOM starts with the UTF-16-LE one.
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
# PEP 263, as pip honours it in requirements files.
_CODING = re.compile(rb"^[ \t\f]*#.*?coding[:=][ \t]*([-_.a-zA-Z0-9]+)")


def _sniff_utf16(data: bytes) -> str | None:
    """UTF-16 without a BOM: ASCII text leaves every other byte NUL."""
    head = data[:200]
    if len(head) < 4 or b"\x00" not in head:
        return None
    even, odd = head[0::2], head[1::2]
    if odd.count(0) > len(odd) * 0.7 and even.count(0) < len(even) * 0.1:
        return "utf-16-le"
    if even.count(0) > len(even) * 0.7 and odd.count(0) < len(odd) * 0.1:
        return "utf-16-be"
    return None


def _declared(data: bytes) -> str | None:
    for line in data.split(b"\n", 2)[:2]:
        m = _CODING.match(line)
        if m:
            try:
                return codecs.lookup(m.group(1).decode("ascii")).name
            except LookupError:
                return None
    return None


def decode(data: bytes, path: str) -> tuple[str, list[InputProblem]]:
    """``data`` as text with "\\n" line ends, and the problems met doing it."""
    encoding = None
    for bom, name in _BOMS:
        if data.startswith(bom):
            encoding, data = name, data[len(bom) :]
            break
    else:
        encoding = _sniff_utf16(data) or "utf-8"
    problems: list[InputProblem] = []
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as exc:
        declared = _declared(data) if encoding == "utf-8" else None
        fallback: str | None = None
        if declared:
            try:
                fallback = data.decode(declared)
            except UnicodeDecodeError:
                fallback = None
        if fallback is not None:
            text = fallback
        else:
            text = data.decode(encoding, errors="replace")
            before = data[: exc.start]
            line = before.count(b"\n") + 1
            line_start = before.rfind(b"\n") + 1
            column = len(data[line_start : exc.start].decode(encoding, errors="replace")) + 1
            problems.append(
                InputProblem(
                    path,
                    line,
                    f"cannot decode byte 0x{data[exc.start]:02x} as {encoding}",
                    column=column,
                    expected="UTF-8 text, UTF-8 with BOM, or UTF-16 with BOM",
                    code="encoding",
                )
            )
    if "\r" in text:
        text = text.replace("\r\n", "\n")
    return text, problems


def read_file(path: str) -> tuple[str, list[InputProblem]]:
    """Read and decode ``path``; OSError (missing, unreadable) is the caller's to report."""
    with open(path, "rb") as f:
        return decode(f.read(), path)
