"""Lock consistency (LA017), transitive drift (LA018), unknown dependencies
(LA019) and unknown packages (LA013) against the synthetic index."""

from __future__ import annotations

from pathlib import Path

import pytest

from lockaudit.audit.lock_check import check_lock_async
from lockaudit.audit.rules.lock import lock_findings, transitive_drift
from lockaudit.findings import RuleCode, Severity
from lockaudit.inputs import load
from lockaudit.model import LockedPackage, Origin, Requirement
from lockaudit.resolve import CheckOptions, ResolveOptions, check, resolve, write_requirements
from lockaudit.resolve.environment import Environment
from lockaudit.resolve.fresh import applicable_locked
from lockaudit.resolve.lock_walk import walk_lock
from lockaudit.resolve.metadata import Dependency, ReleaseDependencies


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _files(requirements: str, lock: str):
    Path("requirements.in").write_text(requirements)
    Path("requirements.lock").write_text(lock)
    return load("requirements.in"), load("requirements.lock")


def _run(settings, inputs, lock, target, **options):
    options.setdefault("cache", "cache.sqlite3")
    return check(inputs, lock, CheckOptions(settings=settings, target=target, **options))


def _kinds(findings, code=RuleCode.LA017):
    return sorted((f.package, f.data.get("kind")) for f in findings if f.code is code)


def test_a_fresh_lock_is_consistent_and_has_no_drift(settings, project: Path, target311) -> None:
    Path("requirements.in").write_text("web\nsrv[fast]\nplat\n")
    inputs = load("requirements.in")
    resolution = resolve(inputs, ResolveOptions(settings=settings, cache="cache.sqlite3", target=target311))
    Path("requirements.lock").write_text(write_requirements(resolution))
    findings = _run(settings, inputs, load("requirements.lock"), target311)
    assert findings == []


def test_missing_dependency_names_requirer_and_top_level(settings, project: Path, target311) -> None:
    inputs, lock = _files("app\n", "app==1.0\nlib==1.0\n")
    findings = _run(settings, inputs, lock, target311, fresh=False)
    (f,) = [f for f in findings if f.code is RuleCode.LA017]
    assert f.package == "old-helper" and f.severity is Severity.HIGH
    assert f.data["kind"] == "missing-dependency"
    assert f.data["required_by"] == "lib 1.0" and f.data["top_level"] == ("app",)
    assert (
        f.message == "required by lib 1.0 (old-helper) but missing from the lock; pulled in by app (requirements.in:1)"
    )
    assert str(f.location) == "requirements.in:1:1" and str(f.lock_location) == "requirements.lock:2:1"


def test_dependency_locked_at_an_excluded_version(settings, project: Path, target311) -> None:
    inputs, lock = _files("web\n", "web==2.0\nutil==1.0\nlog-kit==1.1\n")
    findings = _run(settings, inputs, lock, target311, fresh=False)
    (f,) = findings
    assert (f.code, f.package, f.data["kind"]) == (RuleCode.LA017, "util", "excluded-version")
    assert f.data["requirement"] == "util>=1.5" and f.version == "1.0"
    assert f.message == "locked 1.0 is excluded by web 2.0, which requires util>=1.5"


def test_requested_packages_missing_or_outside_their_range(settings, project: Path, target311) -> None:
    inputs, lock = _files("web<2\nsrv\nbase==1.0; sys_platform == 'win32'\n", "web==2.0\nutil==1.6\nlog-kit==1.1\n")
    findings = _run(settings, inputs, lock, target311, fresh=False)
    assert _kinds(findings) == [("srv", "missing-requirement"), ("web", "unsatisfied-requirement")]
    web = next(f for f in findings if f.package == "web")
    assert web.message == "locked 2.0 does not satisfy web<2 (requirements.in:1)"


def test_extras_and_markers_are_evaluated_for_the_target(settings, project: Path, target311) -> None:
    inputs, lock = _files(
        "srv[fast]\nplat\n",
        'srv==1.0\nutil==1.6\nplat==1.0\nwinhelp==1.0 ; sys_platform == "win32"\noldpy==1.0\n',
    )
    findings = _run(settings, inputs, lock, target311, fresh=False)
    (f,) = findings
    assert (f.package, f.data["kind"], f.data["required_by"]) == ("speedy", "missing-dependency", "srv[fast] 1.0")


def test_extraneous_and_python_excluded(settings, project: Path, target311) -> None:
    inputs, lock = _files("modern\n", "modern==2.0\nbase==1.0\n")
    findings = _run(settings, inputs, lock, target311, fresh=False)
    assert _kinds(findings) == [("base", "extraneous"), ("modern", "python-excluded")]
    by = {f.package: f for f in findings}
    assert by["base"].severity is Severity.INFO and by["modern"].severity is Severity.HIGH


def test_unknown_dependencies_unknown_packages_and_versions(settings, project: Path, target311) -> None:
    inputs, lock = _files("legacy\nghost\nweb\n", "legacy==0.9\nghost==1.0\nweb==9.9\n")
    findings = _run(settings, inputs, lock, target311, fresh=False)
    codes = sorted((f.code.value, f.package) for f in findings)
    assert codes == [("LA013", "ghost"), ("LA017", "web"), ("LA019", "legacy")]
    web = next(f for f in findings if f.package == "web")
    assert web.data["kind"] == "version-not-on-index" and web.severity is Severity.HIGH
    assert "not found on the index" in next(f for f in findings if f.package == "ghost").message
    legacy = next(f for f in findings if f.code is RuleCode.LA019)
    assert legacy.message.startswith("the dependencies of 0.9 are unknown (sdist only; legacy-0.9.tar.gz: ")
    assert legacy.severity is Severity.INFO


