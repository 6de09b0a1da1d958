"""Synthetic projects for the local index server: exact dates, yanks, Requires-Python
and dependencies, so each audit rule can be triggered (and not triggered) on purpose.

``Release("1.2.0", "2025-06-01", requires=["idna>=3"], requires_python=">=3.9")``
becomes a real wheel (its METADATA readable through range requests), a PEP 691
file entry with the wheel's real sha256, and a ``.metadata`` file.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from support.index_server import IndexServer, build_wheel


@dataclass(frozen=True)
class Release:
    version: str
    uploaded: str  # YYYY-MM-DD or full ISO time
    requires: tuple[str, ...] = ()
    requires_python: str | None = None
    yanked: bool | str = False
    #: Extra wheels uploaded later for the same version: (tag, date).
    late_files: tuple[tuple[str, str], ...] = ()
    sdist_only: bool = False


@dataclass
class Project:
    name: str
    releases: list[Release] = field(default_factory=list)


def _time(text: str) -> str:
    return text if "T" in text else f"{text}T12:00:00Z"


def _wheel_name(name: str, version: str, tag: str = "py3-none-any") -> str:
    return f"{name.replace('-', '_')}-{version}-{tag}.whl"


def install(server: IndexServer, projects: Iterable[Project]) -> dict[str, dict[str, str]]:
    """Add the projects to the server; returns name -> version -> sha256 of the main wheel."""
    hashes: dict[str, dict[str, str]] = {}
    for project in projects:
        files: list[dict[str, Any]] = []
        versions = []
        for rel in project.releases:
            versions.append(rel.version)
            wheels = [("py3-none-any", rel.uploaded), *rel.late_files]
            if rel.sdist_only:
                wheels = []
                data = b"not really a tarball " + rel.version.encode()
                fname = f"{project.name}-{rel.version}.tar.gz"
                server.files[fname] = data
                files.append(_entry(fname, data, rel, rel.uploaded))
            for tag, when in wheels:
                # a later file of the same version has other bytes, so another hash
                data = build_wheel(
                    project.name, rel.version, list(rel.requires), padding=0 if tag == "py3-none-any" else 64
                )
                if rel.requires_python:
                    data = _with_requires_python(project.name, rel, data)
                fname = _wheel_name(project.name, rel.version, tag)
                server.files[fname] = data
                files.append(_entry(fname, data, rel, when))
                if tag == "py3-none-any":
                    hashes.setdefault(project.name, {})[rel.version] = hashlib.sha256(data).hexdigest()
        server.add_project(
            project.name,
            {"meta": {"api-version": "1.1"}, "name": project.name, "versions": versions, "files": files},
        )
    return hashes


def _entry(fname: str, data: bytes, rel: Release, when: str) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "filename": fname,
        "hashes": {"sha256": hashlib.sha256(data).hexdigest()},
        "size": len(data),
        "upload-time": _time(when),
        "yanked": rel.yanked,
    }
    if rel.requires_python:
        entry["requires-python"] = rel.requires_python
    return entry


def _with_requires_python(name: str, rel: Release, data: bytes) -> bytes:
    """Rebuild the wheel with the release's Requires-Python in its METADATA."""
    import io
    import zipfile

    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = src.read(info)
            if info.filename.endswith("/METADATA"):
                body = body.replace(b"Requires-Python: >=3.8", f"Requires-Python: {rel.requires_python}".encode())
            dst.writestr(info, body)
    return out.getvalue()
