"""The audit of the shared corpus (app-requirements.in with its 268-pin lock), as users run it.

Targets (issue 5): with a warm cache the whole CLI process finishes in under
0.5 s; cold, within 1.5x of the index fetch time. The index is a local server
in a second process serving the corpus pages (tests/support/corpus_pages.py);
``LOCKAUDIT_BENCH_LIVE=1`` uses the real default index instead.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from lockaudit.index import DEFAULT_INDEX_URL, IndexSettings, IndexURL, fetch_histories
from support.corpus_pages import CORPUS, lock_names

ROOT = Path(__file__).resolve().parent.parent
AS_OF = "2026-11-23"


@pytest.fixture(scope="module")
def index_url(request):
    if os.environ.get("LOCKAUDIT_BENCH_LIVE") == "1":
        return DEFAULT_INDEX_URL
    return request.getfixturevalue("corpus_index_url")


@pytest.fixture(scope="module")
def corpus_dir(tmp_path_factory):
    folder = tmp_path_factory.mktemp("corpus")
    for name in ("app-requirements.in", "app-requirements.lock.txt"):
        shutil.copy(CORPUS / name, folder / name)
    return folder


def _env() -> dict[str, str]:
    # As installed: byte-code caches on (some sandboxes turn them off, which
    # makes every run recompile the package from source).
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("PIP_", "LOCKAUDIT_")) and k != "PYTHONDONTWRITEBYTECODE"
    }
    env["PIP_CONFIG_FILE"] = os.devnull
    return env


def _cli(corpus_dir: Path, index_url: str, cache: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "lockaudit", str(corpus_dir), "--index-url", index_url, "--cache", str(cache),
         "--as-of", AS_OF, "--format", "json", "--output", str(cache.parent / "report.json"), "--fail-on", "never"],
        capture_output=True, text=True, env=_env(), timeout=300,
    )  # fmt: skip
    assert proc.returncode in (0, 3), proc.stderr


@pytest.mark.benchmark(group="audit-warm")
def test_warm_lockaudit_cli_process(benchmark, corpus_dir, index_url, tmp_path):
    """The whole `lockaudit` process, every history cached and fresh (target < 0.5 s)."""
    cache = tmp_path / "warm.sqlite3"
    _cli(corpus_dir, index_url, cache)  # fill the cache
    benchmark.pedantic(_cli, args=(corpus_dir, index_url, cache), rounds=7, iterations=1, warmup_rounds=1)


@pytest.mark.benchmark(group="audit-cold")
def test_cold_index_fetch_only(benchmark, index_url, tmp_path):
    """The reference: fetching the 268 histories into an empty cache, nothing else."""
    names = lock_names()
    counter = iter(range(1000))

    def fetch() -> None:
        results = fetch_histories(
            names,
            settings=IndexSettings(IndexURL.parse(index_url)),
            cache=str(tmp_path / f"f{next(counter)}.sqlite3"),
            fetch_worker=None,  # as the CLI fetches
        )
        assert all(h.ok for h in results.values())

    benchmark.pedantic(fetch, rounds=3, iterations=1)


@pytest.mark.benchmark(group="audit-cold")
def test_cold_lockaudit_cli_process(benchmark, corpus_dir, index_url, tmp_path):
    """The whole `lockaudit` process with an empty cache (target: within 1.5x of the fetch)."""
    counter = iter(range(1000))
    benchmark.pedantic(
        lambda: _cli(corpus_dir, index_url, tmp_path / f"c{next(counter)}.sqlite3"), rounds=3, iterations=1
    )
