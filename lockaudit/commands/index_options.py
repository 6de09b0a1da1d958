"""Index options shared by every subcommand that reads release histories.

``add_index_arguments(parser)`` adds ``--index-url``, ``--extra-index-url``,
``--cache``, ``--offline``, ``--refresh``, ``--concurrency``, ``--cache-ttl``
and the limits ``--index-deadline``, ``--index-budget`` and
``--max-response-bytes`` (defaults from ``LOCKAUDIT_INDEX_DEADLINE``,
``LOCKAUDIT_INDEX_BUDGET``, ``LOCKAUDIT_MAX_RESPONSE_BYTES``);
``client_from_args(args, file_options)`` builds the client with the
precedence ``lockaudit.index.settings`` documents.
"""

from __future__ import annotations

import argparse

from ..index import DEFAULT_CONCURRENCY, DEFAULT_TTL, IndexClient, resolve_index_settings
from ..index.settings import IndexLimits, IndexSettings
from ..model import IndexOptions
from ._output import err

__all__ = ["add_index_arguments", "client_from_args", "limits_from_args", "settings_from_args"]


def positive_int(text: str) -> int:
    """argparse type: a whole number of at least 1."""
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {text!r}")
    return value


def seconds(text: str) -> float:
    """argparse type: a non-negative number of seconds."""
    value = float(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must not be negative, not {text!r}")
    return value


def positive_seconds(text: str) -> float:
    """argparse type: a number of seconds above zero."""
    value = float(text)
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be more than 0, not {text!r}")
    return value


def add_index_arguments(parser: argparse.ArgumentParser) -> argparse._ArgumentGroup:
    group = parser.add_argument_group("package index")
    group.add_argument(
        "--index-url",
        metavar="URL",
        help="Simple API index to read release histories from (default: LOCKAUDIT_INDEX_URL, "
        "the requirements file's --index-url, pip's configuration, then the public index)",
    )
    group.add_argument(
        "--extra-index-url",
        metavar="URL",
        action="append",
        default=None,
        help="another index to read as well (repeatable)",
    )
    group.add_argument(
        "--cache",
        metavar="SPEC",
        help="PATH, sqlite:///PATH, redis://HOST:PORT/DB or 'none' (default: LOCKAUDIT_CACHE_DIR "
        "or the user cache directory)",
    )
    mode = group.add_mutually_exclusive_group()
    mode.add_argument("--offline", action="store_true", help="answer from the cache alone; say what is missing")
    mode.add_argument("--refresh", action="store_true", help="ignore cached release histories, fetch them again")
    group.add_argument(
        "--concurrency",
        type=positive_int,
        default=DEFAULT_CONCURRENCY,
        metavar="N",
        help=f"requests in flight at once, per host (default: {DEFAULT_CONCURRENCY})",
    )
    group.add_argument(
        "--cache-ttl",
        type=seconds,
        default=DEFAULT_TTL,
        metavar="SECONDS",
        help=f"how long a cached release history is used before it is revalidated (default: {DEFAULT_TTL:.0f})",
    )
    limits = IndexLimits()
    group.add_argument(
        "--index-deadline",
        type=positive_seconds,
        metavar="SECONDS",
        help="the longest one index request may take in all, retries and the whole answer included; "
        f"past it the package is unknown (LOCKAUDIT_INDEX_DEADLINE, default: {limits.deadline:g})",
    )
    group.add_argument(
        "--index-budget",
        type=seconds,
        metavar="SECONDS",
        help="index time for the whole run; what is not answered by then is unknown "
        f"(LOCKAUDIT_INDEX_BUDGET, 0: no limit, default: {limits.budget:g})",
    )
    group.add_argument(
        "--max-response-bytes",
        type=positive_int,
        metavar="N",
        help="the largest answer read from the index; a larger one leaves the package unknown "
        f"(LOCKAUDIT_MAX_RESPONSE_BYTES, default: {limits.max_response_bytes} = 64 MiB)",
    )
    return group


def limits_from_args(args: argparse.Namespace) -> IndexLimits:
    """The limits the flags set, over ``LOCKAUDIT_*`` variables, over the defaults.

    A malformed variable ends the command with exit code 2 and a message naming it.
    """
    try:
        return IndexLimits.from_environ(
            deadline=getattr(args, "index_deadline", None),
            budget=getattr(args, "index_budget", None),
            max_response_bytes=getattr(args, "max_response_bytes", None),
        )
    except ValueError as exc:
        err(f"lockaudit: error: {exc}")
        raise SystemExit(2) from None


def settings_from_args(args: argparse.Namespace, file_options: IndexOptions | None = None) -> IndexSettings:
    return resolve_index_settings(
        index_url=getattr(args, "index_url", None),
        extra_index_urls=getattr(args, "extra_index_url", None),
        file_options=file_options,
    )


def client_from_args(args: argparse.Namespace, file_options: IndexOptions | None = None) -> IndexClient:
    """The index client the options describe (use it as ``async with``)."""
    return IndexClient(
        settings_from_args(args, file_options),
        cache=getattr(args, "cache", None),
        concurrency=getattr(args, "concurrency", DEFAULT_CONCURRENCY),
        ttl=getattr(args, "cache_ttl", DEFAULT_TTL),
        offline=getattr(args, "offline", False),
        refresh=getattr(args, "refresh", False),
        limits=limits_from_args(args),
        fetch_worker=None,  # the CLI fetches in worker processes as the cores allow
    )
