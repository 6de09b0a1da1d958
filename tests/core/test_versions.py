"""Differential tests of the core against packaging, the PEP 440 oracle."""

from __future__ import annotations

import itertools
import random

import pytest
from packaging.specifiers import InvalidSpecifier as PkgInvalidSpecifier
from packaging.specifiers import SpecifierSet
from packaging.version import InvalidVersion as PkgInvalidVersion
from packaging.version import Version

import lockaudit
from lockaudit import _keys
from support.versions_ground_truth import INVALID, INVALID_SPECIFIERS, SORTED_GROUPS, SPECIFIERS, VERSIONS

PRERELEASE_MODES = [None, True, False]


def oracle_filter(spec, versions, prereleases=None):
    return list(SpecifierSet(spec).filter(versions, prereleases=prereleases))


def oracle_history(spec, versions, prereleases=None):
    valid = [v for v in versions if _valid(v)]
    return sorted(oracle_filter(spec, valid, prereleases), key=Version)


def _valid(text):
    try:
        Version(text)
    except PkgInvalidVersion:
        return False
    return True


# -- validity and normal form ------------------------------------------------


@pytest.mark.parametrize("text", VERSIONS)
def test_normalize_matches_packaging(core, text):
    assert core.normalize(text) == str(Version(text))


@pytest.mark.parametrize("text", INVALID)
def test_invalid_versions_raise_typed_error_quoting_input(core, text):
    with pytest.raises(PkgInvalidVersion):
        Version(text)
    with pytest.raises(lockaudit.InvalidVersion) as info:
        core.normalize(text)
    assert isinstance(info.value, ValueError)
    assert repr(text) in str(info.value)


def test_non_string_input_is_invalid_not_a_crash(core):
    for item in (None, 1, 1.0, b"1.0", object()):
        with pytest.raises(lockaudit.InvalidVersion):
            core.normalize(item)


# -- ordering ----------------------------------------------------------------


def test_sort_matches_ground_truth(core):
    rng = random.Random(440)
    for _ in range(20):
        shuffled = VERSIONS[:]
        rng.shuffle(shuffled)
        result = core.sort_versions(shuffled)
        assert result == sorted(shuffled, key=Version)  # stable, like packaging's key sort
        groups = [tuple(g) for g in SORTED_GROUPS]
        position = {v: i for i, g in enumerate(groups) for v in g}
        ranks = [position[v] for v in result]
        assert ranks == sorted(ranks)


def test_sort_raises_on_invalid(core):
    with pytest.raises(lockaudit.InvalidVersion, match="'nope'"):
        core.sort_versions(["1.0", "nope"])


def test_keys_order_like_packaging(core):
    if not hasattr(core, "version_key"):
        pytest.skip("no key function")  # pragma: no cover
    keys = {v: core.version_key(v) for v in VERSIONS}
    for a, b in itertools.combinations(VERSIONS, 2):
        va, vb = Version(a), Version(b)
        assert (keys[a] < keys[b]) == (va < vb), (a, b)
        assert (keys[a] == keys[b]) == (va == vb), (a, b)


def test_compiled_keys_equal_the_python_definition(core):
    for text in VERSIONS:
        assert core.version_key(text) == _keys.key_from_version(Version(text)), text
    for text in INVALID:
        assert core.version_key(text) is None


# -- filtering ---------------------------------------------------------------


@pytest.mark.parametrize("prereleases", PRERELEASE_MODES)
@pytest.mark.parametrize("spec", SPECIFIERS)
def test_filter_matches_packaging(core, spec, prereleases):
    items = VERSIONS + INVALID[:6]
    assert core.filter_versions(spec, items, prereleases) == oracle_filter(spec, items, prereleases)


@pytest.mark.parametrize("prereleases", PRERELEASE_MODES)
@pytest.mark.parametrize("spec", SPECIFIERS)
def test_history_queries_match_packaging(core, spec, prereleases):
    rng = random.Random(spec)
    items = VERSIONS + INVALID[:6]
    rng.shuffle(items)
    history = core.ReleaseHistory(items)
    expected = oracle_history(spec, items, prereleases)
    assert history.filter(spec, prereleases) == expected
    assert history.count(spec, prereleases) == len(expected)
    valid = [v for v in items if _valid(v)]
    matched = oracle_filter(spec, valid, prereleases)
    newest = max((Version(v), -valid.index(v), v) for v in matched)[2] if matched else None
    if newest is not None:
        # max() keeps the first of equal versions in input order
        top = Version(newest)
        newest = next(v for v in valid if v in matched and Version(v) == top)
    assert history.newest(spec, prereleases) == newest


