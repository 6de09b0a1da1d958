"""Pair range files with the locks that pin them, and match entries by name.

A project is a range file (requirements.in, pyproject.toml, Pipfile) and its
locks (requirements.txt, poetry.lock, uv.lock, pylock*.toml, Pipfile.lock),
or a lone file. Within a project, requirements and pins meet by PEP 503 name
in a :class:`~lockaudit.model.Dependency`.

Files found in directories pair by evidence, never by mere proximity (see
``evidence.py``): the command in a lock's header, its ``# via`` lines, its own
record of what it was made from, and the names tools give their files
(``X.in`` -> ``X.txt``; uv.lock, poetry.lock, Pipfile.lock beside the file they
lock). A hand-written requirements.txt beside a pyproject.toml is no lock of
it: it is read alone. A file that only includes others (``-r``) is not a lock
of its own: when the files it includes are read anyway, it adds nothing. Every
file says why it was read as it was (:attr:`Project.reasons`).

Roles: a range file's lines are ranges; a lock's are pins; a requirements-style
lock (requirements.txt, freeze) that is paired gives pins for its exact pins and
keeps its other lines (``>=``, URLs, ``-e``) as requirements, never dropping
them; a lone requirements-style file is both (every line a range, every exact
pin also a pin). A uv.lock read without its pyproject.toml is both too: the
project's metadata it records are the ranges.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from ..model import Dependency, LockedPackage, Lockfile, Requirement, Role
from .detect import LOCK_FORMATS, RANGE_FORMATS
from .evidence import Evidence, evidence_of, resolve

__all__ = [
    "Project",
    "dependencies",
    "group_discovered",
    "group_explicit",
    "is_range",
    "split_by_role",
]

#: (path) -> its text, or None when it cannot be read.
TextOf = Callable[[str], "str | None"]


@dataclass(frozen=True, slots=True)
class Project:
    """Files read together: (path, format, role) each, and the project's label.

    ``reasons`` says, per path, why the file was read in that role and paired
    with the others (the evidence); ``lookup`` gives it by path.
    """

    label: str
    files: tuple[tuple[str, str, Role], ...]
    reasons: tuple[tuple[str, str], ...] = field(default=())

    def reason(self, path: str) -> str:
        return dict(self.reasons).get(path, "")


def is_range(path: str, fmt: str) -> bool:
    """Whether a file declares ranges rather than pins."""
    return fmt in RANGE_FORMATS or (fmt == "requirements" and path.lower().endswith(".in"))


def _project(
    files: Sequence[tuple[str, str]], reasons: dict[str, str] | None = None, declared: Iterable[str] = ()
) -> Project:
    """A project of ``files``; those in ``declared`` (inputs a lock names) declare ranges."""
    inputs = set(declared)
    has_ranges = any(is_range(p, f) or p in inputs for p, f in files)
    out: list[tuple[str, str, Role]] = []
    for path, fmt in files:
        if is_range(path, fmt) or path in inputs:
            role: Role = "declared"
        elif fmt == "uv.lock":
            role = "locked" if has_ranges else "both"  # alone, its project metadata are the ranges
        elif fmt in LOCK_FORMATS - {"pip-freeze"}:
            role = "locked"
        else:  # requirements.txt or freeze output: a lock when paired, else both
            role = "locked" if has_ranges else "both"
        out.append((path, fmt, role))
    head = next((p for p, f in files if is_range(p, f) or p in inputs), files[0][0])
    return Project(head, tuple(out), tuple((reasons or {}).items()))


def group_explicit(files: Sequence[tuple[str, str]]) -> list[Project]:
    """Files the caller named: those in one directory are read as one project."""
    by_dir: dict[str, list[tuple[str, str]]] = {}
    for path, fmt in files:
        by_dir.setdefault(os.path.dirname(os.path.normpath(path)), []).append((path, fmt))
    projects = []
    for group in by_dir.values():
        if len(group) == 1:
            reasons = {group[0][0]: "named alone"}
        else:
            reasons = {p: "named together with the other files of its directory" for p, _ in group}
        projects.append(_project(group, reasons))
    return projects


def _stem(path: str) -> str:
    """requirements-dev.in / requirements-dev.txt / requirements-dev.lock.txt -> requirements-dev."""
    name = os.path.basename(path)
    for suffix in (".lock.txt", ".txt", ".in", ".lock"):
        if name.lower().endswith(suffix):
            return os.path.join(os.path.dirname(path), name[: -len(suffix)])
    return path


class _Pairer:
    """Assigns every discovered lock to the range files its evidence names."""

    def __init__(self, files: Sequence[tuple[str, str]], text_of: TextOf) -> None:
        self.files = [(os.path.normpath(p), f) for p, f in files]
        self.fmt = dict(self.files)
        self.known = set(self.fmt)
        self.evidence = {p: evidence_of(p, f, text_of(p)) for p, f in self.files}

    def _beside(self, lock: str, name: str) -> str | None:
        candidate = os.path.join(os.path.dirname(lock), name)
        return candidate if candidate in self.known else None

    def _pyproject_beside(self, lock: str) -> str | None:
        candidate = self._beside(lock, "pyproject.toml")
        return candidate if candidate and self.fmt[candidate] == "pyproject" else None

    def _resolved(self, lock: str, written: Iterable[str], ev: Evidence) -> list[str]:
        found = []
        for w in written:
            hit = resolve(w, lock, ev.output, self.known)
            if hit is not None and hit != lock:
                found.append(hit)
        return list(dict.fromkeys(found))

    def ranges_of(self, lock: str) -> tuple[list[str], str]:
        """The range files ``lock`` was made from, and the evidence that says so."""
        fmt = self.fmt[lock]
        ev = self.evidence[lock]
        name = os.path.basename(lock)
        if fmt == "uv.lock":
            pyproject = self._pyproject_beside(lock)
            if pyproject is None:
                return [], "uv.lock with no pyproject.toml beside it: read alone (its project metadata are the ranges)"
            own = self.evidence[pyproject].project_name
            if ev.root and own and _same_name(ev.root, own):
                return [
                    pyproject
                ], f"uv's lock of the pyproject.toml beside it (its root package {ev.root!r} is that project)"
            return [pyproject], "uv writes uv.lock beside the pyproject.toml it locks"
        if fmt == "poetry.lock":
            pyproject = self._pyproject_beside(lock)
            if pyproject is None:
                return [], "poetry.lock with no pyproject.toml beside it: read alone"
            return [pyproject], "Poetry writes poetry.lock beside the pyproject.toml it locks"
        if fmt == "pipfile.lock":
            pipfile = self._beside(lock, "Pipfile")
            if pipfile is None:
                return [], "Pipfile.lock with no Pipfile beside it: read alone"
            return [pipfile], "pipenv writes Pipfile.lock beside the Pipfile it locks"
        # pylock and requirements-style files: what made them?
        named = self._resolved(lock, ev.inputs, ev)
        if named:
            return named, f"its header says `{_command_name(ev.command)}` made it from {', '.join(ev.inputs)}"
        if ev.from_project:
            pyproject = self._pyproject_beside(lock)
            if pyproject:
                return [pyproject], f"its header says `{_command_name(ev.command)}` made it from the project"
        if fmt == "pylock":
            return self._pylock_ranges(lock, ev)
        stem = _stem(lock)
        same = [p for p in self.known if p != lock and _stem(p) == stem and p.lower().endswith(".in")]
        if same:
            return same, f"same name as {os.path.basename(same[0])} (pip-compile's X.in -> X.txt)"
        via = self._resolved(lock, ev.via_files, ev)
        via_ranges = [p for p in via if is_range(p, self.fmt[p])]
        if via_ranges:
            shown = ", ".join(os.path.basename(p) for p in via_ranges)
            return via_ranges, f"its '# via -r' lines name {shown}"
        projects = self._resolved(lock, ev.via_projects, ev)
        projects = [p for p in projects if self.fmt[p] == "pyproject"]
        if projects:
            return projects[:1], f"its '# via ... ({os.path.basename(projects[0])})' lines name the project"
        if ev.include_only:
            return [], "only includes other files (-r)"
        why = "no header, '# via' line or name ties it to a range file: read alone"
        return [], why if name.lower() != "requirements.txt" else why + " (a hand-written requirements.txt)"

    def _pylock_ranges(self, lock: str, ev: Evidence) -> tuple[list[str], str]:
        tool = ev.tool or "an unknown tool"
        if tool == "pipenv":
            pipfile = self._beside(lock, "Pipfile")
            if pipfile is not None:
                if os.path.basename(lock) in self.evidence[pipfile].pylock_names:
                    return [pipfile], "created by pipenv, and the Pipfile beside it sets use_pylock"
                return [pipfile], "created by pipenv beside a Pipfile"
        if ev.root == ".":
            pyproject = self._pyproject_beside(lock)
            if pyproject is not None:
                return [pyproject], f"created by {tool}; it locks the project in its directory ('.')"
        beside = self._pyproject_beside(lock) if tool in ("pdm", "poetry", "uv") else None
        if beside is not None:
            return [beside], f"created by {tool}, which locks the pyproject.toml beside it"
        return [], f"created by {tool}, which does not record what it was made from: read alone"


def _same_name(a: str, b: str) -> bool:
    from packaging.utils import canonicalize_name

    return canonicalize_name(a) == canonicalize_name(b)


def _command_name(command: str | None) -> str:
    """ "uv pip compile", "uv export", "pip-compile": the tool's words before its options."""
    words = []
    for word in (command or "").split():
        if word.startswith("-") or "." in word or "/" in word:
            break
        words.append(word)
    return " ".join(words[:3]) or "a tool"


