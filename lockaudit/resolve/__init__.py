"""Fresh resolutions, lock files, and lock consistency.

- :func:`resolve` / :func:`resolve_async`: what a fresh install would pick
  today (or as of a date) for a target environment, as a :class:`Resolution`;
- :mod:`.writers`: the resolution as a pinned requirements file with hashes and
  ``# via`` provenance, or as a PEP 751 ``pylock.toml``;
- :func:`check` / :func:`check_async`: whether a lock satisfies its inputs and
  is closed, and how a fresh resolution differs from it, as findings.

Modules: ``environment`` (target markers, Requires-Python, wheel tags),
``candidates`` (admissible versions through the core), ``metadata`` (compact
dependency metadata), ``repository`` (batched index access), ``provider`` and
``reporter`` (the resolvelib seam), ``resolver``, ``conflicts``, ``writers``,
``check``.
"""

from __future__ import annotations

import sys
import types
from typing import Any

from .check import CheckResult, check, check_async, lock_consistency, transitive_drift
from .conflicts import (
    ConflictCause,
    PackageAvailability,
    ResolutionConflict,
    ResolutionTooComplex,
)
from .environment import Environment, Target
from .resolver import (
    Pin,
    Resolution,
    SkippedRequirement,
    parse_as_of,
    requirements_from,
    resolve,
    resolve_async,
)
from .writers import write_pylock, write_requirements

__all__ = [
    "CheckResult",
    "ConflictCause",
    "Environment",
    "PackageAvailability",
    "Pin",
    "Resolution",
    "ResolutionConflict",
    "ResolutionTooComplex",
    "SkippedRequirement",
    "Target",
    "check",
    "check_async",
    "lock_consistency",
    "parse_as_of",
    "requirements_from",
    "resolve",
    "resolve_async",
    "transitive_drift",
    "write_pylock",
    "write_requirements",
]


class _CallablePackage(types.ModuleType):
    """``lockaudit.resolve(...)`` calls :func:`resolve` even when the attribute
    ``lockaudit.resolve`` is this package (it is, once anything imported a
    submodule before the lazy top-level name was first read)."""

    def __call__(self, *args: Any, **kwargs: Any) -> Resolution:
        return resolve(*args, **kwargs)


sys.modules[__name__].__class__ = _CallablePackage
