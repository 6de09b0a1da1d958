"""``lockaudit explain CODE``: what a rule code means and how to fix it."""

from __future__ import annotations

import argparse

from ..audit.rules.catalog import CATALOG, explain
from ._output import err


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    parser = subparsers.add_parser("explain", help="explain a rule code (LA001 ...)", description=__doc__)
    parser.add_argument(
        "code", nargs="?", help="a rule code such as LA003 (or its name, e.g. drift); omit to list them all"
    )
    return parser


def run(args: argparse.Namespace) -> int:
    if not args.code:
        for code, rule in CATALOG.items():
            print(f"{code}  {rule.default_severity!s:8}  {rule.title}")
        return 0
    try:
        print(explain(args.code), end="")
    except ValueError:
        err(f"lockaudit: error: unknown rule code {args.code!r}; `lockaudit explain` lists them")
        return 2
    return 0
