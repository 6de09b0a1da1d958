"""The policy model: what a policy holds, which values each of its keys accepts,
and the questions the audit asks of it (which rules run, how severe, what fails).

A :class:`Policy` is built from the keys of a config table (:meth:`Policy.from_mapping`,
every bad value a :class:`lockaudit.errors.PolicyError` naming the file, the key
and what was expected) and changed by command-line flags (:meth:`Policy.merged_with`).
Where the table comes from is :mod:`.config`'s job; what a policy does to
findings is :mod:`.apply`'s.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import itertools
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Literal

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from ...as_of import as_of_day, parse_as_of
from ...errors import PolicyError
from ...findings import (
    Location,
    PolicySummary,
    RuleCode,
    Severity,
    Suppression,
    Target,
    Threshold,
    UpgradeSize,
    parse_threshold,
)

__all__ = [
    "API_CHANGE_SIZES",
    "DEFAULT_API_CHANGES",
    "DEFAULT_COOLDOWN",
    "DEFAULT_FAIL_ON",
    "PackagePolicy",
    "Policy",
    "parse_cooldown",
    "resolve_selectors",
]

DEFAULT_COOLDOWN = _dt.timedelta(days=7)
#: The API of upgrades of this size and up is compared (LA021-LA026); "never" turns it off.
DEFAULT_API_CHANGES = "minor"
API_CHANGE_SIZES = ("patch", "minor", "major", "never")
#: Without configuration the run fails on high (major) findings and worse.
DEFAULT_FAIL_ON: Severity | None = Severity.HIGH

Never = Literal["never"]
_ALL_CODES: tuple[RuleCode, ...] = tuple(RuleCode)  # canonical members only


# --------------------------------------------------------------------------- data


@dataclass(frozen=True, slots=True)
class PackagePolicy:
    """Overrides for one package. ``fail_on`` None means inherit, "never" means never fail."""

    ignore: tuple[str, ...] = ()
    cooldown: _dt.timedelta | None = None
    fail_on: Severity | UpgradeSize | Never | None = None
    severity: Mapping[RuleCode, Severity] = field(default_factory=dict, hash=False)


@dataclass(frozen=True, slots=True)
class Policy:
    """A validated audit policy. Build it with :func:`load_policy`, :meth:`from_mapping`
    or directly; change it with :meth:`merged_with`.

    ``fail_on`` None means findings never fail the run. ``per_package`` is keyed
    by normalized package name. ``targets`` is every ``python`` x ``platform``
    combination (empty: the running environment only).
    """

    fail_on: Threshold = DEFAULT_FAIL_ON
    select: tuple[str, ...] = ("ALL",)
    extend_select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    severity: Mapping[RuleCode, Severity] = field(default_factory=dict, hash=False)
    per_package: Mapping[str, PackagePolicy] = field(default_factory=dict, hash=False)
    cooldown: _dt.timedelta = DEFAULT_COOLDOWN
    python: tuple[str, ...] = ()
    platform: tuple[str, ...] = ()
    suppressions: tuple[Suppression, ...] = ()
    #: The as-of cutoff (see :mod:`lockaudit.as_of`): later uploads do not exist.
    as_of: _dt.datetime | None = None
    allow_unknown: bool = False
    #: The file it was read from, if any.
    source: str | None = None
    #: The smallest upgrade (patch, minor, major) whose API changes are read; "never": none.
    api_changes: str = DEFAULT_API_CHANGES

    def __post_init__(self) -> None:
        where = self.source or "policy"
        for name in ("select", "extend_select", "ignore"):
            value = tuple(_check_selector(s, where, _key(name)) for s in getattr(self, name))
            object.__setattr__(self, name, value)
        for pkg in self.per_package.values():
            for s in pkg.ignore:
                _check_selector(s, where, "per-package ignore")
        object.__setattr__(self, "severity", MappingProxyType(dict(self.severity)))
        object.__setattr__(
            self, "per_package", MappingProxyType({canonicalize_name(k): v for k, v in self.per_package.items()})
        )
        # Validate the targets now, not when first used.
        self.targets  # noqa: B018

    # -- construction

    @classmethod
    def from_mapping(
        cls, data: Mapping[str, Any], source: str | None = None, *, table: str = "", text: str | None = None
    ) -> Policy:
        """A policy from the keys of a config table (``[tool.lockaudit]`` or lockaudit.toml).

        ``table`` is how messages name it ("[tool.lockaudit]" or ""), ``text`` the
        file's text, used only to find the line of each suppression.
        """
        return _Loader(source or "policy", table, text).policy(data, source)

    def merged_with(self, **overrides: Any) -> Policy:
        """This policy with command-line overrides; keyword names are the field names.

        None values are ignored (an unset flag). ``select``, ``python``,
        ``platform``, ``fail_on``, ``cooldown``, ``as_of`` and ``allow_unknown``
        replace; ``extend_select``, ``ignore`` and ``suppressions`` add to what
        the policy has; ``severity`` updates it. String values are parsed as in
        the config file; a bad value raises PolicyError naming the flag.
        """
        known = {f.name for f in dataclasses.fields(self)}
        changes: dict[str, Any] = {}
        for name, value in overrides.items():
            if name not in known:
                raise TypeError(f"Policy.merged_with() got an unknown override {name!r}")
            if value is None:
                continue
            loader = _Loader("command line", "", None, flags=True)
            key = _key(name)
            if name in ("select", "extend_select", "ignore"):
                value = loader.selectors(value, key)
                if name != "select":
                    value = getattr(self, name) + value
            elif name == "fail_on":
                value = loader.threshold(value, key)
            elif name == "cooldown":
                value = loader.cooldown(value, key)
            elif name == "as_of":
                value = loader.moment(value, key)
            elif name == "allow_unknown":
                value = loader.boolean(value, key)
            elif name == "api_changes":
                value = loader.api_changes(value, key)
            elif name in ("python", "platform"):
                value = loader.strings(value, key)
                loader.targets(
                    value if name == "python" else self.python, value if name == "platform" else self.platform
                )
            elif name == "severity":
                value = {**self.severity, **loader.severity_table(value, key)}
            elif name == "suppressions":
                value = self.suppressions + tuple(value)
            elif name == "per_package":
                value = {**self.per_package, **value}
            changes[name] = value
        return dataclasses.replace(self, **changes)

    # -- questions

    @property
    def targets(self) -> tuple[Target, ...]:
        """Every python x platform combination; one axis alone when the other is empty."""
        pythons: Sequence[str | None] = self.python or (None,)
        platforms: Sequence[str | None] = self.platform or (None,)
        if not self.python and not self.platform:
            return ()
        try:
            return tuple(Target(py, plat) for py, plat in itertools.product(pythons, platforms))
        except ValueError as exc:
            raise PolicyError(f"{self.source or 'policy'}: {exc}") from None

    def enabled_codes(self, package: str | None = None) -> frozenset[RuleCode]:
        """The rule codes that run (for ``package``, after its own ``ignore``)."""
        codes = resolve_selectors(self.select + self.extend_select, self.ignore)
        if package is not None:
            pkg = self.per_package.get(canonicalize_name(package))
            if pkg is not None and pkg.ignore:
                codes -= resolve_selectors(pkg.ignore, ())
        return codes

    def is_enabled(self, code: RuleCode | str, package: str | None = None) -> bool:
        return RuleCode.parse(code) in self.enabled_codes(package)

    def severity_for(self, code: RuleCode | str, package: str | None, default: Severity) -> Severity:
        """The effective severity: the package's override, else the global one, else ``default``."""
        code = RuleCode.parse(code)
        if package is not None:
            pkg = self.per_package.get(canonicalize_name(package))
            if pkg is not None and code in pkg.severity:
                return pkg.severity[code]
        return self.severity.get(code, default)

    def cooldown_for(self, package: str) -> _dt.timedelta:
        pkg = self.per_package.get(canonicalize_name(package))
        if pkg is not None and pkg.cooldown is not None:
            return pkg.cooldown
        return self.cooldown

    def fail_on_for(self, package: str) -> Threshold:
        """The threshold for ``package`` (None: its findings never fail the run)."""
        pkg = self.per_package.get(canonicalize_name(package))
        if pkg is not None and pkg.fail_on is not None:
            return None if pkg.fail_on == "never" else pkg.fail_on
        return self.fail_on

    def today(self) -> _dt.date:
        """The last day ``as_of`` includes if set, else today's date (UTC)."""
        return as_of_day(self.as_of)

    def summary(self) -> PolicySummary:
        """The plain-data summary an :class:`~lockaudit.findings.AuditReport` carries."""
        return PolicySummary(
            fail_on=self.fail_on,
            selected=tuple(sorted(self.enabled_codes(), key=lambda c: c.value)),
            cooldown_days=self.cooldown.total_seconds() / 86400,
            per_package_fail_on={
                name: (None if p.fail_on == "never" else p.fail_on)
                for name, p in self.per_package.items()
                if p.fail_on is not None
            },
            suppressions=len(self.suppressions),
            allow_unknown=self.allow_unknown,
            source=self.source,
        )


