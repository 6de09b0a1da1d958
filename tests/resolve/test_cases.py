"""Data-driven resolver cases (tests/fixtures/resolve/cases.toml) over the
synthetic index: requested requirements -> expected pins, or expected conflict."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import pytest

from lockaudit.findings import Target
from lockaudit.inputs import load
from lockaudit.resolve import ResolutionConflict, ResolveOptions, resolve

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "resolve"
CASES: list[dict[str, Any]] = tomllib.loads((FIXTURES / "cases.toml").read_text())["case"]


def test_case_ids_are_unique() -> None:
    ids = [c["id"] for c in CASES]
    assert len(ids) == len(set(ids))


def _inputs(case: dict[str, Any], directory: Path):
    lines = list(case["requirements"])
    if case.get("constraints"):
        (directory / "constraints.txt").write_text("\n".join(case["constraints"]) + "\n")
        lines.append("-c constraints.txt")
    (directory / "requirements.in").write_text("\n".join(lines) + "\n")
    lockfile = load(directory / "requirements.in")
    assert not lockfile.errors, [p.render() for p in lockfile.errors]
    return lockfile


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_case(case: dict[str, Any], settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # origins read "requirements.in:<line>"
    work = Path(".")
    inputs = _inputs(case, work)
    target = Target(case.get("python", "3.11"), case.get("platform", "linux"))
    options = ResolveOptions(
        settings=settings,
        cache=str(tmp_path / "cache.sqlite3"),
        target=target,
        as_of=case.get("as-of"),
        prereleases=case.get("prereleases"),
    )
    if "conflict" in case:
        with pytest.raises(ResolutionConflict) as info:
            resolve(inputs, options)
        conflict = info.value
        assert {c.package for c in conflict.causes if not c.constraint} == set(case["conflict"])
        text = conflict.explain()
        for expected in case.get("explain", []):
            assert expected in text, text
        return
    resolution = resolve(inputs, options)
    assert resolution.versions() == case["pins"]
    assert sorted(resolution.unknown) == sorted(case.get("unknown", []))
    for name, extras in case.get("extras", {}).items():
        assert resolution[name].extras == frozenset(extras)
    for expected in case.get("warnings", []):
        assert any(expected in w for w in resolution.warnings), resolution.warnings
    if "min-backtracks" in case:
        stats = resolution.stats
        assert stats["backtracks"] + stats["rejected"] >= case["min-backtracks"], dict(stats)
    # Every pin is reachable from a requested requirement.
    for pin in resolution:
        assert resolution.top_level(pin.name), pin.name
