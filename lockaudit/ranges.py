"""Caret, tilde, wildcard, hyphen, x-range and ``||`` ranges (Poetry, npm) to PEP 440.

A range becomes a tuple of PEP 440 specifier sets whose *union* is the range;
``""`` is "any version". Each set is a valid ``packaging.specifiers.SpecifierSet``
string (checked before returning), and every failure is :class:`InvalidRange`
with a message that quotes the input.

Poetry (poetry-core's parser and the "Dependency specification" docs):

* ``^V``: up to the next bump of the left-most non-zero release part among the
  first three, keeping V's precision: ``^1.2.3`` -> ``>=1.2.3,<2.0.0``,
  ``^0.2`` -> ``>=0.2,<0.3``, ``^0.0.3.4`` -> ``>=0.0.3.4,<0.0.4.0``.
* ``~V``: next minor, or next major when V has one part: ``~1.2.3`` ->
  ``>=1.2.3,<1.3.0``, ``~1`` -> ``>=1,<2``.
* The upper bound of ``^``/``~`` is computed from V's release (pre, dev and
  local dropped, epoch kept), as Poetry does: ``^2.0.0b1`` -> ``>=2.0.0b1,<3.0.0``.
* ``*``/``x``, ``1.2.*``, ``==``/``=``, ``!=``, ``<``, ``<=``, ``>``, ``>=``,
  ``~=`` and a bare version (``==``). Requirements are ANDed by commas or
  spaces; ``||`` or ``|`` is OR.
* Comparisons keep PEP 440's meaning, the output being PEP 440: ``~=1.2.3``
  passes through, and ``!=1.2`` admits ``1.2.post1`` (poetry-core excludes it).
  ``~=1``, invalid in PEP 440, is ``>=1,<2`` as in poetry-core.
* ``>=1.2.*`` and ``<1.2.*`` drop the wildcard as Poetry does; with ``>``,
  ``<=``, ``~=``, ``^`` or ``~`` the wildcard is ambiguous and rejected.
* Rejected where Poetry accepts: ``<>`` (poetry-core reads it as ``==``), and a
  local version (``+local``) with anything but ``==``/``!=``, which PEP 440
  cannot express.

npm (node-semver 7, strict grammar, but leading zeros are accepted and a
number after an ``x`` part is ignored, as node-semver does for ``^`` and ``~``):

* Carets, tildes (``~>`` too), x-ranges (``*``, ``x``, ``1.x``, ``1.2``),
  hyphen ranges (``1.2 - 2.3.4``), partial versions in comparators
  (``>1.2`` -> ``>=1.3.0``, ``<=1.2`` -> ``<1.3.0``), a leading ``v``/``=``,
  space-separated AND and ``||`` OR, all desugared exactly as node-semver does.
  node-semver's ``<X.Y.Z-0`` upper bounds become ``<X.Y.Z``: PEP 440 already
  keeps pre-releases of an exclusive upper bound out. An empty alternative is
  ``*`` (as in npm), so ``1.x ||`` is any version.
* Build metadata (``+build``) is dropped: npm ignores it when comparing.
* Pre-release tags translate only where PEP 440 has the same notion:
  ``-alpha.N``/``-a.N`` -> ``aN``, ``-beta.N``/``-b.N`` -> ``bN``, ``-rc.N`` ->
  ``rcN`` (``N`` may be glued on or omitted, meaning 0). Any other tag (``-dev``,
  ``-0``, ``-beta.1.2``, ``-canary``) raises: no PEP 440 pre-release sorts the
  way npm sorts it.
* npm's pre-release matching rule (a pre-release only satisfies a comparator set
  that names a pre-release on the same [major, minor, patch]) is replaced by
  PEP 440's pre-release policy, since the output is PEP 440: whoever evaluates
  the sets decides, with ``prereleases=``, whether pre-releases are admitted.
* Numbers above npm's limit (2**53 - 1) are rejected, as npm rejects them.

A set that admits nothing (npm's ``<*``) is ``<0.0.0``, which no version
satisfies; a union drops it unless nothing else is left, as node-semver does.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Literal

from packaging.specifiers import SpecifierSet
from packaging.version import InvalidVersion, Version

from .errors import InvalidRange

__all__ = ["DIALECTS", "Dialect", "range_alternatives", "translate_range"]

Dialect = Literal["pep440", "poetry", "npm"]
DIALECTS: tuple[Dialect, ...] = ("pep440", "poetry", "npm")

_ANY = ""
_NOTHING = "<0.0.0"  # PEP 440 admits no version below 0.0.0, pre-releases included
_NPM_MAX = 2**53 - 1  # node-semver's MAX_SAFE_INTEGER limit on each number

# re.ASCII everywhere: Unicode digits or spaces must not sneak into versions.
_WS = re.compile(r"\s+", re.ASCII)
_SPACE = " \t\n\r\f\v"  # what \s means under re.ASCII


class _Reject(Exception):
    """A reason the range is invalid; range_alternatives adds the quoted input."""


def range_alternatives(text: str, dialect: Dialect) -> tuple[str, ...]:
    """The PEP 440 specifier sets whose union is ``text`` in ``dialect``.

    ``"pep440"`` returns ``(text,)`` unchanged (validated elsewhere). For
    ``"poetry"`` and ``"npm"`` each element is a valid SpecifierSet string,
    ``""`` meaning any version. Raises :class:`InvalidRange` (a ValueError),
    quoting the input, for any range that cannot be translated.
    """
    if not isinstance(text, str):
        raise InvalidRange(f"Invalid range {text!r}: expected a string, not {type(text).__name__}")
    if dialect == "pep440":
        return (text,)
    if dialect == "poetry":
        translate = _poetry
    elif dialect == "npm":
        translate = _npm
    else:
        raise InvalidRange(
            f"Invalid range {text!r}: unknown dialect {dialect!r} (expected one of {', '.join(DIALECTS)})"
        )
    try:
        alternatives = _union(translate(text))
        for alternative in alternatives:
            SpecifierSet(alternative)  # the contract: every element parses
    except _Reject as exc:
        raise InvalidRange(f"Invalid range {text!r} ({dialect}): {exc}") from None
    except ValueError as exc:
        # e.g. a number past Python's int/str digit limit
        raise InvalidRange(f"Invalid range {text!r} ({dialect}): cannot translate ({exc})") from None
    return alternatives


def translate_range(text: str, dialect: Dialect) -> str:
    """``text`` in PEP 440; a union is written with `` || `` between specifier sets."""
    return " || ".join(range_alternatives(text, dialect))


# -- shared ------------------------------------------------------------------


def _intersection(clauses: Iterable[str]) -> str:
    """AND of clauses as one specifier set string."""
    kept: list[str] = []
    for clause in clauses:
        if clause == _NOTHING:
            return _NOTHING
        if clause != _ANY and clause not in kept:
            kept.append(clause)
    return ",".join(kept)


def _union(alternatives: list[str]) -> tuple[str, ...]:
    """OR of sets, simplified as node-semver does: any wins, empty sets go."""
    if _ANY in alternatives:
        return (_ANY,)
    kept = [a for a in dict.fromkeys(alternatives) if a != _NOTHING]
    return tuple(kept) if kept else (_NOTHING,)


def _words(group: str, operator: re.Pattern[str]) -> list[str]:
    """Whitespace-separated words, an operator standing alone joined to the next."""
    words: list[str] = []
    pending = ""
    for word in _WS.split(group.strip(_SPACE)):
        if not word:
            continue
        if operator.fullmatch(word):
            if pending:
                raise _Reject(f"operator {pending!r} has no version")
            pending = word
            continue
        words.append(pending + word)
        pending = ""
    if pending:
        raise _Reject(f"operator {pending!r} has no version")
    return words


# -- Poetry --------------------------------------------------------------------

_POETRY_OP = re.compile(r"===|==|=|!=|<>|<=|>=|<|>|~=|~|\^")  # === and <> only to reject them
_POETRY_ANY = re.compile(r"[vV]?[xX*](?:\.[xX*])*", re.ASCII)
_POETRY_WILDCARD = re.compile(r"[vV]?((?:[0-9]+!)?[0-9]+(?:\.[0-9]+)*)(?:\.\*)+", re.ASCII)


def _poetry(text: str) -> list[str]:
    alternatives = []
    for group in re.split(r"\|\|?", text):
        group = group.strip(_SPACE).rstrip(",").rstrip(_SPACE)  # Poetry allows trailing commas
        if not group:
            raise _Reject("empty range" if "|" not in text else "empty alternative around '|'")
        clauses: list[str] = []
        for piece in group.split(","):
            words = _words(piece, _POETRY_OP)
            if not words:
                raise _Reject("empty requirement between commas")
            clauses.extend(_poetry_constraint(word) for word in words)
        alternatives.append(_intersection(clauses))
    return alternatives


def _poetry_constraint(word: str) -> str:
    match = _POETRY_OP.match(word)
    op = match.group() if match else ""
    rest = word[len(op) :]
    if op == "===":
        raise _Reject("'===' (arbitrary equality) is not a Poetry operator")
    if op == "<>":
        # poetry-core accepts '<>' but reads it as '==': too surprising to guess
        raise _Reject("'<>' is not a documented Poetry operator (write '!=')")
    if not op and _POETRY_ANY.fullmatch(rest):
        return _ANY
    if rest == "-":
        raise _Reject("Poetry has no hyphen ranges (write '>=A,<=B')")
    wildcard = _POETRY_WILDCARD.fullmatch(rest)
    if wildcard:
        prefix = str(_version(wildcard.group(1)))
        if op in ("", "==", "="):
            return f"=={prefix}.*"
        if op == "!=":
            return f"!={prefix}.*"
        if op in (">=", "<"):
            return f"{op}{prefix}"  # 1.2.* starts at 1.2: the wildcard changes nothing
        raise _Reject(f"a wildcard version does not go with {op!r} (use ==, != or a plain version)")
    if rest.endswith(".*"):
        raise _Reject(f"a wildcard only follows release numbers, as in 1.2.*, not {rest!r}")
    version = _version(rest)
    if op in ("", "=", "=="):
        return f"=={version}"
    if op == "!=":
        return f"!={version}"
    if version.local is not None:
        raise _Reject(f"a local version label ({version}) only goes with == or !=")
    release = version.release
    if op == "~=":
        if len(release) == 1:  # invalid in PEP 440; poetry-core reads ~=1 as >=1,<2
            return f">={version},<{_bump(version, 0)}"
        return f"~={version}"
    if op == "^":
        if release[0] > 0 or len(release) == 1:
            part = 0
        elif release[1] > 0 or len(release) == 2:
            part = 1
        else:
            part = 2
        return f">={version},<{_bump(version, part)}"
    if op == "~":
        return f">={version},<{_bump(version, 0 if len(release) == 1 else 1)}"
    return f"{op}{version}"


def _version(text: str) -> Version:
    if not text:
        raise _Reject("missing version")
    try:
        return Version(text)
    except InvalidVersion:
        raise _Reject(f"{text!r} is not a valid PEP 440 version") from None


def _bump(version: Version, part: int) -> str:
    """``version``'s release with ``part`` incremented and later parts zeroed, same length."""
    release = version.release
    bumped = (*release[:part], release[part] + 1, *(0 for _ in release[part + 1 :]))
    text = ".".join(map(str, bumped))
    return f"{version.epoch}!{text}" if version.epoch else text


