"""``lockaudit [PATH ...]``: audit dependency files (the main job).

For every package, direct and transitive: the declared range, the locked
version, what a fresh install takes today (the fresh resolution of the
project's inputs on each of its target environments), the newest release, and
findings with stable rule codes.
Exit codes: 0 nothing at or above the threshold, 1 findings at or above it
(a bad input line is one, LA020), 2 bad usage or an input that could not be
read at all, 3 unknowns (index unreachable, package missing) unless
--allow-unknown.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import TYPE_CHECKING

from ..as_of import AS_OF_HELP
from ..audit.engine import AuditOptions, audit
from ..audit.policy import API_CHANGE_SIZES, Policy, load_policy
from ..errors import LockauditError, PolicyError
from ..findings import AuditReport, ExitCode, ReportFile, ReportUnit, Threshold
from ..formats import FORMATS, render
from ..progress import progress_bar
from . import index_options
from ._output import add_color_argument, err, make_console, pair_outputs, terminal_width, write_atomic

if TYPE_CHECKING:
    from ..formats.html import TimelineRelease
    from ..formats.table import Detail
    from ..index.history import ProjectHistory


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "audit",
        help="audit dependency files (the default command)",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("paths", nargs="*", default=["."], help="files or directories (default: .)")
    out = parser.add_argument_group(
        "output",
        "Each --format goes to stdout or to a file: --format json=report.json names the file; "
        "-o report.sarif alone takes the format from the extension (.json, .sarif, .xml, .md, .html, .txt). "
        "Only one format can go to stdout. When every format goes to a file, the failing findings and "
        "the summary line still go to stdout.",
    )
    out.add_argument(
        "--format",
        action="append",
        metavar="FORMAT[=FILE]",
        help=f"output format: {', '.join(FORMATS)} (default: table); repeatable",
    )
    out.add_argument(
        "--output", "-o", action="append", metavar="FILE", help="write to FILE in the format its extension names"
    )
    out.add_argument(
        "-q",
        "--quiet",
        action="count",
        default=0,
        help="only the failing findings and the summary line (-qq: nothing, only the exit code)",
    )
    out.add_argument(
        "-v",
        "--verbose",
        action="count",
        default=0,
        help="every package, suppressed findings, input warnings, and the files read and how they were paired",
    )
    out.add_argument("--all", action="store_true", help="list every package, not only those with findings")
    add_color_argument(out)
    out.add_argument("--no-progress", action="store_true", help="never show a progress bar")
    pol = parser.add_argument_group("policy (overrides [tool.lockaudit] / lockaudit.toml)")
    pol.add_argument(
        "--config", help="policy file (default: lockaudit.toml or pyproject.toml found from the first path)"
    )
    pol.add_argument(
        "--fail-on",
        metavar="THRESHOLD",
        help="when to exit 1: a severity (info, low, medium, high, critical: findings of it or worse), "
        "an upgrade size (patch, minor, major: findings about an upgrade of that size or larger, "
        "i.e. LA003/LA018 drift), or never (default: high, or fail-on in the policy)",
    )
    pol.add_argument("--select", help="comma-separated rule codes or prefixes to enable (as ruff does)")
    pol.add_argument("--extend-select", help="codes to enable on top of the selection")
    pol.add_argument("--ignore", help="codes to disable")
    pol.add_argument("--cooldown", help="how old a release must be before it is trusted (e.g. 7d, 36h)")
    pol.add_argument(
        "--python",
        action="append",
        help="target Python (repeatable), e.g. 3.11 (default: what each project says: a lock's Python, the "
        "environments a universal lock was split into, the lowest Python requires-python admits; "
        "else this interpreter)",
    )
    pol.add_argument(
        "--platform",
        action="append",
        help="target platform (repeatable): linux, darwin, windows (default: this machine)",
    )
    pol.add_argument("--as-of", metavar="WHEN", help="audit " + AS_OF_HELP)
    pol.add_argument("--allow-unknown", action="store_true", default=None, help="do not exit 3 for unknown packages")
    pol.add_argument(
        "--api-changes",
        choices=API_CHANGE_SIZES,
        help="read the API of upgrades of this size and up from their wheels (LA021-LA026; default: minor)",
    )
    parser.add_argument(
        "--input-format", help="force the input format of the files named (requirements, pyproject, poetry.lock, ...)"
    )
    parser.add_argument(
        "--resolve",
        action="store_true",
        help="kept for compatibility: every audit resolves afresh (what a fresh install takes, "
        "lock consistency and transitive drift, LA017-LA019)",
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
        api_changes=args.api_changes,
    )


def _options(args: argparse.Namespace) -> AuditOptions:
    return AuditOptions(
        index_url=args.index_url,
        extra_index_urls=tuple(args.extra_index_url) if args.extra_index_url else None,
        cache=args.cache,
        offline=args.offline,
        refresh=args.refresh,
        concurrency=args.concurrency,
        cache_ttl=args.cache_ttl,
        limits=index_options.limits_from_args(args),
        dependency_changes=not args.no_dependency_changes,
        resolve=args.resolve,
        input_format=args.input_format,
        fetch_worker=None,  # the CLI fetches in worker processes as the cores allow
    )


def _outputs(args: argparse.Namespace) -> list[tuple[str, str | None]]:
    return pair_outputs(args.format, args.output, FORMATS)


def run(args: argparse.Namespace) -> int:
    try:
        policy = _policy(args)
        outputs = _outputs(args)
    except (PolicyError, ValueError) as exc:
        err(f"lockaudit: error: {exc}")
        return ExitCode.ERROR
    missing = [p for p in args.paths if not os.path.exists(p)]
    if missing:
        for path in missing:
            err(f"lockaudit: error: {path}: no such file or directory")
        return ExitCode.ERROR
    options = _options(args)
    try:
        with progress_bar(enabled=not args.no_progress and args.quiet == 0) as progress:
            report = audit(args.paths, policy=policy, options=options, progress=progress)
    except LockauditError as exc:
        err(f"lockaudit: error: {exc}")
        return ExitCode.ERROR
    threshold = report.metadata.policy.fail_on
    verbose, quiet = getattr(args, "verbose", 0), getattr(args, "quiet", 0)
    if verbose and quiet < 2:
        _show_inputs(report)
    # Input problems go to stderr, once; the table on stdout does not repeat them.
    table_shown = any(fmt == "table" and path is None for fmt, path in outputs) or all(p for _, p in outputs)
    _show_problems(report, verbose=verbose, quiet=quiet, table=table_shown)
    color = getattr(args, "color", "auto")
    to_stdout = [fmt for fmt, path in outputs if path is None]
    for fmt, path in outputs:
        if path is None:
            if quiet >= 2 or (fmt == "table" and report.errors and not report.packages):
                continue  # nothing was audited: the errors above say why
            if fmt == "table":
                detail: Detail = "quiet" if quiet else ("all" if verbose else "normal")
                _print_table(report, threshold, color=color, detail=detail, show_all=getattr(args, "all", False))
            else:
                sys.stdout.write(_render(report, fmt, threshold, args))
        else:
            write_atomic(path, _render(report, fmt, threshold, args))
            if quiet == 0:
                err(f"lockaudit: wrote {fmt} to {path}")
    if not to_stdout and quiet < 2:
        # Every format went to a file: a failing CI step still shows why.
        _print_table(report, threshold, color=color, detail="quiet", show_all=False)
    code = report.exit_code(threshold, allow_unknown=policy.allow_unknown)
    if quiet < 2 and code == ExitCode.UNKNOWN:
        err(
            f"lockaudit: {len(report.unknowns)} package(s) could not be audited (status unknown); "
            "--allow-unknown accepts that"
        )
    return int(code)


def _render(report: AuditReport, fmt: str, threshold: Threshold, args: argparse.Namespace) -> str:
    if fmt == "html":
        from ..formats.html import render as render_html

        return render_html(report, threshold=threshold, timelines=_timelines(report, args))
    return render(report, fmt, threshold=threshold)


def _timelines(report: AuditReport, args: argparse.Namespace) -> dict[str, list[TimelineRelease]] | None:
    """The release histories the HTML report draws, from the cache the audit just filled
    (None, and the page says so, when they cannot be had)."""
    import asyncio

    from ..findings import PackageStatus
    from ..formats.html import timelines_from_histories

    names = sorted({p.name for p in report.packages if p.status is PackageStatus.OK})
    if not names:
        return {}
    settings = argparse.Namespace(**{**vars(args), "refresh": False})

    async def fetch() -> dict[str, ProjectHistory]:
        async with index_options.client_from_args(settings) as client:
            return await client.fetch_histories(names)

    try:
        histories = asyncio.run(fetch())
    except LockauditError as exc:
        err(f"lockaudit: warning: the HTML report has no release timelines: {exc}")
        return None
    return timelines_from_histories({n: h for n, h in histories.items() if h.ok}, report.metadata.as_of)


def _print_table(report: AuditReport, threshold: Threshold, *, color: str, detail: Detail, show_all: bool) -> None:
    # rich only here: the other formats and the files written do without it
    from ..formats.table import print_report

    print_report(
        report,
        make_console(color),
        threshold=threshold,
        show_all=show_all,
        detail=detail,
        problems=False,
        width=terminal_width(),
    )


def _show_inputs(report: AuditReport) -> None:
    """-v: the files read, how they were paired and why, and the targets (stderr)."""
    for line in describe_inputs(report):
        err(line)


def describe_inputs(report: AuditReport) -> list[str]:
    """Lines saying which files were read and how they were paired, project by project,
    and which targets each project was judged for."""
    files = report.metadata.files
    projects: dict[str, list[ReportFile]] = {}
    for f in files:
        projects.setdefault(f.project, []).append(f)
    units: dict[str, list[ReportUnit]] = {}
    for u in report.metadata.units:
        units.setdefault(u.project, []).append(u)
    count = len(files)
    lines = [
        f"lockaudit: read {count} file{'s' if count != 1 else ''} "
        f"in {len(projects)} project{'s' if len(projects) != 1 else ''}"
    ]
    for project, members in projects.items():
        lines.append(f"  project {project}")
        width = max(len(f.path) for f in members)
        for f in members:
            lines.append(f"    {f.path.ljust(width)}  {f.format:<13} {_role_text(f, members)}")
        for u in units.get(project, ()):
            labels = ", ".join(t.label for t in u.targets) or "none"
            lock = f" with {u.lock}" if u.lock else ""
            lines.append(f"    judged{lock} on {labels}: {u.targets_from}")
    return lines


def _role_text(f: ReportFile, files: list[ReportFile]) -> str:
    if f.included_by:
        text = f"included by {f.included_by}"
    elif f.role == "declared":
        text = "ranges"
    elif f.role == "locked":
        ranges = [o.path for o in files if o.role == "declared" and not o.included_by]
        text = f"pins, the lock of {', '.join(ranges)}" if ranges else "pins"
    elif f.role == "includes":
        text = "only includes other files"
    else:
        text = "ranges and pins (no range file paired with it)"
    if f.reason and not f.included_by:
        text += f" ({f.reason})"
    return text


def _show_problems(report: AuditReport, *, verbose: int, quiet: int, table: bool) -> None:
    # A bad line is a finding (LA020) the table shows with its file:line:col:
    # beside a table, stderr shows it again (caret and all) only with -v; beside
    # a machine format, stderr is where people read it. An input that could not
    # be read at all has no finding: it is always shown here.
    for problem in report.problems:
        if problem.unreadable or verbose or (problem.severity == "error" and not table):
            err(problem.render())
    if quiet == 0 and report.problems and not verbose:
        warnings = sum(1 for p in report.problems if p.severity != "error")
        if warnings:
            err(f"lockaudit: {warnings} input warning(s); -v shows them")
