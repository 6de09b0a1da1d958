"""A fresh install's answer, kept in the index cache between runs.

The answer of :func:`~lockaudit.resolve.fresh.fresh_install_async` depends on
the inputs, the lock, the target, the as-of moment and the release histories
it read (release metadata never changes). It is stored under a key made of
the first four, with a fingerprint of every history it read; a later run with
the same key uses it while every one of those histories still has the same
fingerprint (:func:`~lockaudit.resolve.fresh.history_fingerprint`), and
resolves afresh otherwise. Only complete answers are kept: one with a
conflict or an unknown part is computed again each time.

A warm audit then reads one entry per project and target instead of running
the resolver (about half a warm audit's time on a 270-package lock). What is
kept is data (versions, the lock walk's issues): the audit's rules word it as
they word a fresh answer.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Mapping, Sequence
from datetime import datetime
from types import MappingProxyType
from typing import Any

import orjson

from .._target import Target
from ..index import IndexClient
from ..index.cache import CacheEntry
from ..index.history import ProjectHistory
from ..model import LockedPackage, Requirement
from . import metadata as md
from .environment import Environment
from .fresh import FreshInstall, FreshPackage, history_fingerprint
from .lock_walk import LockIssue, LockWalk

__all__ = ["FORMAT", "fresh_key", "load_fresh", "store_fresh"]

#: Version of the stored form; other versions are ignored (recomputed).
FORMAT = 1
_PREFIX = "fresh"


def _requirement(r: Requirement) -> list[Any]:
    return [
        r.name,
        r.pep440,
        sorted(r.extras),
        r.marker,
        r.constraint,
        str(r.source.kind),
        r.source.location,
        r.origin.path,
        r.origin.line,
    ]


def _pin(p: LockedPackage) -> list[Any]:
    return [p.name, p.version, p.marker, str(p.source.kind), p.source.location, p.origin.path, p.origin.line]


def fresh_key(
    requirements: Sequence[Requirement],
    pins: Sequence[LockedPackage],
    target: Target,
    as_of: datetime | None,
    *,
    prereleases: bool | None,
    flat: bool,
    complete: bool,
    indexes: Sequence[str],
) -> str:
    """The cache key of one fresh install's answer."""
    body = orjson.dumps(
        [
            FORMAT,
            [_requirement(r) for r in requirements],
            [_pin(p) for p in pins],
            [target.python, target.platform],
            as_of.isoformat() if as_of is not None else None,
            prereleases,
            flat,
            complete,
            list(indexes),
        ]
    )
    return f"{_PREFIX} {hashlib.sha256(body).hexdigest()}"


def _issue(issue: LockIssue, pins: Mapping[int, int], reqs: Mapping[int, int]) -> list[Any]:
    return [
        issue.kind,
        issue.package,
        pins.get(id(issue.locked)) if issue.locked is not None else None,
        reqs.get(id(issue.requirement)) if issue.requirement is not None else None,
        issue.required_by,
        issue.specifier,
        [reqs[id(r)] for r in issue.roots if id(r) in reqs],
        issue.reason,
        issue.requires_python,
        issue.python,
    ]


def _issue_of(row: list[Any], pins: Sequence[LockedPackage], reqs: Sequence[Requirement]) -> LockIssue:
    kind, package, locked, requirement, required_by, specifier, roots, reason, requires_python, python = row
    return LockIssue(
        kind,
        package,
        locked=pins[locked] if locked is not None else None,
        requirement=reqs[requirement] if requirement is not None else None,
        required_by=required_by,
        specifier=specifier,
        roots=tuple(reqs[i] for i in roots),
        reason=reason,
        requires_python=requires_python,
        python=python,
    )


def _json_default(value: Any) -> Any:
    if isinstance(value, Mapping):
        return dict(value)
    raise TypeError