# -- npm -----------------------------------------------------------------------

_NPM_OP = re.compile(r"~>|~|\^|<=|>=|<|>|=")
_NPM_HYPHEN = re.compile(r"\s*(\S+)\s+-\s+(\S+)\s*", re.ASCII)
_NPM_VERSION = re.compile(
    r"""
    [v=]*
    (?P<major>[0-9]+|[xX*])
    (?:\.(?P<minor>[0-9]+|[xX*])
      (?:\.(?P<patch>[0-9]+|[xX*])
        (?:-(?P<pre>[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?
        (?:\+[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?
      )?
    )?
    """,
    re.VERBOSE | re.ASCII,
)
_NPM_TOO_LONG = re.compile(r"[v=]*[0-9xX*]+(?:\.[0-9xX*]+){3,}", re.ASCII)
_NPM_PRE = re.compile(r"(alpha|a|beta|b|rc)(?:\.?([0-9]+))?", re.ASCII | re.IGNORECASE)
_PEP440_PHASE = {"alpha": "a", "a": "a", "beta": "b", "b": "b", "rc": "rc"}


class _Partial:
    """An npm version with missing or x parts as None; once a part is None, later ones are too."""

    __slots__ = ("major", "minor", "patch", "pre")

    def __init__(self, major: int | None, minor: int | None, patch: int | None, pre: str) -> None:
        self.major = major
        self.minor = minor if major is not None else None
        self.patch = patch if self.minor is not None else None
        self.pre = pre  # PEP 440 suffix, "" unless all three parts are numbers

    def full(self) -> str:
        return f"{self.major}.{self.minor}.{self.patch}{self.pre}"


