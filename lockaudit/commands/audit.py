"""``lockaudit [PATH ...]``: audit dependency files (the main job).

For every requirement: the declared range, the locked version, what a fresh
install takes today, the newest release, and findings with stable rule codes.
Exit codes: 0 nothing at or above the threshold, 1 findings at or above it,
2 bad usage or unreadable input, 3 unknowns (index unreachable, package
missing) unless --allow-unknown.
"""

from __future__ import annotations

import argparse
import os
import sys

from ..audit.engine import AuditOptions, audit
from ..audit.policy import Policy, load_policy
from ..errors import LockauditError, PolicyError
from ..findings import AuditReport, ExitCode
from ..formats import FORMATS, render
from ..progress import progress_bar
from . import index_options


def _err(message: str) -> None:
    # plain text, never wrapped: editors and CI parse "file:line:col" from it
    print(message, file=sys.stderr)


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "audit",
        help="audit dependency files (the default command)",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("paths", nargs="*", default=["."], help="files or directories (default: .)")
    out = parser.add_argument_group("output")
    out.add_argument(
        "--format",
        action="append",
        choices=sorted(FORMATS),
        help="output format; repeat together with --output to write several (default: table)",
    )
    out.add_argument("--output", "-o", action="append", help="file for the matching --format (default: stdout)")
    out.add_argument("-q", "--quiet", action="count", default=0, help="less output (-qq: only the exit code)")
    out.add_argument("-v", "--verbose", action="count", default=0, help="more output (input warnings, suppressed findings)")
    out.add_argument("--no-progress", action="store_true", help="never show a progress bar")
    pol = parser.add_argument_group("policy (overrides [tool.lockaudit] / lockaudit.toml)")
    pol.add_argument("--config", help="policy file (default: lockaudit.toml or pyproject.toml found from the first path)")
    pol.add_argument("--fail-on", help="threshold: info, low, medium, high, critical, patch, minor, major, never")
    pol.add_argument("--select", help="comma-separated rule codes or prefixes to enable (as ruff does)")
    pol.add_argument("--extend-select", help="codes to enable on top of the selection")
    pol.add_argument("--ignore", help="codes to disable")
    pol.add_argument("--cooldown", help="how old a release must be before it is trusted (e.g. 7d, 36h)")
    pol.add_argument("--python", action="append", help="target Python (repeatable), e.g. 3.11")
    pol.add_argument("--platform", action="append", help="target platform (repeatable): linux, darwin, windows")
    pol.add_argument("--as-of", help="audit as if it were this date (YYYY-MM-DD): later releases do not exist")
    pol.add_argument("--allow-unknown", action="store_true", default=None, help="do not exit 3 for unknown packages")
    parser.add_argument("--input-format", help="force the input format of the files named (requirements, pyproject, poetry.lock, ...)")
    parser.add_argument(
        "--resolve",
        action="store_true",
        help="also resolve afresh: lock consistency and transitive drift (LA017-LA019)",
    )
    parser.add_argument(
        "--no-dependency-changes",
        action="store_true",
        help="skip fetching core metadata (no LA012 dependency-change findings)",
    )
    index_options.add_index_arguments(parser)
    return parser


def _policy(args: argparse.Namespace) -> Policy:
    base = load_policy(args.config) if args.config else load_policy(start=args.paths[0])
    split = lambda v: [s.strip() for s in v.split(",") if s.strip()] if v else None  # noqa: E731
    return base.merged_with(
        fail_on=args.fail_on,
        select=split(args.select),
        extend_select=split(args.extend_select),
        ignore=split(args.ignore),
        cooldown=args.cooldown,
        python=args.python,
        platform=args.platform,
        as_of=args.as_of,
        allow_unknown=args.allow_unknown,
    )


def _index_settings(args: argparse.Namespace) -> dict[str, object]:
    return {
        "index_url": args.index_url,
        "extra_index_urls": tuple(args.extra_index_url) if args.extra_index_url else None,
        "cache": args.cache,
        "offline": args.offline,
        "refresh": args.refresh,
        "concurrency": args.concurrency,
        "cache_ttl": args.cache_ttl,
        "limits": index_options.limits_from_args(args),
    }


def _outputs(args: argparse.Namespace) -> list[tuple[str, str | None]]:
    formats = args.format or ["table"]
    outputs = args.output or []
    if len(outputs) > len(formats):
        raise PolicyError("each --output needs a --format before it")
    pairs = [(fmt, outputs[i] if i < len(outputs) else None) for i, fmt in enumerate(formats)]
    if sum(1 for _, path in pairs if path is None) > 1:
        raise PolicyError("only one --format can go to stdout; give the others an --output file")
    return pairs


def run(args: argparse.Namespace) -> int:
    try:
        policy = _policy(args)
        outputs = _outputs(args)
    except (PolicyError, ValueError) as exc:
        _err(f"lockaudit: error: {exc}")
        return ExitCode.ERROR
    missing = [p for p in args.paths if not os.path.exists(p)]
    if missing:
        for path in missing:
            _err(f"lockaudit: error: {path}: no such file or directory")
        return ExitCode.ERROR
    options = AuditOptions(
        dependency_changes=not args.no_dependency_changes, resolve=args.resolve, **_index_settings(args)
    )
    try:
        with progress_bar(enabled=not args.no_progress and args.quiet == 0) as progress:
            report = audit(args.paths, policy=policy, options=options, format=args.input_format, progress=progress)
    except LockauditError as exc:
        _err(f"lockaudit: error: {exc}")
        return ExitCode.ERROR
    threshold = report.metadata.policy.fail_on
    _show_problems(report, verbose=args.verbose, quiet=args.quiet)
    for fmt, path in outputs:
        if path is None:
            if args.quiet >= 2:
                continue
            if fmt == "table":
                _print_table(report, threshold)
            else:
                sys.stdout.write(render(report, fmt, threshold=threshold))
        else:
            _write(path, render(report, fmt, threshold=threshold))
    code = report.exit_code(threshold, allow_unknown=policy.allow_unknown)
    if args.quiet < 2 and code == ExitCode.UNKNOWN:
        _err(
            f"lockaudit: {len(report.unknowns)} package(s) could not be audited (status unknown); "
            "--allow-unknown accepts that"
        )
    return int(code)


def _print_table(report: AuditReport, threshold) -> None:  # type: ignore[no-untyped-def]
    # rich only here: the other formats and the files written do without it
    from rich.console import Console

    from ..formats.table import print_report

    print_report(report, Console(), threshold=threshold)


def _show_problems(report: AuditReport, *, verbose: int, quiet: int) -> None:
    for problem in report.problems:
        if problem.severity == "error" or verbose:
            _err(problem.render())
    if quiet == 0 and report.problems and not verbose:
        warnings = sum(1 for p in report.problems if p.severity != "error")
        if warnings:
            _err(f"lockaudit: {warnings} input warning(s); -v shows them")


def _write(path: str, text: str) -> None:
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    tmp = f"{path}.tmp-{os.getpid()}"
    with open(tmp, "w", encoding="utf-8") as fh:
        fh.write(text)
    os.replace(tmp, path)