def store_fresh(
    client: IndexClient,
    key: str,
    install: FreshInstall,
    pins: Sequence[LockedPackage],
    requirements: Sequence[Requirement],
) -> None:
    """Keep ``install`` under ``key`` (a complete answer only: one with a
    conflict or an unknown part is computed again each time)."""
    if install.resolution is None or install.conflict is not None or install.unknown_reason is not None:
        return
    if install.unknown or not install.lock_walk.complete:
        return
    if any(p.change == "unknown" for p in install.packages.values()):
        return
    index = {id(p): i for i, p in enumerate(pins)}
    reqs = {id(r): i for i, r in enumerate(requirements)}
    packages = [
        [
            p.name,
            p.change,
            index.get(id(p.locked)) if p.locked is not None else None,
            p.fresh,
            p.direct,
            p.newest,
            [list(h) for h in p.held_by],
            list(p.pulled_in_by),
            p.reason,
        ]
        for p in install.packages.values()
    ]
    # LA012 compares the dependencies of the locked and fresh releases of what changed.
    changed = {p.name for p in install.packages.values() if p.change in ("upgrade", "downgrade")}
    deps = {
        f"{name} {version}": md.encode(value).decode()
        for (name, version), value in install.dependencies.items()
        if value.known and name in changed
    }
    body = orjson.dumps(
        {
            "format": FORMAT,
            "read": dict(install.read),
            "packages": packages,
            "lock_issues": [_issue(i, index, reqs) for i in install.lock_walk.issues],
            "lock_top": {n: [reqs[id(r)] for r in rs if id(r) in reqs] for n, rs in install.lock_walk.top.items()},
            "locked": {name: index[id(p)] for name, p in install.locked.items() if id(p) in index},
            "dependencies": deps,
        },
        default=_json_default,
    )
    try:
        client.cache.put_many({key: CacheEntry(body, time.time())})
    except Exception:
        return


def load_fresh(
    client: IndexClient,
    key: str,
    pins: Sequence[LockedPackage],
    requirements: Sequence[Requirement],
    env: Environment,
    as_of: datetime | None,
    histories: Mapping[str, ProjectHistory],
) -> tuple[FreshInstall | None, list[str]]:
    """The answer stored under ``key`` if every history it read is unchanged.

    ``histories`` are the run's histories by name; returns the answer (None:
    none stored, another format, or something changed) and the names of the
    histories it needs that ``histories`` lacks (the caller loads them and
    asks again)."""
    if client.refresh:
        return None, []
    try:
        entry = client.cache.get_many([key]).get(key)
    except Exception:
        return None, []
    if entry is None:
        return None, []
    try:
        doc = orjson.loads(entry.data)
        if doc.get("format") != FORMAT:
            return None, []
        read: dict[str, str] = doc["read"]
        missing = [n for n in read if n not in histories]
        if missing:
            return None, missing
        if any(history_fingerprint(histories[n]) != fp for n, fp in read.items()):
            return None, []
        packages: dict[str, FreshPackage] = {}
        for name, change, locked, fresh, direct, newest, held_by, pulled, reason in doc["packages"]:
            packages[name] = FreshPackage(
                name,
                change,
                locked=pins[locked] if locked is not None else None,
                fresh=fresh,
                direct=direct,
                newest=newest,
                held_by=tuple((a, b) for a, b in held_by),
                pulled_in_by=tuple(pulled),
                reason=reason,
            )
        dependencies: dict[tuple[str, str], md.ReleaseDependencies] = {}
        for text, encoded in doc["dependencies"].items():
            name, version = text.split(" ", 1)
            value = md.decode(encoded.encode())
            if value is not None:
                dependencies[(name, version)] = value
        install = FreshInstall(
            target=env.target,
            environment=env,
            as_of=as_of,
            packages=MappingProxyType(packages),
            lock_walk=LockWalk(
                tuple(_issue_of(r, pins, requirements) for r in doc["lock_issues"]),
                {n: tuple(requirements[i] for i in rs) for n, rs in doc["lock_top"].items()},
            ),
            locked=MappingProxyType({name: pins[i] for name, i in doc["locked"].items()}),
            dependencies=dependencies,
            read=read,
        )
    except (orjson.JSONDecodeError, KeyError, TypeError, ValueError, IndexError):
        return None, []
    return install, []
