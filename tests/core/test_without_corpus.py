"""The core tests skip cleanly, rather than fail or error, without the shared corpus."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from support.corpus import DEFAULT_CORPUS, corpus_dir, load_corpus_history

HERE = Path(__file__).resolve().parent


def test_a_missing_corpus_skips(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOCKAUDIT_CORPUS_DIR", str(tmp_path / "moved-away"))
    assert corpus_dir() == tmp_path / "moved-away"
    with pytest.raises(pytest.skip.Exception, match="shared corpus is not there"):
        load_corpus_history(corpus_dir())
    monkeypatch.delenv("LOCKAUDIT_CORPUS_DIR")
    assert corpus_dir() == DEFAULT_CORPUS


def test_the_corpus_tests_skip_cleanly_without_it(tmp_path: Path) -> None:
    """The whole of tests/core is collected; the corpus tests skip, nothing errors."""
    env = {**os.environ, "LOCKAUDIT_CORPUS_DIR": str(tmp_path / "moved-away")}
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", str(HERE), "-k", "corpus and not without_corpus", "-q", "-rs",
         "-p", "no:cacheprovider"],
        capture_output=True, text=True, env=env, cwd=HERE.parents[1], timeout=600,
    )  # fmt: skip
    out = proc.stdout
    assert proc.returncode == 0, out + proc.stderr
    assert " skipped" in out and " passed" not in out and "error" not in out.lower(), out
    assert "shared corpus is not there" in out
