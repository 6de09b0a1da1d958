"""audit / audit_async: one AuditOptions for both faces (the input format is one of its fields)."""

from __future__ import annotations

import asyncio
import dataclasses
from pathlib import Path

import pytest

from lockaudit.audit.engine import AuditOptions, audit, audit_async

# Requirements text under a name that says TOML: only the forced format reads it.
FILES = {"pyproject.toml": "svc-x==1.0\n"}


def _options(tmp_path: Path, **changes) -> AuditOptions:
    # offline with an empty cache: nothing is fetched, the package is reported unknown, never dropped
    return AuditOptions(offline=True, cache=str(tmp_path / "cache.sqlite3"), api_changes=False, **changes)


def test_the_input_format_is_an_option(tmp_path: Path) -> None:
    detected = audit([], files=FILES, options=_options(tmp_path))
    assert [p.code for p in detected.unreadable] == ["toml-syntax"] and detected.packages == ()
    forced = audit([], files=FILES, options=_options(tmp_path, input_format="requirements"))
    assert forced.unreadable == () and [p.name for p in forced.packages] == ["svc-x"]
    assert forced.packages[0].status.value == "unknown"


def test_both_faces_give_the_same_report(tmp_path: Path) -> None:
    options = _options(tmp_path, input_format="requirements")
    sync = audit([], files=FILES, options=options)
    in_loop = asyncio.run(audit_async([], files=FILES, options=options))
    assert [(p.name, p.status) for p in sync.packages] == [(p.name, p.status) for p in in_loop.packages]
    assert [f.fingerprint for f in sync.findings] == [f.fingerprint for f in in_loop.findings]
    with pytest.raises(dataclasses.FrozenInstanceError):
        options.input_format = None  # type: ignore[misc]
