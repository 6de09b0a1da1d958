"""``lockaudit inputs [PATH ...]``: which files are read, how, and paired with what.

One block per project (a range file and the locks made from it, or a lone
file): each file's format, its role (declared ranges, locked pins, both, or
only includes of other files) and the evidence that paired it (a tool's
header, ``# via`` lines, the lock's record of its inputs, the file names).
Nothing is fetched: this is what ``lockaudit`` would audit.
"""

from __future__ import annotations

import argparse
import os

from ..errors import LockauditError
from ..findings import ExitCode
from ..inputs import load
from ..model import InputFile
from ._output import err


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "inputs",
        help="show which files an audit reads and how they are paired",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("paths", nargs="*", default=["."], help="files or directories (default: .)")
    parser.add_argument("--input-format", help="force the input format of the files named")
    return parser


def describe(inputs: tuple[InputFile, ...]) -> list[str]:
    """Lines for people: projects in the order found, their files indented under them."""
    projects: dict[str, list[InputFile]] = {}
    for f in inputs:
        projects.setdefault(f.project, []).append(f)
    lines: list[str] = []
    for project, files in projects.items():
        lines.append(f"{project}")
        width = max(len(f.path) for f in files)
        for f in files:
            what = f"{f.format}, {f.role}"
            lines.append(f"  {f.path:<{width}}  [{what}]  {f.reason}".rstrip())
    return lines


def run(args: argparse.Namespace) -> int:
    missing = [p for p in args.paths if not os.path.exists(p)]
    for path in missing:
        err(f"lockaudit: error: {path}: no such file or directory")
    if missing:
        return ExitCode.ERROR
    try:
        lockfile = load(args.paths, format=args.input_format)
    except LockauditError as exc:
        err(f"lockaudit: error: {exc}")
        return ExitCode.ERROR
    for line in describe(lockfile.inputs):
        print(line)
    for problem in lockfile.problems:
        err(problem.render())
    return ExitCode.ERROR if any(p.unreadable for p in lockfile.problems) else ExitCode.OK
