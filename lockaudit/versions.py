"""Public face of the version core: normalize, sort, filter, and release histories.

All PEP 440 semantics are those of the ``packaging`` library (the oracle the
tests compare against); the work is done by the compiled core when it is
available (see ``_core.py``). Ranges in the Poetry and npm dialects are first
translated to PEP 440 (``ranges.py``) and then answered by the same core.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from . import _core
from .ranges import Dialect, range_alternatives, translate_range

__all__ = [
    "CompiledSpec",
    "Dialect",
    "ReleaseHistory",
    "compile_range",
    "filter_versions",
    "normalize_version",
    "sort_versions",
    "translate_range",
]

#: One package's history, parsed and sorted once. ``filter(spec, prereleases=None,
#: dialect="pep440")`` (ascending), ``newest(...)`` (or None) and ``count(...)``
#: answer with binary searches over the sorted keys. Invalid versions are kept
#: aside in ``invalid`` and counted in ``invalid_count``, never raised.
ReleaseHistory = _core.ReleaseHistory

#: A compiled specifier set (or union of sets) for repeated queries.
CompiledSpec = _core.CompiledSpec


def normalize_version(text: str) -> str:
    """The canonical form of ``text``, equal to ``str(packaging.version.Version(text))``.

    Raises :class:`lockaudit.InvalidVersion` (a ValueError) quoting the input
    where packaging raises InvalidVersion.
    """
    return _core.normalize(text)


def sort_versions(versions: Iterable[str]) -> list[str]:
    """The versions in ascending PEP 440 order (stable for equal versions).

    Raises :class:`lockaudit.InvalidVersion` naming the first invalid one.
    """
    return _core.sort_versions(versions)


def compile_range(spec: str | Sequence[str] | CompiledSpec, dialect: Dialect = "pep440") -> CompiledSpec:
    """Translate (if needed) and compile a range once, for many queries: one range, or a
    sequence of PEP 440 ones meaning their union (a compiled one is returned as it is)."""
    if isinstance(spec, str) and dialect != "pep440":
        return _core.compile_spec(range_alternatives(spec, dialect))
    return _core.compile_spec(spec)


def filter_versions(
    spec: str | Sequence[str] | CompiledSpec,
    versions: Iterable[str],
    prereleases: bool | None = None,
    dialect: Dialect = "pep440",
) -> list[str]:
    """The versions that ``spec`` admits, in input order.

    For PEP 440 this is exactly
    ``list(packaging.specifiers.SpecifierSet(spec).filter(versions, prereleases=prereleases))``:
    invalid version strings are skipped as packaging skips them, and a spec
    packaging rejects raises :class:`lockaudit.InvalidSpecifier`.
    """
    return _core.filter_versions(compile_range(spec, dialect), versions, prereleases)
