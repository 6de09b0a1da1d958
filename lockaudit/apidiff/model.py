"""The API summary of one wheel: lockaudit's own compact data model.

A summary is what the analysis subprocess reads from a wheel (statically,
never importing it) and what the cache keeps, keyed by the wheel's sha256:

- ``objects``: every object reachable from a public name, by its *canonical*
  path (where it is defined), as an :class:`ApiObject`;
- ``exposed``: every public import path (``werkzeug.security.generate_password_hash``,
  ``requests.Session``) and the canonical path it leads to;
- ``exported``: the exposed paths users are told to import (listed in an
  ``__all__``, or a top-level ``pkg.X``): ranked first in every list;
- ``entry_points``, ``requires_python``: from the wheel's ``.dist-info``;
- ``failed``: modules the loader could not read (their removals are not trusted).

Objects are NamedTuples over plain JSON lists, so decoding a cached summary
builds tuples, not classes: the cached diff of two summaries stays within
tens of milliseconds even for the largest packages.
"""

from __future__ import annotations

import zlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, NamedTuple

import orjson

__all__ = [
    "FORMAT_VERSION",
    "KIND_ATTRIBUTE",
    "KIND_CLASS",
    "KIND_EXTERNAL",
    "KIND_FUNCTION",
    "KIND_MODULE",
    "KIND_UNRESOLVED",
    "ApiObject",
    "ApiSummary",
    "Param",
    "SummaryDecodeError",
    "decode_summary",
    "encode_summary",
    "from_data",
    "to_data",
]

#: Bumped whenever the analysis reads wheels differently: cached summaries of
#: another version are never used (their key carries it, see ``store``).
FORMAT_VERSION = 1

KIND_MODULE = "module"
KIND_CLASS = "class"
KIND_FUNCTION = "function"
KIND_ATTRIBUTE = "attribute"
#: A public name bound to something outside the wheel (``from os import sep``).
KIND_EXTERNAL = "external"
#: A name inside the wheel whose target could not be followed (an alias cycle,
#: a conditional import): its changes are unknown.
KIND_UNRESOLVED = "unresolved"

#: Parameter kinds, short: positional-only, positional-or-keyword, *args,
#: keyword-only, **kwargs.
PARAM_KINDS = ("po", "pk", "vp", "ko", "vk")


class SummaryDecodeError(ValueError):
    """Bytes that are not a summary of this format version."""


class Param(NamedTuple):
    """One parameter: name, kind (``PARAM_KINDS``) and default as source text (None: required)."""

    name: str
    kind: str
    default: str | None

    @property
    def required(self) -> bool:
        return self.default is None and self.kind not in ("vp", "vk")


class ApiObject(NamedTuple):
    """One object as the diff rules see it.

    ``params`` is a function's signature, or a class's constructor (``self``
    left out); None when it cannot be known. ``deprecated`` is the message of
    a deprecation the object raises or is decorated with ("" when it has
    none to quote), None when it has none. ``members`` maps a class's own public
    member names to their canonical paths (``mro`` leads to the inherited ones).
    ``external_bases``: a class with bases outside the wheel, whose members
    may come from there. ``forwards``: for a module with a ``__getattr__``,
    the names it serves (``("*",)`` when that cannot be told); None without
    one. ``forward_warns``: that ``__getattr__`` warns. ``builtin``: a name
    rebound to a builtin (``str = str`` in a compat module). ``target``: where
    an external or unresolved name points.
    """

    kind: str
    params: tuple[Param, ...] | None = None
    deprecated: str | None = None
    members: Mapping[str, str] | None = None
    external_bases: bool = False
    forwards: tuple[str, ...] | None = None
    forward_warns: bool = False
    builtin: bool = False
    target: str | None = None
    #: For a module: every name bound in it at run time, public or not (a name that
    #: leaves ``__all__`` but stays importable is not removed).
    names: frozenset[str] | None = None
    #: For a class: its bases inside the wheel in method resolution order (canonical
    #: paths); ``members`` holds its own members, inherited ones are theirs.
    mro: tuple[str, ...] | None = None


@dataclass(frozen=True, slots=True)
class ApiSummary:
    """The public API of one wheel (see the module doc)."""

    name: str
    version: str
    filename: str
    sha256: str
    requires_python: str | None
    objects: Mapping[str, ApiObject]
    exposed: Mapping[str, str]
    exported: frozenset[str] = frozenset()
    entry_points: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    #: Module (or top-level package) -> why it could not be read.
    failed: Mapping[str, str] = field(default_factory=dict)
    #: Seconds the analysis took, and the analysis process's peak resident memory
    #: in MB when it was done (0: unknown); kept for the benchmark figures.
    seconds: float = 0.0
    peak_mb: float = 0.0

    def counts(self) -> dict[str, int]:
        """How many exposed paths lead to each kind of object (plus modules, entry points)."""
        out: dict[str, int] = {}
        for canonical in self.exposed.values():
            obj = self.objects.get(canonical)
            kind = obj.kind if obj is not None else KIND_UNRESOLVED
            out[kind] = out.get(kind, 0) + 1
        out["members"] = sum(len(o.members or ()) for o in self.objects.values())
        out["entry_points"] = sum(len(v) for v in self.entry_points.values())
        return out


