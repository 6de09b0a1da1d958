"""The audit policy: which rules run, how severe they are, what is accepted, what fails.

Read from ``[tool.lockaudit]`` in ``pyproject.toml`` or from the top level of
``lockaudit.toml`` (which wins when both are in one directory), then overridden
by command-line flags through :meth:`Policy.merged_with`. Example::

    [tool.lockaudit]
    fail-on = "minor"            # a severity (info .. critical), an upgrade size (patch, minor, major), or never
    select = ["ALL"]             # rule selectors: "ALL", a code or a prefix ("LA00" = LA001-LA009)
    extend-select = []
    ignore = ["LA012"]
    cooldown = "3d"              # days as a number, or "7d", "36h", "2w"
    python = ["3.11", "3.12"]    # target environments: every python x platform combination
    platform = ["linux", "darwin"]
    as-of = 2025-01-31           # audit as if it were the end of this day (UTC), or a time: 2025-01-31T12:00:00Z
    allow-unknown = false
    api-changes = "minor"        # smallest upgrade whose API is compared (LA021-LA026): patch, minor, major, never

    [tool.lockaudit.severity]    # change a rule's severity
    LA008 = "info"

    [tool.lockaudit.per-package.django]
    ignore = ["LA002"]
    cooldown = 14
    fail-on = "major"
    severity = { LA003 = "low" }

    [[tool.lockaudit.suppress]]
    code = "LA006"
    package = "urllib3"
    version = "2.0.0"            # optional: exact version or specifier ("<2.1")
    reason = "pinned until the proxy supports 2.0.1"   # required
    until = 2026-12-31           # optional: last day it applies

Selection works as in ruff: select (default ALL) plus extend-select, minus
ignore, where a more specific selector wins over a less specific one ("LA003" in
select beats "LA00" in ignore) and at equal specificity ignore wins.

Invalid configuration raises :class:`lockaudit.errors.PolicyError` naming the
file, the key and what was expected.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import itertools
import math
import posixpath
import re
import tomllib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any, Literal

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from ..as_of import as_of_day, parse_as_of
from ..errors import PolicyError
from ..findings import (
    Finding,
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
from ..inputs._toml import loads as toml_loads
from .rules.catalog import CATALOG

__all__ = [
    "API_CHANGE_SIZES",
    "CONFIG_FILES",
    "DEFAULT_API_CHANGES",
    "DEFAULT_COOLDOWN",
    "DEFAULT_FAIL_ON",
    "PackagePolicy",
    "Policy",
    "Suppression",
    "Target",
    "apply_policy",
    "find_config",
    "find_uploaded_config",
    "load_policy",
    "parse_cooldown",
    "policy_from_files",
    "resolve_selectors",
    "unused_suppressions",
]

DEFAULT_COOLDOWN = _dt.timedelta(days=7)
#: The API of upgrades of this size and up is compared (LA021-LA026); "never" turns it off.
DEFAULT_API_CHANGES = "minor"
API_CHANGE_SIZES = ("patch", "minor", "major", "never")
#: Without configuration the run fails on high (major) findings and worse.
DEFAULT_FAIL_ON: Severity | None = Severity.HIGH
#: Looked for in each directory, in this order.
CONFIG_FILES = ("lockaudit.toml", "pyproject.toml")

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


# --------------------------------------------------------------------------- files


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except OSError as exc:
        raise PolicyError(f"{path}: cannot read the policy file ({exc.strerror or exc})") from None
    except UnicodeDecodeError:
        raise PolicyError(f"{path}: expected UTF-8 text") from None


def _config_table(path: str, text: str) -> Mapping[str, Any] | None:
    """The policy table of a config file's text: all of a lockaudit.toml, the
    ``[tool.lockaudit]`` of a pyproject.toml (None: it has none)."""
    try:
        data = toml_loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise PolicyError(f"{path}: invalid TOML: {exc}") from None
    if _file_name(path) != "pyproject.toml":
        return data
    tool = data.get("tool", {})
    table = tool.get("lockaudit") if isinstance(tool, Mapping) else None
    if table is not None and not isinstance(table, Mapping):
        raise PolicyError(f"{path}: [tool.lockaudit]: expected a table, got {table!r}")
    return table


def _file_name(path: str) -> str:
    return posixpath.basename(path.replace("\\", "/"))


def _policy_of(path: str, text: str) -> Policy:
    """The policy a config file's text gives, each suppression with its file:line."""
    table = _config_table(path, text)
    if table is None:
        return Policy(source=path)
    label = "[tool.lockaudit]" if _file_name(path) == "pyproject.toml" else ""
    return Policy.from_mapping(table, path, table=label, text=text)


def _nearest(
    directories: Iterable[str],
    read: Callable[[str], str | None],
    join: Callable[[str, str], str],
    *,
    pass_over_invalid_pyproject: bool = False,
) -> tuple[str, str] | None:
    """(path, text) of the first config file in ``directories``, nearest first:
    in each, ``lockaudit.toml`` wins; a ``pyproject.toml`` counts only with a
    ``[tool.lockaudit]`` table (one that is not TOML raises PolicyError, or is
    passed over)."""
    for directory in directories:
        for name in CONFIG_FILES:
            path = join(directory, name)
            text = read(path)
            if text is None:
                continue
            if name == "lockaudit.toml":
                return path, text
            try:
                table = _config_table(path, text)
            except PolicyError:
                if pass_over_invalid_pyproject and not _is_toml(text):
                    continue
                raise
            if table is not None:
                return path, text
    return None


def _is_toml(text: str) -> bool:
    try:
        toml_loads(text)
    except tomllib.TOMLDecodeError:
        return False
    return True


