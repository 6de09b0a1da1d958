"""Where a requirement string is wrong: the column packaging points at, read from
its message (lockaudit/inputs/_pep508.py), and what is left when a message
points nowhere."""

from __future__ import annotations

import logging

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from packaging.requirements import InvalidRequirement
from packaging.requirements import Requirement as PackagingRequirement

from lockaudit.inputs import _pep508
from lockaudit.inputs._pep508 import SpecError, parse_pep508

CASES = [
    # text, column of the bad spot, the word underlined, what was expected
    ("foo[bar", 7, "", "matching RIGHT_BRACKET for LEFT_BRACKET, after extras"),
    ("foo (>=1", 8, "", "matching RIGHT_PARENTHESIS for LEFT_PARENTHESIS, after version specifier"),
    ("foo bar", 4, "bar", "semicolon (after name with no version specifier) or end"),
    ("foo; os_name =", 13, "=", None),
    ("requests[security]==2.0 ; python_version >= '3.8' and", 53, "", "a marker variable or quoted string"),
    ("-e foo", 0, "-e", "package name at the start of dependency specifier"),
]


def _error(text: str) -> SpecError:
    with pytest.raises(SpecError) as info:
        parse_pep508(text)
    return info.value


@pytest.mark.parametrize(("text", "column", "word", "expected"), CASES, ids=[c[0] for c in CASES])
def test_the_column_packaging_points_at(text, column, word, expected):
    err = _error(text)
    assert err.start == column
    assert text[err.start : err.end] == word or (word == "" and err.end == err.start + 1)
    if expected is not None:
        assert err.expected == expected and err.message == "invalid requirement"


def _cause_span(text: str) -> tuple[int, int] | None:
    try:
        PackagingRequirement(text)
    except InvalidRequirement as exc:
        return getattr(exc.__cause__, "span", None)  # packaging's private parser error, here only to compare
    return None


@settings(max_examples=400, deadline=None)
@given(
    st.sampled_from(
        ["requests>=2.0", "foo[bar]==1.0 ; python_version<'3.12'", "name @ https://example.com/x.whl", "a.b-c~=1.4"]
    ),
    st.lists(st.tuples(st.integers(0, 60), st.sampled_from(list("[]();,@<>=!~.* '\"xz09-"))), min_size=1, max_size=3),
)
def test_the_message_gives_the_column_packagings_parser_found(base, edits):
    text = base
    for at, char in edits:
        at = min(at, len(text))
        text = text[:at] + char + text[at:]
    span = _cause_span(text)
    if span is None:  # accepted, or an error without a pointer (a bad specifier)
        return
    assert _error(text).start == span[1]


def test_a_message_that_points_nowhere_leaves_the_column_unknown(monkeypatch, caplog):
    """The fallback, forced: a message of another shape (as a bad specifier
    gives, or a future packaging might): column 0, the first line as the problem."""

    class Requirement:
        def __init__(self, text: str) -> None:
            raise InvalidRequirement("Expected end or semicolon\n    somewhere else\n    ^")

    monkeypatch.setattr(_pep508, "PackagingRequirement", Requirement)
    with caplog.at_level(logging.DEBUG, logger="lockaudit.inputs._pep508"):
        err = _error("foo bar")
    assert (err.start, err.end, err.message, err.expected) == (0, 3, "invalid requirement", "end or semicolon")
    assert "points at no column" in caplog.text


def test_an_error_packaging_gives_without_a_pointer_still_says_what_is_wrong():
    # packaging's specifier check, after its parser: "Invalid specifier: '0.29.~'", no pointer.
    err = _error("typer===,0.29.~")
    assert err.start == 0 and "0.29.~" in err.message and err.expected is None
