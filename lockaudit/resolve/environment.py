"""The environment a resolution is for: PEP 508 marker values, the Python that
Requires-Python is checked against, and the wheel tags that environment installs.

A :class:`~lockaudit.findings.Target` names it (``--python 3.11 --platform
linux``); what the target leaves open comes from the running interpreter, so
``Environment.for_target()`` with no target is "this interpreter, this machine",
as pip sees it.

Fixed platforms use the installers' common baselines: Linux is glibc
``manylinux_2_28`` on x86_64 (as uv's ``linux`` target), macOS is 12.0 on arm64,
Windows is ``win_amd64``. Every answer is cached per environment: markers,
specifiers and wheel tags repeat across a resolution.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from packaging import tags as _tags
from packaging.markers import (
    InvalidMarker,
    Marker,
    UndefinedComparison,
    UndefinedEnvironmentName,
)
from packaging.utils import InvalidWheelFilename, parse_wheel_filename

from .._core import ReleaseHistory
from .._target import Target
from ..errors import InvalidSpecifier
from ..versions import compile_range

__all__ = ["MACOS_VERSION", "MANYLINUX_GLIBC", "Environment", "Target"]

#: glibc baseline of a Linux target (manylinux_2_28, as uv's default Linux).
MANYLINUX_GLIBC: tuple[int, int] = (2, 28)
#: macOS baseline of a darwin target.
MACOS_VERSION: tuple[int, int] = (12, 0)

_LEGACY_MANYLINUX = {(2, 17): "manylinux2014", (2, 12): "manylinux2010", (2, 5): "manylinux1"}


def _linux_platforms(arch: str) -> list[str]:
    out: list[str] = []
    major, top = MANYLINUX_GLIBC
    for minor in range(top, 4, -1):
        out.append(f"manylinux_{major}_{minor}_{arch}")
        legacy = _LEGACY_MANYLINUX.get((major, minor))
        if legacy:
            out.append(f"{legacy}_{arch}")
    return out


def _platforms(platform: str) -> list[str]:
    if platform == "linux":
        return _linux_platforms("x86_64")
    if platform == "darwin":
        return list(_tags.mac_platforms(MACOS_VERSION, "arm64"))
    return ["win_amd64"]


@dataclass(frozen=True, eq=False)
class Environment:
    """One target environment, ready for the resolver's questions.

    ``markers`` is the complete PEP 508 environment (without ``extra``);
    ``python_version`` the full version Requires-Python is checked against;
    ``tags`` the wheel tags it installs, most preferred first.
    """

    target: Target
    markers: Mapping[str, str]
    python_version: str
    tags: tuple[_tags.Tag, ...]
    _tagset: frozenset[_tags.Tag] = field(repr=False)
    _marker_cache: dict[tuple[str, str], bool] = field(default_factory=dict, repr=False)
    _python_cache: dict[str | None, bool] = field(default_factory=dict, repr=False)
    _wheel_cache: dict[str, bool] = field(default_factory=dict, repr=False)
    #: The one-version history Requires-Python values are checked against.
    _python_history: ReleaseHistory = field(init=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_python_history", ReleaseHistory([self.python_version]))

    @classmethod
    def for_target(cls, target: Target | None = None) -> Environment:
        """The environment ``target`` names; what it leaves open is the running interpreter's."""
        target = target or Target()
        markers = target.full_marker_environment()
        if target.platform and target.platform != _host_platform():
            # The host's kernel release and version say nothing about the target.
            markers["platform_release"] = ""
            markers["platform_version"] = ""
        if target.python is None and target.platform is None:
            tag_list = tuple(_tags.sys_tags())
        else:
            major, minor = (int(p) for p in markers["python_version"].split(".")[:2])
            platforms = _platforms(target.platform) if target.platform else list(_tags.platform_tags())
            interpreter = f"cp{major}{minor}"
            tag_list = (
                *_tags.cpython_tags((major, minor), abis=[interpreter], platforms=platforms),
                *_tags.compatible_tags((major, minor), interpreter=interpreter, platforms=platforms),
            )
        return cls(
            target=target,
            markers=MappingProxyType(markers),
            python_version=markers["python_full_version"],
            tags=tag_list,
            _tagset=frozenset(tag_list),
        )

    # -- questions ----------------------------------------------------------

    def evaluate(self, marker: str | None, extra: str = "") -> bool:
        """Whether a PEP 508 marker holds here, with ``extra`` set as given.

        An unparseable marker, or one comparing values PEP 508 cannot compare,
        is false: the requirement does not apply (as pip treats it).
        """
        if not marker:
            return True
        key = (marker, extra)
        hit = self._marker_cache.get(key)
        if hit is None:
            env = dict(self.markers)
            env["extra"] = extra
            try:
                hit = Marker(marker).evaluate(env)
            except (InvalidMarker, UndefinedComparison, UndefinedEnvironmentName):
                hit = False
            self._marker_cache[key] = hit
        return hit

    def python_ok(self, requires_python: str | None) -> bool:
        """Whether this environment's Python satisfies a Requires-Python value.

        An invalid value is no constraint (pip and uv ignore it too).
        """
        if not requires_python:
            return True
        hit = self._python_cache.get(requires_python)
        if hit is None:
            try:
                spec = compile_range(requires_python.strip().rstrip(","))
                hit = self._python_history.count(spec, prereleases=True) > 0
            except InvalidSpecifier:
                hit = True
            self._python_cache[requires_python] = hit
        return hit

    def wheel_ok(self, filename: str) -> bool:
        """Whether a wheel (by file name) installs here; a malformed name does not."""
        # Wheels of one project share few tag triples: cache by the tag part.
        tail = filename.rsplit("-", 3)
        key = "-".join(tail[-3:]) if len(tail) == 4 else filename
        hit = self._wheel_cache.get(key)
        if hit is None:
            try:
                hit = not self._tagset.isdisjoint(parse_wheel_filename(filename)[3])
            except InvalidWheelFilename:
                hit = False
            self._wheel_cache[key] = hit
        return hit

    @property
    def label(self) -> str:
        """``Python 3.11 on linux`` style, for headers and messages."""
        return f"Python {self.markers['python_version']} on {self.markers['sys_platform']}"


def _host_platform() -> str:
    return "win32" if sys.platform.startswith("win") else sys.platform
