"""Every error lockaudit raises derives from :class:`LockauditError`.

One base per layer, so callers can catch a whole layer; the PEP 440 errors are
also :class:`ValueError`, as packaging's own are.
"""

from __future__ import annotations

__all__ = [
    "ApiDiffError",
    "AuditError",
    "CacheError",
    "IndexClientError",
    "InputError",
    "InvalidRange",
    "InvalidSpecifier",
    "InvalidVersion",
    "LockauditError",
    "PolicyError",
    "ResolutionError",
]


class LockauditError(Exception):
    """Root of every error raised by lockaudit."""


class InvalidVersion(LockauditError, ValueError):
    """A string is not a valid PEP 440 version. The message quotes the input."""


class InvalidSpecifier(LockauditError, ValueError):
    """A string is not a valid PEP 440 specifier set. The message quotes the input."""


class InvalidRange(InvalidSpecifier):
    """A Poetry or npm style range could not be translated to PEP 440."""


class InputError(LockauditError):
    """A dependency file could not be read at all (missing, unreadable, wrong format)."""


class IndexClientError(LockauditError):
    """The package index could not answer (network, HTTP, malformed page)."""


class CacheError(LockauditError):
    """The release-history cache could not be used."""


class PolicyError(LockauditError):
    """The audit policy (pyproject.toml [tool.lockaudit], lockaudit.toml, flags) is invalid."""


class AuditError(LockauditError):
    """The audit could not run."""


class ResolutionError(LockauditError):
    """The resolver found no consistent set of pins; carries the conflict as data."""


class ApiDiffError(LockauditError, ValueError):
    """The API diff cannot run as configured (a bad ``LOCKAUDIT_API_*`` limit)."""