# --------------------------------------------------------------------------- selectors


def _key(name: str) -> str:
    return name.replace("_", "-")


def _check_selector(selector: str, where: str, key: str) -> str:
    if not isinstance(selector, str):
        raise PolicyError(f"{where}: {key}: expected rule codes or prefixes as strings, got {selector!r}")
    sel = selector.strip().upper()
    if sel == "ALL" or (sel and any(c.value.startswith(sel) for c in _ALL_CODES)):
        return sel
    raise PolicyError(
        f"{where}: {key}: {selector!r} matches no rule code; expected 'ALL', a code such as 'LA003' "
        f"or a prefix such as 'LA00' (codes LA001 to {_ALL_CODES[-1].value})"
    )


def _matching(selector: str) -> Iterable[RuleCode]:
    if selector == "ALL":
        return _ALL_CODES
    return (c for c in _ALL_CODES if c.value.startswith(selector))


def resolve_selectors(select: Iterable[str], ignore: Iterable[str]) -> frozenset[RuleCode]:
    """The codes ``select`` enables and ``ignore`` does not disable, ruff style.

    Selectors are applied from least to most specific ("ALL", then shorter
    prefixes, then full codes); at equal specificity ignore is applied after
    select, so it wins.
    """
    steps = [(0 if s == "ALL" else len(s), 0, s) for s in (x.strip().upper() for x in select)]
    steps += [(0 if s == "ALL" else len(s), 1, s) for s in (x.strip().upper() for x in ignore)]
    enabled: set[RuleCode] = set()
    for _, kind, selector in sorted(steps, key=lambda t: (t[0], t[1])):
        codes = set(_matching(selector))
        if kind == 0:
            enabled |= codes
        else:
            enabled -= codes
    return frozenset(enabled)


