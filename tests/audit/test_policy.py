"""The audit policy: loading real TOML files, selection, overrides, suppressions."""

from __future__ import annotations

import datetime as dt
import textwrap
from pathlib import Path

import pytest

from lockaudit.audit.policy import (
    DEFAULT_COOLDOWN,
    Policy,
    apply_policy,
    find_config,
    load_policy,
    parse_cooldown,
    resolve_selectors,
    unused_suppressions,
)
from lockaudit.errors import PolicyError
from lockaudit.findings import Finding, Location, RuleCode, Severity, Target, UpgradeSize

ALL = frozenset(RuleCode)


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    return path


def codes(*values: str) -> frozenset[RuleCode]:
    return frozenset(RuleCode(v) for v in values)


FULL_PYPROJECT = """
    [project]
    name = "demo"

    [tool.lockaudit]
    fail-on = "minor"
    select = ["ALL"]
    extend-select = []
    ignore = ["LA012"]
    cooldown = "36h"
    python = ["3.11", "3.12"]
    platform = ["linux", "macos"]
    as-of = 2025-01-31
    allow-unknown = true

    [tool.lockaudit.severity]
    LA008 = "info"

    [tool.lockaudit.per-package.Django]
    ignore = ["LA002"]
    cooldown = 14
    fail-on = "major"
    severity = { LA003 = "low" }

    [tool.lockaudit.per-package.legacy_lib]
    fail-on = "never"

    [[tool.lockaudit.suppress]]
    code = "LA006"
    package = "urllib3"
    version = "2.0.0"
    reason = "pinned until the proxy supports 2.0.1"
    until = 2026-12-31

    [[tool.lockaudit.suppress]]
    code = "LA003"
    package = "django"
    reason = "waiting for 5.x support"
    until = 2025-01-01
"""


# --------------------------------------------------------------------------- defaults and loading


def test_defaults() -> None:
    p = Policy()
    assert p.fail_on is Severity.HIGH
    assert p.enabled_codes() == ALL
    assert p.cooldown == DEFAULT_COOLDOWN == dt.timedelta(days=7)
    assert p.targets == ()
    assert p.suppressions == ()
    assert p.today() == dt.date.today()


def test_load_full_pyproject(tmp_path: Path) -> None:
    path = write(tmp_path / "pyproject.toml", FULL_PYPROJECT)
    p = load_policy(path)
    assert p.source == str(path)
    assert p.fail_on is UpgradeSize.MINOR  # a size, not the severity medium
    assert p.enabled_codes() == ALL - codes("LA012")
    assert p.enabled_codes("DJANGO") == ALL - codes("LA012", "LA002")
    assert p.cooldown == dt.timedelta(hours=36)
    assert p.cooldown_for("django") == dt.timedelta(days=14)
    assert p.cooldown_for("flask") == dt.timedelta(hours=36)
    assert p.fail_on_for("django") is UpgradeSize.MAJOR
    assert p.fail_on_for("Legacy-Lib") is None
    assert p.fail_on_for("flask") is UpgradeSize.MINOR
    assert p.severity_for("LA008", "flask", Severity.LOW) is Severity.INFO
    assert p.severity_for("LA003", "django", Severity.HIGH) is Severity.LOW
    assert p.severity_for("LA003", "flask", Severity.HIGH) is Severity.HIGH
    # A date is the whole of that UTC day: the cutoff is the next midnight.
    assert p.as_of == dt.datetime(2025, 2, 1, tzinfo=dt.UTC) and p.today() == dt.date(2025, 1, 31)
    assert p.allow_unknown is True
    assert p.targets == (
        Target("3.11", "linux"),
        Target("3.11", "darwin"),
        Target("3.12", "linux"),
        Target("3.12", "darwin"),
    )
    first, second = p.suppressions
    assert first.code is RuleCode.YANKED and first.package == "urllib3" and first.version == "2.0.0"
    assert first.until == dt.date(2026, 12, 31)
    # Lines of the [[tool.lockaudit.suppress]] headers, for LA016 locations.
    lines = path.read_text().splitlines()
    assert first.location == Location(str(path), lines.index("[[tool.lockaudit.suppress]]") + 1)
    assert second.location is not None and lines[second.location.line - 1] == "[[tool.lockaudit.suppress]]"  # type: ignore[operator]

    summary = p.summary()
    assert summary.fail_on is UpgradeSize.MINOR
    assert RuleCode.LA012 not in summary.selected
    assert summary.cooldown_days == 1.5
    assert summary.per_package_fail_on == {"django": UpgradeSize.MAJOR, "legacy-lib": None}
    assert summary.suppressions == 2 and summary.allow_unknown and summary.source == str(path)


