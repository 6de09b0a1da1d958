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

from packaging.utils import canonicalize_name

from ..apidiff.changes import ApiDiff, ApiUnknown
from ..apidiff.pairs import diff_releases, find_release
from ..findings import ExitCode
from ..formats._common import printable
from ..formats.api_diff import api_diff_document, render_api_diff
from ..index.history import FetchStatus
from . import index_options
from ._output import err

__all__ = ["add_parser", "run"]


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
        err(f"lockaudit: error: {problem}")
        return int(code)
    if args.json:
        import orjson

        sys.stdout.write(orjson.dumps(api_diff_document(result), option=orjson.OPT_INDENT_2).decode() + "\n")
    elif isinstance(result, ApiDiff):
        sys.stdout.write(render_api_diff(result, show_suppressed=args.show_suppressed))
    if isinstance(result, ApiUnknown):
        err(f"lockaudit: API unknown: {printable(result.reason)}")
        return ExitCode.UNKNOWN
    return ExitCode.OK
