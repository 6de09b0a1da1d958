"""``lockaudit cache info|clear|export|import``: manage the release-history cache."""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from typing import TextIO

from ..errors import CacheError
from ..index.cache import CacheUnavailableWarning, describe_cache, open_cache
from ._output import err

__all__ = ["add_parser", "run"]


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "cache",
        help="show, clear, export or import the release-history cache",
        description="Manage the cache of release histories, metadata files and API summaries. A snapshot "
        "(export/import) lets an air-gapped CI audit with --offline.",
    )
    parser.add_argument(
        "--cache",
        metavar="SPEC",
        help="PATH, sqlite:///PATH, redis://HOST:PORT/DB (default: LOCKAUDIT_CACHE_DIR or the user cache directory)",
    )
    actions = parser.add_subparsers(dest="cache_action", metavar="ACTION", required=True)
    # --cache is accepted after the action too (`lockaudit cache info --cache X`)
    where = argparse.ArgumentParser(add_help=False)
    where.add_argument("--cache", metavar="SPEC", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
    actions.add_parser("info", help="where the cache is and what it holds", parents=[where])
    actions.add_parser("clear", help="remove every cached entry", parents=[where])
    exp = actions.add_parser("export", help="write a portable snapshot file", parents=[where])
    exp.add_argument("path", help="snapshot file to write (gzip JSON lines)")
    exp.add_argument("--histories-only", action="store_true", help="only release histories (no metadata files)")
    imp = actions.add_parser("import", help="load a snapshot file into the cache", parents=[where])
    imp.add_argument("path", help="snapshot file to read")
    parser.set_defaults(run=run)
    return parser


def _when(ts: float | None) -> str:
    return "-" if ts is None else time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(ts))


def run(args: argparse.Namespace, out: TextIO | None = None) -> int:
    out = out or sys.stdout
    spec = getattr(args, "cache", None)
    action = args.cache_action
    if action == "clear":
        backend, location = describe_cache(spec)
        if backend == "sqlite":
            return _clear_sqlite(spec, location, out)
    cache = open_cache(spec)
    try:
        if cache.failed is not None:
            err(f"error: the {cache.name} cache cannot be used: {cache.failed}")
            return 2
        if action == "info":
            info = cache.info()
            print(f"backend:   {info.backend}", file=out)
            print(f"location:  {info.location}", file=out)
            print(f"histories: {info.pages}", file=out)
            print(f"metadata:  {info.metadata}", file=out)
            print(f"api:       {info.api}", file=out)
            print(f"size:      {info.size_bytes / 1e6:.1f} MB", file=out)
            print(f"oldest:    {_when(info.oldest)}", file=out)
            print(f"newest:    {_when(info.newest)}", file=out)
            if info.read_only:
                print("read-only: yes (answers from what it holds, stores nothing new)", file=out)
        elif action == "clear":
            if cache.read_only:
                err(f"error: the {cache.name} cache is read-only: nothing removed")
                return 2
            print(f"removed {cache.clear()} entries", file=out)
        elif action == "export":
            # gzip & co. are imported only for snapshots
            from ..index.cache.snapshot import export_snapshot

            kinds = ("page",) if args.histories_only else None
            n = export_snapshot(cache, args.path, kinds)
            print(f"wrote {n} entries to {args.path}", file=out)
        elif action == "import":
            from ..index.cache.snapshot import import_snapshot

            try:
                n = import_snapshot(cache, args.path)
            except CacheError as exc:
                err(f"error: {exc}")
                return 2
            print(f"imported {n} entries from {args.path}", file=out)
        if cache.failed is not None:
            err(f"error: the {cache.name} cache failed: {cache.failed}")
            return 2
        return 0
    finally:
        cache.close()


def _clear_sqlite(spec: str | None, location: str, out: TextIO) -> int:
    """Clearing also works on a file too damaged to open: it is only a cache."""
    from ..index.cache.sqlite import remove_damaged_copies, remove_database

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CacheUnavailableWarning)  # a damaged file is what clear is for
        cache = open_cache(spec)
    code = 0
    if cache.failed is None and cache.read_only:
        err(f"error: the {cache.name} cache {location} is read-only: nothing removed")
        code = 2
    elif cache.failed is None:
        n = cache.clear()
        print(f"removed {n} entries", file=out)
    else:
        removed = remove_database(location)
        print(f"removed the unreadable cache file {location}" if removed else "nothing to remove", file=out)
    cache.close()
    # Damaged files moved aside by earlier runs (kept until now, for a look).
    old = remove_damaged_copies(location) if code == 0 else 0
    if old:
        print(f"removed {old} damaged cache file(s) moved aside earlier", file=out)
    return code
