"""Caret, tilde, wildcard, hyphen, x-range and ``||`` ranges (Poetry, npm) to PEP 440.

(Placeholder until the ranges work lands: only the "pep440" dialect.)
"""

from __future__ import annotations

from typing import Literal

from .errors import InvalidRange

__all__ = ["Dialect", "DIALECTS", "range_alternatives", "translate_range"]

Dialect = Literal["pep440", "poetry", "npm"]
DIALECTS: tuple[str, ...] = ("pep440", "poetry", "npm")


def range_alternatives(text: str, dialect: Dialect) -> tuple[str, ...]:
    """The PEP 440 specifier sets whose union is ``text`` in ``dialect``."""
    if dialect == "pep440":
        return (text,)
    raise InvalidRange(f"Invalid range: dialect {dialect!r} is not supported yet ({text!r})")


def translate_range(text: str, dialect: Dialect) -> str:
    """``text`` in PEP 440; a union is written with `` || `` between specifier sets."""
    return " || ".join(range_alternatives(text, dialect))