def group_discovered(files: Sequence[tuple[str, str]], text_of: TextOf | None = None) -> list[Project]:
    """Files found in directories, paired by evidence (see the module docstring).

    ``text_of`` gives a file's text for its evidence (None: names alone decide).
    """
    pairer = _Pairer(files, text_of or (lambda _p: None))
    original = {os.path.normpath(p): p for p, _ in files}
    claims: dict[tuple[str, ...], list[str]] = {}
    reasons: dict[str, str] = {}
    alone: list[str] = []
    for path, fmt in pairer.files:
        if is_range(path, fmt):
            continue
        ranges, why = pairer.ranges_of(path)
        reasons[path] = why
        if ranges:
            claims.setdefault(tuple(sorted(ranges)), []).append(path)
        else:
            alone.append(path)
    projects: list[Project] = []
    claimed: set[str] = set()
    for claim, locks in claims.items():
        claimed.update(claim)
        members = [(original[p], pairer.fmt[p]) for p in (*claim, *locks)]
        reason_of = {original[p]: reasons[p] for p in locks}
        for r in claim:
            reason_of[original[r]] = "declares the ranges; pinned by " + ", ".join(os.path.basename(p) for p in locks)
        projects.append(_project(members, reason_of, declared=[original[r] for r in claim]))
    for path, fmt in pairer.files:
        if is_range(path, fmt) and path not in claimed:
            projects.append(_project([(original[path], fmt)], {original[path]: "declares ranges; no lock names it"}))
    for path in alone:
        if path not in claimed:  # a lone file another lock was made from is read as that lock's input
            projects.append(_include_only(pairer, path, original, reasons[path]))
    order = {p: i for i, (p, _) in enumerate(files)}
    projects.sort(key=lambda pr: min(order.get(p, 0) for p, _, _ in pr.files))
    return projects


