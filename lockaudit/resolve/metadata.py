"""A release's dependencies in the compact form the resolver reads and caches.

Core metadata (PEP 658 file, wheel METADATA, reliable sdist PKG-INFO) is reduced
once to what resolution needs: Requires-Python, Provides-Extra and the
Requires-Dist lines already parsed (normalized name, PEP 440 specifier, extras,
marker). That form is a few hundred bytes, is immutable like the metadata it
comes from, and is what the resolver's cache keeps forever; a warm resolution
decodes it with one ``orjson.loads`` and never parses a requirement again.

A release whose metadata cannot be read has *unknown* dependencies: that is a
value with a reason, never a guess.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import orjson
from packaging.requirements import InvalidRequirement
from packaging.requirements import Requirement as _PkgRequirement
from packaging.utils import canonicalize_name

from ..index.metadata import CoreMetadata
from .environment import Environment

__all__ = ["FORMAT", "Dependency", "ReleaseDependencies", "decode", "encode", "from_core_metadata", "unknown"]

#: Version of the encoded form; entries of another version are ignored (refetched).
FORMAT = 1


@dataclass(frozen=True, slots=True)
class Dependency:
    """One Requires-Dist line, parsed."""

    #: PEP 503 normalized name.
    name: str
    #: PEP 440 specifier set ("" when there is none).
    specifier: str
    #: Normalized extras requested of it.
    extras: tuple[str, ...] = ()
    marker: str | None = None
    #: When the marker is ``... and extra == "x"`` (the usual form of an optional
    #: dependency): "x". Lets the base package skip it without evaluating.
    only_extra: str | None = None

    def __str__(self) -> str:
        text = self.name
        if self.extras:
            text += f"[{','.join(self.extras)}]"
        text += self.specifier
        if self.marker:
            text += f"; {self.marker}"
        return text


@dataclass(frozen=True, slots=True)
class ReleaseDependencies:
    """What one release depends on, or why that is unknown."""

    known: bool
    requires_python: str | None = None
    dependencies: tuple[Dependency, ...] = ()
    #: Normalized Provides-Extra.
    extras: frozenset[str] = frozenset()
    #: Requires-Dist lines that are not valid PEP 508 (skipped, reported).
    invalid: tuple[str, ...] = ()
    #: How the metadata was obtained ("metadata-file", "range", "download", ...).
    source: str | None = None
    #: Why the dependencies are unknown (``known`` False).
    reason: str | None = None

    def applicable(self, env: Environment, extra: str = "") -> Iterator[Dependency]:
        """The dependencies that apply in ``env`` for the package itself
        (``extra`` "") or for one of its extras."""
        for dep in self.dependencies:
            only = dep.only_extra
            if only is not None and only != extra:
                continue
            if dep.marker is None or env.evaluate(dep.marker, extra):
                yield dep


def unknown(reason: str) -> ReleaseDependencies:
    return ReleaseDependencies(known=False, reason=reason)


def _only_extra(marker: object) -> str | None:
    """ "x" when a parsed marker is a conjunction containing ``extra == "x"``."""
    items = getattr(marker, "_markers", None)
    if not isinstance(items, list):
        return None
    if any(isinstance(op, str) and op != "and" for op in items[1::2]):
        return None
    for item in items[0::2]:
        if isinstance(item, tuple) and len(item) == 3:
            left, op, right = item
            if getattr(op, "value", None) != "==":
                continue
            for var, val in ((left, right), (right, left)):
                if type(var).__name__ == "Variable" and var.value == "extra" and type(val).__name__ == "Value":
                    return canonicalize_name(val.value)
    return None


def from_core_metadata(meta: CoreMetadata) -> ReleaseDependencies:
    deps: list[Dependency] = []
    invalid: list[str] = []
    for line in meta.requires_dist:
        try:
            req = _PkgRequirement(line)
        except InvalidRequirement:
            invalid.append(line)
            continue
        if req.url:
            invalid.append(line)  # a direct reference in published metadata: not resolvable here
            continue
        marker = str(req.marker) if req.marker is not None else None
        deps.append(
            Dependency(
                name=canonicalize_name(req.name),
                specifier=str(req.specifier),
                extras=tuple(sorted(canonicalize_name(e) for e in req.extras)),
                marker=marker,
                only_extra=_only_extra(req.marker) if req.marker is not None else None,
            )
        )
    return ReleaseDependencies(
        known=True,
        requires_python=meta.requires_python or None,
        dependencies=tuple(deps),
        extras=frozenset(canonicalize_name(e) for e in meta.provides_extra),
        invalid=tuple(invalid),
        source=meta.source,
    )


def encode(value: ReleaseDependencies) -> bytes:
    """The compact bytes of ``value`` (what the cache stores)."""
    return orjson.dumps(
        [
            FORMAT,
            value.known,
            value.requires_python,
            sorted(value.extras),
            [[d.name, d.specifier, list(d.extras), d.marker, d.only_extra] for d in value.dependencies],
            list(value.invalid),
            value.source,
            value.reason,
        ]
    )


def decode(data: bytes) -> ReleaseDependencies | None:
    """What :func:`encode` wrote, or None for anything else (then refetch)."""
    try:
        fmt, known, rp, extras, deps, invalid, source, reason = orjson.loads(data)
        if fmt != FORMAT:
            return None
        return ReleaseDependencies(
            known=known,
            requires_python=rp,
            dependencies=tuple(Dependency(n, s, tuple(x), m, o) for n, s, x, m, o in deps),
            extras=frozenset(extras),
            invalid=tuple(invalid),
            source="cache" if known else source,
            reason=reason,
        )
    except (orjson.JSONDecodeError, TypeError, ValueError):
        return None
