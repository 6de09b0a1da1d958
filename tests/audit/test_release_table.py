"""release_table: a release history against a range (``lockaudit versions`` and /v1/projects/{name}/versions)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from packaging.specifiers import SpecifierSet
from packaging.version import Version

from lockaudit.audit.release_table import release_table
from lockaudit.errors import InvalidSpecifier
from lockaudit.index.history import FetchStatus, ProjectHistory, ReleaseInfo


def _release(version: str, day: int | None, *, yanked: bool = False, reason: str | None = None) -> ReleaseInfo:
    when = datetime(2024, 1, day, 12, tzinfo=UTC) if day else None
    return ReleaseInfo(version, when, yanked, reason, ">=3.8" if day else None, True, False, ())


# Out of order on purpose: the table sorts by PEP 440, not by the index's order.
HISTORY = ProjectHistory(
    "demo",
    FetchStatus.OK,
    (
        _release("2.0.0", 5),
        _release("1.0", 1),
        _release("2.1.0rc1", 6),
        _release("1.10", 3),
        _release("1.9", 2),
        _release("2.0.1", 7, yanked=True, reason="broken wheel"),
        _release("0.9", None),
    ),
)


def test_rows_are_ascending_with_their_facts() -> None:
    table = release_table(HISTORY, ">=1.0")
    assert [r.version for r in table.rows] == ["0.9", "1.0", "1.9", "1.10", "2.0.0", "2.0.1", "2.1.0rc1"]
    yanked = table.rows[5]
    assert (yanked.yanked, yanked.yanked_reason, yanked.admitted) == (True, "broken wheel", False)
    assert table.rows[0].uploaded is None and table.rows[1].uploaded == datetime(2024, 1, 1, 12, tzinfo=UTC)
    assert table.rows[1].requires_python == ">=3.8"


@pytest.mark.parametrize("spec", [">=1.0", "<2", "~=1.9", "", "==2.0.*"])
def test_admitted_and_fresh_install_agree_with_packaging(spec: str) -> None:
    table = release_table(HISTORY, spec)
    installable = [r.version for r in HISTORY.versions if not r.yanked]
    expected = set(SpecifierSet(spec).filter(installable))
    assert {r.version for r in table.rows if r.admitted} == expected
    newest = max(expected, key=Version, default=None)
    assert table.fresh_install == newest
    assert [r.version for r in table.rows if r.fresh_install] == ([newest] if newest else [])


def test_prereleases_and_the_newest_release() -> None:
    assert release_table(HISTORY, ">=2").fresh_install == "2.0.0"
    assert release_table(HISTORY, ">=2", prereleases=True).fresh_install == "2.1.0rc1"
    # newest is the newest release that is not yanked, whatever the range admits
    assert release_table(HISTORY, "<1").newest == "2.1.0rc1"
    assert release_table(HISTORY, ">=99").fresh_install is None


def test_other_dialects() -> None:
    assert release_table(HISTORY, "^1.9", "poetry").fresh_install == "1.10"
    assert release_table(HISTORY, "1.x", "npm").fresh_install == "1.10"


def test_a_bad_range_raises() -> None:
    with pytest.raises(InvalidSpecifier):
        release_table(HISTORY, ">=>1")


def test_to_data_is_the_documented_json_row() -> None:
    row = release_table(HISTORY, "==1.0").rows[1]
    assert row.to_data() == {
        "version": "1.0",
        "uploaded": "2024-01-01T12:00:00+00:00",
        "yanked": False,
        "yanked_reason": None,
        "requires_python": ">=3.8",
        "admitted": True,
        "fresh_install": True,
    }