def test_history_skips_and_counts_invalid(core):
    history = core.ReleaseHistory(["1.0", "bogus", "2.0", "", "1.0.0"])
    assert history.versions == ["1.0", "1.0.0", "2.0"]
    assert history.invalid == ("bogus", "")
    assert history.invalid_count == 2
    assert len(history) == 3
    assert list(history) == ["1.0", "1.0.0", "2.0"]
    assert "1" in history and "3" not in history and "junk" not in history
    assert history.rank("1.5") == 2
    assert history.newest() == "2.0"


@pytest.mark.parametrize("spec", INVALID_SPECIFIERS)
def test_invalid_specifiers_raise_like_packaging(core, spec):
    with pytest.raises(PkgInvalidSpecifier):
        SpecifierSet(spec)
    with pytest.raises(lockaudit.InvalidSpecifier) as info:
        core.filter_versions(spec, ["1.0"])
    assert isinstance(info.value, ValueError)
    with pytest.raises(lockaudit.InvalidSpecifier):
        core.ReleaseHistory(["1.0"]).filter(spec)


def test_filter_accepts_version_objects_and_skips_junk(core):
    items = [Version("1.0"), "2.0", None, 3, "x", Version("1.5a1")]
    assert core.filter_versions(">=1.0", items) == oracle_filter(">=1.0", items)
    assert core.filter_versions(">=1.0", items, True) == oracle_filter(">=1.0", items, True)


def test_union_of_sets(core):
    history = core.ReleaseHistory(["0.9", "1.0", "1.5", "2.0", "3.0a1", "3.0", "4.0"])
    assert history.filter(["<1.0", ">=3.0,<4"]) == ["0.9", "3.0"]
    assert history.filter(["<1.0", ">=3.0a1,<4"]) == ["0.9", "3.0a1", "3.0"]
    assert history.filter(["==1.*", ">=1.5,<2.1"]) == ["1.0", "1.5", "2.0"]
    assert core.filter_versions(["==4.0", "<1"], ["4.0", "0.9", "2"]) == ["4.0", "0.9"]
    assert history.newest([">=5", "<0.5"]) is None


def test_pre_releases_only_when_nothing_else_matches(core):
    history = core.ReleaseHistory(["1.0", "2.0a1", "2.0b1"])
    assert history.filter(">1.0") == ["2.0a1", "2.0b1"]
    assert history.newest(">1.0") == "2.0b1"
    assert history.filter(">=1.0") == ["1.0"]
    assert history.filter(">=1.0", prereleases=True) == ["1.0", "2.0a1", "2.0b1"]
    assert history.filter(">1.0", prereleases=False) == []


@pytest.mark.parametrize(
    ("spec", "dialect", "expected"),
    [
        ("^1.2", "poetry", ["1.2", "1.5"]),
        ("^0.2.3", "poetry", ["0.2.3", "0.2.9"]),
        ("~1.2", "poetry", ["1.2"]),
        ("^1.2 || ^0.2", "poetry", ["0.2.3", "0.2.9", "1.2", "1.5"]),
        ("1.2 - 2.0", "npm", ["1.2", "1.5", "2.0"]),
        ("1.x", "npm", ["1.2", "1.5"]),
        (">=0.2.9 <1.5 || 2.x", "npm", ["0.2.9", "0.3.0", "1.2", "2.0"]),
    ],
)
def test_dialects_answer_through_the_same_core(core, spec, dialect, expected):
    versions = ["0.2.3", "0.2.9", "0.3.0", "1.2", "1.5", "2.0", "2.1a1"]
    history = core.ReleaseHistory(versions)
    assert history.filter(spec, dialect=dialect) == expected
    assert history.newest(spec, dialect=dialect) == expected[-1]
    assert core.filter_versions(spec, list(reversed(versions)), dialect=dialect) == list(reversed(expected))
    assert lockaudit.filter_versions(spec, versions, dialect=dialect) == expected


def test_unknown_dialect_is_a_typed_error(core):
    with pytest.raises(lockaudit.InvalidRange):
        core.ReleaseHistory(["1.0"]).filter("^1", dialect="cargo")