def test_lockaudit_toml_top_level_keys(tmp_path: Path) -> None:
    path = write(
        tmp_path / "lockaudit.toml",
        """
        fail-on = "patch"
        select = ["LA00"]
        python = "3.12"

        [[suppress]]
        code = "LA001"
        package = "x"
        reason = "r"
        """,
    )
    p = load_policy(path)
    assert p.fail_on is UpgradeSize.PATCH
    assert p.enabled_codes() == codes(*(f"LA00{i}" for i in range(1, 10)))
    assert p.targets == (Target("3.12"),)
    assert p.suppressions[0].location == Location(str(path), 5)


def test_discovery(tmp_path: Path) -> None:
    sub = tmp_path / "a" / "b"
    sub.mkdir(parents=True)
    assert find_config(sub) is None or not str(find_config(sub)).startswith(str(tmp_path))
    write(tmp_path / "pyproject.toml", '[tool.lockaudit]\nfail-on = "low"\n')
    write(tmp_path / "a" / "pyproject.toml", '[project]\nname = "no-table-here"\n')
    assert find_config(sub) == (tmp_path / "pyproject.toml").resolve()
    assert load_policy(start=sub).fail_on is Severity.LOW
    write(tmp_path / "a" / "lockaudit.toml", 'fail-on = "critical"\n')
    assert find_config(sub) == (tmp_path / "a" / "lockaudit.toml").resolve()
    assert load_policy(start=sub).fail_on is Severity.CRITICAL
    # lockaudit.toml wins over a pyproject.toml with a table in the same directory.
    write(tmp_path / "lockaudit.toml", 'fail-on = "info"\n')
    assert find_config(tmp_path) == (tmp_path / "lockaudit.toml").resolve()


def test_pyproject_without_table_gives_defaults(tmp_path: Path) -> None:
    path = write(tmp_path / "pyproject.toml", '[project]\nname = "x"\n')
    p = load_policy(path)
    assert p.fail_on is Severity.HIGH and p.source == str(path)


# --------------------------------------------------------------------------- errors


@pytest.mark.parametrize(
    ("body", "key", "expected"),
    [
        ('fail-on = "sometimes"', "fail-on", "a severity (info, low"),
        ("fail-on = 3", "fail-on", "an upgrade size (patch, minor, major)"),
        ('colour = "red"', "colour", "one of the keys"),
        ('select = ["LA9"]', "select", "'ALL', a rule code"),
        ('ignore = "XY001"', "ignore", "'ALL', a rule code"),
        ("select = [1]", "select", "a string or a list of strings"),
        ('cooldown = "a week"', "cooldown", "'7d', '36h' or '2w'"),
        ("cooldown = -1", "cooldown", "a number of days"),
        ("python = [3.10]", "python", "quote versions"),
        ('python = ["3"]', "python", "Python versions such as '3.12'"),
        ('platform = ["solaris"]', "platform", "linux, darwin"),
        ('as-of = "yesterday"', "as-of", "a date such as 2026-12-31"),
        ('allow-unknown = "yes"', "allow-unknown", "true or false"),
        ('severity = { LA999 = "low" }', "severity.LA999", "a rule code"),
        ('severity = { LA001 = "huge" }', "severity.LA001", "one of info"),
        ("per-package = 1", "per-package", "a table"),
        ('per-package = { django = { colour = "x" } }', "per-package.django.colour", "one of the keys"),
        (
            "per-package = { Django = { cooldown = 1 }, django = { cooldown = 2 } }",
            "per-package.django",
            "each package once",
        ),
        ('per-package = { django = { fail-on = "x" } }', "per-package.django.fail-on", "a severity (info"),
    ],
)
def test_invalid_config_names_file_key_and_expectation(tmp_path: Path, body: str, key: str, expected: str) -> None:
    path = write(tmp_path / "pyproject.toml", f"[tool.lockaudit]\n{body}\n")
    with pytest.raises(PolicyError) as info:
        load_policy(path)
    message = str(info.value)
    assert message.startswith(f"{path}: [tool.lockaudit] {key}: expected ")
    assert expected in message


