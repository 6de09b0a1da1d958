"""``lockaudit diff PACKAGE OLD NEW``: what the upgrade from OLD to NEW changes in PACKAGE's API.

Both releases' wheels are read statically (never imported) in a subprocess
with memory and time limits; summaries are cached by the wheel's sha256. Every
change is listed, grouped by the rule code an audit reports it under
(LA021 defaults, LA022 removals and renames, LA023 signatures, LA024
deprecations, LA025 modules, entry points and Requires-Python). Exit codes: 0
the diff is shown (whatever it holds), 2 bad usage (no such release), 3 the
package or its API is unknown (not on the index, only an sdist, analysis
failed).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from typing import Any

from packaging.utils import canonicalize_name

from ..apidiff.changes import FAMILIES, ApiChange, ApiDiff, ApiUnknown
from ..apidiff.pairs import diff_releases, find_release
from ..audit.rules.api import code_for
from ..audit.rules.catalog import CATALOG
from ..findings import ExitCode
from ..formats._common import printable
from ..index.history import FetchStatus
from . import index_options

__all__ = ["add_parser", "document", "run"]

_TITLES = {
    "defaults": "defaults changed",
    "removals": "removed or renamed",
    "signatures": "signatures changed",
    "deprecations": "new deprecations",
    "distribution": "modules, entry points, Requires-Python",
}


def _err(message: str) -> None:
    print(message, file=sys.stderr)


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "diff",
        help="what an upgrade changes in a package's API (read from its wheels)",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("package", help="package name")
    parser.add_argument("old", help="the version you have (e.g. the locked one)")
    parser.add_argument("new", help="the version to compare with (e.g. what a fresh install takes)")
    parser.add_argument("--json", action="store_true", help="print the whole diff as JSON")
    parser.add_argument("--show-suppressed", action="store_true", help="also list what was left out as known noise")
    index_options.add_index_arguments(parser)
    return parser


def _change(change: ApiChange) -> dict[str, Any]:
    return {"code": code_for(change.kind).value, **change.to_data()}


def document(result: ApiDiff | ApiUnknown) -> dict[str, Any]:
    """The diff as JSON-ready data: what ``lockaudit diff --json`` prints and the service answers."""
    if isinstance(result, ApiUnknown):
        return {**result.to_data(), "old_wheel": None, "new_wheel": None, "counts": None, "changes": [], "suppressed": []}
    data = result.to_data()
    data["reason"] = None
    data["changes"] = [_change(c) for c in result.changes]
    data["suppressed"] = [_change(c) for c in result.suppressed]
    return data


def render_text(result: ApiDiff, *, show_suppressed: bool = False) -> str:
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


def run(args: argparse.Namespace) -> int:
    name = canonicalize_name(args.package)

    async def compare() -> tuple[int, ApiDiff | ApiUnknown | None, str | None]:
        async with index_options.client_from_args(args) as client:
            history = await client.fetch_history(name)
            if history.status is not FetchStatus.OK:
                detail = f" ({history.detail})" if history.detail else ""
                return ExitCode.UNKNOWN, None, f"{name}: {history.status}{detail}"
            old, new = find_release(history, args.old), find_release(history, args.new)
            for wanted, found in ((args.old, old), (args.new, new)):
                if found is None:
                    return ExitCode.ERROR, None, f"{name} has no release {wanted!r} on the index"
            assert old is not None and new is not None
            return ExitCode.OK, await diff_releases(client, old, new), None

    code, result, problem = asyncio.run(compare())
    if result is None:
        _err(f"lockaudit: error: {problem}")
        return int(code)
    if args.json:
        import orjson

        sys.stdout.write(orjson.dumps(document(result), option=orjson.OPT_INDENT_2).decode() + "\n")
    elif isinstance(result, ApiDiff):
        sys.stdout.write(render_text(result, show_suppressed=args.show_suppressed))
    if isinstance(result, ApiUnknown):
        _err(f"lockaudit: API unknown: {printable(result.reason)}")
        return ExitCode.UNKNOWN
    return ExitCode.OK
