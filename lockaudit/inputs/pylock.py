"""pylock.toml (PEP 751), also named ``pylock.<name>.toml``.

Each ``[[packages]]`` entry comes from an index (``index``, sdist/wheels) or
names a VCS, directory or archive source. Hashes are tables ``{sha256 = ...}``;
they are kept as ``sha256:...`` like every other format.
"""

from __future__ import annotations

from typing import Any

from ..model import LockedPackage, Lockfile, Origin, PythonScope, Source, SourceKind
from ._locks import earliest, parse_packages, string_list
from ._pep508 import redact
from ._toml import TomlIndex

__all__ = ["parse"]


def _hashes(record: Any) -> list[str]:
    if not isinstance(record, dict) or not isinstance(record.get("hashes"), dict):
        return []
    return [f"{algo}:{digest}" for algo, digest in record["hashes"].items() if isinstance(digest, str)]


def _source(pkg: dict[str, Any]) -> Source:
    vcs = pkg.get("vcs")
    if isinstance(vcs, dict):
        kind = vcs.get("type", "git")
        where = vcs.get("url") or vcs.get("path") or ""
        rev = vcs.get("requested-revision")
        return Source(
            SourceKind.VCS,
            location=f"{kind}+{redact(str(where))}" + (f"@{rev}" if rev else ""),
            commit=vcs.get("commit-id"),
        )
    directory = pkg.get("directory")
    if isinstance(directory, dict):
        return Source(
            SourceKind.PATH, location=str(directory.get("path", "")), editable=directory.get("editable") is True
        )
    archive = pkg.get("archive")
    if isinstance(archive, dict):
        if isinstance(archive.get("url"), str):
            return Source(SourceKind.URL, location=redact(archive["url"]))
        return Source(SourceKind.PATH, location=str(archive.get("path", "")))
    index = pkg.get("index")
    return Source(SourceKind.INDEX, index_url=redact(index) if isinstance(index, str) else None)


def parse(text: str, path: str) -> Lockfile:
    """Read a pylock.toml (``text`` is its content, ``path`` its name as given)."""

    def check(doc: dict[str, Any], idx: TomlIndex, problems: list) -> None:
        version = doc.get("lock-version")
        if not isinstance(version, str):
            problems.append(
                idx.problem(
                    idx.origin(()),
                    "pylock file has no lock-version",
                    expected='lock-version = "1.0"',
                    code="missing-field",
                )
            )
        elif version.split(".")[0] != "1":
            # PEP 751: a tool must refuse a major version it does not know; we read on and say so.
            problems.append(
                idx.problem(
                    idx.origin((), ("lock-version",)),
                    f"lock-version {version!r} is not supported",
                    expected="1.x",
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
        archive = [pkg["archive"]] if isinstance(pkg.get("archive"), dict) else []
        return LockedPackage(
            name=name,
            version=version,
            origin=at,
            hashes=tuple(h for f in files + archive for h in _hashes(f)),
            marker=pkg.get("marker") if isinstance(pkg.get("marker"), str) else None,
            source=_source(pkg),
            locked_at=earliest([f.get("upload-time") for f in files]),
        )

    def scope(doc: dict[str, Any]) -> PythonScope | None:
        requires = doc.get("requires-python")
        requires = requires.strip() if isinstance(requires, str) and requires.strip() else None
        markers = string_list(doc.get("environments"))
        packages = doc.get("packages")
        universal = bool(markers) or (
            isinstance(packages, list) and any(isinstance(p, dict) and p.get("marker") for p in packages)
        )
        if requires is None and not markers and not universal:
            return None
        return PythonScope(
            requires_python=requires, markers=markers, universal=universal, source="requires-python in the pylock.toml"
        )

    return parse_packages(
        text, path, "pylock", "packages", entry, version_required=False, check=check, scope=scope
    )
