"""An API diff (:mod:`lockaudit.apidiff`) for people and for programs.

``api_diff_document`` is what ``lockaudit diff --json`` prints and
``GET /v1/projects/{name}/diff`` answers; ``render_api_diff`` the text the
command shows: one section per family, each change with the rule code an
audit reports it under.
"""

from __future__ import annotations

from typing import Any

from ..apidiff.changes import FAMILIES, ApiChange, ApiDiff, ApiUnknown
from ..audit.rules.api import code_for
from ..audit.rules.catalog import CATALOG
from ._common import printable

__all__ = ["api_diff_document", "render_api_diff"]

_TITLES = {
    "defaults": "defaults changed",
    "removals": "removed or renamed",
    "signatures": "signatures changed",
    "deprecations": "new deprecations",
    "distribution": "modules, entry points, Requires-Python",
}


def _change(change: ApiChange) -> dict[str, Any]:
    return {"code": code_for(change.kind).value, **change.to_data()}


def api_diff_document(result: ApiDiff | ApiUnknown) -> dict[str, Any]:
    """The diff as JSON-ready data (an unknown diff: its reason, no changes)."""
    if isinstance(result, ApiUnknown):
        return {
            **result.to_data(),
            "old_wheel": None,
            "new_wheel": None,
            "counts": None,
            "changes": [],
            "suppressed": [],
        }
    data = result.to_data()
    data["reason"] = None
    data["changes"] = [_change(c) for c in result.changes]
    data["suppressed"] = [_change(c) for c in result.suppressed]
    return data


def render_api_diff(result: ApiDiff, *, show_suppressed: bool = False) -> str:
    """The diff for people: one section per family, every change on its own line."""
    lines = [
        f"{result.package} {result.old_version} -> {result.new_version}",
        f"  wheels: {result.old_wheel} -> {result.new_wheel}",
    ]
    for family, kinds in FAMILIES.items():
        items = result.of_kinds(kinds)
        if not items:
            continue
        code = code_for(kinds[0])
        lines.append("")
        lines.append(f"{code} {_TITLES[family]} ({len(items)}): {CATALOG[code].title}")
        lines += [f"  {c.text()}" for c in items]
    if not result.changes:
        lines += ["", "no API changes found"]
    if result.suppressed:
        lines.append("")
        if show_suppressed:
            lines.append(f"left out as known noise ({len(result.suppressed)}):")
            lines += [f"  {c.text()}  [{c.note}]" for c in result.suppressed]
        else:
            lines.append(f"{len(result.suppressed)} change(s) left out as known noise (--show-suppressed lists them)")
    return printable("\n".join(lines) + "\n")