@pytest.mark.parametrize(
    ("entry", "key", "expected"),
    [
        ('code = "LA006"\npackage = "x"', "suppress[0].reason", "required"),
        ('code = "LA006"\nreason = "r"', "suppress[0].package", "required"),
        ('package = "x"\nreason = "r"', "suppress[0].code", "required"),
        ('code = "LA006"\npackage = "x"\nreason = ""', "suppress[0].reason", "a non-empty string"),
        ('code = "LA066"\npackage = "x"\nreason = "r"', "suppress[0].code", "a rule code"),
        ('code = "LA006"\npackage = "x"\nreason = "r"\nuntil = "soon"', "suppress[0].until", "a date"),
        ('code = "LA006"\npackage = "x"\nreason = "r"\nversion = "banana"', "suppress[0].version", "a version"),
        ('code = "LA006"\npackage = "x"\nreason = "r"\nexpires = 2025-01-01', "suppress[0].expires", "one of the keys"),
    ],
)
def test_invalid_suppressions(tmp_path: Path, entry: str, key: str, expected: str) -> None:
    path = write(tmp_path / "lockaudit.toml", f"[[suppress]]\n{entry}\n")
    with pytest.raises(PolicyError) as info:
        load_policy(path)
    assert str(info.value).startswith(f"{path}: {key}: expected ")
    assert expected in str(info.value)


def test_invalid_toml_and_unreadable_file(tmp_path: Path) -> None:
    bad = write(tmp_path / "lockaudit.toml", "fail-on = \n")
    with pytest.raises(PolicyError, match="invalid TOML"):
        load_policy(bad)
    with pytest.raises(PolicyError, match="cannot read"):
        load_policy(tmp_path / "missing" / "lockaudit.toml")
    table = write(tmp_path / "x" / "pyproject.toml", 'tool = { lockaudit = "high" }\n')
    with pytest.raises(PolicyError, match=r"\[tool.lockaudit\]: expected a table"):
        load_policy(table)


def test_underscore_keys_are_accepted(tmp_path: Path) -> None:
    path = write(tmp_path / "lockaudit.toml", 'fail_on = "low"\nextend_select = ["LA001"]\n')
    assert load_policy(path).fail_on is Severity.LOW


# --------------------------------------------------------------------------- selection


@pytest.mark.parametrize(
    ("select", "ignore", "expected"),
    [
        (["ALL"], [], ALL),
        (["LA00"], [], codes(*(f"LA00{i}" for i in range(1, 10)))),
        (["LA01"], [], frozenset(c for c in RuleCode if c.value.startswith("LA01"))),
        (["LA003", "LA006"], [], codes("LA003", "LA006")),
        (["ALL"], ["LA00"], frozenset(c for c in RuleCode if c.value >= "LA010")),
        (["LA003"], ["LA00"], codes("LA003")),  # more specific select wins
        (["LA00"], ["LA003"], codes(*(f"LA00{i}" for i in range(1, 10) if i != 3))),
        (["LA003"], ["LA003"], frozenset()),  # equal specificity: ignore wins
        (["ALL"], ["ALL"], frozenset()),
        ([], [], frozenset()),
        (["la003"], [], codes("LA003")),
    ],
)
def test_resolve_selectors(select: list[str], ignore: list[str], expected: frozenset[RuleCode]) -> None:
    assert resolve_selectors(select, ignore) == expected


