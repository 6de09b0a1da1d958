"""The resolver's test index: tests/fixtures/resolve/index.toml built into real
pages, metadata files, wheels and sdists, served by the shared local index
server (tests/support/index_server.py), which takes any set of pages and files.

Fixtures:
- ``synthetic_index``: the built data (pages, metadata, files), once per session;
- ``resolve_server``: a fresh IndexServer on it (its request log is per test);
- ``settings``: IndexSettings naming that server as the only index;
- ``target311`` / ``target312``: Python 3.11 / 3.12 on Linux.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import os
import tarfile
import tomllib
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from lockaudit.findings import Target
from lockaudit.index import IndexSettings, IndexURL
from support.index_server import IndexServer

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "resolve"
DEFAULT_UPLOAD = "2024-01-01T00:00:00Z"
_ZIP_TIME = (2024, 1, 1, 0, 0, 0)


@dataclass
class SyntheticIndex:
    projects: dict[str, dict[str, Any]]
    metadata: dict[str, bytes]
    files: dict[str, bytes]

    def server(self) -> IndexServer:
        return IndexServer(projects=dict(self.projects), metadata=dict(self.metadata), files=dict(self.files))


def _metadata_text(name: str, version: str, release: dict[str, Any], metadata_version: str) -> str:
    lines = [f"Metadata-Version: {metadata_version}", f"Name: {name}", f"Version: {version}"]
    rp = release.get("metadata-requires-python", release.get("requires-python"))
    if rp:
        lines.append(f"Requires-Python: {rp}")
    lines += [f"Requires-Dist: {r}" for r in release.get("requires", [])]
    for extra, reqs in release.get("extras", {}).items():
        lines.append(f"Provides-Extra: {extra}")
        for r in reqs:
            req, _, marker = r.partition(";")
            marker = f"({marker.strip()}) and extra == '{extra}'" if marker.strip() else f"extra == '{extra}'"
            lines.append(f"Requires-Dist: {req.strip()}; {marker}")
    return "\n".join(lines) + "\n\nA description that resolvers never read.\n"


def _wheel(dist: str, version: str, tag: str, metadata: str) -> bytes:
    buf = io.BytesIO()
    info = f"{dist}-{version}.dist-info"
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for path, text in (
            (f"{dist}/__init__.py", ""),
            (f"{info}/METADATA", metadata),
            (f"{info}/WHEEL", f"Wheel-Version: 1.0\nRoot-Is-Purelib: true\nTag: {tag}\n"),
            (f"{info}/RECORD", ""),
        ):
            zf.writestr(zipfile.ZipInfo(path, _ZIP_TIME), text)
    return buf.getvalue()


def _sdist(dist: str, version: str, pkg_info: str) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tf:
        for path, text in ((f"{dist}-{version}/PKG-INFO", pkg_info), (f"{dist}-{version}/setup.py", "")):
            data = text.encode()
            member = tarfile.TarInfo(path)
            member.size = len(data)
            member.mtime = 0
            tf.addfile(member, io.BytesIO(data))
    # No time in the gzip header: the same release gives the same bytes in every index built.
    return gzip.compress(buf.getvalue(), mtime=0)


def build_index(spec: dict[str, Any]) -> SyntheticIndex:
    """Pages, metadata files and distribution files for an index.toml-shaped dict."""
    projects: dict[str, dict[str, Any]] = {}
    metadata: dict[str, bytes] = {}
    files: dict[str, bytes] = {}
    for name, releases in spec["projects"].items():
        dist = name.replace("-", "_")
        page_files = []
        for version, release in releases.items():
            yanked = release.get("yanked", False)
            for kind in release.get("files", ["wheel", "sdist"]):
                meta_text = _metadata_text(name, version, release, "2.1")
                advertise = True
                if kind.startswith("wheel"):
                    tag = kind.split(":", 1)[1] if ":" in kind else "py3-none-any"
                    filename = f"{dist}-{version}-{tag}.whl"
                    body = _wheel(dist, version, tag, meta_text)
                    advertise = kind != "wheel-nometa"
                elif kind == "sdist":
                    filename = f"{dist}-{version}.tar.gz"
                    meta_text = _metadata_text(name, version, release, "2.2")
                    body = _sdist(dist, version, meta_text)
                    advertise = False
                elif kind.startswith("sdist-legacy"):
                    filename = f"{dist}-{version}.tar.gz"
                    body = _sdist(dist, version, _metadata_text(name, version, release, "1.1"))
                    advertise = kind.endswith("+metadata")
                else:  # pragma: no cover - a typo in the fixture
                    raise ValueError(f"unknown file kind {kind!r} for {name} {version}")
                files[filename] = body
                entry: dict[str, Any] = {
                    "filename": filename,
                    "hashes": {"sha256": hashlib.sha256(body).hexdigest()},
                    "requires-python": release.get("requires-python"),
                    "size": len(body),
                    "upload-time": release.get("uploaded", DEFAULT_UPLOAD),
                    "yanked": yanked,
                }
                if advertise:
                    meta_bytes = meta_text.encode()
                    metadata[f"{filename}.metadata"] = meta_bytes
                    entry["core-metadata"] = {"sha256": hashlib.sha256(meta_bytes).hexdigest()}
                page_files.append(entry)
        projects[name] = {
            "meta": {"api-version": "1.1"},
            "name": name,
            "versions": list(releases),
            "files": page_files,
        }
    return SyntheticIndex(projects, metadata, files)


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No test reads the machine's pip configuration, netrc or cache directory."""
    for var in list(os.environ):
        if var.startswith(("PIP_", "LOCKAUDIT_")) or var == "NETRC":
            monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("PIP_CONFIG_FILE", os.devnull)
    monkeypatch.setenv("NETRC", str(tmp_path / "no-netrc"))
    monkeypatch.setenv("LOCKAUDIT_CACHE_DIR", str(tmp_path / "default-cache"))


@pytest.fixture(scope="session")
def synthetic_index() -> SyntheticIndex:
    return build_index(tomllib.loads((FIXTURES / "index.toml").read_text()))


@pytest.fixture
def resolve_server(synthetic_index: SyntheticIndex) -> Iterator[IndexServer]:
    with synthetic_index.server() as server:
        yield server


@pytest.fixture
def cli_args(resolve_server: IndexServer, tmp_path: Path) -> list[str]:
    """The CLI arguments every command test passes: the local index, a cache of the
    test's own, and one fixed target (Python 3.11 on Linux)."""
    return [
        "--index-url",
        resolve_server.url,
        "--cache",
        str(tmp_path / "cache.sqlite3"),
        "--python",
        "3.11",
        "--platform",
        "linux",
    ]


@pytest.fixture
def settings(resolve_server: IndexServer) -> IndexSettings:
    return IndexSettings(IndexURL.parse(resolve_server.url))


@pytest.fixture
def target311() -> Target:
    return Target("3.11", "linux")


@pytest.fixture
def target312() -> Target:
    return Target("3.12", "linux")