def _include_only(pairer: _Pairer, path: str, original: dict[str, str], why: str) -> Project:
    """A lone file; one that only includes files read on their own adds nothing."""
    ev = pairer.evidence[path]
    if ev.include_only:
        targets = [resolve(w, path, None, pairer.known) for w in ev.includes]
        if all(t is not None for t in targets):
            shown = ", ".join(os.path.basename(t) for t in targets if t)
            reason = f"only includes other files (-r {shown}), which are audited on their own"
            return Project(
                original[path], ((original[path], pairer.fmt[path], "includes"),), ((original[path], reason),)
            )
        why = "only includes other files (-r), some found nowhere else: read through it"
    return _project([(original[path], pairer.fmt[path])], {original[path]: why})


def split_by_role(
    parsed: Lockfile, role: Role, fmt: str = "requirements"
) -> tuple[tuple[Requirement, ...], tuple[LockedPackage, ...]]:
    """The requirements and pins a parsed file contributes in ``role``."""
    if role == "includes":
        return (), ()
    if role == "declared":
        return parsed.requirements, ()
    if role == "both":
        return parsed.requirements, parsed.packages
    if fmt not in ("requirements", "pip-freeze"):
        return (), parsed.packages  # a lock's record of its inputs yields to the range file
    pinned = {(p.origin.path, p.origin.line, p.origin.column) for p in parsed.packages}
    kept = tuple(r for r in parsed.requirements if (r.origin.path, r.origin.line, r.origin.column) not in pinned)
    return kept, parsed.packages


def dependencies(
    project: str, requirements: Iterable[Requirement], packages: Iterable[LockedPackage]
) -> list[Dependency]:
    """One Dependency per normalized name, sorted by name.

    Every pin is kept. When a lock pins a name once per group (Pipfile.lock's
    default and develop resolved apart), the pins of the groups that declare
    it come first: the develop pin of a dev-packages requirement is its pin.
    """
    reqs: dict[str, list[Requirement]] = {}
    pins: dict[str, list[LockedPackage]] = {}
    for r in requirements:
        reqs.setdefault(r.name, []).append(r)
    for p in packages:
        pins.setdefault(p.name, []).append(p)
    out = []
    for name in sorted(reqs.keys() | pins.keys()):
        declared = reqs.get(name, [])
        locked = pins.get(name, [])
        groups = {_lock_group(r.group) for r in declared}
        if len(locked) > 1 and groups:
            # sorted() is stable: pins of other groups keep their order, after these
            locked = sorted(locked, key=lambda p: not (set(p.groups) & groups) if p.groups else False)
        out.append(Dependency(name, tuple(declared), tuple(locked), project))
    return out


def _lock_group(group: str | None) -> str:
    """The group a lock files a requirement of ``group`` under (Pipfile's [packages]: default)."""
    return "default" if group is None else group