# --------------------------------------------------------------------------- JSON form


def _param_row(p: Param) -> list[Any]:
    return [p.name, p.kind, p.default]


def _object_row(path: str, o: ApiObject) -> list[Any]:
    members = None
    if o.members is not None:
        # A class's own members are stored as "": their canonical path is the class's plus the name.
        members = {name: "" if canonical == f"{path}.{name}" else canonical for name, canonical in o.members.items()}
    row: list[Any] = [
        o.kind,
        None if o.params is None else [_param_row(p) for p in o.params],
        o.deprecated,
        members,
        o.external_bases,
        None if o.forwards is None else list(o.forwards),
        o.forward_warns,
        o.builtin,
        o.target,
        None if o.names is None else sorted(o.names),
        None if o.mro is None else list(o.mro),
    ]
    # Trailing defaults are left out: most objects are a kind and a signature.
    defaults = [None, None, None, None, False, None, False, False, None, None, None]
    while len(row) > 1 and row[-1] == defaults[len(row) - 1]:
        row.pop()
    return row


def to_data(summary: ApiSummary) -> dict[str, Any]:
    """The summary as JSON-ready data (what the analysis prints and the cache stores)."""
    return {
        "format": FORMAT_VERSION,
        "name": summary.name,
        "version": summary.version,
        "filename": summary.filename,
        "sha256": summary.sha256,
        "requires_python": summary.requires_python,
        "objects": {k: _object_row(k, v) for k, v in summary.objects.items()},
        "exposed": dict(summary.exposed),
        "exported": sorted(summary.exported),
        "entry_points": {g: dict(v) for g, v in summary.entry_points.items()},
        "failed": dict(summary.failed),
        "seconds": summary.seconds,
        "peak_mb": summary.peak_mb,
    }


_WIDTH = len(ApiObject._fields)
#: A Param from its row (checks the length; faster than ``Param(*row)`` when decoding thousands).
_param = Param._make


def _object(path: str, row: list[Any]) -> ApiObject:
    if not isinstance(row, list) or not row or len(row) > _WIDTH:
        raise ValueError(f"bad object row {row!r}")
    if len(row) < 2:
        return ApiObject(row[0])  # most attributes and modules: a kind alone
    row = row + [None] * (_WIDTH - len(row))
    kind, params, deprecated, members, external, forwards, warns, builtin, target, names, mro = row
    return ApiObject(
        kind,
        None if params is None else tuple(map(_param, params)),
        deprecated,
        None if members is None else {name: c or f"{path}.{name}" for name, c in members.items()},
        bool(external),
        None if forwards is None else tuple(forwards),
        bool(warns),
        bool(builtin),
        target,
        None if names is None else frozenset(names),
        None if mro is None else tuple(mro),
    )


def from_data(data: Mapping[str, Any]) -> ApiSummary:
    """A summary from :func:`to_data`'s form; SummaryDecodeError if it is not one."""
    try:
        if data.get("format") != FORMAT_VERSION:
            raise SummaryDecodeError(f"summary format {data.get('format')!r}, expected {FORMAT_VERSION}")
        return ApiSummary(
            name=str(data["name"]),
            version=str(data["version"]),
            filename=str(data["filename"]),
            sha256=str(data["sha256"]),
            requires_python=data.get("requires_python"),
            objects=MappingProxyType({k: _object(k, v) for k, v in data["objects"].items()}),
            exposed=MappingProxyType(dict(data["exposed"])),
            exported=frozenset(data.get("exported", ())),
            entry_points=MappingProxyType(
                {g: MappingProxyType(dict(v)) for g, v in data.get("entry_points", {}).items()}
            ),
            failed=MappingProxyType(dict(data.get("failed", {}))),
            seconds=float(data.get("seconds", 0.0)),
            peak_mb=float(data.get("peak_mb", 0.0)),
        )
    except SummaryDecodeError:
        raise
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise SummaryDecodeError(f"not an API summary: {type(exc).__name__}: {exc}") from None


def encode_summary(summary: ApiSummary) -> bytes:
    """Compact bytes for the cache: JSON, deflated."""
    return zlib.compress(orjson.dumps(to_data(summary)), 6)


def decode_summary(blob: bytes) -> ApiSummary:
    """The summary :func:`encode_summary` stored; SummaryDecodeError for anything else."""
    try:
        data = orjson.loads(zlib.decompress(blob))
    except (zlib.error, orjson.JSONDecodeError) as exc:
        raise SummaryDecodeError(f"not an API summary: {exc}") from None
    if not isinstance(data, dict):
        raise SummaryDecodeError("not an API summary: not a JSON object")
    return from_data(data)
