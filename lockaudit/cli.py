"""The command line: the composition root.

``lockaudit [PATH ...]`` audits (the default command); ``lockaudit COMMAND ...``
runs one of the others. Each command lives in ``lockaudit/commands/``; this
module only chooses among them.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from . import __version__

#: Subcommand name -> module in lockaudit.commands (imported only when used).
COMMANDS: dict[str, str] = {
    "audit": "audit",
    "explain": "explain",
    "versions": "versions",
    "cache": "cache",
    "lock": "lock",
    "check": "check",
    "serve": "serve",
    "demo": "demo",
}


def _parser(only: str | None = None) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="lockaudit",
        description="Which versions would a fresh install take that you never tested? "
        "`lockaudit [PATH ...]` audits; `lockaudit COMMAND --help` for the others.",
    )
    parser.add_argument("--version", action="version", version=f"lockaudit {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, module in COMMANDS.items():
        if only is not None and name != only:
            continue
        try:
            mod = importlib.import_module(f".commands.{module}", __package__)
        except ImportError:
            continue
        mod.add_parser(subparsers).set_defaults(_run=mod.run)
    return parser


def main(argv: list[str] | None = None) -> int:
    args_in = list(sys.argv[1:] if argv is None else argv)
    if not args_in or (args_in[0] not in COMMANDS and args_in[0] not in ("-h", "--help", "--version")):
        args_in.insert(0, "audit")
    only = args_in[0] if args_in[0] in COMMANDS else None
    parser = _parser(only)
    args = parser.parse_args(args_in)
    run = getattr(args, "_run", None)
    if run is None:
        parser.print_help()
        return 2
    try:
        return int(run(args))
    except KeyboardInterrupt:
        print("lockaudit: interrupted", file=sys.stderr)
        return 130
