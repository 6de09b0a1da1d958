"""Fresh resolutions, lock files, and lock consistency.

- :func:`resolve` / :func:`resolve_async`: what a fresh install would pick
  today (or as of a date) for a target environment, as a :class:`Resolution`;
- :mod:`.writers`: the resolution as a pinned requirements file with hashes and
  ``# via`` provenance, or as a PEP 751 ``pylock.toml``;
- :func:`check` / :func:`check_async`: whether a lock satisfies its inputs and
  is closed, and how a fresh resolution differs from it, as findings (from
  :mod:`lockaudit.audit.lock_check`, where they are worded; the walk itself is
  :mod:`.lock_walk`, the comparison :mod:`.fresh`).

Modules: ``environment`` (target markers, Requires-Python, wheel tags),
``candidates`` (admissible versions through the core), ``metadata`` (compact
dependency metadata), ``repository`` (batched index access), ``provider`` and
``reporter`` (the resolvelib seam), ``resolver``, ``conflicts``, ``writers``,
``lock_walk`` (a lock walked from its inputs), ``fresh`` (a fresh install
set against a lock), ``fresh_cache``.

``check`` (and what it pulls in: the audit rules, the findings) and
``writers`` are imported on first use, so ``lockaudit lock`` never loads the
former.
"""

from __future__ import annotations

import importlib
import sys
import types
from typing import TYPE_CHECKING, Any

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
    ResolveOptions,
    SkippedRequirement,
    parse_as_of,
    requirements_from,
    resolve,
    resolve_async,
)

if TYPE_CHECKING:
    from ..audit.lock_check import CheckOptions, CheckResult, check, check_async
    from ..audit.rules.lock import transitive_drift
    from .writers import lock_command, write_pylock, write_requirements

#: Public names loaded on first use -> their module. ``check`` and its kin
#: live with the audit's rules since the findings are worded there; they stay
#: reachable here as before (imported when first used: no import cycle).
_LAZY = {
    "CheckOptions": "lockaudit.audit.lock_check",
    "CheckResult": "lockaudit.audit.lock_check",
    "check": "lockaudit.audit.lock_check",
    "check_async": "lockaudit.audit.lock_check",
    "transitive_drift": "lockaudit.audit.rules.lock",
    "lock_command": ".writers",
    "write_pylock": ".writers",
    "write_requirements": ".writers",
}

__all__ = [
    "CheckOptions",
    "CheckResult",
    "ConflictCause",
    "Environment",
    "PackageAvailability",
    "Pin",
    "Resolution",
    "ResolutionConflict",
    "ResolutionTooComplex",
    "ResolveOptions",
    "SkippedRequirement",
    "Target",
    "check",
    "check_async",
    "lock_command",
    "parse_as_of",
    "requirements_from",
    "resolve",
    "resolve_async",
    "transitive_drift",
    "write_pylock",
    "write_requirements",
]


def __getattr__(name: str) -> Any:  # PEP 562
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module, __name__ if module.startswith(".") else None), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY})


class _CallablePackage(types.ModuleType):
    """``lockaudit.resolve(...)`` calls :func:`resolve` even when the attribute
    ``lockaudit.resolve`` is this package (it is, once anything imported a
    submodule before the lazy top-level name was first read)."""

    def __call__(self, *args: Any, **kwargs: Any) -> Resolution:
        return resolve(*args, **kwargs)


sys.modules[__name__].__class__ = _CallablePackage