def test_extend_select_adds_to_select() -> None:
    p = Policy(select=("LA00",), extend_select=("LA013",), ignore=("LA001",))
    assert p.enabled_codes() == codes(*(f"LA00{i}" for i in range(2, 10)), "LA013")
    assert p.is_enabled("la013") and not p.is_enabled(RuleCode.LA001)


def test_direct_construction_validates_selectors() -> None:
    with pytest.raises(PolicyError, match="'LA9' matches no rule code"):
        Policy(select=("LA9",))


# --------------------------------------------------------------------------- command-line overrides


def test_merged_with_overrides() -> None:
    base = Policy(select=("LA00",), ignore=("LA001",), python=("3.11",), cooldown=dt.timedelta(days=7))
    p = base.merged_with(
        fail_on="minor",
        select=None,  # an unset flag changes nothing
        ignore=["LA002,LA003"],
        extend_select=["LA013"],
        cooldown="2w",
        python=["3.12", "3.13"],
        platform="linux",
        as_of="2025-02-01",
        allow_unknown=True,
        severity={"LA008": "info"},
    )
    assert p.fail_on is UpgradeSize.MINOR
    assert p.select == ("LA00",)
    assert p.ignore == ("LA001", "LA002", "LA003")
    assert p.enabled_codes() == codes(*(f"LA00{i}" for i in range(4, 10)), "LA013")
    assert p.cooldown == dt.timedelta(weeks=2)
    assert p.targets == (Target("3.12", "linux"), Target("3.13", "linux"))
    assert p.as_of == dt.datetime(2025, 2, 2, tzinfo=dt.UTC) and p.allow_unknown
    assert p.severity_for("LA008", None, Severity.LOW) is Severity.INFO
    assert base.fail_on is Severity.HIGH  # unchanged
    assert base.merged_with(select=["LA010"]).enabled_codes() == codes("LA010")
    assert base.merged_with(fail_on="never").fail_on is None
    assert base.merged_with(fail_on=Severity.LOW).fail_on is Severity.LOW


@pytest.mark.parametrize(
    ("override", "flag"),
    [
        ({"fail_on": "loud"}, "--fail-on"),
        ({"select": ["LA9"]}, "--select"),
        ({"cooldown": "soon"}, "--cooldown"),
        ({"python": ["three"]}, "--python"),
        ({"as_of": "2025-13-01"}, "--as-of"),
    ],
)
def test_merged_with_rejects_bad_flags(override: dict[str, object], flag: str) -> None:
    with pytest.raises(PolicyError, match=f"^command line: {flag}: expected"):
        Policy().merged_with(**override)


def test_merged_with_unknown_override() -> None:
    with pytest.raises(TypeError, match="colour"):
        Policy().merged_with(colour="red")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (7, dt.timedelta(days=7)),
        (0.5, dt.timedelta(hours=12)),
        ("7", dt.timedelta(days=7)),
        ("7d", dt.timedelta(days=7)),
        ("36h", dt.timedelta(hours=36)),
        ("2W", dt.timedelta(weeks=2)),
        (" 1.5d ", dt.timedelta(hours=36)),
        (0, dt.timedelta(0)),
    ],
)
def test_parse_cooldown(value: object, expected: dt.timedelta) -> None:
    assert parse_cooldown(value) == expected


