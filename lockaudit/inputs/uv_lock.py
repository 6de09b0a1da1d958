"""uv.lock: a universal lock, one ``[[package]]`` per (name, version).

When uv splits a package by markers (one version for old Pythons, another for
new ones), each version has its own entry and ``resolution-markers``: both are
kept, each with those markers. Local projects (the root, workspace members) are
kept as path sources; their version may be absent when it is dynamic.
"""

from __future__ import annotations

from typing import Any

from ..model import LockedPackage, Lockfile, Origin, PythonScope, Source, SourceKind
from ._locks import earliest, parse_packages, string_list
from ._pep508 import redact
from ._toml import TomlIndex

__all__ = ["parse"]


def _source(table: Any) -> Source:
    if not isinstance(table, dict):
        return Source()
    if isinstance(table.get("registry"), str):
        registry = table["registry"]
        # A registry can be a local directory of distributions (--find-links style).
        if registry.startswith(("http:", "https:")):
            return Source(SourceKind.INDEX, index_url=redact(registry))
        return Source(SourceKind.INDEX, index_url=registry)
    if isinstance(table.get("git"), str):
        url = table["git"]
        commit = url.rsplit("#", 1)[1] if "#" in url else None
        return Source(SourceKind.VCS, location="git+" + redact(url), commit=commit)
    if isinstance(table.get("url"), str):
        return Source(SourceKind.URL, location=redact(table["url"]))
    for key in ("editable", "directory", "virtual", "path"):
        if isinstance(table.get(key), str):
            return Source(SourceKind.PATH, location=table[key], editable=key == "editable")
    return Source()


def _marker(markers: Any) -> str | None:
    if not isinstance(markers, list) or not markers:
        return None
    items = [m for m in markers if isinstance(m, str)]
    if len(items) == 1:
        return items[0]
    return " or ".join(f"({m})" for m in items)


def parse(text: str, path: str) -> Lockfile:
    """Read a uv.lock (``text`` is its content, ``path`` its name as given)."""

    def check(doc: dict[str, Any], idx: TomlIndex, problems: list) -> None:
        version = doc.get("version")
        if version is not None and version != 1:
            problems.append(
                idx.problem(
                    idx.origin((), ("version",)),
                    f"uv.lock version {version!r} is not known",
                    expected="version = 1",
                    severity="warning",
                    code="unknown-version",
                )
            )

    def entry(
        pkg: dict[str, Any], name: str, version: str, at: Origin, idx: TomlIndex, problems: list
    ) -> LockedPackage:
        files = [pkg["sdist"]] if isinstance(pkg.get("sdist"), dict) else []
        files += (
            [w for w in pkg.get("wheels", []) if isinstance(w, dict)] if isinstance(pkg.get("wheels"), list) else []
        )
        return LockedPackage(
            name=name,
            version=version,
            origin=at,
            hashes=tuple(f["hash"] for f in files if isinstance(f.get("hash"), str)),
            marker=_marker(pkg.get("resolution-markers")),
            source=_source(pkg.get("source")),
            locked_at=earliest([f.get("upload-time") for f in files]),
        )

    def scope(doc: dict[str, Any]) -> PythonScope:
        requires = doc.get("requires-python")
        return PythonScope(
            requires_python=requires.strip() if isinstance(requires, str) and requires.strip() else None,
            markers=string_list(doc.get("resolution-markers")),
            universal=True,
            source="requires-python in the uv.lock",
        )

    return parse_packages(
        text, path, "uv.lock", "package", entry, version_required=False, check=check, scope=scope
    )
