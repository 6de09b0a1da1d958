"""What the TOML lock formats share: one loop over ``[[package]]`` entries."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from packaging.utils import canonicalize_name

from ..model import LockedPackage, Lockfile, Origin, PythonScope
from . import _build
from ._toml import TomlIndex, load_toml

__all__ = ["earliest", "parse_packages", "string_list"]

#: Builds a pin from one entry, its canonical name, version and origin; may add
#: problems through the index. None skips the entry (after reporting why).
EntryReader = Callable[[dict[str, Any], str, str, Origin, TomlIndex, list], LockedPackage | None]


def parse_packages(
    text: str,
    path: str,
    fmt: str,
    table: str,
    read_entry: EntryReader,
    *,
    version_required: bool = True,
    check: Callable[[dict[str, Any], TomlIndex, list], None] | None = None,
    scope: Callable[[dict[str, Any]], PythonScope | None] | None = None,
) -> Lockfile:
    doc, problem = load_toml(text, path)
    if doc is None:
        return _build.single_file(path, fmt, problems=[problem] if problem else [])
    idx = TomlIndex(text, path)
    problems: list = []
    if check is not None:
        check(doc, idx, problems)
    entries = doc.get(table, [])
    if not isinstance(entries, list):
        problems.append(idx.problem(idx.origin((table,)), f"{table} must be an array of tables", code="invalid-type"))
        entries = []
    packages: list[LockedPackage] = []
    for i, entry in enumerate(entries):
        at = idx.origin((table,), ("name",), index=i)
        if not isinstance(entry, dict):
            problems.append(idx.problem(at, f"{table} entry {i + 1} is not a table", code="invalid-type"))
            continue
        name, version = entry.get("name"), entry.get("version", "")
        if not isinstance(name, str) or not name:
            at = idx.origin((table,), index=i)
            problems.append(
                idx.problem(at, f"{table} entry {i + 1} has no name", expected='name = "..."', code="missing-field")
            )
            continue
        if not isinstance(version, str) or (version_required and not version):
            where = idx.origin((table,), ("version",), index=i)
            problems.append(
                idx.problem(where, f"{name!r} has no version", expected='version = "..."', code="missing-field")
            )
            continue
        pin = read_entry(entry, canonicalize_name(name), version, at, idx, problems)
        if pin is not None:
            packages.append(pin)
    return _build.single_file(
        path,
        fmt,
        (),
        packages,
        problems,
        line_text=lambda _p, line: idx.line_text(line),
        scope=scope(doc) if scope is not None else None,
    )


def _utc(value: Any) -> datetime | None:
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return None
    if not isinstance(value, datetime):
        return None
    if value.tzinfo is None:  # locks write UTC; a local time here means UTC
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def earliest(times: list[Any]) -> str | None:
    """The earliest upload time among a package's files, as ISO 8601 UTC ("...Z")."""
    stamps = [t for t in map(_utc, times) if t is not None]
    if not stamps:
        return None
    return min(stamps).isoformat().replace("+00:00", "Z")


def hash_list(files: Any, key: str = "hash") -> tuple[str, ...]:
    """``algo:hex`` strings from a list of file records."""
    out = []
    for f in files if isinstance(files, list) else []:
        if isinstance(f, dict) and isinstance(f.get(key), str):
            out.append(f[key])
    return tuple(out)


def string_list(value: Any) -> tuple[str, ...]:
    """The strings of a TOML array (anything else: none)."""
    return tuple(v for v in value if isinstance(v, str) and v.strip()) if isinstance(value, list) else ()