def _npm(text: str) -> list[str]:
    alternatives = []
    for group in text.split("||"):
        if "|" in group:
            raise _Reject("'|' is not an npm operator (use '||')")
        hyphen = _NPM_HYPHEN.fullmatch(group)
        if hyphen:
            alternatives.append(_npm_hyphen(hyphen.group(1), hyphen.group(2)))
            continue
        clauses: list[str] = []
        for word in _words(group, _NPM_OP):
            if word == "-":
                raise _Reject("a hyphen range needs one version on each side of ' - '")
            clauses.extend(_npm_comparator(word))
        alternatives.append(_intersection(clauses))  # no words: '' is '*' in npm
    return alternatives


def _npm_hyphen(low: str, high: str) -> str:
    lo, hi = _npm_version(low), _npm_version(high)
    clauses: list[str] = []
    if lo.major is not None:
        clauses.append(f">={lo.major}.{lo.minor or 0}.{lo.patch or 0}{lo.pre}")
    if hi.major is None:
        pass
    elif hi.minor is None:
        clauses.append(f"<{hi.major + 1}.0.0")
    elif hi.patch is None:
        clauses.append(f"<{hi.major}.{hi.minor + 1}.0")
    else:
        clauses.append(f"<={hi.full()}")
    return _intersection(clauses)


