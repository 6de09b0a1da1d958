"""uv.lock: a universal lock, one ``[[package]]`` per (name, version, source).

When uv splits a package by markers (one version for old Pythons, another for
new ones), each version has its own entry and ``resolution-markers``: every
entry is kept, each with those markers. Workspace members are kept as path
sources; their version may be absent when it is dynamic.

The project itself (``source = { virtual = "." }`` or ``{ editable = "." }``)
is the project, not a pin. Its ``[package.metadata]`` records what the project
declared (``requires-dist``, ``requires-dev``): those are the project's
requirements when the uv.lock is read without its pyproject.toml (pairing
drops them when the pyproject.toml is read too).
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

from ..model import LockedPackage, Lockfile, Origin, PythonScope, Requirement, Source, SourceKind
from ..urls import redact_url
from ._locks import earliest, parse_packages, string_list
from ._pep508 import SpecError, convert
from ._toml import TomlIndex

__all__ = ["is_root", "parse"]

# "extra == 'x'" as uv writes it at the end of a requires-dist marker.
_EXTRA = re.compile(r"""(?:^|\s+and\s+)extra\s*==\s*['"]([^'"]+)['"]\s*$""")


def _source(table: Any) -> Source:
    if not isinstance(table, dict):
        return Source()
    if isinstance(table.get("registry"), str):
        registry = table["registry"]
        # A registry can be a local directory of distributions (--find-links style).
        if registry.startswith(("http:", "https:")):
            return Source(SourceKind.INDEX, index_url=redact_url(registry))
        return Source(SourceKind.INDEX, index_url=registry)
    if isinstance(table.get("git"), str):
        url = table["git"]
        commit = url.rsplit("#", 1)[1] if "#" in url else None
        return Source(SourceKind.VCS, location="git+" + redact_url(url), commit=commit)
    if isinstance(table.get("url"), str):
        return Source(SourceKind.URL, location=redact_url(table["url"]))
    for key in ("editable", "directory", "virtual", "path"):
        if isinstance(table.get(key), str):
            return Source(SourceKind.PATH, location=table[key], editable=key == "editable")
    return Source()


def is_root(entry: dict[str, Any]) -> bool:
    """Whether a ``[[package]]`` entry is the project itself (virtual or editable ".")."""
    source = entry.get("source")
    return isinstance(source, dict) and any(source.get(key) in (".", "./") for key in ("virtual", "editable"))


def _marker(markers: Any) -> str | None:
    if not isinstance(markers, list) or not markers:
        return None
    items = [m for m in markers if isinstance(m, str)]
    if len(items) == 1:
        return items[0]
    return " or ".join(f"({m})" for m in items)


def _requirement_source(item: dict[str, Any]) -> Source | None:
    """The non-index source a requires-dist entry names ({path=...}, {git=...}, ...)."""
    if isinstance(item.get("git"), str):
        return Source(SourceKind.VCS, location="git+" + redact_url(item["git"]))
    if isinstance(item.get("url"), str):
        return Source(SourceKind.URL, location=redact_url(item["url"]))
    for key in ("editable", "directory", "path", "virtual"):
        if isinstance(item.get(key), str):
            return Source(SourceKind.PATH, location=item[key], editable=key == "editable")
    if isinstance(item.get("index"), str):
        return Source(SourceKind.INDEX, index_url=redact_url(item["index"]))
    return None


class _Metadata:
    """The root package's ``[package.metadata]``: requirements, with their lines."""

    def __init__(self, idx: TomlIndex, problems: list) -> None:
        self.idx = idx
        self.problems = problems
        self.requirements: list[Requirement] = []

    def read(self, entry: dict[str, Any], at: Origin) -> None:
        meta = entry.get("metadata")
        if not isinstance(meta, dict):
            return
        section = self._section_after(("package", "metadata"), at.line or 0)
        self._items(meta.get("requires-dist"), section, ("requires-dist",), None)
        dev = meta.get("requires-dev", meta.get("dev-dependencies"))
        if isinstance(dev, dict):
            dev_section = self._section_after(("package", "metadata", "requires-dev"), at.line or 0)
            for group, items in dev.items():
                where = dev_section if dev_section is not None else section
                key = (group,) if dev_section is not None else ("requires-dev", group)
                self._items(items, where, key, group)

    def _section_after(self, table: tuple[str, ...], line: int) -> int | None:
        for n, (start, path, _i) in enumerate(self.idx.sections):
            if path == table and start > line:
                return n
        return None

    def _items(self, items: Any, section: int | None, key: tuple[str, ...], group: str | None) -> None:
        if not isinstance(items, list):
            return
        hit = self.idx.keys.get((section, key)) if section is not None else None
        anchor = Origin(self.idx.path, hit[0], hit[1]) if hit else Origin(self.idx.path)
        for item in items:
            if not isinstance(item, dict) or not isinstance(item.get("name"), str):
                continue
            here = self.idx.string(item["name"], anchor)
            if here.line is not None and here is not anchor:
                anchor = Origin(here.path, here.line, 1)
            req = self._requirement(item, here, group)
            if req is not None:
                self.requirements.append(req)

    def _requirement(self, item: dict[str, Any], at: Origin, group: str | None) -> Requirement | None:
        name = item["name"]
        extras = (
            [e for e in item.get("extras", []) if isinstance(e, str)] if isinstance(item.get("extras"), list) else []
        )
        spec = item.get("specifier") if isinstance(item.get("specifier"), str) else ""
        marker = item.get("marker") if isinstance(item.get("marker"), str) else None
        optional = False
        if marker and group is None:
            m = _EXTRA.search(marker)
            if m:  # an optional-dependency extra: filed under it, as pyproject.toml does
                group, optional = m.group(1), True
                marker = marker[: m.start()].strip() or None
        text = name + (f"[{','.join(extras)}]" if extras else "") + spec + (f"; {marker}" if marker else "")
        try:
            req, _ = convert(text, at, group=group, optional=optional)
        except SpecError as exc:
            self.problems.append(
                self.idx.problem(
                    at,
                    f"invalid requirement {text!r} in the project's metadata: {exc.message}",
                    width=len(name),
                    expected=exc.expected,
                    code="invalid-requirement",
                )
            )
            return None
        source = _requirement_source(item)
        return req if source is None else replace(req, source=source)


def parse(text: str, path: str) -> Lockfile:
    """Read a uv.lock (``text`` is its content, ``path`` its name as given)."""
    metadata: list[_Metadata] = []

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
        metadata.append(_Metadata(idx, problems))

    def entry(
        pkg: dict[str, Any], name: str, version: str, at: Origin, idx: TomlIndex, problems: list
    ) -> LockedPackage | None:
        if is_root(pkg):
            metadata[0].read(pkg, at)
            return None  # the project, not a pin
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

    result = parse_packages(text, path, "uv.lock", "package", entry, version_required=False, check=check, scope=scope)
    if metadata and metadata[0].requirements:
        result = replace(result, requirements=tuple(metadata[0].requirements))
    return result
