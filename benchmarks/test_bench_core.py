"""The version core against packaging (the oracle) and pep440-rs, on the shared corpus.

Targets (issue 2): bulk parse >= 20x packaging and >= 3x pep440-rs; filtering
the corpus with a realistic spec mix >= 100x packaging and >= 20x pep440-rs;
newest admissible version >= 300x packaging's max(filter(...)); compiling a
specifier set >= 5x constructing packaging's SpecifierSet.
"""

from __future__ import annotations

import pytest
from packaging.specifiers import SpecifierSet
from packaging.version import InvalidVersion, Version

import lockaudit
from lockaudit import _core
from support.spec_mix import spec_mix

try:  # a speed comparison only: it orders 1.0.dev0 after 1.0a1, so it is no oracle
    import pep440_rs
except ImportError:  # pragma: no cover
    pep440_rs = None

needs_rs = pytest.mark.skipif(pep440_rs is None, reason="pep440-rs is not installed (pip install '.[bench]')")
CompiledSpec = _core.CompiledSpec


def _valid(text):
    try:
        Version(text)
    except InvalidVersion:
        return False
    return True


@pytest.fixture(scope="module")
def workload(corpus_history):
    specs = {name: spec_mix(name, versions) for name, versions in corpus_history.items()}
    valid = {name: [v for v in versions if _valid(v)] for name, versions in corpus_history.items()}
    return {
        "histories": corpus_history,
        "all_versions": [v for versions in corpus_history.values() for v in versions],
        "specs": specs,
        "all_specs": [s for ss in specs.values() for s in ss],
        "parsed": {name: [Version(v) for v in vs] for name, vs in valid.items()},
        "release_histories": {name: lockaudit.ReleaseHistory(vs) for name, vs in corpus_history.items()},
        "rs_parsed": {name: [pep440_rs.Version(v) for v in vs] for name, vs in valid.items()} if pep440_rs else {},
    }


def test_workload_size(workload):
    checks = sum(len(workload["histories"][n]) * len(s) for n, s in workload["specs"].items())
    assert len(workload["all_versions"]) == 26846
    assert len(workload["all_specs"]) >= 1600 - 10
    assert checks >= 150_000
    assert _core.USING_EXTENSION or _core.NO_EXTENSIONS


# -- bulk parse ----------------------------------------------------------------


@pytest.mark.benchmark(group="parse")
def test_parse_packaging_Version(benchmark, workload):
    def run():
        for text in workload["all_versions"]:
            try:
                Version(text)
            except InvalidVersion:
                pass

    benchmark(run)


@needs_rs
@pytest.mark.benchmark(group="parse")
def test_parse_pep440rs_Version(benchmark, workload):
    def run():
        for text in workload["all_versions"]:
            try:
                pep440_rs.Version(text)
            except Exception:
                pass

    benchmark(run)


@pytest.mark.benchmark(group="parse")
def test_parse_lockaudit_ReleaseHistory(benchmark, workload):
    """One call per package: parse, sort and index its whole history."""
    histories = list(workload["histories"].values())
    benchmark(lambda: [lockaudit.ReleaseHistory(vs) for vs in histories])


# -- filter ------------------------------------------------------------------


@pytest.mark.benchmark(group="filter")
def test_filter_packaging_SpecifierSet_filter(benchmark, workload):
    histories, specs = workload["histories"], workload["specs"]

    def run():
        for name, ss in specs.items():
            for spec in ss:
                list(SpecifierSet(spec).filter(histories[name]))

    benchmark(run)


@needs_rs
@pytest.mark.benchmark(group="filter")
def test_filter_pep440rs_contains(benchmark, workload):
    parsed, specs = workload["rs_parsed"], workload["specs"]

    def run():
        for name, ss in specs.items():
            versions = parsed[name]
            for spec in ss:
                clauses = list(pep440_rs.VersionSpecifiers(spec))
                [v for v in versions if all(c.contains(v) for c in clauses)]

    benchmark(run)


@pytest.mark.benchmark(group="filter")
def test_filter_lockaudit_history_filter_compiling_each_spec(benchmark, workload):
    histories, specs = workload["release_histories"], workload["specs"]

    def run():
        for name, ss in specs.items():
            history = histories[name]
            for spec in ss:
                history.filter(CompiledSpec(spec))

    benchmark(run)


@pytest.mark.benchmark(group="filter")
def test_filter_lockaudit_history_filter(benchmark, workload):
    """As the audit calls it: spec strings, compiled once and cached."""
    histories, specs = workload["release_histories"], workload["specs"]

    def run():
        for name, ss in specs.items():
            history = histories[name]
            for spec in ss:
                history.filter(spec)

    benchmark(run)


# -- newest admissible ---------------------------------------------------------


@pytest.mark.benchmark(group="newest")
def test_newest_packaging_max_filter(benchmark, workload):
    parsed, specs = workload["parsed"], workload["specs"]

    def run():
        for name, ss in specs.items():
            for spec in ss:
                matches = list(SpecifierSet(spec).filter(parsed[name]))
                max(matches) if matches else None

    benchmark(run)


@pytest.mark.benchmark(group="newest")
def test_newest_lockaudit_history_newest(benchmark, workload):
    histories, specs = workload["release_histories"], workload["specs"]

    def run():
        for name, ss in specs.items():
            history = histories[name]
            for spec in ss:
                history.newest(spec)

    benchmark(run)


@pytest.mark.benchmark(group="newest")
def test_newest_lockaudit_history_newest_compiling_each_spec(benchmark, workload):
    histories, specs = workload["release_histories"], workload["specs"]

    def run():
        for name, ss in specs.items():
            history = histories[name]
            for spec in ss:
                history.newest(CompiledSpec(spec))

    benchmark(run)


# -- compile -------------------------------------------------------------------


@pytest.mark.benchmark(group="compile")
def test_compile_packaging_SpecifierSet(benchmark, workload):
    specs = workload["all_specs"]
    benchmark(lambda: [SpecifierSet(s) for s in specs])


@pytest.mark.benchmark(group="compile")
def test_compile_lockaudit_CompiledSpec(benchmark, workload):
    specs = workload["all_specs"]
    benchmark(lambda: [CompiledSpec(s) for s in specs])
