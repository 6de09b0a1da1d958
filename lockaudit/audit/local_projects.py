"""A local project among the requirements (``-e .``, ``./pkg``) stands for its own dependencies.

A fresh install of ``-e .`` installs the project and what it depends on; the
resolver cannot build it, but a project whose pyproject.toml declares its
dependencies statically (PEP 621 ``[project] dependencies``, not ``dynamic``;
or Poetry's ``[tool.poetry.dependencies]``) says what they are. Those take the
project's place in the fresh resolution (with the extras it was asked for), so
the packages it brings are resolved instead of looking dropped. A project
whose dependencies are dynamic (setup.py, a build backend's hook) stays
unresolved, and what may come from it is unknown.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Sequence

from packaging.utils import canonicalize_name

from ..model import Requirement, SourceKind

__all__ = ["expand_local_projects"]

#: How deep local projects may require other local projects (a workspace).
_MAX_DEPTH = 8


def _directory(req: Requirement) -> str | None:
    """Where a local path requirement's project lives: its file's directory is
    tried, then the path as given (pip reads it from where it runs)."""
    location = req.source.location
    if req.source.kind is not SourceKind.PATH or not location:
        return None
    location = location.removeprefix("file://")
    for base in dict.fromkeys((os.path.dirname(req.origin.path), "")):
        directory = os.path.normpath(os.path.join(base, location))
        if os.path.isfile(os.path.join(directory, "pyproject.toml")):
            return directory
    return None


def _static_requirements(pyproject: str, extras: frozenset[str]) -> list[Requirement] | None:
    """The project's own requirements (main ones, and the ``extras`` asked for),
    or None when they are not declared statically."""
    from ..inputs import parse  # the inputs layer reads pyproject.toml as everywhere else

    try:
        with open(pyproject, "rb") as fh:
            doc = tomllib.load(fh)
    except (OSError, tomllib.TOMLDecodeError, ValueError):
        return None
    project = doc.get("project")
    poetry = doc.get("tool", {}).get("poetry") if isinstance(doc.get("tool"), dict) else None
    if isinstance(project, dict):
        dynamic = project.get("dynamic")
        if isinstance(dynamic, list) and "dependencies" in dynamic:
            return None
        if extras and isinstance(dynamic, list) and "optional-dependencies" in dynamic:
            return None
    elif not isinstance(poetry, dict):
        return None  # setup.py / setup.cfg only: what it needs is known once it is built
    try:
        with open(pyproject, encoding="utf-8") as fh:
            text = fh.read()
    except (OSError, UnicodeDecodeError):
        return None
    lockfile = parse(text, pyproject, format="pyproject")
    wanted = {canonicalize_name(e) for e in extras}
    return [
        r for r in lockfile.requirements if r.group is None or (r.optional and canonicalize_name(r.group) in wanted)
    ]


def expand_local_projects(requirements: Sequence[Requirement]) -> tuple[Requirement, ...]:
    """``requirements`` with each local project that declares its dependencies
    statically replaced by them (recursively, for workspaces); the others are
    kept as they are (the resolver then says their dependencies are unknown)."""
    out: list[Requirement] = []
    seen: set[str] = set()

    def add(reqs: Sequence[Requirement], depth: int) -> None:
        for r in reqs:
            directory = _directory(r) if depth < _MAX_DEPTH else None
            if directory is None:
                out.append(r)
                continue
            key = os.path.realpath(directory)
            if key in seen:
                continue  # asked for twice, or a cycle: its dependencies are in already
            seen.add(key)
            own = _static_requirements(os.path.join(directory, "pyproject.toml"), r.extras)
            if own is None:
                out.append(r)
                continue
            # A marker on the project applies to everything it brings.
            if r.marker:
                own = [_with_marker(q, r.marker) for q in own]
            add(own, depth + 1)

    add(requirements, 0)
    return tuple(out)


def _with_marker(req: Requirement, marker: str) -> Requirement:
    from dataclasses import replace

    combined = f"({req.marker}) and ({marker})" if req.marker else marker
    return replace(req, marker=combined)
