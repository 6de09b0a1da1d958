"""``lockaudit versions NAME [RANGE]``: a package's release history and what a range admits."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys

from packaging.utils import canonicalize_name
from rich.table import Table

from ..audit.release_table import release_table
from ..errors import InvalidSpecifier
from ..index.history import FetchStatus, ProjectHistory
from ..ranges import DIALECTS
from ..versions import compile_range
from . import index_options
from ._output import add_color_argument, err, make_console


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "versions", help="show a package's releases and which ones a range admits", description=__doc__
    )
    parser.add_argument("name", help="package name")
    parser.add_argument(
        "range", nargs="?", default="", help="a range, e.g. '>=2.28' (PEP 440) or '^2.28' with --dialect poetry"
    )
    parser.add_argument("--dialect", choices=DIALECTS, default="pep440", help="how to read RANGE (default: pep440)")
    parser.add_argument("--pre", action="store_true", default=None, help="admit pre-releases")
    parser.add_argument(
        "--format", choices=("table", "json"), default="table", help="table (default) or json, as the other commands"
    )
    parser.add_argument("--json", dest="format", action="store_const", const="json", help="the same as --format json")
    add_color_argument(parser)
    parser.add_argument(
        "--all", action="store_true", help="list every release (default: the newest 30 and all admitted ones)"
    )
    index_options.add_index_arguments(parser)
    return parser


def run(args: argparse.Namespace) -> int:
    name = canonicalize_name(args.name)
    try:
        compile_range(args.range, args.dialect)
    except InvalidSpecifier as exc:
        err(f"lockaudit: error: {exc}")
        hint = dialect_hint(args.range, args.dialect)
        if hint:
            err(f"lockaudit: hint: {hint}")
        return 2

    async def fetch() -> ProjectHistory:
        async with index_options.client_from_args(args) as client:
            return await client.fetch_history(name)

    history = asyncio.run(fetch())
    if history.status is not FetchStatus.OK:
        detail = f" ({history.detail})" if history.detail else ""
        err(f"lockaudit: {name}: {history.status}{detail}")
        return 3
    table_rows = release_table(history, args.range, args.dialect, args.pre).rows
    if args.format == "json":
        releases = [r.to_data() for r in table_rows]
        json.dump(
            {"name": name, "range": args.range, "dialect": args.dialect, "releases": releases}, sys.stdout, indent=2
        )
        sys.stdout.write("\n")
        return 0
    shown = table_rows if args.all else [r for i, r in enumerate(table_rows) if r.admitted or i >= len(table_rows) - 30]
    table = Table(title=f"{name} {args.range}".strip(), title_justify="left")
    for column in ("version", "uploaded", "requires-python", "yanked", "admitted"):
        table.add_column(column)
    for r in shown:
        mark = "fresh install" if r.fresh_install else ("yes" if r.admitted else "")
        yanked = f"yanked{': ' + r.yanked_reason if r.yanked_reason else ''}" if r.yanked else ""
        uploaded = r.uploaded.isoformat()[:10] if r.uploaded else ""
        table.add_row(r.version, uploaded, r.requires_python or "", yanked, mark)
    console = make_console(getattr(args, "color", "auto"))
    console.print(table)
    hidden = len(table_rows) - len(shown)
    if hidden:
        console.print(f"({hidden} older releases not admitted; --all lists them)")
    return 0


def dialect_hint(spec: str, dialect: str) -> str | None:
    """When a range is not valid in ``dialect`` but is in another one, how to say so."""
    for other in DIALECTS:
        if other == dialect:
            continue
        try:
            compile_range(spec, other)
        except InvalidSpecifier:
            continue
        return f"{spec!r} is a valid {other} range: add --dialect {other}"
    return None
