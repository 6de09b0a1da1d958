"""poetry.lock: every ``[[package]]`` with its files' hashes and source.

Lock versions 1.x keep hashes under ``[metadata.files]`` and a ``category``;
2.x keep ``files`` on the package, ``groups`` and (2.1) ``markers``, which may be
one string or one per group.
"""

from __future__ import annotations

from typing import Any

from ..model import LockedPackage, Lockfile, Origin, PythonScope, Source, SourceKind
from ..ranges import range_alternatives
from ..urls import redact_url
from ._locks import hash_list, parse_packages
from ._toml import TomlIndex

__all__ = ["parse"]


def _source(table: Any, develop: bool) -> Source:
    if not isinstance(table, dict):
        return Source()
    kind, url = table.get("type"), str(table.get("url", ""))
    if kind == "git":
        ref = table.get("reference")
        return Source(
            SourceKind.VCS,
            location="git+" + redact_url(url) + (f"@{ref}" if ref else ""),
            commit=table.get("resolved_reference"),
        )
    if kind == "directory":
        return Source(SourceKind.PATH, location=url, editable=develop)
    if kind == "file":
        return Source(
            SourceKind.URL if url.startswith(("http:", "https:")) else SourceKind.PATH, location=redact_url(url)
        )
    if kind == "url":
        return Source(SourceKind.URL, location=redact_url(url))
    # "legacy" (a PEP 503 index) and "pypi"
    return Source(SourceKind.INDEX, index_url=url or None)


def _marker(value: Any) -> str | None:
    if isinstance(value, str):
        return value or None
    if isinstance(value, dict):  # per group: installed when any group's marker holds
        unique = list(dict.fromkeys(v for v in value.values() if isinstance(v, str)))
        if len(unique) == 1:
            return unique[0]
        return " or ".join(f"({m})" for m in unique) or None
    return None


def parse(text: str, path: str) -> Lockfile:
    """Read a poetry.lock (``text`` is its content, ``path`` its name as given)."""
    legacy_files: dict[str, Any] = {}

    def check(doc: dict[str, Any], idx: TomlIndex, problems: list) -> None:
        meta = doc.get("metadata")
        if isinstance(meta, dict) and isinstance(meta.get("files"), dict):
            legacy_files.update(meta["files"])

    def entry(
        pkg: dict[str, Any], name: str, version: str, at: Origin, idx: TomlIndex, problems: list
    ) -> LockedPackage:
        hashes = hash_list(pkg.get("files")) or hash_list(legacy_files.get(pkg["name"]))
        groups = pkg.get("groups")
        if not isinstance(groups, list):
            groups = [pkg["category"]] if isinstance(pkg.get("category"), str) else []
        return LockedPackage(
            name=name,
            version=version,
            origin=at,
            hashes=hashes,
            marker=_marker(pkg.get("markers")),
            source=_source(pkg.get("source"), develop=pkg.get("develop") is True),
            groups=tuple(g for g in groups if isinstance(g, str)),
        )

    def scope(doc: dict[str, Any]) -> PythonScope:
        # Poetry locks every environment the project supports: entries carry markers.
        meta = doc.get("metadata")
        python = meta.get("python-versions") if isinstance(meta, dict) else None
        requires = None
        if isinstance(python, str) and python.strip() and python.strip() != "*":
            try:
                requires = " || ".join(range_alternatives(python, "poetry"))
            except ValueError:
                requires = None
        return PythonScope(requires_python=requires, universal=True, source="python-versions in the poetry.lock")

    return parse_packages(text, path, "poetry.lock", "package", entry, check=check, scope=scope)