def find_config(start: str | Path | None = None) -> Path | None:
    """The nearest policy file from ``start`` (default: the working directory) upwards.

    In each directory ``lockaudit.toml`` wins; a ``pyproject.toml`` counts only
    when it has a ``[tool.lockaudit]`` table.
    """
    here = Path(start or Path.cwd()).resolve()
    if here.is_file():
        here = here.parent
    directories = [str(d) for d in (here, *here.parents)]
    found = _nearest(
        directories, lambda p: _read_text(Path(p)) if Path(p).is_file() else None, lambda d, n: str(Path(d) / n)
    )
    return Path(found[0]) if found is not None else None


def load_policy(path: str | Path | None = None, *, start: str | Path | None = None) -> Policy:
    """The policy from ``path`` (a pyproject.toml or a lockaudit.toml), or from the
    nearest one found from ``start`` upwards, or the defaults when there is none.

    Raises PolicyError for an unreadable file, invalid TOML or invalid settings.
    """
    if path is None:
        found = find_config(start)
        if found is None:
            return Policy()
        path = found
    path = Path(path)
    return _policy_of(str(path), _read_text(path))


def find_uploaded_config(files: Mapping[str, str], start: str) -> tuple[str, str] | None:
    """(name, text) of the policy file among uploaded ``files`` (relative names
    -> text) nearest to the upload named ``start``, found as
    :func:`find_config` finds one on disk. A ``pyproject.toml`` that is not
    TOML is passed over: it is an input, and the inputs layer reports it."""
    by_name = {posixpath.normpath(name): text for name, text in files.items()}
    directory = posixpath.dirname(posixpath.normpath(start))
    directories = [directory]
    while directory:
        directory = posixpath.dirname(directory)
        directories.append(directory)
    return _nearest(
        directories, by_name.get, lambda d, n: posixpath.join(d, n) if d else n, pass_over_invalid_pyproject=True
    )


def policy_from_files(
    files: Mapping[str, str], *, start: str | None = None, overrides: Mapping[str, Any] | None = None
) -> Policy:
    """The policy of uploaded files, as :func:`load_policy` reads it on disk.

    ``files``: relative names -> text (the service's uploads). The policy file
    is the ``lockaudit.toml`` / ``[tool.lockaudit]`` nearest to ``start``
    (default: the first file), each suppression located at its file:line.
    ``overrides``: keys of a config table (``fail-on``, ``suppress``, ...,
    source "request") that replace the same keys of that file; their
    suppressions were written in no file and have no location. Raises
    PolicyError for an unreadable policy file or invalid settings.
    """
    found = find_uploaded_config(files, start if start is not None else next(iter(files))) if files else None
    policy = _policy_of(*found) if found is not None else Policy()
    if overrides is None:
        return policy
    given = Policy.from_mapping(overrides, "request")
    given = dataclasses.replace(given, suppressions=tuple(dataclasses.replace(s, location=None) for s in given.suppressions))
    if found is None:
        return given
    replaced = {_field(key) for key in overrides}
    return dataclasses.replace(policy, **{name: getattr(given, name) for name in replaced})


def _field(key: str) -> str:
    """The Policy field a config key sets (``fail-on`` -> ``fail_on``, ``suppress`` -> ``suppressions``)."""
    name = key.replace("-", "_")
    return "suppressions" if name == "suppress" else name


# --------------------------------------------------------------------------- applying


def apply_policy(findings: Iterable[Finding], policy: Policy, today: _dt.date | None = None) -> list[Finding]:
    """The findings as the policy wants them reported.

    Drops findings of rules that are not enabled (globally or for the package),
    sets each one's effective severity (per-package, then global overrides),
    marks the ones a current suppression covers (they stay in the list, with
    ``suppressed_by`` set), and appends one LA016 finding per expired suppression.
    ``today`` defaults to :meth:`Policy.today`. Call it once per audit.
    """
    today = today or policy.today()
    current = [s for s in policy.suppressions if not s.expired(today)]
    out: list[Finding] = []

    def finish(f: Finding) -> None:
        if not policy.is_enabled(f.code, f.package):
            return
        severity = policy.severity_for(f.code, f.package, f.severity)
        suppression = f.suppressed_by or next((s for s in current if s.matches(f)), None)
        if severity is not f.severity or suppression is not f.suppressed_by:
            f = dataclasses.replace(f, severity=severity, suppressed_by=suppression)
        out.append(f)

    for f in findings:
        finish(f)
    rule = CATALOG[RuleCode.EXPIRED_SUPPRESSION]
    for s in policy.suppressions:
        if not s.expired(today):
            continue
        what = f"{s.code} for {s.package}" + (f" {s.version}" if s.version else "")
        finish(
            Finding(
                code=RuleCode.EXPIRED_SUPPRESSION,
                severity=rule.default_severity,
                package=s.package,
                message=f"suppression of {what} expired on {s.until.isoformat() if s.until else '?'} "
                f"(reason: {s.reason}); its findings are reported again",
                location=s.location,
                data={
                    "code": s.code.value,
                    "until": s.until.isoformat() if s.until else None,
                    "reason": s.reason,
                    "version": s.version,
                },
                version=s.version,
            )
        )
    return out


def unused_suppressions(
    findings: Iterable[Finding], policy: Policy, today: _dt.date | None = None
) -> tuple[Suppression, ...]:
    """Current suppressions that matched none of ``findings`` (worth a note, not an error)."""
    today = today or policy.today()
    used = {f.suppressed_by for f in findings if f.suppressed_by is not None}
    return tuple(s for s in policy.suppressions if not s.expired(today) and s not in used)
