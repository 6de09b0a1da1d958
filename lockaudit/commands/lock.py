"""``lockaudit lock INPUT... [-o FILE]``: resolve afresh and write a lock file.

Writes a pinned requirements file with a ``--hash`` for every file of each
chosen version and ``# via`` provenance (``--format pylock``, or an output
named ``pylock*.toml``: a PEP 751 lock) for one target environment
(``--python``, ``--platform``; default: this interpreter), optionally as of a
date (``--as-of``: later uploads do not exist).

When the output file exists, its pins are kept wherever they still satisfy the
inputs (as pip-compile and ``uv pip compile`` do): only what must move moves.
``--upgrade`` ignores them all, ``--upgrade-package NAME`` those of NAME.
Exit codes: 0 written, 1 the
requirements cannot be resolved (the explanation goes to stderr), 2 bad usage
or unreadable input, 3 some release's dependencies are unknown (offline without
cached metadata, an sdist without reliable metadata): nothing is written unless
``--allow-unknown``.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from collections.abc import Sequence

from packaging.utils import canonicalize_name

from .._target import Target
from ..as_of import AS_OF_HELP
from ..errors import InvalidVersion, LockauditError
from ..index.client import Progress
from ..inputs import load
from ..inputs.selection import Selection, select_requirements
from ..model import Lockfile
from ..progress import progress_bar
from ..resolve import (
    Resolution,
    ResolutionConflict,
    ResolutionTooComplex,
    ResolveOptions,
    parse_as_of,
    resolve_async,
)
from ..resolve.resolver import run_sync
from ..resolve.writers import lock_command, write_pylock, write_requirements
from ..targets import project_targets
from ..versions import normalize_version
from . import index_options
from ._output import err, write_atomic

__all__ = [
    "add_parser",
    "add_selection_arguments",
    "add_target_arguments",
    "existing_pins",
    "run",
    "selection_from_args",
]

_PYLOCK_NAME = re.compile(r"^pylock\.([^.]+\.)?toml$")


def add_target_arguments(parser: argparse.ArgumentParser) -> None:
    """``--python``, ``--platform``, ``--as-of``, ``--pre`` (shared with ``check``)."""
    group = parser.add_argument_group("target environment")
    group.add_argument(
        "--python",
        metavar="X.Y",
        help="target Python version, e.g. 3.11 (default: what the project says: a lock's Python, "
        "else the lowest Python requires-python admits, else this interpreter)",
    )
    group.add_argument(
        "--platform",
        metavar="NAME",
        help="target platform: linux, darwin (macos) or windows (default: this machine)",
    )
    group.add_argument("--as-of", metavar="WHEN", help=AS_OF_HELP)
    group.add_argument("--pre", action="store_true", default=None, help="allow pre-releases everywhere")


def add_selection_arguments(parser: argparse.ArgumentParser) -> None:
    """Which optional requirements of a pyproject.toml / Pipfile take part."""
    group = parser.add_argument_group("requirement selection")
    group.add_argument(
        "--extra", action="append", default=[], metavar="NAME", help="include an optional-dependency extra (repeatable)"
    )
    group.add_argument("--all-extras", action="store_true", help="include every optional-dependency extra")
    group.add_argument(
        "--group", action="append", default=[], metavar="NAME", help="include a dependency group (repeatable)"
    )
    group.add_argument("--all-groups", action="store_true", help="include every dependency group")
    group.add_argument("--input-format", metavar="FORMAT", help="force the input format (requirements, pyproject, ...)")


def selection_from_args(args: argparse.Namespace) -> Selection:
    """The extras and groups the selection flags name."""
    return Selection(tuple(args.extra), tuple(args.group), args.all_extras, args.all_groups)


def project_target(lockfile: Lockfile, args: argparse.Namespace) -> Target:
    """The one target a lock is made for: the flags, else what the project says
    (the first of its targets, as the audit reads them)."""
    choice = project_targets(
        lockfile.inputs,
        python=[args.python] if args.python else (),
        platform=[args.platform] if args.platform else (),
    )
    return choice.targets[0]


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "lock",
        help="resolve the requirements afresh and write a lock file",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("inputs", nargs="+", metavar="INPUT", help="requirements.in, pyproject.toml, Pipfile, ...")
    out = parser.add_argument_group("output")
    out.add_argument("-o", "--output", metavar="FILE", help="where to write the lock (default: stdout)")
    out.add_argument(
        "--format",
        choices=("requirements", "pylock"),
        help="requirements (pinned, with hashes) or pylock (PEP 751); default from the output name",
    )
    out.add_argument("--no-hashes", action="store_true", help="leave out the --hash lines")
    out.add_argument("--no-annotate", action="store_true", help="leave out the '# via' lines")
    out.add_argument("--no-header", action="store_true", help="leave out the header comment")
    out.add_argument("-q", "--quiet", action="store_true", help="no progress, no summary")
    out.add_argument(
        "--allow-unknown",
        action="store_true",
        help="write the lock even when some release's dependencies are unknown (offline without cached "
        "metadata, an sdist without reliable metadata); they are listed in its header",
    )
    out.add_argument("--no-progress", action="store_true", help="never show a progress bar")
    keep = parser.add_argument_group("existing pins (of the -o file, when it exists)")
    keep.add_argument(
        "-U", "--upgrade", action="store_true", help="ignore the existing pins: take the newest admissible versions"
    )
    keep.add_argument(
        "-P",
        "--upgrade-package",
        action="append",
        default=[],
        metavar="NAME",
        help="let NAME move to its newest admissible version, keep the other pins (repeatable)",
    )
    add_target_arguments(parser)
    add_selection_arguments(parser)
    index_options.add_index_arguments(parser)
    return parser


async def _resolve(
    args: argparse.Namespace,
    lockfile: Lockfile,
    target: Target,
    progress: Progress | None,
    preferences: dict[str, str],
) -> Resolution:
    options = ResolveOptions(target=target, as_of=args.as_of, prereleases=args.pre, preferences=preferences)
    async with index_options.client_from_args(args, lockfile.index) as client:
        return await resolve_async(lockfile, options, client=client, progress=progress)


def existing_pins(path: str | None, *, upgrade: bool = False, upgrade_packages: Sequence[str] = ()) -> dict[str, str]:
    """The pins of an existing lock at ``path`` that the new lock should keep.

    Empty when there is no such file or ``upgrade`` is set; the packages named
    in ``upgrade_packages`` are left out. Raises LockauditError when the file
    cannot be read as a lock.
    """
    if upgrade or not path or not os.path.isfile(path):
        return {}
    lockfile = load([path])
    if lockfile.errors:
        raise LockauditError(f"{path}: cannot read its pins ({lockfile.errors[0].render()})")
    dropped = {canonicalize_name(n) for n in upgrade_packages}
    return {p.name: p.version for p in lockfile.packages if p.version and p.source.from_index and p.name not in dropped}


def run(args: argparse.Namespace) -> int:
    fmt = args.format or (
        "pylock" if args.output and _PYLOCK_NAME.match(os.path.basename(args.output)) else "requirements"
    )
    try:
        Target(args.python, args.platform)  # a bad value fails before anything is read
        parse_as_of(args.as_of)
    except ValueError as exc:
        err(f"lockaudit: error: {exc}")
        return 2
    missing = [p for p in args.inputs if not os.path.exists(p)]
    if missing:
        for path in missing:
            err(f"lockaudit: error: {path}: no such file or directory")
        return 2
    try:
        lockfile = load(args.inputs, format=args.input_format)
    except LockauditError as exc:
        err(f"lockaudit: error: {exc}")
        return 2
    for problem in lockfile.errors:
        err(problem.render())
    if lockfile.errors:
        return 2
    selection = selection_from_args(args)
    lockfile = select_requirements(lockfile, selection)
    target = project_target(lockfile, args)
    try:
        keep = existing_pins(
            args.output, upgrade=getattr(args, "upgrade", False), upgrade_packages=getattr(args, "upgrade_package", [])
        )
    except LockauditError as exc:
        err(f"lockaudit: error: {exc}; --upgrade ignores it")
        return 2
    try:
        with progress_bar(enabled=not (args.quiet or args.no_progress), label="Resolving") as progress:
            resolution = run_sync(_resolve(args, lockfile, target, progress, keep))
    except (ResolutionConflict, ResolutionTooComplex) as exc:
        err(exc.explain())
        return 1
    except LockauditError as exc:
        err(f"lockaudit: error: {exc}")
        return 2
    incomplete = _incomplete(resolution)
    if incomplete and not args.allow_unknown:
        # As uv does: a lock that silently misses what an unknown release needs is worse than none.
        for name, reason in incomplete:
            pin = resolution.pins.get(name)
            what = f"{name} {pin.version}" if pin is not None else name
            err(f"lockaudit: error: the dependencies of {what} are unknown ({reason})")
        err(
            f"lockaudit: error: the lock would be incomplete ({len(incomplete)} release"
            f"{'s' if len(incomplete) != 1 else ''} with unknown dependencies); nothing was written. "
            "Run with the index reachable, or pass --allow-unknown to write it anyway"
        )
        return 3
    relative_to = os.path.dirname(os.path.abspath(args.output)) if args.output else os.getcwd()
    if fmt == "pylock":
        text = write_pylock(resolution)
    else:
        text = write_requirements(
            resolution,
            hashes=not args.no_hashes,
            header=not args.no_header,
            annotate=not args.no_annotate,
            command=lock_command(
                args.inputs,
                python=args.python,
                platform=args.platform,
                as_of=args.as_of,
                prereleases=args.pre,
                selection=selection,
                output=args.output,
            ),
            relative_to=relative_to,
        )
    if args.output:
        write_atomic(args.output, text)
    else:
        sys.stdout.write(text)
    if not args.quiet:
        for warning in resolution.warnings:
            err(f"lockaudit: warning: {warning}")
        for name, reason in sorted(resolution.unknown.items()):
            err(f"lockaudit: warning: {name}: dependencies unknown ({reason})")
        if args.output:
            err(f"lockaudit: {len(resolution)} packages for {resolution.label} written to {args.output}")
        if keep:
            new = resolution.versions()
            kept = sum(1 for name, version in keep.items() if name in new and _same(new[name], version))
            moved = sorted(f"{n} {keep[n]} -> {new[n]}" for n in keep if n in new and not _same(new[n], keep[n]))
            err(f"lockaudit: kept {kept} of the existing pins" + (f"; moved {', '.join(moved)}" if moved else ""))
    return 0


def _incomplete(resolution: Resolution) -> list[tuple[str, str]]:
    """Pinned releases whose dependencies are unknown (requested URL/path/VCS
    references are the user's own, written as given: not counted)."""
    direct = {s.requirement.name for s in resolution.skipped if s.kind == "not-from-index"}
    return [(n, r) for n, r in sorted(resolution.unknown.items()) if n not in direct]


def _same(a: str, b: str) -> bool:
    try:
        return normalize_version(a) == normalize_version(b)
    except InvalidVersion:
        return a == b
