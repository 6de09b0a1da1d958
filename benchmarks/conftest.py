"""Shared benchmark data (the shared corpus) and a ratio summary.

Every group holds the reference libraries and lockaudit, measured in the same
process; the summary prints, per group, how many times faster lockaudit's
median is than each reference's.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT.parent / "shared" / "corpus"
sys.path.insert(0, str(ROOT / "tests"))


@pytest.fixture(scope="session")
def corpus_index_url(tmp_path_factory):
    """A local index in a second process serving the 268 corpus pages (tests/support/corpus_pages.py)."""
    import subprocess

    from support.corpus_pages import synthetic_pages

    pages = tmp_path_factory.mktemp("pages")
    metadata = tmp_path_factory.mktemp("metadata")
    synthetic_pages(pages, metadata)
    server = subprocess.Popen(
        [
            sys.executable,
            str(ROOT / "tests" / "support" / "index_server.py"),
            "--projects",
            str(pages),
            "--metadata",
            str(metadata),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        yield server.stdout.readline().strip()
    finally:
        server.stdin.close()
        server.wait(timeout=10)


@pytest.fixture(scope="session")
def corpus_history() -> dict[str, list[str]]:
    data = json.loads((CORPUS / "release-history.json").read_text())
    return {name: entry["versions"] for name, entry in data.items()}


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    session = getattr(config, "_benchmarksession", None)
    if session is None or not session.benchmarks:
        return
    groups: dict[str, dict[str, float]] = {}
    for bench in session.benchmarks:
        if not bench.stats:  # pragma: no cover - skipped or failed
            continue
        groups.setdefault(bench.group or "", {})[bench.name] = bench.stats.median
    terminalreporter.section("lockaudit speed ratios (reference median / lockaudit median)")
    for group, entries in sorted(groups.items()):
        ours = {n: m for n, m in entries.items() if "lockaudit" in n}
        refs = {n: m for n, m in entries.items() if "lockaudit" not in n}
        for our_name, our_median in sorted(ours.items()):
            for ref_name, ref_median in sorted(refs.items()):
                terminalreporter.write_line(
                    f"{group:10s} {our_name.split('[')[0]:42s} vs {ref_name.split('[')[0]:34s} "
                    f"{ref_median / our_median:8.1f}x"
                )