# --------------------------------------------------------------------------- parsing values

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([dhw]?)\s*$", re.IGNORECASE)
_UNITS = {"": "days", "d": "days", "h": "hours", "w": "weeks"}


def parse_cooldown(value: object) -> _dt.timedelta:
    """Days as a number, or a string "7d", "36h", "2w" (a bare "7" is days). ValueError otherwise."""
    if isinstance(value, _dt.timedelta):
        if value < _dt.timedelta(0):
            raise ValueError(f"negative cooldown {value!r}")
        return value
    try:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            if value < 0 or math.isnan(value):
                raise ValueError(f"invalid cooldown {value!r}")
            return _dt.timedelta(days=value)
        if isinstance(value, str):
            m = _DURATION.match(value)
            if m:
                return _dt.timedelta(**{_UNITS[m.group(2).lower()]: float(m.group(1))})
    except OverflowError:  # infinity, or more days than a timedelta holds
        raise ValueError(f"cooldown {value!r} is too long") from None
    raise ValueError(f"invalid cooldown {value!r}")


class _Loader:
    """Validates one config table; every error names the file, the key and what was expected."""

    def __init__(self, source: str, table: str, text: str | None, *, flags: bool = False) -> None:
        self.source = source
        self.table = table
        self.text = text
        self.flags = flags
        #: The file the table came from, for suppression locations (None: not from a file).
        self.path: str | None = None

    def fail(self, key: str, expected: str, got: object) -> PolicyError:
        if self.flags:
            where = f"{self.source}: --{key}"
        elif self.table:
            where = f"{self.source}: {self.table} {key}"
        else:
            where = f"{self.source}: {key}"
        return PolicyError(f"{where}: expected {expected}, got {got!r}")

    # -- scalar values

    def threshold(self, value: object, key: str) -> Threshold:
        if isinstance(value, (str, Severity, UpgradeSize)):
            try:
                return parse_threshold(value)
            except ValueError:
                pass
        raise self.fail(
            key, "a severity (info, low, medium, high, critical), an upgrade size (patch, minor, major) or never", value
        )

    def severity(self, value: object, key: str) -> Severity:
        if isinstance(value, (str, Severity)):
            try:
                return Severity.parse(value)
            except ValueError:
                pass
        raise self.fail(key, "one of info, low, medium, high, critical, patch, minor, major", value)

    def cooldown(self, value: object, key: str) -> _dt.timedelta:
        try:
            return parse_cooldown(value)
        except ValueError:
            raise self.fail(key, "a number of days or a duration such as '7d', '36h' or '2w'", value) from None

    def moment(self, value: object, key: str) -> _dt.datetime:
        """An as-of value: a TOML date or datetime, or a string of either."""
        if isinstance(value, (str, _dt.date)):  # datetime is a date too
            try:
                cutoff = parse_as_of(value)
            except ValueError:
                pass
            else:
                assert cutoff is not None
                return cutoff
        raise self.fail(key, "a date such as 2026-12-31 or a time such as 2026-12-31T12:00:00Z", value)

    def date(self, value: object, key: str) -> _dt.date:
        if isinstance(value, _dt.datetime):
            return value.date()
        if isinstance(value, _dt.date):
            return value
        if isinstance(value, str):
            try:
                return _dt.date.fromisoformat(value.strip())
            except ValueError:
                pass
        raise self.fail(key, "a date such as 2026-12-31", value)

    def api_changes(self, value: object, key: str) -> str:
        if isinstance(value, str) and value.strip().lower() in API_CHANGE_SIZES:
            return value.strip().lower()
        raise self.fail(key, "one of " + ", ".join(API_CHANGE_SIZES), value)

    def boolean(self, value: object, key: str) -> bool:
        if isinstance(value, bool):
            return value
        raise self.fail(key, "true or false", value)

    def string(self, value: object, key: str) -> str:
        if isinstance(value, str) and value.strip():
            return value.strip()
        raise self.fail(key, "a non-empty string", value)

    def strings(self, value: object, key: str) -> tuple[str, ...]:
        if isinstance(value, str):
            value = [value]
        if isinstance(value, (list, tuple)) and all(isinstance(v, str) and v.strip() for v in value):
            return tuple(v.strip() for v in value)
        if isinstance(value, (list, tuple)) and any(isinstance(v, float) for v in value):
            raise self.fail(key, "a list of strings (quote versions: 3.10 as a number is 3.1)", value)
        raise self.fail(key, "a string or a list of strings", value)

    def selectors(self, value: object, key: str) -> tuple[str, ...]:
        items = self.strings(value, key)
        if self.flags:  # --select LA001,LA002
            items = tuple(s.strip() for item in items for s in item.split(",") if s.strip())
        out = []
        for item in items:
            try:
                out.append(_check_selector(item, self.source, key))
            except PolicyError:
                raise self.fail(key, "'ALL', a rule code such as 'LA003' or a prefix such as 'LA00'", item) from None
        return tuple(out)

    def code(self, value: object, key: str) -> RuleCode:
        if isinstance(value, str):
            try:
                return RuleCode.parse(value)
            except ValueError:
                pass
        raise self.fail(key, f"a rule code LA001 to {_ALL_CODES[-1].value}", value)

    def severity_table(self, value: object, key: str) -> dict[RuleCode, Severity]:
        if not isinstance(value, Mapping):
            raise self.fail(key, "a table of rule code = severity", value)
        return {self.code(k, f"{key}.{k}"): self.severity(v, f"{key}.{k}") for k, v in value.items()}

    def targets(self, python: Sequence[str], platform: Sequence[str]) -> None:
        for py in python:
            try:
                Target(python=py)
            except ValueError:
                raise self.fail("python", "Python versions such as '3.12'", py) from None
        for plat in platform:
            try:
                Target(platform=plat)
            except ValueError:
                raise self.fail("platform", "platforms among linux, darwin (macos), win32 (windows)", plat) from None

    # -- tables

    def _table(self, value: object, key: str, allowed: Sequence[str]) -> dict[str, Any]:
        if not isinstance(value, Mapping):
            raise self.fail(key, "a table", value)
        out: dict[str, Any] = {}
        for k, v in value.items():
            norm = k.replace("_", "-")
            if norm not in allowed:
                where = f"{key}.{k}" if key else k
                raise self.fail(where, "one of the keys " + ", ".join(allowed), k)
            out[norm] = v
        return out

    def per_package(self, value: object, key: str) -> dict[str, PackagePolicy]:
        if not isinstance(value, Mapping):
            raise self.fail(key, "a table of package name = settings", value)
        out: dict[str, PackagePolicy] = {}
        for name, settings in value.items():
            norm = canonicalize_name(name)
            sub = f"{key}.{name}"
            if norm in out:
                raise self.fail(sub, "each package once (names are compared normalized)", name)
            table = self._table(settings, sub, ("ignore", "cooldown", "fail-on", "severity"))
            fail_on: Severity | UpgradeSize | Never | None = None
            if "fail-on" in table:
                threshold = self.threshold(table["fail-on"], f"{sub}.fail-on")
                fail_on = "never" if threshold is None else threshold
            out[norm] = PackagePolicy(
                ignore=self.selectors(table["ignore"], f"{sub}.ignore") if "ignore" in table else (),
                cooldown=self.cooldown(table["cooldown"], f"{sub}.cooldown") if "cooldown" in table else None,
                fail_on=fail_on,
                severity=self.severity_table(table["severity"], f"{sub}.severity") if "severity" in table else {},
            )
        return out

    def suppressions(self, value: object, key: str) -> tuple[Suppression, ...]:
        if not isinstance(value, list):
            raise self.fail(key, "an array of tables ([[...suppress]])", value)
        lines = self._suppress_lines(len(value))
        out = []
        for i, entry in enumerate(value):
            sub = f"{key}[{i}]"
            table = self._table(entry, sub, ("code", "package", "version", "reason", "until"))
            for required in ("code", "package", "reason"):
                if required not in table:
                    raise self.fail(f"{sub}.{required}", f"a {required} (required in every suppression)", None)
            version = None
            if "version" in table:
                version = self.string(table["version"], f"{sub}.version")
                if not _valid_version_pattern(version):
                    raise self.fail(
                        f"{sub}.version", "a version such as '2.0.1' or a specifier such as '<2.1'", version
                    )
            out.append(
                Suppression(
                    code=self.code(table["code"], f"{sub}.code"),
                    package=self.string(table["package"], f"{sub}.package"),
                    reason=self.string(table["reason"], f"{sub}.reason"),
                    version=version,
                    until=self.date(table["until"], f"{sub}.until") if "until" in table else None,
                    location=Location(self.path, lines[i]) if self.path else None,
                )
            )
        return tuple(out)

    def _suppress_lines(self, count: int) -> list[int | None]:
        """The line of each ``[[...suppress]]`` header, when the file's text shows them all."""
        if self.text is None:
            return [None] * count
        prefix = r"tool\s*\.\s*lockaudit\s*\.\s*" if self.table else ""
        header = re.compile(r"^\s*\[\[\s*" + prefix + r"suppress\s*\]\]")
        found = [n for n, line in enumerate(self.text.splitlines(), 1) if header.match(line)]
        return list(found) if len(found) == count else [None] * count

    # -- the whole table

    _KEYS = (
        "fail-on",
        "select",
        "extend-select",
        "ignore",
        "severity",
        "per-package",
        "cooldown",
        "python",
        "platform",
        "suppress",
        "as-of",
        "allow-unknown",
        "api-changes",
    )

    def policy(self, data: Mapping[str, Any], source: str | None) -> Policy:
        table = self._table(data, "", self._KEYS)
        self.path = source
        kwargs: dict[str, Any] = {"source": source}
        if "fail-on" in table:
            kwargs["fail_on"] = self.threshold(table["fail-on"], "fail-on")
        for k in ("select", "extend-select", "ignore"):
            if k in table:
                kwargs[k.replace("-", "_")] = self.selectors(table[k], k)
        if "severity" in table:
            kwargs["severity"] = self.severity_table(table["severity"], "severity")
        if "per-package" in table:
            kwargs["per_package"] = self.per_package(table["per-package"], "per-package")
        if "cooldown" in table:
            kwargs["cooldown"] = self.cooldown(table["cooldown"], "cooldown")
        for k in ("python", "platform"):
            if k in table:
                kwargs[k] = self.strings(table[k], k)
        self.targets(kwargs.get("python", ()), kwargs.get("platform", ()))
        if "suppress" in table:
            kwargs["suppressions"] = self.suppressions(table["suppress"], "suppress")
        if "as-of" in table:
            kwargs["as_of"] = self.moment(table["as-of"], "as-of")
        if "allow-unknown" in table:
            kwargs["allow_unknown"] = self.boolean(table["allow-unknown"], "allow-unknown")
        if "api-changes" in table:
            kwargs["api_changes"] = self.api_changes(table["api-changes"], "api-changes")
        return Policy(**kwargs)


def _valid_version_pattern(text: str) -> bool:
    try:
        if text[:1] in "<>=!~":
            SpecifierSet(text)
        else:
            Version(text)
    except (InvalidSpecifier, InvalidVersion):
        return False
    return True
