"""pylock.toml (PEP 751), also named ``pylock.<name>.toml``.

Each ``[[packages]]`` entry comes from an index (``index``, sdist/wheels) or
names a VCS, directory or archive source. Hashes are tables ``{sha256 = ...}``;
they are kept as ``sha256:...`` like every other format.

``packaging.pylock`` checks each entry against the specification; real files
stray from it (pipenv writes names unnormalized and upload times as strings), so
a deviation is a warning and the entry is read as written (its version spelled
as the lock spells it).

Where an entry's files come from decides what it is compared with. Tools that
do not write ``index`` (pip, ``uv pip compile``) leave only the file URLs: the
host most entries' files come from (or the host of the entries that do name an
index) is the index's; an entry all of whose files are on another host (a
Pyodide build on a CDN) was not installed from the index and gets a URL source,
so the index's hashes are not held against it.
"""

from __future__ import annotations

from collections import Counter
from typing import Any
from urllib.parse import urlsplit

from packaging.pylock import Pylock, PylockValidationError

from ..model import LockedPackage, Lockfile, Origin, PythonScope, Source, SourceKind
from ..urls import redact_url
from ._locks import earliest, parse_packages, string_list
from ._toml import TomlIndex

__all__ = ["parse"]


def _hashes(record: Any) -> list[str]:
    if not isinstance(record, dict) or not isinstance(record.get("hashes"), dict):
        return []
    return [f"{algo}:{digest}" for algo, digest in record["hashes"].items() if isinstance(digest, str)]


def _files(pkg: dict[str, Any]) -> list[dict[str, Any]]:
    files = [pkg["sdist"]] if isinstance(pkg.get("sdist"), dict) else []
    if isinstance(pkg.get("wheels"), list):
        files += [w for w in pkg["wheels"] if isinstance(w, dict)]
    return files


def _host(url: Any) -> str | None:
    if not isinstance(url, str) or not url.startswith(("http:", "https:")):
        return None
    try:
        return (urlsplit(url).hostname or "").lower() or None
    except ValueError:
        return None


def index_hosts(entries: list[Any]) -> frozenset[str]:
    """The hosts the lock's index files are on: those of entries naming an index,
    else the host most entries' files come from (every host tied for first)."""
    named: set[str] = set()
    counts: Counter[str] = Counter()
    for pkg in entries:
        if not isinstance(pkg, dict):
            continue
        hosts = {h for f in _files(pkg) if (h := _host(f.get("url"))) is not None}
        if isinstance(pkg.get("index"), str):
            named |= hosts
            if (h := _host(pkg["index"])) is not None:
                named.add(h)
        counts.update(hosts)
    if named:
        return frozenset(named)
    if not counts:
        return frozenset()
    top = max(counts.values())
    return frozenset(h for h, n in counts.items() if n == top)


def _source(pkg: dict[str, Any], hosts: frozenset[str]) -> Source:
    vcs = pkg.get("vcs")
    if isinstance(vcs, dict):
        kind = vcs.get("type", "git")
        where = vcs.get("url") or vcs.get("path") or ""
        rev = vcs.get("requested-revision")
        return Source(
            SourceKind.VCS,
            location=f"{kind}+{redact_url(str(where))}" + (f"@{rev}" if rev else ""),
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
            return Source(SourceKind.URL, location=redact_url(archive["url"]))
        return Source(SourceKind.PATH, location=str(archive.get("path", "")))
    index = pkg.get("index")
    if isinstance(index, str):
        return Source(SourceKind.INDEX, index_url=redact_url(index))
    files = _files(pkg)
    urls = [f["url"] for f in files if isinstance(f.get("url"), str)]
    if not urls:
        paths = [f["path"] for f in files if isinstance(f.get("path"), str)]
        if paths:  # local files only: a directory of distributions, not the index
            return Source(SourceKind.PATH, location=paths[0])
        return Source()
    if hosts and not any(_host(u) in hosts for u in urls):
        return Source(SourceKind.URL, location=redact_url(urls[0]))
    return Source()


def _validate(pkg: dict[str, Any], at: Origin, idx: TomlIndex, problems: list) -> None:
    """A warning where packaging's PEP 751 reading of the entry disagrees with the file."""
    try:
        Pylock.from_dict({"lock-version": "1.0", "created-by": "lockaudit", "packages": [pkg]})
    except PylockValidationError as exc:
        where = (exc.context or "").removeprefix("packages[0]").lstrip(".")
        problems.append(
            idx.problem(
                at,
                f"entry {pkg.get('name')!r} is not valid PEP 751: {exc.message}"
                + (f" in {where!r}" if where else "")
                + "; read as written",
                severity="warning",
                code="pylock-invalid",
            )
        )
    except (TypeError, ValueError) as exc:  # packaging met a value of a type it did not expect
        problems.append(
            idx.problem(
                at,
                f"entry {pkg.get('name')!r} is not valid PEP 751: {exc}; read as written",
                severity="warning",
                code="pylock-invalid",
            )
        )


def parse(text: str, path: str) -> Lockfile:
    """Read a pylock.toml (``text`` is its content, ``path`` its name as given)."""
    hosts: list[frozenset[str]] = []

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
        entries = doc.get("packages")
        hosts.append(index_hosts(entries if isinstance(entries, list) else []))

    def entry(
        pkg: dict[str, Any], name: str, version: str, at: Origin, idx: TomlIndex, problems: list
    ) -> LockedPackage:
        _validate(pkg, at, idx, problems)
        files = _files(pkg)
        archive = [pkg["archive"]] if isinstance(pkg.get("archive"), dict) else []
        return LockedPackage(
            name=name,
            version=version,
            origin=at,
            hashes=tuple(h for f in files + archive for h in _hashes(f)),
            marker=pkg.get("marker") if isinstance(pkg.get("marker"), str) else None,
            source=_source(pkg, hosts[0] if hosts else frozenset()),
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

    return parse_packages(text, path, "pylock", "packages", entry, version_required=False, check=check, scope=scope)
