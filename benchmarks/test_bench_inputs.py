"""Reading inputs: the shared corpus lock (268 pins) with its declared ranges.

Target (issue 3): loading app-requirements.in + app-requirements.lock.txt,
paired, takes well under 50 ms. The reference is packaging alone parsing the
same requirement lines (no files, no options, no pairing): the floor any reader
that uses packaging for PEP 508 stands on.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from packaging.requirements import Requirement

from lockaudit.inputs import load, load_texts

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT.parent / "shared" / "corpus"
TOOLS = ROOT / "tests" / "fixtures" / "inputs" / "tools"
PAIR = [str(CORPUS / "app-requirements.in"), str(CORPUS / "app-requirements.lock.txt")]
TARGET_SECONDS = 0.050


def _requirement_lines() -> list[str]:
    lines = []
    for path in PAIR:
        for line in Path(path).read_text().splitlines():
            line = line.split(" #", 1)[0].strip()
            if line and not line.startswith(("#", "-")):
                lines.append(line)
    return lines


@pytest.mark.benchmark(group="corpus-pair")
def test_bench_packaging_requirement_lines(benchmark):
    lines = _requirement_lines()
    parsed = benchmark(lambda: [Requirement(line) for line in lines])
    assert len(parsed) == 60 + 268


@pytest.mark.benchmark(group="corpus-pair")
def test_bench_lockaudit_load_corpus_pair(benchmark):
    lockfile = benchmark(load, PAIR)
    assert len(lockfile.requirements) == 60 and len(lockfile.packages) == 268
    assert lockfile.problems == ()
    assert benchmark.stats.stats.median < TARGET_SECONDS, f"median {benchmark.stats.stats.median * 1000:.1f} ms"


@pytest.mark.benchmark(group="locks")
@pytest.mark.parametrize(
    "name", ["uv.lock", "poetry.lock", "pylock.uv.toml", "Pipfile.lock", "requirements.pip-compile.txt"]
)
def test_bench_lockaudit_load_tool_lock(benchmark, name):
    lockfile = benchmark(load, str(TOOLS / name))
    assert lockfile.problems == ()


@pytest.mark.benchmark(group="large")
def test_bench_lockaudit_load_100k_lines(benchmark, tmp_path):
    lines = []
    for i in range(25_000):
        lines += [f"package-{i}=={i % 50}.{i % 7}.0 \\", f"    --hash=sha256:{i:064x}", "    # via", "    #   parent"]
    path = tmp_path / "requirements.txt"
    path.write_text("\n".join(lines) + "\n")
    lockfile = benchmark.pedantic(load, args=(str(path),), rounds=3, iterations=1)
    assert len(lockfile.packages) == 25_000


DUPLICATE_LINES = 20_000


def _timed(fn, *args) -> float:
    start = time.perf_counter()
    fn(*args)
    return time.perf_counter() - start


@pytest.mark.benchmark(group="duplicates")
def test_bench_distinct_lines(benchmark):
    """The reference: as many distinct pins, each read once (no duplicates to check)."""
    text = "".join(f"pkg-{i}==1.0.{i % 7}\n" for i in range(DUPLICATE_LINES))
    lockfile = benchmark.pedantic(load_texts, args=({"requirements.txt": text},), rounds=3, iterations=1)
    assert len(lockfile.packages) == DUPLICATE_LINES and lockfile.problems == ()


@pytest.mark.benchmark(group="duplicates")
def test_bench_lockaudit_identical_lines(benchmark):
    """Issue 13: the duplicate check is linear. 40,000 identical lines took 28x
    the time of as many distinct ones when each duplicate searched every problem
    reported before it; now identical lines cost about what distinct ones do
    (the ratio printed at the end: distinct / identical, about 1x, never << 1)."""
    text = "six==1.16.0\n" * DUPLICATE_LINES
    lockfile = benchmark.pedantic(load_texts, args=({"requirements.txt": text},), rounds=3, iterations=1)
    assert len(lockfile.packages) == 1 and len(lockfile.problems) == DUPLICATE_LINES - 1
    distinct = "".join(f"pkg-{i}==1.0.{i % 7}\n" for i in range(DUPLICATE_LINES))
    reference = min(_timed(load_texts, {"requirements.txt": distinct}) for _ in range(3))
    ratio = benchmark.stats.stats.median / reference
    assert ratio < 2.5, f"identical lines take {ratio:.1f}x the time of distinct ones"
