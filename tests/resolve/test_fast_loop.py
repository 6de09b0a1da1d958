"""lockaudit's copy of resolvelib's main loop (lockaudit/resolve/_resolvelib.py)
against resolvelib's own ``Resolver`` (the fallback for any other resolvelib,
forced here), on every data-driven case.

The copy looks again only at what a pin changed; with ``_Satisfied.CHECK`` on,
every round's answer is also compared with resolvelib's full scan. Whatever
runs, the outcome must be the plain resolver's: the same pins (and the same
number of rounds and backtracks), or the same conflict. The provider's
remembered preference keys (``LockauditProvider._choose``) are checked the
same way, against the full key computed every time.
"""

from __future__ import annotations

import logging
import random
import re
import tomllib
from collections import Counter
from pathlib import Path
from typing import Any, NamedTuple

import pytest
import resolvelib
from resolve.test_cases import CASES, _inputs
from resolvelib import AbstractProvider, BaseReporter
from resolvelib.resolvers import ResolutionImpossible, ResolutionTooDeep
from resolvelib.resolvers.resolution import Resolution

from lockaudit.findings import Target
from lockaudit.resolve import ResolutionConflict, ResolveOptions, _resolvelib, resolve
from lockaudit.resolve.provider import LockauditProvider

ROOT = Path(__file__).resolve().parents[2]
needs_loop = pytest.mark.skipif(not _resolvelib._LOOP, reason="the installed resolvelib runs its own loop")


def _pin(text: str) -> str | None:
    m = re.search(r"^resolvelib==([^\s;#]+)", text, re.M)
    return m.group(1) if m else None


def test_pyproject_pins_the_resolvelib_whose_loop_was_copied() -> None:
    declared = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    pins = [_pin(d.replace(" ", "")) for d in declared if d.replace(" ", "").startswith("resolvelib")]
    assert pins and pins[0] in _resolvelib.KNOWN_LOOPS, declared
    assert _pin((ROOT / "requirements.txt").read_text()) == pins[0]
    if resolvelib.__version__ == pins[0]:
        assert _resolvelib.loop_in_use(), "the pinned resolvelib is installed, yet its own loop runs"