@pytest.mark.parametrize("value", ["", "7 days", "-1d", "7m", True, None, float("nan"), -3])
def test_parse_cooldown_rejects(value: object) -> None:
    with pytest.raises(ValueError):
        parse_cooldown(value)


# --------------------------------------------------------------------------- applying the policy


def finding(code: str, package: str, severity: Severity = Severity.MEDIUM, version: str | None = None) -> Finding:
    return Finding(
        RuleCode(code), severity, package, f"{code} for {package}", Location("requirements.in", 1), version=version
    )


def test_apply_policy(tmp_path: Path) -> None:
    path = write(tmp_path / "pyproject.toml", FULL_PYPROJECT)
    policy = load_policy(path)
    today = dt.date(2025, 1, 31)
    findings = [
        finding("LA012", "flask"),  # ignored globally
        finding("LA002", "django"),  # ignored for django only
        finding("LA002", "flask"),
        finding("LA003", "Django", Severity.HIGH),  # per-package severity: low; its suppression expired
        finding("LA008", "flask", Severity.LOW),  # global severity: info
        finding("LA006", "urllib3", Severity.HIGH, version="2.0.0"),  # suppressed
        finding("LA006", "urllib3", Severity.HIGH, version="2.0.1"),  # other version: not suppressed
    ]
    out = apply_policy(findings, policy, today)
    got = [(f.code.value, f.package, f.severity, f.suppressed) for f in out]
    assert got == [
        ("LA002", "flask", Severity.MEDIUM, False),
        ("LA003", "Django", Severity.LOW, False),
        ("LA008", "flask", Severity.INFO, False),
        ("LA006", "urllib3", Severity.HIGH, True),
        ("LA006", "urllib3", Severity.HIGH, False),
        ("LA016", "django", Severity.LOW, False),
    ]
    suppressed = out[3].suppressed_by
    assert suppressed is not None and suppressed.reason.startswith("pinned until")
    expired = out[-1]
    assert expired.code is RuleCode.EXPIRED_SUPPRESSION
    assert "expired on 2025-01-01" in expired.message and "waiting for 5.x support" in expired.message
    assert expired.location is not None and expired.location.path == str(path) and expired.location.line
    assert dict(expired.data) == {
        "code": "LA003",
        "until": "2025-01-01",
        "reason": "waiting for 5.x support",
        "version": None,
    }
    # The default today comes from as-of.
    assert [f.code for f in apply_policy(findings, policy)] == [f.code for f in out]
    # Before the expiry date the suppression applies and nothing expired.
    earlier = apply_policy(findings, policy, dt.date(2024, 12, 31))
    assert [f.suppressed for f in earlier if f.code is RuleCode.DRIFT] == [True]
    assert not any(f.code is RuleCode.EXPIRED_SUPPRESSION for f in earlier)


def test_expired_suppression_respects_selection() -> None:
    policy = Policy.from_mapping(
        {
            "ignore": ["LA016"],
            "suppress": [{"code": "LA003", "package": "x", "reason": "r", "until": dt.date(2020, 1, 1)}],
        }
    )
    assert apply_policy([], policy, dt.date(2025, 1, 1)) == []
    assert policy.suppressions[0].location is None  # not from a file


def test_unused_suppression_is_not_an_error() -> None:
    policy = Policy.from_mapping(
        {
            "suppress": [
                {"code": "LA003", "package": "used", "reason": "r"},
                {"code": "LA003", "package": "unused", "reason": "r"},
            ]
        }
    )
    out = apply_policy([finding("LA003", "used")], policy, dt.date(2025, 1, 1))
    assert [f.suppressed for f in out] == [True]
    assert [s.package for s in unused_suppressions(out, policy, dt.date(2025, 1, 1))] == ["unused"]


def test_findings_keep_identity_when_policy_changes_nothing() -> None:
    f = finding("LA001", "x")
    assert apply_policy([f], Policy(), dt.date(2025, 1, 1))[0] is f
