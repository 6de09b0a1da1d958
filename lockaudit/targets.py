"""Which environments a project's fresh install is judged for.

A fresh install happens on some Python and platform, and what it takes
depends on both (Requires-Python, markers, wheels). The targets come, in this
order, from:

1. what the caller names (``--python`` / ``--platform``, or ``python`` /
   ``platform`` in the policy), axis by axis;
2. the project: the Python a single-environment lock was made with (the
   pip-compile header, ``uv pip compile --python-version``, Pipfile's
   ``[requires]``); else one target per environment a universal lock was
   split into (uv.lock ``resolution-markers``, pylock ``environments``), each
   the lowest supported Python that environment holds; else the lowest Python
   ``requires-python`` admits (PEP 621, Poetry's ``python``, a lock's own);
3. the running interpreter's Python, on this machine's platform.

Every target names its Python and platform: a label never stands for "this
machine, whatever it is".
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from packaging.markers import InvalidMarker, Marker, UndefinedComparison, UndefinedEnvironmentName
from packaging.specifiers import InvalidSpecifier, SpecifierSet

from ._target import Target
from .model import InputFile, PythonScope

__all__ = ["KNOWN_PYTHONS", "TargetChoice", "host_platform", "lowest_python", "project_targets"]

#: CPython minor versions a fresh install may run on today, oldest first.
KNOWN_PYTHONS: tuple[str, ...] = ("3.8", "3.9", "3.10", "3.11", "3.12", "3.13", "3.14", "3.15")
#: Micro versions tried when a range starts inside a minor (``>=3.10.2``).
_MICROS = range(30)
_PLATFORMS = ("linux", "darwin", "win32")


def host_platform() -> str:
    """This machine's platform as a target names it (linux, darwin, win32)."""
    if sys.platform.startswith("win"):
        return "win32"
    return "darwin" if sys.platform == "darwin" else "linux"


def interpreter_python() -> str:
    return f"{sys.version_info.major}.{sys.version_info.minor}"


@dataclass(frozen=True, slots=True)
class TargetChoice:
    """The targets of one project and where they came from (for headers and -v)."""

    targets: tuple[Target, ...]
    reason: str


@functools.lru_cache(maxsize=256)
def _specs(requires_python: str) -> tuple[SpecifierSet, ...] | None:
    try:
        return tuple(SpecifierSet(alt.strip().rstrip(",")) for alt in requires_python.split(" || "))
    except InvalidSpecifier:
        return None


def _admits(requires_python: str | None, version: str) -> bool:
    if not requires_python:
        return True
    specs = _specs(requires_python)
    if specs is None:
        return True  # an unreadable range constrains nothing (as installers treat it)
    return any(s.contains(version, prereleases=True) for s in specs)


def _candidates(requires_python: str | None) -> Iterable[str]:
    """Pythons ``requires_python`` admits, lowest first: ``3.10``, or ``3.10.2``
    when the range starts inside a minor."""
    for minor in KNOWN_PYTHONS:
        for micro in _MICROS:
            if _admits(requires_python, f"{minor}.{micro}"):
                yield minor if micro == 0 else f"{minor}.{micro}"
                break


def lowest_python(requires_python: str | None) -> str | None:
    """The lowest known Python a Requires-Python range admits (None: none does)."""
    return next(iter(_candidates(requires_python)), None)


@functools.lru_cache(maxsize=256)
def _marker(text: str) -> Marker | None:
    try:
        return Marker(text)
    except InvalidMarker:
        return None


def _holds(marker: Marker, target: Target) -> bool:
    env = {**target.full_marker_environment(), "extra": ""}
    try:
        return marker.evaluate(env)
    except (UndefinedComparison, UndefinedEnvironmentName):
        return False


def _for_marker(
    text: str, requires_python: str | None, pythons: Sequence[str], platforms: Sequence[str]
) -> Target | None:
    """The first (lowest Python, preferred platform) target a universal lock's
    environment marker holds for."""
    marker = _marker(text)
    if marker is None:
        return None
    for python in pythons or tuple(_candidates(requires_python)):
        for platform in platforms:
            target = Target(python, platform)
            if _holds(marker, target):
                return target
    return None


def project_targets(
    files: Sequence[InputFile],
    *,
    python: Sequence[str] = (),
    platform: Sequence[str] = (),
) -> TargetChoice:
    """The targets one project is judged for (see the module doc).

    ``files`` are the project's input files, range files first; ``python`` and
    ``platform`` what the caller named (either may be empty).
    """
    scopes = [(f, f.scope) for f in files if f.scope is not None]
    declared = [(f, s) for f, s in scopes if f.role == "declared"] + [(f, s) for f, s in scopes if f.role != "declared"]
    requires: tuple[str, str] | None = next(
        ((s.requires_python, f"{s.source} ({f.path}): {s.requires_python}") for f, s in declared if s.requires_python),
        None,
    )
    # (file, its Python, what says so) of the first single-environment lock
    single = next(((f, s.python, s.source) for f, s in scopes if s.python and not s.universal), None)
    universal = next(((f, s) for f, s in scopes if s.markers), None)
    said_platform = next((s.platform for _, s in scopes if s.platform), None)

    platforms: tuple[str, ...]
    if platform:
        platforms = tuple(Target(None, p).platform or p for p in platform)
        platform_why = "--platform"
    elif said_platform:
        platforms = (said_platform,)
        platform_why = "the lock's header"
    else:
        platforms = (host_platform(),)
        platform_why = "this machine"

    pythons: tuple[str, ...]
    if python:
        pythons, why = tuple(python), "--python"
    elif single is not None:
        f, single_python, source = single
        pythons, why = (single_python,), f"{source} ({f.path})"
    elif universal is not None:
        f, s = universal
        rp = requires[0] if requires else s.requires_python
        # Each environment the lock was split into, on this machine's platform when it can be.
        order = platforms + tuple(p for p in _PLATFORMS if p not in platforms)
        found = [_for_marker(m, rp, (), order if not platform else platforms) for m in s.markers]
        targets = tuple(dict.fromkeys(t for t in found if t is not None))
        if targets:
            targets = tuple(sorted(targets, key=lambda t: (_python_key(t.python), t.platform or "")))
            return TargetChoice(targets, f"the environments of {f.path} ({len(s.markers)} resolution markers)")
        low = lowest_python(rp)
        pythons, why = ((low,) if low else (interpreter_python(),)), (requires[1] if requires else "this interpreter")
    elif requires is not None:
        low = lowest_python(requires[0])
        if low is None:
            pythons, why = (interpreter_python(),), f"this interpreter ({requires[1]} admits no known Python)"
        else:
            pythons, why = (low,), f"the lowest Python {requires[1]} admits"
    else:
        pythons, why = (interpreter_python(),), "this interpreter (the project names no Python)"
    targets = tuple(Target(py, plat) for py in pythons for plat in platforms)
    return TargetChoice(targets, f"Python from {why}; platform from {platform_why}")


def _python_key(python: str | None) -> tuple[int, ...]:
    return tuple(int(p) for p in (python or "0").split("."))


def scope_summary(scope: PythonScope | None) -> str:
    """One line for -v: what a file says about its environments."""
    if scope is None:
        return "nothing about its Python"
    parts = []
    if scope.requires_python:
        parts.append(f"requires-python {scope.requires_python}")
    if scope.python:
        parts.append(f"made with Python {scope.python}")
    if scope.platform:
        parts.append(f"for {scope.platform}")
    if scope.markers:
        parts.append(f"{len(scope.markers)} environments")
    if scope.universal:
        parts.append("universal")
    return ", ".join(parts) or "nothing about its Python"
