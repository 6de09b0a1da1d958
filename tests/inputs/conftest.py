"""Fixtures for the input-format tests; helpers live in ``inputs.helpers``."""

from __future__ import annotations

from pathlib import Path

import pytest
from inputs.helpers import FIXTURES


@pytest.fixture
def in_fixtures(monkeypatch) -> Path:
    """Run from the fixtures directory, so paths in origins are short and relative."""
    monkeypatch.chdir(FIXTURES)
    return FIXTURES
