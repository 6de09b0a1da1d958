"""Poetry and npm ranges translated to PEP 440 (lockaudit.ranges).

The expected strings come from the Poetry "Dependency specification" docs and
the node-semver README; the semantic checks compare the translated union, as
packaging evaluates it, with small oracles written straight from those docs.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from packaging.specifiers import SpecifierSet
from packaging.version import Version

from lockaudit.errors import InvalidRange, InvalidSpecifier, LockauditError
from lockaudit.ranges import DIALECTS, range_alternatives, translate_range

POETRY = [
    # caret
    ("^1.2.3", ">=1.2.3,<2.0.0"),
    ("^1.2", ">=1.2,<2.0"),
    ("^1", ">=1,<2"),
    ("^0.2.3", ">=0.2.3,<0.3.0"),
    ("^0.0.3", ">=0.0.3,<0.0.4"),
    ("^0.0", ">=0.0,<0.1"),
    ("^0", ">=0,<1"),
    ("^0.0.0", ">=0.0.0,<0.0.1"),
    ("^ 1.2.3", ">=1.2.3,<2.0.0"),
    ("^v1.2", ">=1.2,<2.0"),
    # more than three release parts: the bump keeps the precision (poetry-core)
    ("^1.2.3.4", ">=1.2.3.4,<2.0.0.0"),
    ("^0.2.3.4", ">=0.2.3.4,<0.3.0.0"),
    ("^0.0.3.4", ">=0.0.3.4,<0.0.4.0"),
    ("^0.0.0.4", ">=0.0.0.4,<0.0.1.0"),
    # pre, post, dev and epoch: the bound comes from the release part
    ("^1.0.0a1", ">=1.0.0a1,<2.0.0"),
    ("^2.0.0-beta.1", ">=2.0.0b1,<3.0.0"),
    ("^0.0.3rc1", ">=0.0.3rc1,<0.0.4"),
    ("^1.0.dev1", ">=1.0.dev1,<2.0"),
    ("^1.0.post2", ">=1.0.post2,<2.0"),
    ("^1!2.3", ">=1!2.3,<1!3.0"),
    # tilde
    ("~1.2.3", ">=1.2.3,<1.3.0"),
    ("~1.2", ">=1.2,<1.3"),
    ("~1", ">=1,<2"),
    ("~0.0.3", ">=0.0.3,<0.1.0"),
    ("~1.2.3.4", ">=1.2.3.4,<1.3.0.0"),
    ("~1.2.3rc1", ">=1.2.3rc1,<1.3.0"),
    ("~ 1.2", ">=1.2,<1.3"),
    # wildcards
    ("*", ""),
    ("x", ""),
    ("*.*", ""),
    ("1.*", "==1.*"),
    ("1.2.*", "==1.2.*"),
    ("==1.2.*", "==1.2.*"),
    ("!=1.5.*", "!=1.5.*"),
    ("1.2.3.*", "==1.2.3.*"),
    (">=1.2.*", ">=1.2"),
    ("<2.*", "<2"),
    # inequalities and exact versions
    (">= 1.2", ">=1.2"),
    (">=1.2", ">=1.2"),
    ("<2", "<2"),
    ("<=2.1", "<=2.1"),
    (">1.0", ">1.0"),
    ("!=1.5", "!=1.5"),
    ("==1.2.3", "==1.2.3"),
    ("=1.2.3", "==1.2.3"),
    ("1.2.3", "==1.2.3"),
    ("v1.2.3", "==1.2.3"),
    ("1.2.3+local.7", "==1.2.3+local.7"),
    ("1.0-RC.1", "==1.0rc1"),
    ("~=1.2", "~=1.2"),
    ("~=1.2.3", "~=1.2.3"),
    ("~=1", ">=1,<2"),  # not PEP 440; poetry-core's reading
    # AND / OR
    (">=1.2, <1.5", ">=1.2,<1.5"),
    (">= 1.2 , < 1.5", ">=1.2,<1.5"),
    (">=1.2 <1.5", ">=1.2,<1.5"),
    (">=1.2,<1.5,!=1.3", ">=1.2,<1.5,!=1.3"),
    (">=1.2,", ">=1.2"),
    ("^1.2 || ^2.0", ">=1.2,<2.0 || >=2.0,<3.0"),
    ("1.0|2.0", "==1.0 || ==2.0"),
    ("  ^1.2  ||  >=3, <4  ", ">=1.2,<2.0 || >=3,<4"),
    ("^1.2 || *", ""),
    ("*, >=1.0", ">=1.0"),
]

NPM = [
    # caret
    ("^1.2.3", ">=1.2.3,<2.0.0"),
    ("^0.2.3", ">=0.2.3,<0.3.0"),
    ("^0.0.3", ">=0.0.3,<0.0.4"),
    ("^1.2.x", ">=1.2.0,<2.0.0"),
    ("^0.0.x", ">=0.0.0,<0.1.0"),
    ("^0.0", ">=0.0.0,<0.1.0"),
    ("^1.x", ">=1.0.0,<2.0.0"),
    ("^0.x", ">=0.0.0,<1.0.0"),
    ("^1.2", ">=1.2.0,<2.0.0"),
    ("^1", ">=1.0.0,<2.0.0"),
    ("^*", ""),
    ("^ 1.2.3", ">=1.2.3,<2.0.0"),
    ("^v1.2.3", ">=1.2.3,<2.0.0"),
    ("^1.2.3-beta.2", ">=1.2.3b2,<2.0.0"),
    ("^0.0.3-rc.1", ">=0.0.3rc1,<0.0.4"),
    # tilde
    ("~1.2.3", ">=1.2.3,<1.3.0"),
    ("~1.2", ">=1.2.0,<1.3.0"),
    ("~1", ">=1.0.0,<2.0.0"),
    ("~0.2.3", ">=0.2.3,<0.3.0"),
    ("~0.2", ">=0.2.0,<0.3.0"),
    ("~0", ">=0.0.0,<1.0.0"),
    ("~1.2.3-beta.2", ">=1.2.3b2,<1.3.0"),
    ("~>1.2", ">=1.2.0,<1.3.0"),
    ("~> 1.2.3", ">=1.2.3,<1.3.0"),
    # hyphen ranges
    ("1.2.3 - 2.3.4", ">=1.2.3,<=2.3.4"),
    ("1.2 - 2.3.4", ">=1.2.0,<=2.3.4"),
    ("1.2.3 - 2.3", ">=1.2.3,<2.4.0"),
    ("1.2.3 - 2", ">=1.2.3,<3.0.0"),
    ("1.2.3 - *", ">=1.2.3"),
    ("* - 2.3.4", "<=2.3.4"),
    ("v1.2.3 - v2.3.4", ">=1.2.3,<=2.3.4"),
    ("1.2.3-alpha.1 - 2.0.0-rc.2", ">=1.2.3a1,<=2.0.0rc2"),
    # x-ranges
    ("*", ""),
    ("x", ""),
    ("X", ""),
    ("", ""),
    ("   ", ""),
    ("1.x", ">=1.0.0,<2.0.0"),
    ("1.X", ">=1.0.0,<2.0.0"),
    ("1.*", ">=1.0.0,<2.0.0"),
    ("1", ">=1.0.0,<2.0.0"),
    ("1.x.x", ">=1.0.0,<2.0.0"),
    ("1.2.x", ">=1.2.0,<1.3.0"),
    ("1.2", ">=1.2.0,<1.3.0"),
    ("=1.2", ">=1.2.0,<1.3.0"),
    # comparators, partial versions included
    (">1.2.3", ">1.2.3"),
    (">=1.2.3", ">=1.2.3"),
    ("<1.2.3", "<1.2.3"),
    ("<=1.2.3", "<=1.2.3"),
    ("=1.2.3", "==1.2.3"),
    ("1.2.3", "==1.2.3"),
    ("v1.2.3", "==1.2.3"),
    ("=v1.2.3", "==1.2.3"),
    (">1.2", ">=1.3.0"),
    (">1", ">=2.0.0"),
    ("<=1.2", "<1.3.0"),
    ("<=1", "<2.0.0"),
    ("<1.2", "<1.2.0"),
    (">=1.2", ">=1.2.0"),
    (">= 1.2.3", ">=1.2.3"),
    (">=*", ""),
    (">*", "<0.0.0"),
    ("<*", "<0.0.0"),
    ("1.2.3+build.5", "==1.2.3"),
    ("1.2.3-beta.2", "==1.2.3b2"),
    ("1.2.3-b.2", "==1.2.3b2"),
    ("1.2.3-alpha", "==1.2.3a0"),
    ("1.2.3-a.1", "==1.2.3a1"),
    ("1.2.3-rc.1", "==1.2.3rc1"),
    ("1.2.3-rc1", "==1.2.3rc1"),
    ("01.2.3", "==1.2.3"),
    # AND / OR
    (">=1.2.3 <2", ">=1.2.3,<2.0.0"),
    (">= 1.2.3   < 2.0.0", ">=1.2.3,<2.0.0"),
    (">=1.2.7 <1.3.0", ">=1.2.7,<1.3.0"),
    ("1.2.7 || >=1.2.9 <2.0.0", "==1.2.7 || >=1.2.9,<2.0.0"),
    ("1.x || >=2.5.0 || 5.0.0 - 7.2.3", ">=1.0.0,<2.0.0 || >=2.5.0 || >=5.0.0,<=7.2.3"),
    ("^1.2 ||", ""),
    ("* >=1.2.3", ">=1.2.3"),
    (">* || 1.x", ">=1.0.0,<2.0.0"),
    (">* >=1.0.0", "<0.0.0"),
    ("^1.2.3 ^1.2.3", ">=1.2.3,<2.0.0"),
    ("^1.0.0 || ^1.0.0", ">=1.0.0,<2.0.0"),
]


@pytest.mark.parametrize(("text", "expected"), POETRY)
def test_poetry_documented_examples(text: str, expected: str) -> None:
    assert translate_range(text, "poetry") == expected


@pytest.mark.parametrize(("text", "expected"), NPM)
def test_npm_documented_examples(text: str, expected: str) -> None:
    assert translate_range(text, "npm") == expected


@pytest.mark.parametrize(
    ("text", "dialect"),
    [(text, "poetry") for text, _ in POETRY] + [(text, "npm") for text, _ in NPM],
)
def test_every_alternative_is_a_pep440_specifier_set(text: str, dialect: str) -> None:
    alternatives = range_alternatives(text, dialect)  # type: ignore[arg-type]
    assert alternatives and all(isinstance(a, str) for a in alternatives)
    for alternative in alternatives:
        SpecifierSet(alternative)
    assert translate_range(text, dialect) == " || ".join(alternatives)  # type: ignore[arg-type]


def test_union_gives_one_alternative_per_branch() -> None:
    assert range_alternatives("^1.2 || ^2.0", "poetry") == (">=1.2,<2.0", ">=2.0,<3.0")
    assert range_alternatives("1.x || 3.x", "npm") == (">=1.0.0,<2.0.0", ">=3.0.0,<4.0.0")


@pytest.mark.parametrize("text", ["^1.2.x.y", ">=1.2", "", "anything at all", "1 || 2"])
def test_pep440_dialect_passes_through(text: str) -> None:
    assert range_alternatives(text, "pep440") == (text,)
    assert translate_range(text, "pep440") == text


# -- semantics --------------------------------------------------------------------


def admits(text: str, dialect: str, version: str) -> bool:
    """Whether the translated union admits ``version`` (pre-releases allowed)."""
    return any(
        SpecifierSet(alt).contains(version, prereleases=True)
        for alt in range_alternatives(text, dialect)  # type: ignore[arg-type]
    )


@pytest.mark.parametrize(
    ("dialect", "text", "inside", "outside"),
    [
        ("poetry", "^0.2.3", ["0.2.3", "0.2.9", "0.2.100"], ["0.2.2", "0.3.0", "1.0.0", "0.3.0a1"]),
        ("npm", "^0.2.3", ["0.2.3", "0.2.9", "0.2.100"], ["0.2.2", "0.3.0", "1.0.0", "0.3.0a1"]),
        ("poetry", "^1.2.3", ["1.2.3", "1.9.0", "1.99.99"], ["1.2.2", "2.0.0", "2.0.0a1", "0.9"]),
        ("poetry", "^0.0.3", ["0.0.3"], ["0.0.4", "0.0.2", "0.1.0"]),
        ("npm", "^0.0.x", ["0.0.0", "0.0.7"], ["0.1.0", "1.0.0"]),
        ("poetry", "~1.2.3", ["1.2.3", "1.2.99"], ["1.3.0", "1.2.2"]),
        ("poetry", "~1", ["1.0", "1.9.9"], ["2.0", "0.9"]),
        ("npm", "~1", ["1.0.0", "1.9.9"], ["2.0.0", "0.9.0"]),
        (
            "poetry",
            "^1.0.0a1",
            ["1.0.0a1", "1.0.0b2", "1.0.0", "1.5"],
            ["1.0.0.dev0", "2.0.0a1", "2.0.0"],
        ),
        ("poetry", "^1.2.3.4", ["1.2.3.4", "1.2.3.5", "1.9"], ["1.2.3.3", "2.0"]),
        ("poetry", "1.2.*", ["1.2", "1.2.0", "1.2.9"], ["1.3", "1.1.9"]),
        ("poetry", "!=1.5.*", ["1.4.9", "1.6"], ["1.5", "1.5.3"]),
        ("poetry", ">=1.2, <1.5 || ==2.0", ["1.2", "1.4.9", "2.0"], ["1.5", "1.1", "2.0.1"]),
        ("npm", "1.2.3 - 2.3", ["1.2.3", "2.3.9"], ["1.2.2", "2.4.0"]),
        ("npm", "1.2 - 2.3.4", ["1.2.0", "2.3.4"], ["1.1.9", "2.3.5"]),
        ("npm", ">1.2", ["1.3.0", "2.0.0"], ["1.2.0", "1.2.9"]),
        ("npm", "<=1.2", ["1.2.9", "0.1.0"], ["1.3.0"]),
        ("npm", "1.2.3-beta.2", ["1.2.3b2"], ["1.2.3b1", "1.2.3"]),
        ("npm", ">1.2.3-beta.2", ["1.2.3b3", "1.2.3rc1", "1.2.3"], ["1.2.3b2", "1.2.3a9"]),
        (
            "npm",
            "1.x || >=2.5.0 || 5.0.0 - 7.2.3",
            ["1.0.0", "2.5.0", "7.2.3", "9.0.0"],
            ["2.0.0", "2.4.9"],
        ),
        ("npm", "<*", [], ["0.0.0", "0.0.0a1", "1.0.0", "0!0.0.0.dev0"]),
    ],
)
def test_translated_union_admits_what_the_dialect_admits(
    dialect: str, text: str, inside: list[str], outside: list[str]
) -> None:
    for version in inside:
        assert admits(text, dialect, version), f"{text!r} should admit {version}"
    for version in outside:
        assert not admits(text, dialect, version), f"{text!r} should not admit {version}"


TRIPLES = list(itertools.product(range(3), repeat=3))
CANDIDATES = list(itertools.product(range(4), repeat=3))


def _caret_oracle(base: tuple[int, ...], v: tuple[int, ...]) -> bool:
    # both docs: changes that do not modify the left-most non-zero part (patch if all zero)
    keep = next((i for i, part in enumerate(base) if part), 2)
    return v >= base and v[: keep + 1] == base[: keep + 1]


def _dotted(parts: tuple[int, ...]) -> str:
    return ".".join(map(str, parts))


def _sets(text: str, dialect: str) -> list[SpecifierSet]:
    return [SpecifierSet(a) for a in range_alternatives(text, dialect)]  # type: ignore[arg-type]


@pytest.mark.parametrize("dialect", ["poetry", "npm"])
def test_caret_and_tilde_match_their_definition_on_a_grid(dialect: str) -> None:
    for base in TRIPLES:
        caret = _sets(f"^{_dotted(base)}", dialect)
        tilde = _sets(f"~{_dotted(base)}", dialect)
        for v in CANDIDATES:
            version = Version(_dotted(v))
            assert any(version in s for s in caret) == _caret_oracle(base, v), (base, v)
            assert any(version in s for s in tilde) == (v >= base and v[:2] == base[:2]), (base, v)


def test_npm_partials_match_their_definition_on_a_grid() -> None:
    # node-semver README: a partial version stands for its whole x-range
    cases: dict[str, Callable[[tuple[int, ...], tuple[int, ...]], bool]] = {
        "{M}.{m}": lambda b, v: v[:2] == b[:2],
        "{M}": lambda b, v: v[0] == b[0],
        ">{M}.{m}": lambda b, v: v[:2] > b[:2],
        "<={M}.{m}": lambda b, v: v[:2] <= b[:2],
        ">={M}.{m}": lambda b, v: v[:2] >= b[:2],
        "<{M}.{m}": lambda b, v: v[:2] < b[:2],
        ">{M}": lambda b, v: v[0] > b[0],
        "<={M}": lambda b, v: v[0] <= b[0],
        "{M}.{m}.{p} - {M}.{m}": lambda b, v: b <= v and v[:2] <= b[:2],
        "0.0.0 - {M}": lambda b, v: v[0] <= b[0],
        "{M}.{m}.{p} - 2.1.3": lambda b, v: b <= v <= (2, 1, 3),
    }
    for template, oracle in cases.items():
        for base in TRIPLES:
            text = template.format(M=base[0], m=base[1], p=base[2])
            sets = _sets(text, "npm")
            for v in CANDIDATES:
                assert any(Version(_dotted(v)) in s for s in sets) == oracle(base, v), (text, v)


def test_prerelease_admission_follows_pep440_policy() -> None:
    # documented trade-off: packaging decides, not npm's same-[major, minor, patch] rule
    history = ["1.4.0", "1.5.0b1"]
    (alt,) = range_alternatives("^1.2.3", "npm")
    assert list(SpecifierSet(alt).filter(history)) == ["1.4.0"]
    assert list(SpecifierSet(alt).filter(history, prereleases=True)) == history
    (alt,) = range_alternatives("^1.2.3-beta.1", "npm")
    assert list(SpecifierSet(alt).filter(history)) == history  # npm itself would hide 1.5.0-beta.1


# -- errors ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "dialect", "reason"),
    [
        ("^1.2.x.y", "poetry", "not a valid PEP 440 version"),
        ("", "poetry", "empty range"),
        (">=", "poetry", "has no version"),
        ("1.0 ||", "poetry", "empty alternative"),
        ("1.0 ||| 2.0", "poetry", "empty alternative"),
        (">=1.0,,<2", "poetry", "empty requirement"),
        (",>=1.0", "poetry", "empty requirement"),
        (">=1.0+local", "poetry", "local version label"),
        ("^1.0+local", "poetry", "local version label"),
        ("<>1.5", "poetry", "'<>' is not a documented Poetry operator"),
        ("==2b2.*", "poetry", "wildcard only follows release numbers"),
        (">=1.2.3rc1.*", "poetry", "wildcard only follows release numbers"),
        ("===1.0", "poetry", "arbitrary equality"),
        (">1.2.*", "poetry", "wildcard"),
        ("^1.2.*", "poetry", "wildcard"),
        ("1.x", "poetry", "not a valid PEP 440 version"),
        ("1.0 - 2.0", "poetry", "hyphen"),
        ("> = 1.0", "poetry", "has no version"),
        ("1.2.3-dev.1", "npm", "no PEP 440 equivalent"),
        ("^1.2.3-0", "npm", "no PEP 440 equivalent"),
        ("1.2.3-beta.1.2", "npm", "no PEP 440 equivalent"),
        ("~1.2.3-canary", "npm", "no PEP 440 equivalent"),
        ("1.2.3.4", "npm", "more than three parts"),
        ("1 | 2", "npm", "'|'"),
        ("1 - ", "npm", "hyphen range"),
        ("1 - 2 - 3", "npm", "hyphen range"),
        ("^", "npm", "has no version"),
        ("!=1.2.3", "npm", "not a valid npm version"),
        ("1.2.3beta", "npm", "not a valid npm version"),
        ("9007199254740992", "npm", "larger than npm allows"),
        ("^1.2.3 >=v", "npm", "missing version"),
        # Arabic-Indic digits on purpose: digits to str.isdigit(), not to a version.
        ("١.٢.٣", "npm", "not a valid npm version"),  # noqa: RUF001
        ("^١.٢", "poetry", "not a valid PEP 440 version"),  # noqa: RUF001
    ],
)
def test_invalid_ranges_raise_with_quoted_input(text: str, dialect: str, reason: str) -> None:
    with pytest.raises(InvalidRange) as info:
        range_alternatives(text, dialect)  # type: ignore[arg-type]
    message = str(info.value)
    assert message.startswith(f"Invalid range {text!r} ({dialect}): "), message
    assert reason in message


def test_invalid_range_is_a_value_error() -> None:
    assert issubclass(InvalidRange, ValueError)
    assert issubclass(InvalidRange, InvalidSpecifier)
    assert issubclass(InvalidRange, LockauditError)
    with pytest.raises(ValueError, match=r"^Invalid range '\^1\.2\.x\.y' \(poetry\): "):
        translate_range("^1.2.x.y", "poetry")


def test_unknown_dialect_raises_invalid_range() -> None:
    with pytest.raises(InvalidRange, match=r"Invalid range '\^1\.2'.*unknown dialect 'cargo'"):
        range_alternatives("^1.2", "cargo")  # type: ignore[arg-type]
    with pytest.raises(InvalidRange):
        translate_range("^1.2", ["npm"])  # type: ignore[arg-type]


def test_non_string_input_raises_invalid_range() -> None:
    for bad in (None, b"^1.2", 12):
        with pytest.raises(InvalidRange, match="expected a string"):
            range_alternatives(bad, "npm")  # type: ignore[arg-type]


def test_huge_numbers_never_escape_as_other_errors() -> None:
    huge = "9" * 5000
    with pytest.raises(InvalidRange):
        range_alternatives(f"^{huge}", "poetry")
    with pytest.raises(InvalidRange, match="larger than npm allows"):
        range_alternatives(f"^{huge}", "npm")
    # past the int/str digit limit only after the bump: still InvalidRange
    with pytest.raises(InvalidRange):
        range_alternatives("^" + "9" * 4300, "poetry")
    big = "1" + "0" * 40
    assert translate_range(f"^{big}.2", "poetry") == f">={big}.2,<{int(big) + 1}.0"


# -- fuzz --------------------------------------------------------------------------

_TOKENS = st.sampled_from(
    [
        "^",
        "~",
        "~>",
        "~=",
        "=",
        "==",
        "===",
        "!=",
        "<>",
        "<",
        "<=",
        ">",
        ">=",
        "*",
        "x",
        "X",
        ".",
        ".*",
        ",",
        "|",
        "||",
        "-",
        "+",
        "v",
        "!",
        "0",
        "1",
        "2",
        "10",
        "007",
        "9007199254740993",
        "alpha",
        "a",
        "beta",
        "b",
        "rc",
        "dev",
        "post",
        "pre",
        "é",
        "١",  # noqa: RUF001 (an Arabic-Indic digit on purpose)
        " ",
        "  ",
        " - ",
        "\t",
        "\u3000",
        "9" * 30,
    ]
)
_RANGEISH = st.lists(_TOKENS, max_size=14).map("".join)


def _check(text: str, dialect: str) -> None:
    try:
        alternatives = range_alternatives(text, dialect)  # type: ignore[arg-type]
    except InvalidRange as exc:
        assert repr(text) in str(exc)
        return
    assert isinstance(alternatives, tuple) and alternatives
    if dialect != "pep440":
        for alternative in alternatives:
            SpecifierSet(alternative)


@settings(max_examples=400, deadline=None, database=None)
@given(text=st.one_of(st.text(), _RANGEISH), dialect=st.sampled_from(DIALECTS))
def test_fuzz_only_invalid_range_escapes(text: str, dialect: str) -> None:
    _check(text, dialect)


@settings(max_examples=50, deadline=None, database=None)
@given(text=st.text(max_size=20), dialect=st.text(max_size=10))
def test_fuzz_any_dialect_name(text: str, dialect: str) -> None:
    if dialect in DIALECTS:
        _check(text, dialect)
    else:
        with pytest.raises(InvalidRange):
            range_alternatives(text, dialect)  # type: ignore[arg-type]
