"""Where the shared corpus is (../shared/corpus beside the checkout, or
``LOCKAUDIT_CORPUS_DIR``), and its release histories for the core tests, which
skip cleanly when it is not there."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

#: The shared corpus beside the checkout.
DEFAULT_CORPUS = Path(__file__).resolve().parents[3] / "shared" / "corpus"


def corpus_dir() -> Path:
    return Path(os.environ.get("LOCKAUDIT_CORPUS_DIR") or DEFAULT_CORPUS)


def load_corpus_history(directory: Path) -> dict[str, list[str]]:
    """Versions by package from ``release-history.json``; the calling test is
    skipped (not failed, not errored) when the corpus is not there."""
    path = directory / "release-history.json"
    if not path.is_file():
        pytest.skip(f"the shared corpus is not there ({path}): the corpus tests need ../shared/corpus")
    data = json.loads(path.read_text())
    return {name: entry["versions"] for name, entry in data.items()}
