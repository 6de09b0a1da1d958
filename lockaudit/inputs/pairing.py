"""Pair range files with the locks that pin them, and match entries by name.

A project is a range file (requirements.in, pyproject.toml, Pipfile) and its
locks (requirements.txt, poetry.lock, uv.lock, pylock*.toml, Pipfile.lock),
or a lone file. Within a project, requirements and pins meet by PEP 503 name
in a :class:`~lockaudit.model.Dependency`.

Roles: a range file's lines are ranges; a lock's are pins; a requirements-style
lock (requirements.txt, freeze) that is paired gives pins for its exact pins and
keeps its other lines (``>=``, URLs, ``-e``) as requirements, never dropping
them; a lone requirements-style file is both (every line a range, every exact
pin also a pin).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import partial

from ..model import Dependency, LockedPackage, Lockfile, Requirement, Role
from .detect import LOCK_FORMATS, RANGE_FORMATS

__all__ = ["Project", "dependencies", "group_discovered", "group_explicit", "is_range", "split_by_role"]

_PROJECT_LOCKS = ("uv.lock", "poetry.lock", "pylock")


@dataclass(frozen=True, slots=True)
class Project:
    """Files read together: (path, format, role) each, and the project's label."""

    label: str
    files: tuple[tuple[str, str, Role], ...]


def is_range(path: str, fmt: str) -> bool:
    """Whether a file declares ranges rather than pins."""
    return fmt in RANGE_FORMATS or (fmt == "requirements" and path.lower().endswith(".in"))


def _project(files: Sequence[tuple[str, str]]) -> Project:
    has_ranges = any(is_range(p, f) for p, f in files)
    out: list[tuple[str, str, Role]] = []
    for path, fmt in files:
        if is_range(path, fmt):
            role: Role = "declared"
        elif fmt in LOCK_FORMATS - {"pip-freeze"}:
            role = "locked"
        else:  # requirements.txt or freeze output: a lock when paired, else both
            role = "locked" if has_ranges else "both"
        out.append((path, fmt, role))
    head = next((p for p, f in files if is_range(p, f)), files[0][0])
    return Project(head, tuple(out))


def group_explicit(files: Sequence[tuple[str, str]]) -> list[Project]:
    """Files the caller named: those in one directory are read as one project."""
    by_dir: dict[str, list[tuple[str, str]]] = {}
    for path, fmt in files:
        by_dir.setdefault(os.path.dirname(os.path.normpath(path)), []).append((path, fmt))
    return [_project(group) for group in by_dir.values()]


def _stem(path: str) -> str:
    """requirements-dev.in / requirements-dev.txt / requirements-dev.lock.txt -> requirements-dev."""
    name = os.path.basename(path)
    for suffix in (".lock.txt", ".txt", ".in", ".lock"):
        if name.lower().endswith(suffix):
            return os.path.join(os.path.dirname(path), name[: -len(suffix)])
    return path


def _take(entries: list[tuple[str, str]], pred: Callable[[tuple[str, str]], bool]) -> list[tuple[str, str]]:
    """Remove and return the entries ``pred`` accepts."""
    hit = [e for e in entries if pred(e)]
    for e in hit:
        entries.remove(e)
    return hit


def _same_stem(stem: str, entry: tuple[str, str]) -> bool:
    return entry[1] in ("requirements", "pip-freeze") and _stem(entry[0]) == stem


def group_discovered(files: Sequence[tuple[str, str]]) -> list[Project]:
    """Files found in directories, paired by convention within each directory.

    pyproject.toml pairs with uv.lock, poetry.lock and pylock*.toml beside it (or,
    with none of those and no requirements.in, with requirements.txt: the output
    of ``pip-compile pyproject.toml``); Pipfile with Pipfile.lock; ``X.in`` with
    ``X.txt``, ``X.lock.txt`` or ``X.lock``. What is left is read alone.
    """
    by_dir: dict[str, list[tuple[str, str]]] = {}
    for path, fmt in files:
        by_dir.setdefault(os.path.dirname(path), []).append((path, fmt))
    projects: list[Project] = []
    for left in by_dir.values():
        for pyproject in _take(left, lambda e: e[1] == "pyproject"):
            locks = _take(left, lambda e: e[1] in _PROJECT_LOCKS)
            if not locks and not any(os.path.basename(p).lower() == "requirements.in" for p, _ in left):
                locks = _take(left, lambda e: os.path.basename(e[0]).lower() == "requirements.txt")
            projects.append(_project([pyproject, *locks]))
        for pipfile in _take(left, lambda e: e[1] == "pipfile"):
            projects.append(_project([pipfile, *_take(left, lambda e: e[1] == "pipfile.lock")]))
        for source in _take(left, lambda e: e[1] == "requirements" and e[0].lower().endswith(".in")):
            locks = _take(left, partial(_same_stem, _stem(source[0])))
            projects.append(_project([source, *locks]))
        projects.extend(_project([e]) for e in left)
    return projects


def split_by_role(parsed: Lockfile, role: Role) -> tuple[tuple[Requirement, ...], tuple[LockedPackage, ...]]:
    """The requirements and pins a parsed file contributes in ``role``."""
    if role == "declared":
        return parsed.requirements, ()
    if role == "both":
        return parsed.requirements, parsed.packages
    pinned = {(p.origin.path, p.origin.line, p.origin.column) for p in parsed.packages}
    kept = tuple(r for r in parsed.requirements if (r.origin.path, r.origin.line, r.origin.column) not in pinned)
    return kept, parsed.packages


def dependencies(
    project: str, requirements: Iterable[Requirement], packages: Iterable[LockedPackage]
) -> list[Dependency]:
    """One Dependency per normalized name, sorted by name."""
    reqs: dict[str, list[Requirement]] = {}
    pins: dict[str, list[LockedPackage]] = {}
    for r in requirements:
        reqs.setdefault(r.name, []).append(r)
    for p in packages:
        pins.setdefault(p.name, []).append(p)
    return [
        Dependency(name, tuple(reqs.get(name, ())), tuple(pins.get(name, ())), project)
        for name in sorted(reqs.keys() | pins.keys())
    ]