def test_which_loop_runs_is_logged(monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    graph = {"a": {1: [_Req("b", frozenset({1}))]}, "b": {1: []}}
    roots = [_Req("a", frozenset({1}))]
    with caplog.at_level(logging.DEBUG, logger="lockaudit.resolve._resolvelib"):
        if _resolvelib._LOOP:
            fast = _resolvelib.run_resolver(_GraphProvider(graph), BaseReporter(), roots, 10)
            assert "copy of its main loop runs" in caplog.text
            caplog.clear()
        monkeypatch.setattr(_resolvelib, "_LOOP", False)
        plain = _resolvelib.run_resolver(_GraphProvider(graph), BaseReporter(), roots, 10)
        assert "its own Resolver runs" in caplog.text
    assert dict(plain.mapping) == {"a": _Cand("a", 1), "b": _Cand("b", 1)}
    if _resolvelib._LOOP:
        assert dict(fast.mapping) == dict(plain.mapping)


def _outcome(case: dict[str, Any], settings, cache: Path) -> Any:
    inputs = _inputs(case, Path("."))
    options = ResolveOptions(
        settings=settings,
        cache=str(cache),
        target=Target(case.get("python", "3.11"), case.get("platform", "linux")),
        as_of=case.get("as-of"),
        prereleases=case.get("prereleases"),
    )
    try:
        r = resolve(inputs, options)
    except ResolutionConflict as exc:
        return ("conflict", exc.explain())
    stats = {k: r.stats.get(k) for k in ("rounds", "backtracks", "rejected")}
    return ("pins", [(p.name, p.version, sorted(p.extras), p.required_by, p.wanted) for p in r], stats, dict(r.unknown))


@needs_loop
@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_same_outcome_as_plain_resolvelib(case, settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    cache = tmp_path / "cache.sqlite3"
    monkeypatch.setattr(_resolvelib._Satisfied, "CHECK", True)
    fast = _outcome(case, settings, cache)
    # resolvelib's own Resolver, and the provider's choice made the plain way
    # (one full preference key per identifier, nothing remembered).
    monkeypatch.setattr(_resolvelib, "_LOOP", False)
    monkeypatch.setattr(
        LockauditProvider, "_choose", lambda self, ids, info: min(ids, key=lambda i: self._preference(i, info[i]))
    )
    plain = _outcome(case, settings, cache)
    assert fast == plain


# -- random dependency graphs, no index ----------------------------------------


class _Req(NamedTuple):
    name: str
    allowed: frozenset[int]


class _Cand(NamedTuple):
    name: str
    version: int


class _GraphProvider(AbstractProvider):
    """Packages ``p0``..``pN`` with versions 1..k; each release depends on a few
    other packages, allowing a random subset of their versions."""

    def __init__(self, graph: dict[str, dict[int, list[_Req]]]) -> None:
        self.graph = graph
        self._cands: dict[tuple[str, int], _Cand] = {}

    def identify(self, requirement_or_candidate):
        return requirement_or_candidate.name

    def get_preference(self, identifier, resolutions, candidates, information, backtrack_causes):
        return (sum(1 for _ in candidates[identifier]), identifier)

    def find_matches(self, identifier, requirements, incompatibilities):
        reqs = list(requirements[identifier])
        bad = {c.version for c in incompatibilities[identifier]}
        versions = sorted(self.graph[identifier], reverse=True)
        return [
            self._cands.setdefault((identifier, v), _Cand(identifier, v))
            for v in versions
            if v not in bad and all(v in r.allowed for r in reqs)
        ]

    def is_satisfied_by(self, requirement, candidate):
        return candidate.version in requirement.allowed

    def get_dependencies(self, candidate):
        return self.graph[candidate.name][candidate.version]


def _graph(rng: random.Random) -> tuple[dict[str, dict[int, list[_Req]]], list[_Req]]:
    names = [f"p{i}" for i in range(rng.randint(3, 9))]
    versions = {n: list(range(1, rng.randint(2, 5))) for n in names}
    graph: dict[str, dict[int, list[_Req]]] = {}
    for name in names:
        graph[name] = {}
        for v in versions[name]:
            others = [n for n in names if n != name]
            deps = rng.sample(others, rng.randint(0, min(3, len(others))))
            graph[name][v] = [_Req(d, frozenset(x for x in versions[d] if rng.random() < 0.6)) for d in deps]
    roots = [_Req(n, frozenset(versions[n])) for n in rng.sample(names, rng.randint(1, 3))]
    return graph, roots


def _run(graph, roots, *, plain: bool) -> Any:
    """The final state (pins, and every criterion's requirements with who
    states them), or the failure. Compared before resolvelib's result graph
    is built: that step recurses without end on some cyclic graphs."""
    resolution = (Resolution if plain else _resolvelib._LoopResolution)(_GraphProvider(graph), BaseReporter())
    try:
        state = resolution.resolve(roots, max_rounds=500)
    except ResolutionImpossible as exc:
        return ("impossible", [(c.requirement, c.parent) for c in exc.causes])
    except ResolutionTooDeep:
        return ("too deep",)
    criteria = {k: [(i.requirement, i.parent) for i in c.information] for k, c in state.criteria.items()}
    return ("resolved", list(state.mapping.items()), criteria)


@needs_loop
def test_random_graphs_resolve_as_plain_resolvelib(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_resolvelib._Satisfied, "CHECK", True)
    seen: Counter[str] = Counter()
    original = _resolvelib._LoopResolution._remove_information_from_criteria

    def counting(self, criteria, parents):
        seen["newly unsatisfied" if parents else "pinned"] += 1
        return original(self, criteria, parents)

    monkeypatch.setattr(_resolvelib._LoopResolution, "_remove_information_from_criteria", counting)
    rng = random.Random(20261123)
    for _ in range(400):
        graph, roots = _graph(rng)
        fast = _run(graph, roots, plain=False)
        seen[fast[0]] += 1
        assert fast == _run(graph, roots, plain=True), (graph, roots)
    # The paths worth covering were all taken.
    assert seen["newly unsatisfied"] and seen["impossible"] and seen["resolved"], seen
