"""Selects the compiled core or its pure-Python twin.

``LOCKAUDIT_NO_EXTENSIONS=1`` forces the pure path. Otherwise the compiled
module is used, and a missing build falls back to the pure path with a warning
(the test suite fails in that case, so a broken build never goes unnoticed).
"""

from __future__ import annotations

import os
import warnings
from typing import TYPE_CHECKING

NO_EXTENSIONS: bool = os.environ.get("LOCKAUDIT_NO_EXTENSIONS", "") not in ("", "0")

if TYPE_CHECKING:
    # The compiled module has no stub: it has its pure twin's API (tests/core runs
    # both against one suite), so the type checker reads the twin.
    from . import _purecmp as impl

    USING_EXTENSION: bool
elif NO_EXTENSIONS:
    from . import _purecmp as impl

    USING_EXTENSION = False
else:
    try:
        from . import _fastcmp as impl

        USING_EXTENSION = True
    except ImportError as exc:  # pragma: no cover - exercised only on broken builds
        warnings.warn(
            f"lockaudit's compiled core did not load ({exc}); using the slower pure-Python path",
            RuntimeWarning,
            stacklevel=2,
        )
        from . import _purecmp as impl

        USING_EXTENSION = False

normalize = impl.normalize
sort_versions = impl.sort_versions
compile_spec = impl.compile_spec
filter_versions = impl.filter_versions
ReleaseHistory = impl.ReleaseHistory
CompiledSpec = impl.CompiledSpec

__all__ = [
    "NO_EXTENSIONS",
    "USING_EXTENSION",
    "CompiledSpec",
    "ReleaseHistory",
    "compile_spec",
    "filter_versions",
    "impl",
    "normalize",
    "sort_versions",
]
