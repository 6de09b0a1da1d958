"""Where :class:`Target` is defined: the resolver needs it, the rest of
:mod:`lockaudit.findings` it does not, and that module costs its imports.
Import it from :mod:`lockaudit.findings` (its public home, which re-exports it)."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

__all__ = ["Target"]

_PLATFORMS: Mapping[str, tuple[str, str, str, str]] = MappingProxyType(
    {
        # sys_platform: (platform_system, os_name, platform_machine, canonical)
        "linux": ("Linux", "posix", "x86_64", "linux"),
        "darwin": ("Darwin", "posix", "arm64", "darwin"),
        "win32": ("Windows", "nt", "AMD64", "win32"),
    }
)
_PLATFORM_ALIASES: Mapping[str, str] = MappingProxyType(
    {
        "linux": "linux",
        "darwin": "darwin",
        "macos": "darwin",
        "mac": "darwin",
        "osx": "darwin",
        "win32": "win32",
        "windows": "win32",
        "win": "win32",
    }
)


@dataclass(frozen=True, slots=True)
class Target:
    """One environment a fresh install may run in: a Python version and/or a platform.

    ``python`` is "3.12" or "3.12.4"; ``platform`` a ``sys.platform`` value
    (linux, darwin, win32; the aliases macos and windows are accepted). None
    means "not pinned down": those marker variables are left out of
    :meth:`marker_environment`, and packaging fills them from the running interpreter.
    """

    python: str | None = None
    platform: str | None = None

    def __post_init__(self) -> None:
        if self.python is not None:
            parts = self.python.strip().split(".")
            if not (2 <= len(parts) <= 3 and all(p.isdigit() for p in parts)):
                raise ValueError(f"invalid target Python {self.python!r}: expected X.Y or X.Y.Z, e.g. '3.12'")
            object.__setattr__(self, "python", ".".join(str(int(p)) for p in parts))
        if self.platform is not None:
            canon = _PLATFORM_ALIASES.get(self.platform.strip().lower())
            if canon is None:
                raise ValueError(
                    f"invalid target platform {self.platform!r}: expected one of linux, darwin (macos), win32 (windows)"
                )
            object.__setattr__(self, "platform", canon)

    @property
    def label(self) -> str:
        """``py3.12-linux``, ``py3.12``, ``linux`` or ``any``."""
        parts = []
        if self.python:
            parts.append(f"py{self.python}")
        if self.platform:
            parts.append(self.platform)
        return "-".join(parts) or "any"

    def __str__(self) -> str:
        return self.label

    def marker_environment(self) -> dict[str, str]:
        """The PEP 508 marker variables this target fixes (for ``Marker.evaluate``)."""
        env: dict[str, str] = {}
        if self.python:
            parts = self.python.split(".")
            full = self.python if len(parts) == 3 else f"{self.python}.0"
            env.update(
                python_version=".".join(parts[:2]),
                python_full_version=full,
                implementation_name="cpython",
                implementation_version=full,
                platform_python_implementation="CPython",
            )
        if self.platform:
            system, os_name, machine, sys_platform = _PLATFORMS[self.platform]
            env.update(
                sys_platform=sys_platform,
                platform_system=system,
                os_name=os_name,
                platform_machine=machine,
            )
        return env

    def full_marker_environment(self) -> dict[str, str]:
        """Every PEP 508 marker variable: those this target fixes over the running
        interpreter's (implementation details a marker rarely names)."""
        return {**_interpreter_environment(), **self.marker_environment()}


@functools.lru_cache(maxsize=1)
def _interpreter_environment() -> dict[str, str]:
    from packaging.markers import default_environment  # only where markers are evaluated

    return {name: str(value) for name, value in default_environment().items()}


# Its public home, for pickles, reprs of the class and documentation.
Target.__module__ = "lockaudit.findings"
