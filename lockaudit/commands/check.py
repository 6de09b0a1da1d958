"""``lockaudit check INPUT --lock LOCK``: is the lock consistent with its inputs?

On each target environment of the project (``--python``, ``--platform``;
default: what the project says, as the audit reads it: the lock's Python,
the environments a universal lock was split into, the lowest Python
requires-python admits, else this interpreter), with the groups and extras
the lock was made from unless ``--extra``/``--group`` say otherwise: LA017
when the lock does not satisfy the inputs or is not closed (a locked
release's dependency missing, or locked at a version its dependents
exclude), LA018 for each pin a fresh resolution today (or ``--as-of``) would
change, with its semver size and the top-level requirement that pulls it in,
LA019 where dependencies are unknown, LA013 where the index does not know a
locked package. Findings come out in the audit's formats; suppressions and
severities from [tool.lockaudit] / lockaudit.toml apply.

Exit codes: 0 consistent (and no drift at or above --fail-on); 1 the lock is
inconsistent (LA017 of high severity), or drift at or above --fail-on (default:
drift never fails); 2 bad usage or unreadable input; 3 a locked package's
status is unknown, unless --allow-unknown.
"""

from __future__ import annotations

import argparse
import os
import sys

from .._target import Target
from ..as_of import parse_as_of
from ..audit.lock_check import CheckResult, check_exit_code, check_lock_report, inputs_for_lock
from ..audit.policy import Policy, load_policy
from ..errors import LockauditError
from ..findings import AuditReport, ExitCode, Severity, Threshold, parse_threshold
from ..formats import FORMATS, render
from ..index.client import Progress
from ..inputs import load
from ..model import Lockfile
from ..progress import progress_bar
from ..resolve.resolver import run_sync
from . import index_options
from ._output import err, write_atomic
from .lock import add_selection_arguments, add_target_arguments, selection_from_args

__all__ = ["add_parser", "run"]


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "check",
        help="check a lock against its inputs (consistency, closure, drift)",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "input", metavar="INPUT", help="the declared requirements (requirements.in, pyproject.toml, ...)"
    )
    parser.add_argument(
        "--lock", required=True, metavar="LOCK", help="the lock to check (requirements.txt, pylock.toml, uv.lock, ...)"
    )
    parser.add_argument("--lock-format", metavar="FORMAT", help="force the lock's format")
    out = parser.add_argument_group("output")
    out.add_argument("--format", choices=sorted(FORMATS), default="table", help="output format (default: table)")
    out.add_argument("-o", "--output", metavar="FILE", help="write the report here (default: stdout)")
    out.add_argument("-q", "--quiet", action="count", default=0, help="less output (-qq: only the exit code)")
    out.add_argument("--no-progress", action="store_true", help="never show a progress bar")
    pol = parser.add_argument_group("policy")
    pol.add_argument(
        "--fail-on",
        metavar="THRESHOLD",
        help="also fail when a fresh resolution changes a pin at or above this size: patch, minor, major "
        "(or a severity; default: drift never fails)",
    )
    pol.add_argument("--no-fresh", action="store_true", help="only check consistency; do not resolve afresh (no LA018)")
    pol.add_argument("--config", help="policy file for suppressions and severities (default: found from INPUT)")
    pol.add_argument(
        "--allow-unknown", action="store_true", help="do not exit 3 for locked packages the index does not know"
    )
    add_target_arguments(parser)
    add_selection_arguments(parser)
    index_options.add_index_arguments(parser)
    return parser


def run(args: argparse.Namespace) -> int:
    try:
        threshold = parse_threshold(args.fail_on) if args.fail_on else None
        parse_as_of(args.as_of)
        if args.python or args.platform:
            Target(args.python, args.platform)  # a bad value fails before anything is read
        policy = load_policy(args.config) if args.config else load_policy(start=args.input)
    except (ValueError, LockauditError) as exc:
        err(f"lockaudit: error: {exc}")
        return ExitCode.ERROR
    missing = [p for p in (args.input, args.lock) if not os.path.exists(p)]
    if missing:
        for path in missing:
            err(f"lockaudit: error: {path}: no such file or directory")
        return ExitCode.ERROR
    try:
        inputs = load(args.input, format=args.input_format)
        lock = load(args.lock, format=args.lock_format)
    except LockauditError as exc:
        err(f"lockaudit: error: {exc}")
        return ExitCode.ERROR
    # Groups and extras: what the flags name, else what the lock was made from.
    inputs = inputs_for_lock(inputs, lock, selection_from_args(args))
    try:
        with progress_bar(enabled=not (args.quiet or args.no_progress), label="Checking") as progress:
            report, results = run_sync(_check(args, inputs, lock, policy, threshold, progress))
    except LockauditError as exc:
        err(f"lockaudit: error: {exc}")
        return ExitCode.ERROR
    for problem in report.unreadable:
        err(problem.render())
    if args.quiet < 2:
        display = threshold if threshold is not None else Severity.HIGH
        if args.output:
            write_atomic(args.output, render(report, args.format, threshold=display))
        elif args.format == "table":
            from rich.console import Console  # only for a table on stdout

            from ..formats.table import print_report

            print_report(report, Console(), threshold=display, problems=False)
        else:
            sys.stdout.write(render(report, args.format, threshold=display))
        if args.quiet == 0:
            for result in results:
                if result.conflict is not None:
                    err(result.conflict.explain())
    return int(check_exit_code(report, threshold, allow_unknown=args.allow_unknown))


async def _check(
    args: argparse.Namespace,
    inputs: Lockfile,
    lock: Lockfile,
    policy: Policy,
    threshold: Threshold,
    progress: Progress | None,
) -> tuple[AuditReport, list[CheckResult]]:
    async with index_options.client_from_args(args, inputs.index) as client:
        return await check_lock_report(
            inputs,
            lock,
            client=client,
            policy=policy,
            threshold=threshold,
            python=[args.python] if args.python else (),
            platform=[args.platform] if args.platform else (),
            as_of=args.as_of,
            prereleases=args.pre,
            fresh=not args.no_fresh,
            allow_unknown=args.allow_unknown,
            progress=progress,
        )
