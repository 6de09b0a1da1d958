"""Real wheels built from source texts, served by the local test index.

``PackageIndex`` (fixture ``api_index``) adds releases made of Python source
files to a fresh ``IndexServer`` (tests/support/index_server.py): each
release becomes a real wheel (METADATA with Requires-Python,
entry_points.txt, the sources), listed on a PEP 691 page with its real
sha256; ``sdist_only`` releases get only a tarball. ``client`` gives an
IndexClient on that index with a SQLite cache in the test's directory.
"""

from __future__ import annotations

import hashlib
import io
import os
import tarfile
import zipfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from lockaudit.index import IndexClient, IndexSettings, IndexURL
from support.index_server import IndexServer

_ZIP_TIME = (2024, 1, 1, 0, 0, 0)


def build_wheel(
    name: str,
    version: str,
    files: Mapping[str, str],
    *,
    requires_python: str | None = None,
    entry_points: Mapping[str, Mapping[str, str]] | None = None,
    tag: str = "py3-none-any",
) -> tuple[str, bytes]:
    """``(filename, bytes)`` of a real wheel holding ``files`` (path -> source text)."""
    dist = name.replace("-", "_")
    info = f"{dist}-{version}.dist-info"
    meta = ["Metadata-Version: 2.1", f"Name: {name}", f"Version: {version}"]
    if requires_python:
        meta.append(f"Requires-Python: {requires_python}")
    members: dict[str, str] = dict(files)
    members[f"{info}/METADATA"] = "\n".join(meta) + "\n\n"
    members[f"{info}/WHEEL"] = f"Wheel-Version: 1.0\nRoot-Is-Purelib: true\nTag: {tag}\n"
    if entry_points:
        members[f"{info}/entry_points.txt"] = "".join(
            f"[{group}]\n" + "".join(f"{k} = {v}\n" for k, v in entries.items()) + "\n"
            for group, entries in entry_points.items()
        )
    members[f"{info}/RECORD"] = ""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for path, text in members.items():
            zf.writestr(zipfile.ZipInfo(path, _ZIP_TIME), text)
    return f"{dist}-{version}-{tag}.whl", buf.getvalue()


def build_sdist(name: str, version: str) -> tuple[str, bytes]:
    dist = name.replace("-", "_")
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tf:
        data = f"Metadata-Version: 2.2\nName: {name}\nVersion: {version}\n".encode()
        member = tarfile.TarInfo(f"{dist}-{version}/PKG-INFO")
        member.size = len(data)
        tf.addfile(member, io.BytesIO(data))
    return f"{dist}-{version}.tar.gz", buf.getvalue()


@dataclass
class PackageIndex:
    server: IndexServer
    pages: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return self.server.url

    def add(
        self,
        name: str,
        version: str,
        files: Mapping[str, str] | None = None,
        *,
        requires_python: str | None = None,
        entry_points: Mapping[str, Mapping[str, str]] | None = None,
        sdist_only: bool = False,
        uploaded: str = "2024-01-01T00:00:00Z",
        raw_wheel: tuple[str, bytes] | None = None,
    ) -> str:
        """Add a release; returns the sha256 of its wheel ("" for an sdist-only one)."""
        if sdist_only:
            filename, body = build_sdist(name, version)
        elif raw_wheel is not None:
            filename, body = raw_wheel
        else:
            filename, body = build_wheel(
                name, version, files or {}, requires_python=requires_python, entry_points=entry_points
            )
        digest = hashlib.sha256(body).hexdigest()
        self.server.files[filename] = body
        page = self.pages.setdefault(name, {"meta": {"api-version": "1.1"}, "name": name, "versions": [], "files": []})
        if version not in page["versions"]:
            page["versions"].append(version)
        entry: dict[str, Any] = {
            "filename": filename,
            "hashes": {"sha256": digest},
            "size": len(body),
            "upload-time": uploaded,
            "yanked": False,
        }
        if requires_python:
            entry["requires-python"] = requires_python
        page["files"].append(entry)
        self.server.add_project(name, page)
        return "" if sdist_only else digest

    def pair(self, name: str, old: Mapping[str, str], new: Mapping[str, str], **kwargs: Any) -> None:
        """Two releases, 1.0 and 2.0, from two sets of sources."""
        self.add(name, "1.0", old, **{k[4:]: v for k, v in kwargs.items() if k.startswith("old_")})
        self.add(name, "2.0", new, **{k[4:]: v for k, v in kwargs.items() if k.startswith("new_")})


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No test reads the machine's pip configuration, netrc or cache directory."""
    for var in list(os.environ):
        if (var.startswith(("PIP_", "LOCKAUDIT_")) and var != "LOCKAUDIT_NO_EXTENSIONS") or var == "NETRC":
            monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("PIP_CONFIG_FILE", os.devnull)
    monkeypatch.setenv("NETRC", str(tmp_path / "no-netrc"))
    monkeypatch.setenv("LOCKAUDIT_CACHE_DIR", str(tmp_path / "default-cache"))


@pytest.fixture
def api_index() -> Iterator[PackageIndex]:
    with IndexServer(projects={}, metadata={}) as server:
        yield PackageIndex(server)


@pytest.fixture
def cache_path(tmp_path: Path) -> str:
    return str(tmp_path / "cache.sqlite3")


@pytest.fixture
def make_client(api_index: PackageIndex, cache_path: str):
    """``make_client(**options)``: an IndexClient on the test index (default cache: the test's SQLite file)."""

    def make(**options: Any) -> IndexClient:
        options.setdefault("cache", cache_path)
        return IndexClient(IndexSettings(IndexURL.parse(api_index.url)), **options)

    return make
