"""Paths and small helpers for the input-format tests (import as ``inputs.helpers``)."""

from __future__ import annotations

import os
from pathlib import Path

from lockaudit.model import InputProblem, Lockfile

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures" / "inputs"
TOOLS = FIXTURES / "tools"
CORPUS = ROOT.parent / "shared" / "corpus"


def codes(lockfile: Lockfile, severity: str | None = None) -> list[str]:
    return [p.code for p in lockfile.problems if severity is None or p.severity == severity]


def only(problems: tuple[InputProblem, ...], code: str) -> InputProblem:
    found = [p for p in problems if p.code == code]
    assert len(found) == 1, [p.render() for p in problems]
    return found[0]


def names(lockfile: Lockfile) -> list[str]:
    return [r.name for r in lockfile.requirements]


def pins(lockfile: Lockfile) -> dict[str, str]:
    return {p.name: p.version for p in lockfile.packages}


def write(tmp_path: Path, name: str, content: str | bytes) -> str:
    """Write a file under tmp_path and return its path relative to tmp_path (cwd)."""
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8", newline="")
    return os.path.relpath(path, tmp_path)
