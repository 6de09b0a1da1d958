"""Pure-Python twin of the compiled core, built on ``packaging`` itself.

Selected with ``LOCKAUDIT_NO_EXTENSIONS=1`` (or when the extension is missing).
Every function here has the same signature and the same results as its
counterpart in ``_fastcmp.pyx``; the core test suite runs against both.

Specifier *unions* (``a || b``, from the Poetry and npm dialects) are not a
packaging concept: a version matches a union when it matches any member (with
pre-releases allowed), and the pre-release policy is then applied to the union
as a whole, exactly as packaging applies it to one specifier set.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Iterator, Sequence
from functools import lru_cache
from typing import TYPE_CHECKING, Any, TypeAlias

from packaging.specifiers import InvalidSpecifier as _PkgInvalidSpecifier
from packaging.specifiers import SpecifierSet
from packaging.version import InvalidVersion as _PkgInvalidVersion
from packaging.version import Version

from .errors import InvalidSpecifier, InvalidVersion

if TYPE_CHECKING:
    from .ranges import Dialect

__all__ = [
    "CompiledSpec",
    "ReleaseHistory",
    "compile_spec",
    "filter_versions",
    "normalize",
    "sort_versions",
    "version_key",
]


def _parse(item: Any) -> Version | None:
    """Parse like packaging's filter does, but never raise.

    packaging lets a plain ``ValueError`` escape for release numbers longer than
    Python's int-conversion limit (4300 digits); lockaudit treats those as
    invalid versions instead (a deliberate, documented divergence).
    """
    if isinstance(item, Version):
        return item
    try:
        return Version(item)
    except (_PkgInvalidVersion, ValueError, TypeError):
        return None


def normalize(text: str) -> str:
    """The canonical form of a version, ``str(packaging.version.Version(text))``."""
    try:
        return str(Version(text))
    except (_PkgInvalidVersion, ValueError, TypeError):
        raise InvalidVersion(f"Invalid version: {text!r}") from None


def sort_versions(versions: Iterable[str]) -> list[str]:
    """Ascending PEP 440 order, stable for equal versions; raises on an invalid one."""
    keyed = []
    for text in versions:
        parsed = _parse(text)
        if parsed is None:
            raise InvalidVersion(f"Invalid version: {text!r}")
        keyed.append((parsed, text))
    keyed.sort(key=lambda pair: pair[0])
    return [text for _, text in keyed]


class CompiledSpec:
    """A PEP 440 specifier set, or a union of several, ready for repeated queries."""

    __slots__ = ("_arbitrary", "_sets", "alternatives", "prereleases")

    def __init__(self, alternatives: Sequence[str]) -> None:
        sets = []
        for text in alternatives:
            try:
                sets.append(SpecifierSet(text))
            except _PkgInvalidSpecifier:
                raise InvalidSpecifier(f"Invalid specifier: {text!r}") from None
            except TypeError:
                raise InvalidSpecifier(f"Invalid specifier: {text!r}") from None
        self.alternatives: tuple[str, ...] = tuple(alternatives)
        self._sets: tuple[SpecifierSet, ...] = tuple(sets)
        self._arbitrary = any("===" in text for text in alternatives)
        # The set's own pre-release opinion: True when any clause names a
        # pre-release, else None (the PEP 440 default).
        self.prereleases: bool | None = True if any(s.prereleases for s in sets) else None

    def __repr__(self) -> str:
        return f"<CompiledSpec {' || '.join(self.alternatives)!r}>"

    def __str__(self) -> str:
        return " || ".join(self.alternatives)

    def _filter(self, items: Iterable[Any], prereleases: bool | None) -> list[Any]:
        if len(self._sets) == 1:
            items = list(items)
            try:
                return list(self._sets[0].filter(items, prereleases=prereleases))
            except ValueError:
                # An unparseable giant number made packaging raise; drop those.
                return list(self._sets[0].filter([i for i in items if _parse(i) is not None], prereleases=prereleases))
        return self._filter_union(items, prereleases)

    def _filter_union(self, items: Iterable[Any], prereleases: bool | None) -> list[Any]:
        matched: list[tuple[Any, Version | None]] = []
        for item in items:
            parsed = _parse(item)
            if parsed is None and not self._arbitrary:
                continue
            check = item if (parsed is None or (self._arbitrary and isinstance(item, str))) else parsed
            if any(s.contains(check, prereleases=True) for s in self._sets):
                matched.append((item, parsed))
        if prereleases is None:
            prereleases = self.prereleases
        if prereleases:
            return [item for item, _ in matched]
        if prereleases is False:
            return [item for item, parsed in matched if parsed is None or not parsed.is_prerelease]
        finals = [item for item, parsed in matched if parsed is None or not parsed.is_prerelease]
        if any(parsed is not None and not parsed.is_prerelease for _, parsed in matched):
            return finals
        return [item for item, _ in matched]


#: What a query takes: a specifier set, a sequence of them (their union), or a compiled one.
SpecLike: TypeAlias = "str | Sequence[str] | CompiledSpec"


@lru_cache(maxsize=4096)
def _compile_cached(alternatives: tuple[str, ...]) -> CompiledSpec:
    return CompiledSpec(alternatives)


def compile_spec(spec: str | Sequence[str] | CompiledSpec, dialect: Dialect = "pep440") -> CompiledSpec:
    """Compile one PEP 440 specifier set, or a sequence of them meaning their union (cached)."""
    if isinstance(spec, CompiledSpec):
        return spec
    if dialect != "pep440" and isinstance(spec, str):
        from .ranges import range_alternatives

        spec = range_alternatives(spec, dialect)
    if isinstance(spec, str):
        alternatives: tuple[str, ...] = (spec,)
    else:
        alternatives = tuple(spec)
        if not alternatives:
            raise InvalidSpecifier("Invalid specifier: an empty union matches nothing")
        for text in alternatives:
            if not isinstance(text, str):
                raise InvalidSpecifier(f"Invalid specifier: {text!r}")
    return _compile_cached(alternatives)


def filter_versions(
    spec: str | Sequence[str] | CompiledSpec,
    versions: Iterable[Any],
    prereleases: bool | None = None,
    dialect: Dialect = "pep440",
) -> list[Any]:
    """``list(SpecifierSet(spec).filter(versions, prereleases))``, input order kept."""
    return compile_spec(spec, dialect)._filter(versions, prereleases)


class ReleaseHistory:
    """One package's history, parsed and sorted once (invalid versions skipped and kept aside)."""

    __slots__ = ("_parsed", "_position", "_versions", "invalid")

    def __init__(self, versions: Iterable[str]) -> None:
        pairs: list[tuple[Version, str]] = []
        invalid: list[Any] = []
        for text in versions:
            parsed = _parse(text) if isinstance(text, str) else None
            if parsed is None:
                invalid.append(text)
            else:
                pairs.append((parsed, text))
        pairs.sort(key=lambda pair: pair[0])
        self._parsed: list[Version] = [p for p, _ in pairs]
        self._versions: list[str] = [t for _, t in pairs]
        self._position: dict[int, int] = {id(p): i for i, p in enumerate(self._parsed)}
        self.invalid: tuple[Any, ...] = tuple(invalid)

    @property
    def versions(self) -> list[str]:
        """Every valid version, ascending."""
        return list(self._versions)

    @property
    def invalid_count(self) -> int:
        return len(self.invalid)

    def __len__(self) -> int:
        return len(self._versions)

    def __iter__(self) -> Iterator[str]:
        return iter(self._versions)

    def __getitem__(self, index: int) -> str:
        return self._versions[index]

    def rank(self, version: str) -> int:
        """How many versions of the history sort strictly below ``version``."""
        parsed = _parse(version)
        if parsed is None:
            raise InvalidVersion(f"Invalid version: {version!r}")
        return bisect.bisect_left(self._parsed, parsed)

    def __contains__(self, version: object) -> bool:
        parsed = _parse(version)
        if parsed is None:
            return False
        i = bisect.bisect_left(self._parsed, parsed)
        return i < len(self._parsed) and self._parsed[i] == parsed

    def __repr__(self) -> str:
        return f"<ReleaseHistory {len(self._versions)} versions, {len(self.invalid)} invalid>"

    def _indices(self, spec: CompiledSpec, prereleases: bool | None) -> list[int]:
        if spec._arbitrary:
            # ``===`` compares the text as written, so it must see the strings.
            tagged = [_Indexed(i, t) for i, t in enumerate(self._versions)]
            return [item.position for item in spec._filter(tagged, prereleases)]
        matched = spec._filter(self._parsed, prereleases)
        position = self._position
        return [position[id(p)] for p in matched]

    def filter(self, spec: SpecLike = "", prereleases: bool | None = None, dialect: Dialect = "pep440") -> list[str]:
        """The versions the spec admits, ascending."""
        versions = self._versions
        return [versions[i] for i in self._indices(compile_spec(spec, dialect), prereleases)]

    def count(self, spec: SpecLike = "", prereleases: bool | None = None, dialect: Dialect = "pep440") -> int:
        """How many versions the spec admits."""
        return len(self._indices(compile_spec(spec, dialect), prereleases))

    def newest(self, spec: SpecLike = "", prereleases: bool | None = None, dialect: Dialect = "pep440") -> str | None:
        """The highest admitted version (the first-listed of equal ones, as ``max`` gives), or None."""
        indices = self._indices(compile_spec(spec, dialect), prereleases)
        if not indices:
            return None
        parsed = self._parsed
        best = indices[-1]
        k = len(indices) - 1
        while k > 0 and parsed[indices[k - 1]] == parsed[best]:
            k -= 1
        return self._versions[indices[k]]


class _Indexed(str):
    """A version string that remembers its position in the sorted history."""

    position: int

    def __new__(cls, position: int, text: str) -> _Indexed:
        obj = super().__new__(cls, text)
        obj.position = position
        return obj


def version_key(text: str) -> bytes | None:
    """The order-preserving byte key of a version (see ``_keys.py``), or None if invalid."""
    from ._keys import key_from_version

    parsed = _parse(text)
    return None if parsed is None else key_from_version(parsed)