def _npm_comparator(word: str) -> list[str]:
    match = _NPM_OP.match(word)
    op = match.group() if match else ""
    v = _npm_version(word[len(op) :])
    if op == "^":
        return _npm_caret(v)
    if op in ("~", "~>"):
        return _npm_tilde(v)
    major, minor, patch = v.major, v.minor, v.patch
    if major is None:  # x-range on the major: all or nothing
        return [_NOTHING if op in ("<", ">") else _ANY]
    if patch is not None:
        return [f"=={v.full()}" if op in ("", "=") else f"{op}{v.full()}"]
    if op in ("", "="):
        if minor is None:
            return [f">={major}.0.0", f"<{major + 1}.0.0"]
        return [f">={major}.{minor}.0", f"<{major}.{minor + 1}.0"]
    # a comparator on a partial version compares against the whole x-range
    if op == ">":
        op = ">="
        major, minor = (major + 1, 0) if minor is None else (major, minor + 1)
    elif op == "<=":
        op = "<"
        major, minor = (major + 1, 0) if minor is None else (major, minor + 1)
    return [f"{op}{major}.{minor or 0}.0"]


def _npm_caret(v: _Partial) -> list[str]:
    """Changes that keep the left-most non-zero part of [major, minor, patch]."""
    major, minor, patch = v.major, v.minor, v.patch
    if major is None:
        return [_ANY]
    if minor is None:
        return [f">={major}.0.0", f"<{major + 1}.0.0"]
    lower = v.full() if patch is not None else f"{major}.{minor}.0"
    if major:
        upper = f"{major + 1}.0.0"
    elif minor or patch is None:
        upper = f"0.{minor + 1}.0"
    else:
        upper = f"0.0.{patch + 1}"
    return [f">={lower}", f"<{upper}"]


def _npm_tilde(v: _Partial) -> list[str]:
    """Patch-level changes if a minor is given, else minor-level ones."""
    major, minor = v.major, v.minor
    if major is None:
        return [_ANY]
    if minor is None:
        return [f">={major}.0.0", f"<{major + 1}.0.0"]
    lower = v.full() if v.patch is not None else f"{major}.{minor}.0"
    return [f">={lower}", f"<{major}.{minor + 1}.0"]


def _npm_version(text: str) -> _Partial:
    match = _NPM_VERSION.fullmatch(text)
    if not match:
        if not text.lstrip("v="):
            raise _Reject("missing version")
        if _NPM_TOO_LONG.fullmatch(text):
            raise _Reject(f"{text!r} has more than three parts (npm: major.minor.patch)")
        raise _Reject(f"{text!r} is not a valid npm version or range")
    major, minor, patch = (_npm_number(match.group(name)) for name in ("major", "minor", "patch"))
    tag = match.group("pre")
    exact = None not in (major, minor, patch)  # npm ignores a tag on an x-range
    return _Partial(major, minor, patch, _npm_pre(tag) if tag and exact else "")


def _npm_number(text: str | None) -> int | None:
    if text is None or text in ("x", "X", "*"):
        return None
    digits = text.lstrip("0") or "0"
    if len(digits) > 16 or int(digits) > _NPM_MAX:
        raise _Reject(f"number {text} is larger than npm allows (2**53 - 1)")
    return int(digits)


def _npm_pre(tag: str) -> str:
    match = _NPM_PRE.fullmatch(tag)
    if not match:
        raise _Reject(
            f"pre-release tag '-{tag}' has no PEP 440 equivalent "
            "(only -alpha.N, -a.N, -beta.N, -b.N and -rc.N translate)"
        )
    return f"{_PEP440_PHASE[match.group(1).lower()]}{int(match.group(2) or 0)}"
