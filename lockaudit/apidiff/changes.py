"""What an upgrade changes in a package's API, as plain data.

An :class:`ApiDiff` holds the :class:`ApiChange` items the diff rules found
between two summaries (and those they suppressed as known noise, with the
reason); an :class:`ApiUnknown` says why there is no diff (only an sdist, the
wheel could not be fetched or read, the analysis hit its limits). Presenters
read these; nothing here fetches or prints.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..index.history import FileInfo

__all__ = [
    "DEFAULTS",
    "DEPRECATIONS",
    "DISTRIBUTION",
    "FAMILIES",
    "REMOVALS",
    "SIGNATURES",
    "ApiChange",
    "ApiDiff",
    "ApiUnknown",
    "ReleaseRef",
]

# Kinds of change, by family (each family is one rule code in the audit).
DEFAULTS = ("default-changed",)
REMOVALS = (
    "object-removed",
    "object-moved",
    "object-renamed",
    "kind-changed",
    "parameter-removed",
    "parameter-renamed",
)
SIGNATURES = ("parameter-moved", "parameter-kind-changed", "parameter-required", "parameter-added-required")
DEPRECATIONS = ("deprecated",)
DISTRIBUTION = ("module-removed", "entry-point-removed", "requires-python-changed")
#: Family name -> its kinds, in the order reports list them.
FAMILIES: Mapping[str, tuple[str, ...]] = {
    "defaults": DEFAULTS,
    "removals": REMOVALS,
    "signatures": SIGNATURES,
    "deprecations": DEPRECATIONS,
    "distribution": DISTRIBUTION,
}


@dataclass(frozen=True, slots=True)
class ReleaseRef:
    """One release to read: its files as the caller sees them (an audit's ``--as-of`` applied)."""

    name: str
    version: str
    files: tuple[FileInfo, ...]


_KIND_WORDS = {
    "po": "positional-only",
    "pk": "positional or keyword",
    "vp": "*args",
    "ko": "keyword-only",
    "vk": "**kwargs",
}


def _short(path: str) -> str:
    """``werkzeug.security.generate_password_hash`` -> ``security.generate_password_hash``."""
    head, _, rest = path.partition(".")
    return rest or head


@dataclass(frozen=True, slots=True)
class ApiChange:
    """One change. ``path`` is the public path users import (the best ranked of
    those that lead to the object); ``parameter`` the parameter concerned;
    ``old``/``new`` the values compared (defaults as source text, kinds,
    positions, names). ``confidence`` is "high", or "low" with ``note`` saying
    why; a suppressed change carries the reason in ``note``. ``exported``: the
    path is one users are told to import (``__all__``, ``pkg.X``)."""

    kind: str
    path: str
    parameter: str | None = None
    old: str | None = None
    new: str | None = None
    confidence: str = "high"
    note: str | None = None
    exported: bool = False

    @property
    def low_confidence(self) -> bool:
        return self.confidence == "low"

    def text(self, limit: int | None = None) -> str:
        """One line for people: ``security.generate_password_hash(method) 'pbkdf2:sha256' -> 'scrypt'``
        (at most ``limit`` characters, cut with "...")."""
        line = self._text()
        if limit is not None and len(line) > limit:
            line = line[: max(0, limit - 3)].rstrip() + "..."
        return line

    def _text(self) -> str:
        name = _short(self.path)
        call = f"{name}({self.parameter})" if self.parameter else name
        kind = self.kind
        if kind == "default-changed":
            line = f"{call} {self.old} -> {self.new}"
        elif kind == "object-removed":
            line = f"{name} removed"
        elif kind == "object-moved":
            line = f"{name} removed (still importable as {self.new})"
        elif kind == "object-renamed":
            line = f"{name} renamed to {_short(self.new or '')}"
        elif kind == "kind-changed":
            line = f"{name} is now {_article(self.new)} (was {_article(self.old)})"
        elif kind == "parameter-removed":
            line = f"{call} removed"
        elif kind == "parameter-renamed":
            line = f"{call} renamed to {self.new}"
        elif kind == "parameter-moved":
            line = f"{call} moved from position {self.old} to {self.new}"
        elif kind == "parameter-kind-changed":
            now, was = _KIND_WORDS.get(self.new or "", self.new), _KIND_WORDS.get(self.old or "", self.old)
            line = f"{call} is now {now} (was {was})"
        elif kind == "parameter-required":
            line = f"{call} is now required (default was {self.old})"
        elif kind == "parameter-added-required":
            line = f"{call} added, required"
        elif kind == "deprecated":
            line = f"{name} now warns" + (f": {self.new}" if self.new else " of its deprecation")
        elif kind == "module-removed":
            line = f"module {self.path} removed"
        elif kind == "entry-point-removed":
            line = f"entry point {self.path} removed"
        elif kind == "requires-python-changed":
            line = f"Requires-Python {self.old or '(any)'} -> {self.new or '(any)'}"
        else:  # pragma: no cover - every kind above
            line = f"{kind} {name}"
        if self.low_confidence:
            line += f" (low confidence: {self.note})" if self.note else " (low confidence)"
        return line

    def to_data(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "path": self.path,
            "parameter": self.parameter,
            "old": self.old,
            "new": self.new,
            "confidence": self.confidence,
            "note": self.note,
            "exported": self.exported,
            "text": self.text(),
        }


def _article(kind: str | None) -> str:
    kind = kind or "?"
    return ("an " if kind[:1] in "aeiou" else "a ") + kind


@dataclass(frozen=True, slots=True)
class ApiDiff:
    """The API changes from ``old_version`` to ``new_version`` of ``package``."""

    package: str
    old_version: str
    new_version: str
    old_wheel: str
    new_wheel: str
    changes: tuple[ApiChange, ...] = ()
    #: Known noise left out (stub defaults, builtins, external bases, __getattr__ forwards), with the reason.
    suppressed: tuple[ApiChange, ...] = ()
    #: How big each side was, for the record: kind -> count.
    old_counts: Mapping[str, int] = field(default_factory=dict)
    new_counts: Mapping[str, int] = field(default_factory=dict)

    def of_kinds(self, kinds: tuple[str, ...]) -> tuple[ApiChange, ...]:
        return tuple(c for c in self.changes if c.kind in kinds)

    def family_counts(self) -> dict[str, int]:
        return {family: len(self.of_kinds(kinds)) for family, kinds in FAMILIES.items()}

    def to_data(self) -> dict[str, Any]:
        return {
            "package": self.package,
            "old_version": self.old_version,
            "new_version": self.new_version,
            "old_wheel": self.old_wheel,
            "new_wheel": self.new_wheel,
            "status": "known",
            "counts": self.family_counts(),
            "changes": [c.to_data() for c in self.changes],
            "suppressed": [c.to_data() for c in self.suppressed],
        }


@dataclass(frozen=True, slots=True)
class ApiUnknown:
    """No diff: ``reason`` says why (said in reports as "API unknown: ...")."""

    package: str
    old_version: str
    new_version: str
    reason: str
    #: The analysis could not run here at all (griffe missing): a set-up matter, not the package's.
    unavailable: bool = False

    def to_data(self) -> dict[str, Any]:
        return {
            "package": self.package,
            "old_version": self.old_version,
            "new_version": self.new_version,
            "status": "unknown",
            "reason": self.reason,
        }
