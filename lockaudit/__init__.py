"""lockaudit: which versions would a fresh install take that you never tested?

The curated public API. Everything here is typed and documented where it is
defined; this module holds no logic.
"""

from __future__ import annotations

from . import errors
from .errors import InvalidRange, InvalidSpecifier, InvalidVersion, LockauditError
from .versions import (
    CompiledSpec,
    ReleaseHistory,
    compile_range,
    filter_versions,
    normalize_version,
    sort_versions,
    translate_range,
)

__version__ = "0.1.0"

__all__ = [
    "CompiledSpec",
    "InvalidRange",
    "InvalidSpecifier",
    "InvalidVersion",
    "LockauditError",
    "ReleaseHistory",
    "__version__",
    "compile_range",
    "errors",
    "filter_versions",
    "normalize_version",
    "sort_versions",
    "translate_range",
]
