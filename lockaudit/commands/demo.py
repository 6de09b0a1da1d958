"""``lockaudit demo``: the audit on a bundled example that tells the story.

``requests>=2.28.0`` was tested at 2.28.0 in June 2022; a fresh install of the
same requirements today takes whatever is newest. The demo audits the bundled
requirements.in and its pip-compile lock against the configured index (the
public one by default) with the default SQLite cache.
"""

from __future__ import annotations

import argparse
import os
from importlib import resources

from rich.console import Console

from . import audit as audit_command
from . import index_options

STORY = (
    "lockaudit demo: a service tested in June 2022 declares 'requests>=2.28.0' and locks "
    "requests==2.28.0 (bundled requirements.in + requirements.txt). What would a fresh install take today?\n"
)


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "demo", help="audit a bundled example (needs the index, or a warm cache)", description=__doc__
    )
    index_options.add_index_arguments(parser)
    return parser


def run(args: argparse.Namespace) -> int:
    console = Console(soft_wrap=True)  # never wrapped at 80 columns in a log
    console.print(STORY, markup=False, highlight=False)
    demo = resources.files("lockaudit") / "data" / "demo"
    with resources.as_file(demo) as folder:
        cwd = os.getcwd()
        os.chdir(folder)
        try:
            parser = argparse.ArgumentParser(prog="lockaudit")
            sub = parser.add_subparsers()
            audit_command.add_parser(sub)
            passthrough = ["audit", "requirements.in", "requirements.txt", "--config", os.devnull]
            for flag in ("index_url", "cache"):
                value = getattr(args, flag, None)
                if value:
                    passthrough += [f"--{flag.replace('_', '-')}", value]
            for url in getattr(args, "extra_index_url", None) or ():
                passthrough += ["--extra-index-url", url]
            if getattr(args, "offline", False):
                passthrough.append("--offline")
            if getattr(args, "refresh", False):
                passthrough.append("--refresh")
            code = audit_command.run(parser.parse_args(passthrough))
        finally:
            os.chdir(cwd)
    if code in (0, 1):
        verdict = "passes" if code == 0 else "fails (exit 1: findings at or above 'high')"
        console.print(f"\nIn CI, `lockaudit --fail-on high` on these files {verdict}.", markup=False, highlight=False)
        return 0
    return code
