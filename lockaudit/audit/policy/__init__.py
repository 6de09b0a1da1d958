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

Modules: :mod:`.model` (what a policy holds and which values its keys accept),
:mod:`.config` (the config file on disk or among uploads), :mod:`.apply` (a
policy applied to findings).
"""

from __future__ import annotations

from ...findings import Suppression, Target
from .apply import apply_policy, unused_suppressions
from .config import CONFIG_FILES, find_config, find_uploaded_config, load_policy, policy_from_files
from .model import (
    API_CHANGE_SIZES,
    DEFAULT_API_CHANGES,
    DEFAULT_COOLDOWN,
    DEFAULT_FAIL_ON,
    PackagePolicy,
    Policy,
    parse_cooldown,
    resolve_selectors,
)

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
