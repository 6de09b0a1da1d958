"""LA009: every specifier the rule suggests parses, whatever range and lock it meets."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from packaging.specifiers import SpecifierSet

from lockaudit.audit.facts import AuditContext, build_facts
from lockaudit.audit.rules import constraints
from lockaudit.findings import RuleCode, Target
from lockaudit.inputs._pep508 import from_pep508
from lockaudit.model import LockedPackage, Origin

CTX = AuditContext(now=dt.datetime(2026, 1, 1, tzinfo=dt.UTC), cutoff=None)


def misread(specifier: str, locked: str | None = None) -> list:
    req = from_pep508(f"pkg{specifier}", Origin("requirements.in", 1, 1))
    pins = (LockedPackage("pkg", locked, Origin("requirements.txt", 1, 1)),) if locked else ()
    facts = build_facts("pkg", "requirements.in", None, (req,), pins, None, CTX, {Target("3.11", "linux"): None})
    return [f for f in constraints.check(facts) if f.code is RuleCode.MISREAD_RANGE]


def assert_suggestion_parses(finding) -> None:
    suggested = finding.data.get("suggested")
    if suggested is None:
        assert "write '" not in finding.message and "raise it to '" not in finding.message
        return
    SpecifierSet(suggested)  # raises if it does not parse
    assert f"'{suggested}'" in finding.message


@pytest.mark.parametrize(
    ("specifier", "locked", "suggested"),
    [
        ("==8.*", None, "~=8.0.0"),  # not "~=8": "~=" needs two release parts
        ("==8.*", "8.3.1", "~=8.3.0"),
        ("==1!8.*", "1!8.2", "~=1!8.2.0"),
        ("~=23.1", None, "~=23.1.0"),
        ("~=1.2rc1", None, "~=1.2.0rc1"),
        ("~=1.2.post1", None, "~=1.2.0.post1"),
        ("~=1!1.2", None, "~=1!1.2.0"),
        (">=1.0", "3.0.0+local.build", ">=3.0.0"),  # a local version cannot follow ">="
        (">=1.0,<5", "4.2", ">=4.2"),
    ],
)
def test_suggestions_are_valid_specifiers(specifier, locked, suggested):
    (finding,) = misread(specifier, locked)
    assert finding.data["suggested"] == suggested
    assert_suggestion_parses(finding)


def test_ranges_read_as_meant_have_no_hint():
    assert misread("~=1.2.3") == []
    assert misread("==8.1.*") == []
    assert misread(">=2.0", "3.1") == []
    assert misread("===8.*") == []


_release = st.lists(st.integers(0, 30), min_size=1, max_size=4).map(lambda r: ".".join(map(str, r)))
_suffix = st.sampled_from(["", "rc1", "a2", ".post1", ".dev0", "b1.post2", "rc1.dev3"])
_epoch = st.sampled_from(["", "1!"])
_version = st.builds(lambda e, r, s: e + r + s, _epoch, _release, _suffix)
_local = st.sampled_from(["", "+local", "+ubuntu.1"])


@st.composite
def _specifier(draw) -> str:
    op = draw(st.sampled_from(["~=", "==", ">=", "<=", "!=", "<", ">"]))
    version = draw(_version)
    if op in ("==", "!=") and draw(st.booleans()):
        version = draw(_epoch) + draw(_release) + ".*"
    return op + version


@settings(max_examples=400, deadline=None)
@given(
    clauses=st.lists(_specifier(), min_size=1, max_size=3),
    locked=st.one_of(st.none(), st.builds(lambda v, loc: v + loc, _version, _local)),
)
def test_every_suggestion_the_rule_can_make_parses(clauses, locked):
    specifier = ",".join(clauses)
    try:
        SpecifierSet(specifier)
    except ValueError:
        return  # not a requirement anyone can write
    for finding in misread(specifier, locked):
        assert_suggestion_parses(finding)
