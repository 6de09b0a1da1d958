"""lockaudit: which versions would a fresh install take that you never tested?

The curated public API. Everything here is typed and documented where it is
defined; this module holds no logic.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from . import errors
from ._version import __version__
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

# The library logs what it does (``logging.getLogger(__name__)`` per module:
# which code paths run, what it works around) and prints nothing: silent until
# the program using it configures logging. The CLI and the service do.
logging.getLogger(__name__).addHandler(logging.NullHandler())

#: Loaded on first use, so `import lockaudit` for version work stays light.
_LAZY = {
    "audit": ("lockaudit.audit.engine", "audit"),
    "audit_async": ("lockaudit.audit.engine", "audit_async"),
    "AuditOptions": ("lockaudit.audit.engine", "AuditOptions"),
    "AuditReport": ("lockaudit.findings", "AuditReport"),
    "Policy": ("lockaudit.audit.policy", "Policy"),
    "resolve": ("lockaudit.resolve", "resolve"),
    "ResolveOptions": ("lockaudit.resolve", "ResolveOptions"),
    "formats": ("lockaudit.formats", None),
}


if TYPE_CHECKING:
    # What the lazy names are, for type checkers (py.typed): the same objects.
    from . import formats
    from .audit.engine import AuditOptions, audit, audit_async
    from .audit.policy import Policy
    from .findings import AuditReport
    from .resolve import ResolveOptions, resolve
else:

    def __getattr__(name: str) -> object:  # PEP 562
        if name in _LAZY:
            import importlib

            module, attr = _LAZY[name]
            mod = importlib.import_module(module)
            value = mod if attr is None else getattr(mod, attr)
            globals()[name] = value
            return value
        raise AttributeError(f"module 'lockaudit' has no attribute {name!r}")


__all__ = [
    "AuditOptions",
    "AuditReport",
    "CompiledSpec",
    "InvalidRange",
    "InvalidSpecifier",
    "InvalidVersion",
    "LockauditError",
    "Policy",
    "ReleaseHistory",
    "ResolveOptions",
    "__version__",
    "audit",
    "audit_async",
    "compile_range",
    "errors",
    "filter_versions",
    "formats",
    "normalize_version",
    "resolve",
    "sort_versions",
    "translate_range",
]