def test_transitive_drift_sizes_and_top_level(settings, project: Path, target311) -> None:
    Path("requirements.in").write_text("app\n")
    inputs = load("requirements.in")
    old = resolve(
        inputs, ResolveOptions(settings=settings, cache="cache.sqlite3", target=target311, as_of="2024-02-01")
    )
    assert old.versions() == {"app": "1.0", "lib": "1.0", "old-helper": "1.0"}
    Path("requirements.lock").write_text(write_requirements(old))
    findings = _run(settings, inputs, load("requirements.lock"), target311, as_of="2024-10-01")
    drift = {f.package: f for f in findings if f.code is RuleCode.LA018}
    assert set(drift) == {"app", "lib", "newdep", "old-helper"}
    assert [f for f in findings if f.code is not RuleCode.LA018] == []
    lib = drift["lib"]
    assert (lib.severity, lib.data["change"], lib.data["jump"]) == (Severity.HIGH, "upgrade", "major")
    assert (lib.data["locked"], lib.data["fresh"], lib.data["direct"]) == ("1.0", "2.0", False)
    assert lib.data["top_level"] == ("app",) and lib.data["top_level_locations"] == ("requirements.in:1:1",)
    assert lib.message == "locked 1.0, a fresh resolution takes 2.0 (major; pulled in by app (requirements.in:1))"
    assert (drift["app"].severity, drift["app"].data["jump"], drift["app"].data["direct"]) == (
        Severity.MEDIUM,
        "minor",
        True,
    )
    assert (drift["newdep"].data["change"], drift["newdep"].severity) == ("added", Severity.MEDIUM)
    assert (drift["old-helper"].data["change"], drift["old-helper"].severity) == ("removed", Severity.LOW)
    assert drift["old-helper"].data["top_level"] == ("app",)
    # The audit's own view leaves the requested packages to LA003.
    indirect = _run(settings, inputs, load("requirements.lock"), target311, as_of="2024-10-01", include_direct=False)
    assert "app" not in {f.package for f in indirect}


def test_a_fresh_resolution_that_fails_is_one_high_finding(settings, project: Path, target311) -> None:
    inputs, lock = _files("modern==2.0\n", "modern==2.0\n")
    findings = _run(settings, inputs, lock, target311)
    (unresolvable,) = [f for f in findings if f.code is RuleCode.LA018]
    assert unresolvable.severity is Severity.HIGH and unresolvable.data["change"] == "unresolvable"
    assert "2.0 requires Python >=3.12" in unresolvable.data["explanation"]
    assert str(unresolvable.location) == "requirements.in:1"


def test_check_result_carries_the_resolution(settings, project: Path, target311) -> None:
    import asyncio

    inputs, lock = _files("web\n", "web==2.0\nutil==1.0\nlog-kit==1.1\n")
    result = asyncio.run(
        check_lock_async(inputs, lock, CheckOptions(settings=settings, cache="cache.sqlite3", target=target311))
    )
    assert not result.consistent
    assert result.resolution is not None and result.resolution.versions()["util"] == "1.6"
    assert set(result.locked) == {"web", "util", "log-kit"}


# --------------------------------------------------------------------------- pure functions


def _req(name: str, spec: str = "", line: int = 1, extras: frozenset[str] = frozenset()) -> Requirement:
    return Requirement(name, name, spec, spec, Origin("in.txt", line), extras=extras)


def _pkg(name: str, version: str, line: int, marker: str | None = None) -> LockedPackage:
    return LockedPackage(name, version, Origin("lock.txt", line), marker=marker)


def test_lock_consistency_without_an_index(target311) -> None:
    env = Environment.for_target(target311)
    deps = {
        ("a", "1.0"): ReleaseDependencies(
            True,
            dependencies=(
                Dependency("b", ">=2"),
                Dependency("c", "", marker='sys_platform == "win32"'),
                Dependency("d", "", marker='extra == "x"', only_extra="x"),
            ),
            extras=frozenset({"x"}),
        ),
        ("b", "1.5"): ReleaseDependencies(True),
        ("d", "1.0"): ReleaseDependencies(True, dependencies=(Dependency("a", "<1"),)),
    }
    locked = applicable_locked(
        [_pkg("a", "1.0", 1), _pkg("b", "1.5", 2), _pkg("d", "1.0", 3), _pkg("c", "1.0", 4, 'sys_platform == "win32"')],
        env,
    )
    assert set(locked) == {"a", "b", "d"}
    walk = walk_lock([_req("a", extras=frozenset({"x"}))], locked, env, lambda n, v: deps.get((n, v)))
    # The walk is data; the rules word it.
    assert sorted((i.package, i.kind) for i in walk.issues) == [("a", "excluded-version"), ("b", "excluded-version")]
    assert _kinds(lock_findings(walk)) == [("a", "excluded-version"), ("b", "excluded-version")]
    assert {n: [r.name for r in rs] for n, rs in walk.top.items()} == {"a": ["a"], "b": ["a"], "d": ["a"]}
    assert walk.complete


def test_transitive_drift_ignores_unchanged_and_equal_spellings(settings, project: Path, target311) -> None:
    resolution = resolve(["web"], ResolveOptions(settings=settings, cache="cache.sqlite3", target=target311))
    locked = {"web": _pkg("web", "2.0.0", 1), "util": _pkg("util", "1.6", 2), "log-kit": _pkg("log-kit", "1.1", 3)}
    assert transitive_drift(resolution, locked) == []
