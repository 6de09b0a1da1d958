"""findings.py (the plain data presenters read), the rule catalogue and semver_jump."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from packaging.markers import Marker

from lockaudit.audit.rules.catalog import CATALOG, explain, get_rule, semver_jump, severity_for_jump
from lockaudit.errors import InvalidVersion
from lockaudit.findings import (
    AuditReport,
    ExitCode,
    Finding,
    Location,
    PackageReport,
    PackageStatus,
    PolicySummary,
    ReportMetadata,
    RuleCode,
    Severity,
    Suppression,
    Target,
    UpgradeSize,
    fingerprint_of,
    parse_threshold,
    redact_url,
)
from lockaudit.model import InputProblem, Origin

# --------------------------------------------------------------------------- severity


def test_severity_scale_is_ordered() -> None:
    assert Severity.INFO < Severity.LOW < Severity.MEDIUM < Severity.HIGH < Severity.CRITICAL
    assert sorted([Severity.HIGH, Severity.INFO, Severity.CRITICAL]) == [
        Severity.INFO,
        Severity.HIGH,
        Severity.CRITICAL,
    ]
    assert max(Severity) is Severity.CRITICAL
    assert Severity.HIGH >= Severity.HIGH
    assert [s.rank for s in Severity] == [0, 1, 2, 3, 4]


def test_severity_does_not_compare_with_strings() -> None:
    with pytest.raises(TypeError):
        assert Severity.LOW < "medium"  # type: ignore[operator]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("info", Severity.INFO),
        ("LOW", Severity.LOW),
        (" medium ", Severity.MEDIUM),
        ("high", Severity.HIGH),
        ("critical", Severity.CRITICAL),
        ("patch", Severity.LOW),
        ("minor", Severity.MEDIUM),
        ("Major", Severity.HIGH),
        (Severity.HIGH, Severity.HIGH),
    ],
)
def test_severity_parse_names_and_semver_aliases(text: str, expected: Severity) -> None:
    assert Severity.parse(text) is expected


def test_severity_parse_rejects_unknown() -> None:
    with pytest.raises(ValueError, match=r"'severe'.*patch, minor, major"):
        Severity.parse("severe")


@pytest.mark.parametrize("text", ["never", "none", "OFF", None])
def test_threshold_never(text: str | None) -> None:
    assert parse_threshold(text) is None


def test_threshold_sizes_are_not_severities_and_errors() -> None:
    assert parse_threshold("major") is UpgradeSize.MAJOR
    assert parse_threshold("Minor") is UpgradeSize.MINOR
    assert parse_threshold("high") is Severity.HIGH
    with pytest.raises(ValueError, match=r"upgrade size.*never"):
        parse_threshold("always")


def _size_report(*findings: Finding) -> AuditReport:
    return AuditReport(findings=findings, packages=(), metadata=ReportMetadata("0", dt.date(2025, 1, 1)))


@pytest.mark.parametrize(
    ("threshold", "blocked"),
    [
        (UpgradeSize.PATCH, {"patch", "minor", "major", "unknown", "new"}),
        (UpgradeSize.MINOR, {"minor", "major", "unknown", "new"}),
        (UpgradeSize.MAJOR, {"major", "unknown", "new"}),
    ],
)
def test_size_threshold_blocks_upgrades_of_that_size_or_larger(threshold: UpgradeSize, blocked: set[str]) -> None:
    drifts = [
        Finding(RuleCode.DRIFT, Severity.INFO, f"p-{jump}", "drift", data={"jump": jump})
        for jump in ("patch", "minor", "major", "unknown", "new", "none")
    ]
    # A severe finding that is not about an upgrade never blocks at a size threshold.
    other = Finding(RuleCode.NO_CONSTRAINT, Severity.CRITICAL, "loose", "no constraint")
    transitive = Finding(RuleCode.TRANSITIVE_DRIFT, Severity.LOW, "t", "moved", data={"jump": "major"})
    report = _size_report(*drifts, other, transitive)
    got = {f.data["jump"] for f in report.blocking(threshold) if f.code is RuleCode.DRIFT}
    assert got == blocked
    assert not report.is_blocking(other, threshold)
    assert report.is_blocking(transitive, threshold)
    # the same findings at a severity threshold: by severity alone
    assert report.blocking(Severity.CRITICAL) == (other,)


# --------------------------------------------------------------------------- codes and catalogue


def test_rule_codes_are_contiguous_and_aliased() -> None:
    codes = [c.value for c in RuleCode]
    assert codes == [f"LA{i:03d}" for i in range(1, len(codes) + 1)]
    assert len(codes) >= 16
    assert RuleCode.LA003 is RuleCode.DRIFT
    assert RuleCode.DRIFT == "LA003"
    assert RuleCode.parse("la003") is RuleCode.DRIFT
    assert RuleCode.parse("drift") is RuleCode.DRIFT
    assert RuleCode.parse("expired-suppression") is RuleCode.LA016
    with pytest.raises(ValueError, match="LA999"):
        RuleCode.parse("LA999")


def test_catalogue_covers_every_code() -> None:
    assert list(CATALOG) == list(RuleCode)
    names = set()
    for code, rule in CATALOG.items():
        assert rule.code is code
        assert re.fullmatch(r"[A-Z][A-Za-z]+", rule.name), rule.name
        names.add(rule.name)
        assert rule.title and rule.explanation and rule.example and rule.fix
        assert "\n" not in rule.explanation and "\n" not in rule.fix
        assert code.value in rule.example, f"{code}: the example should show the finding"
    assert len(names) == len(CATALOG)


def test_catalogue_defaults() -> None:
    assert get_rule("LA013").default_severity is Severity.INFO
    assert get_rule("LA015").default_severity is Severity.INFO
    assert get_rule(RuleCode.LOCK_OUTSIDE_RANGE).default_severity is Severity.HIGH
    assert get_rule("la016").title == "A suppression has passed its expiry date"


def test_explain_text() -> None:
    text = explain("la002")
    assert text.startswith("LA002: Range has no upper bound\nDefault severity: low")
    assert "Example:" in text and "How to fix:" in text
    with pytest.raises(ValueError):
        explain("LA000")


# --------------------------------------------------------------------------- semver_jump


@pytest.mark.parametrize(
    ("old", "new", "jump"),
    [
        ("1.2.3", "1.2.3", "none"),
        ("1.2", "1.2.0", "none"),
        ("2.0.0", "1.9.9", "none"),
        ("1.2.3", "1.2.4", "patch"),
        ("1.2.3", "1.2.3.1", "patch"),
        ("1.2.3", "1.2.3.post1", "patch"),
        ("1.2.3rc1", "1.2.3", "patch"),
        ("1.2.3.dev1", "1.2.3a1", "patch"),
        ("1.2.3", "1.2.3+local", "patch"),
        ("1.2.3", "1.3.0", "minor"),
        ("1.2", "1.10", "minor"),
        ("1.9.9", "2.0.0", "major"),
        ("1", "2", "major"),
        ("1.2.3", "2.0.0rc1", "major"),
        ("0.4.1", "0.4.2", "patch"),
        ("0.4.1", "0.5.0", "major"),
        ("0.0.3", "0.0.4", "patch"),
        ("0.9", "1.0", "major"),
        ("2.1", "1!0.1", "major"),
        ("1!1.0", "1!1.1", "minor"),
        ("2024.1.1", "2024.1.2", "patch"),
        ("2024.1", "2025.1", "major"),
    ],
)
def test_semver_jump(old: str, new: str, jump: str) -> None:
    assert semver_jump(old, new) == jump


def test_semver_jump_invalid() -> None:
    with pytest.raises(InvalidVersion, match="'not-a-version'"):
        semver_jump("not-a-version", "1.0")


def test_severity_for_jump() -> None:
    assert [severity_for_jump(j) for j in ("none", "patch", "minor", "major")] == [
        Severity.INFO,
        Severity.LOW,
        Severity.MEDIUM,
        Severity.HIGH,
    ]


# --------------------------------------------------------------------------- locations, findings


def test_location() -> None:
    assert str(Location("a.txt")) == "a.txt"
    assert str(Location("a.txt", 3)) == "a.txt:3"
    assert str(Location("a.txt", 3, 7)) == "a.txt:3:7"
    assert Location.from_origin(Origin("r.in", 2, 4)) == Location("r.in", 2, 4)
    assert Location.from_origin(None) is None


def test_finding_coerces_and_freezes() -> None:
    f = Finding("la003", "major", "Django", "m", Location("r.in", 1), data={"a": [1, {"b": None}]})  # type: ignore[arg-type]
    assert f.code is RuleCode.DRIFT and f.severity is Severity.HIGH
    assert f.where == Location("r.in", 1)
    with pytest.raises(TypeError):
        f.data["a"] = 2  # type: ignore[index]
    with pytest.raises(TypeError):
        f.data["a"][1]["b"] = 1  # type: ignore[index]
    with pytest.raises(AttributeError):
        f.message = "x"  # type: ignore[misc]
    assert hash(f) == hash(
        Finding(RuleCode.DRIFT, Severity.HIGH, "Django", "m", Location("r.in", 1), data={"a": [1, {"b": None}]})
    )


@pytest.mark.parametrize("bad", [{"x": object()}, {"x": float("nan")}, {"x": {1: "y"}}, {"x": {"y", "z"}}])
def test_finding_data_must_be_json(bad: dict[str, object]) -> None:
    with pytest.raises(TypeError, match="LA001 data"):
        Finding(RuleCode.NO_CONSTRAINT, Severity.LOW, "p", "m", data=bad)  # type: ignore[arg-type]


def test_fingerprint_is_stable_and_ignores_lines() -> None:
    a = Finding(RuleCode.DRIFT, Severity.LOW, "Django", "one message", Location("r.in", 1))
    b = Finding(RuleCode.DRIFT, Severity.HIGH, "django", "another message", Location("r.in", 40))
    assert a.fingerprint == b.fingerprint == fingerprint_of("LA003", "DJANGO", "r.in")
    assert re.fullmatch(r"[0-9a-f]{32}", a.fingerprint)
    assert a.fingerprint != Finding(RuleCode.DRIFT, Severity.LOW, "django", "m", Location("other.in", 1)).fingerprint
    assert a.fingerprint != Finding(RuleCode.YANKED, Severity.LOW, "django", "m", Location("r.in", 1)).fingerprint
    lock_only = Finding(RuleCode.DRIFT, Severity.LOW, "django", "m", lock_location=Location("r.txt", 9))
    assert lock_only.fingerprint == fingerprint_of("LA003", "django", "r.txt")
    assert Finding(RuleCode.DRIFT, Severity.LOW, "d", "m", fingerprint="given").fingerprint == "given"
    assert fingerprint_of("LA007", "d", "r.in", "py3.9") != fingerprint_of("LA007", "d", "r.in", "py3.12")


def test_suppression_matches() -> None:
    f = Finding(RuleCode.YANKED, Severity.HIGH, "Zope.Interface", "m", version="2.0.0")
    assert Suppression(RuleCode.YANKED, "zope-interface", "r").matches(f)
    assert not Suppression(RuleCode.DRIFT, "zope-interface", "r").matches(f)
    assert not Suppression(RuleCode.YANKED, "zope", "r").matches(f)
    assert Suppression(RuleCode.YANKED, "zope.interface", "r", version="2.0").matches(f)
    assert Suppression(RuleCode.YANKED, "zope.interface", "r", version="<2.1").matches(f)
    assert not Suppression(RuleCode.YANKED, "zope.interface", "r", version=">=2.1").matches(f)
    assert not Suppression(RuleCode.YANKED, "zope.interface", "r", version="2.0.1").matches(f)
    no_version = Finding(RuleCode.YANKED, Severity.HIGH, "zope.interface", "m")
    assert not Suppression(RuleCode.YANKED, "zope.interface", "r", version="2.0.0").matches(no_version)
    s = Suppression(RuleCode.YANKED, "x", "r", until=dt.date(2025, 1, 31))
    assert not s.expired(dt.date(2025, 1, 31))
    assert s.expired(dt.date(2025, 2, 1))
    assert not Suppression(RuleCode.YANKED, "x", "r").expired(dt.date(9999, 1, 1))


# --------------------------------------------------------------------------- targets


def test_target_labels_and_validation() -> None:
    assert Target("3.12", "linux").label == "py3.12-linux"
    assert Target("3.12").label == "py3.12"
    assert Target(platform="macos").platform == "darwin"
    assert Target(platform="Windows").label == "win32"
    assert Target().label == "any"
    assert Target("03.09").python == "3.9"
    for bad in ("3", "3.x", "py3.12", "3.12.1.1"):
        with pytest.raises(ValueError, match="target Python"):
            Target(bad)
    with pytest.raises(ValueError, match="target platform"):
        Target(platform="solaris")


def test_target_marker_environment_evaluates() -> None:
    env = Target("3.9", "win32").marker_environment()
    assert env["python_version"] == "3.9" and env["python_full_version"] == "3.9.0"
    assert env["sys_platform"] == "win32" and env["platform_system"] == "Windows" and env["os_name"] == "nt"
    assert Marker("python_version < '3.10' and sys_platform == 'win32'").evaluate(env)
    assert not Marker("platform_system == 'Linux'").evaluate(env)
    assert Target("3.12.4").marker_environment()["python_full_version"] == "3.12.4"
    assert "sys_platform" not in Target("3.12").marker_environment()
    assert "python_version" not in Target(platform="linux").marker_environment()


def test_redact_url() -> None:
    assert redact_url("https://user:pw@host.example/simple/") == "https://host.example/simple/"
    assert redact_url("https://token@host.example:8443/x?y=1") == "https://host.example:8443/x?y=1"
    assert redact_url("https://host.example/simple/") == "https://host.example/simple/"
    assert redact_url(None) is None
    meta = ReportMetadata("0.1.0", dt.date(2025, 1, 1), index_url="https://u:secret@h.example/simple")
    assert meta.index_url == "https://h.example/simple"


# --------------------------------------------------------------------------- exit codes


def _report(
    findings: list[Finding],
    packages: tuple[PackageReport, ...] = (),
    problems: tuple[InputProblem, ...] = (),
    **policy: object,
) -> AuditReport:
    meta = ReportMetadata("0.1.0", dt.date(2025, 1, 31), policy=PolicySummary(**policy))  # type: ignore[arg-type]
    return AuditReport(findings=tuple(findings), packages=packages, metadata=meta, problems=problems)


def _f(code: RuleCode, severity: Severity, package: str = "pkg", suppressed: bool = False) -> Finding:
    return Finding(
        code,
        severity,
        package,
        "m",
        Location("r.in", 1),
        suppressed_by=Suppression(code, package, "accepted") if suppressed else None,
    )


UNKNOWN_PKG = PackageReport("ghost", status=PackageStatus.UNKNOWN, reason="not found", origin=Location("r.in", 2))
ERROR = InputProblem("r.in", 1, "invalid TOML", code="toml-syntax")  # the file could not be read at all
BAD_LINE = InputProblem("r.in", 3, "invalid specifier", code="invalid-requirement")  # one line of a read file
WARNING = InputProblem("r.in", 4, "odd line", severity="warning")


@pytest.mark.parametrize(
    ("findings", "packages", "problems", "threshold", "allow_unknown", "expected"),
    [
        ([], (), (), Severity.HIGH, False, ExitCode.OK),
        ([_f(RuleCode.DRIFT, Severity.MEDIUM)], (), (), Severity.HIGH, False, ExitCode.OK),
        ([_f(RuleCode.DRIFT, Severity.HIGH)], (), (), Severity.HIGH, False, ExitCode.FINDINGS),
        ([_f(RuleCode.DRIFT, Severity.CRITICAL)], (), (), Severity.HIGH, False, ExitCode.FINDINGS),
        ([_f(RuleCode.DRIFT, Severity.LOW)], (), (), Severity.parse("patch"), False, ExitCode.FINDINGS),
        ([_f(RuleCode.DRIFT, Severity.CRITICAL)], (), (), None, False, ExitCode.OK),
        ([_f(RuleCode.DRIFT, Severity.CRITICAL, suppressed=True)], (), (), Severity.INFO, False, ExitCode.OK),
        ([_f(RuleCode.DRIFT, Severity.HIGH)], (), (ERROR,), Severity.HIGH, False, ExitCode.ERROR),
        ([], (), (WARNING,), Severity.HIGH, False, ExitCode.OK),
        ([_f(RuleCode.UNKNOWN, Severity.INFO, "ghost")], (UNKNOWN_PKG,), (), Severity.HIGH, False, ExitCode.UNKNOWN),
        ([_f(RuleCode.UNKNOWN, Severity.INFO, "ghost")], (UNKNOWN_PKG,), (), Severity.HIGH, True, ExitCode.OK),
        ([_f(RuleCode.UNKNOWN, Severity.INFO, "ghost", True)], (UNKNOWN_PKG,), (), Severity.HIGH, False, ExitCode.OK),
        ([_f(RuleCode.DRIFT, Severity.HIGH)], (UNKNOWN_PKG,), (), Severity.HIGH, False, ExitCode.FINDINGS),
        ([], (UNKNOWN_PKG,), (ERROR,), Severity.HIGH, False, ExitCode.ERROR),
        # a bad line is an LA020 finding: it counts toward the threshold, it is no exit 2
        (
            [_f(RuleCode.UNREADABLE_INPUT, Severity.HIGH, "r.in")],
            (),
            (BAD_LINE,),
            Severity.HIGH,
            False,
            ExitCode.FINDINGS,
        ),
        (
            [_f(RuleCode.UNREADABLE_INPUT, Severity.HIGH, "r.in")],
            (),
            (BAD_LINE,),
            Severity.CRITICAL,
            False,
            ExitCode.OK,
        ),
        (
            [_f(RuleCode.UNREADABLE_INPUT, Severity.HIGH, "r.in", True)],
            (),
            (BAD_LINE,),
            Severity.HIGH,
            False,
            ExitCode.OK,
        ),
    ],
)
def test_exit_code(
    findings: list[Finding],
    packages: tuple[PackageReport, ...],
    problems: tuple[InputProblem, ...],
    threshold: Severity | None,
    allow_unknown: bool,
    expected: ExitCode,
) -> None:
    assert _report(findings, packages, problems).exit_code(threshold, allow_unknown) == expected


def test_exit_code_allow_unknown_from_policy() -> None:
    report = _report([], (UNKNOWN_PKG,), allow_unknown=True)
    assert report.exit_code(Severity.HIGH) == ExitCode.OK


def test_exit_code_per_package_threshold() -> None:
    findings = [_f(RuleCode.DRIFT, Severity.MEDIUM, "Strict.Pkg"), _f(RuleCode.DRIFT, Severity.CRITICAL, "lax")]
    report = _report(findings, per_package_fail_on={"strict-pkg": Severity.LOW, "LAX": None})
    assert [f.package for f in report.blocking(Severity.HIGH)] == ["Strict.Pkg"]
    assert report.exit_code(Severity.HIGH) == ExitCode.FINDINGS
    assert _report(findings[1:], per_package_fail_on={"lax": None}).exit_code(Severity.INFO) == ExitCode.OK


def test_report_views() -> None:
    pkg = PackageReport("Django", ">=4", ">=4", origin=Location("r.in", 1))
    same_name_other_file = PackageReport("django", "<6", "<6", origin=Location("other.in", 1))
    on_pkg = _f(RuleCode.DRIFT, Severity.HIGH, "django")
    lock_only = Finding(RuleCode.HASHES, Severity.LOW, "DJANGO", "no hashes", lock_location=Location("r.txt", 3))
    orphan = _f(RuleCode.EXPIRED_SUPPRESSION, Severity.LOW, "urllib3")
    hidden = _f(RuleCode.YANKED, Severity.HIGH, "django", suppressed=True)
    report = _report([on_pkg, lock_only, orphan, hidden], (pkg, same_name_other_file))
    assert report.findings_for(pkg) == (on_pkg, lock_only, hidden)
    assert report.findings_for(same_name_other_file) == (lock_only,)
    assert report.orphans() == (orphan,)
    assert report.active == (on_pkg, lock_only, orphan)
    assert report.suppressed == (hidden,)
    counts = report.counts()
    assert list(counts) == [Severity.CRITICAL, Severity.HIGH, Severity.MEDIUM, Severity.LOW, Severity.INFO]
    assert counts[Severity.HIGH] == 1 and counts[Severity.LOW] == 2
    assert pkg.status is PackageStatus.OK
    assert PackageReport("x", status="unknown").status is PackageStatus.UNKNOWN  # type: ignore[arg-type]
