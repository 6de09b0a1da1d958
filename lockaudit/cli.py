"""The command line: the composition root.

``lockaudit [PATH ...]`` audits (the default command); ``lockaudit COMMAND ...``
runs one of the others. Each command lives in ``lockaudit/commands/``; this
module only chooses among them.
"""

from __future__ import annotations

import argparse
import atexit
import gc
import importlib
import os
import sys
import threading
from collections.abc import Mapping
from typing import Any

from ._version import __version__

#: Subcommand name -> module in lockaudit.commands (imported only when used).
COMMANDS: dict[str, str] = {
    "audit": "audit",
    "explain": "explain",
    "inputs": "inputs",
    "versions": "versions",
    "diff": "diff",
    "cache": "cache",
    "lock": "lock",
    "check": "check",
    "serve": "serve",
    "demo": "demo",
}

#: Commands that run once and end. Run as a process of their own (``main()``
#: without ``argv``), they go without the cyclic GC and end without the
#: interpreter's teardown: see :func:`_exit_now`.
ONE_SHOT = frozenset({"audit", "check", "lock"})


#: The exit status of a process that a closed pipe ended (128 + SIGPIPE), as shells report it.
BROKEN_PIPE = 141

#: What the library logs (which code paths run, what it works around) goes to
#: stderr at this level; unset, the library stays silent. ``serve`` logs JSON
#: at its own ``--log-level`` (the same variable) instead.
LOG_LEVEL_VARIABLE = "LOCKAUDIT_LOG_LEVEL"
LOG_LEVELS = ("critical", "error", "warning", "info", "debug")


def configure_logging(environ: Mapping[str, str] = os.environ) -> None:
    """Send the ``lockaudit`` loggers to stderr at ``LOCKAUDIT_LOG_LEVEL``.

    Raises ValueError naming the variable when its value is no level.
    """
    value = environ.get(LOG_LEVEL_VARIABLE, "").strip()
    if not value:
        return
    if value.lower() not in LOG_LEVELS:
        raise ValueError(f"{LOG_LEVEL_VARIABLE}: expected one of {', '.join(LOG_LEVELS)}, got {value!r}")
    import logging

    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("lockaudit: %(levelname)s %(name)s: %(message)s"))
    logger = logging.getLogger("lockaudit")
    logger.addHandler(handler)
    logger.setLevel(value.upper())


def version_text() -> str:
    """``lockaudit 0.1.0 (compiled core; Python 3.11.9)``: the version, and which core runs."""
    import platform

    from . import _core

    if _core.USING_EXTENSION:
        core = "compiled core"
    elif _core.NO_EXTENSIONS:
        core = "pure-Python core: LOCKAUDIT_NO_EXTENSIONS is set"
    else:
        core = "pure-Python core: the compiled core did not load"
    return f"lockaudit {__version__} ({core}; Python {platform.python_version()})"


class _VersionAction(argparse.Action):
    def __init__(self, option_strings: list[str], dest: str = argparse.SUPPRESS, **kwargs: Any) -> None:
        super().__init__(option_strings, dest=dest, default=argparse.SUPPRESS, nargs=0, **kwargs)

    def __call__(self, parser: argparse.ArgumentParser, *_: object) -> None:
        print(version_text())
        parser.exit()


def _parser(only: str | None = None) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="lockaudit",
        description="Which versions would a fresh install take that you never tested? "
        "`lockaudit [PATH ...]` audits; `lockaudit COMMAND --help` for the others.",
    )
    parser.add_argument(
        "--version", action=_VersionAction, help="show the version and whether the compiled core is in use, then exit"
    )
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
    one_shot = argv is None and only in ONE_SHOT
    if argv is None and only != "serve":
        try:
            configure_logging()
        except ValueError as exc:
            print(f"lockaudit: error: {exc}", file=sys.stderr)
            return 2
    if one_shot:
        # What these commands import and build lives until they end and holds
        # few cycles: a collection frees next to nothing, yet walks every
        # young object (~6 ms over the imports, ~20 ms once after a
        # 270-package resolution).
        gc.disable()
    parser = _parser(only)
    args = parser.parse_args(args_in)
    run = getattr(args, "_run", None)
    if run is None:
        parser.print_help()
        return 2
    try:
        code = int(run(args))
        sys.stdout.flush()
    except KeyboardInterrupt:
        print("lockaudit: interrupted", file=sys.stderr)
        code = 130
    except BrokenPipeError:
        # `lockaudit ... | head`: the reader has gone; end quietly, as a piped tool should.
        _silence_stdout()
        code = BROKEN_PIPE
    if one_shot:
        _exit_now(code)
    return code


def _silence_stdout() -> None:
    """Point stdout at /dev/null, so the interpreter's last flush cannot fail again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):
        pass


def _exit_now(code: int) -> None:
    """End the process now, as a normal exit would but without the teardown.

    At exit the interpreter frees every object one by one and runs a last full
    collection: ~25 ms after a lock, for memory the OS takes back anyway.
    Output is flushed and atexit handlers run first; if another thread still
    runs or a flush fails (a closed pipe), this returns and the normal exit
    does it all (and reports what failed).
    """
    if threading.active_count() > 1:
        return
    atexit._run_exitfuncs()
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):
        return
    os._exit(code)
