"""The audit: rules (stable codes), the policy that filters them, and the engine."""

import sys as _sys
import types as _types
from typing import Any as _Any


class _CallablePackage(_types.ModuleType):
    """``lockaudit.audit(...)`` is the library call even after a submodule import
    made the attribute ``lockaudit.audit`` this package (as lockaudit.resolve does)."""

    def __call__(self, *args: _Any, **kwargs: _Any) -> _Any:
        from .engine import audit

        return audit(*args, **kwargs)


_sys.modules[__name__].__class__ = _CallablePackage
