"""``lockaudit serve``: the HTTP service build pipelines query (FastAPI under uvicorn).

Configuration comes from flags, else ``LOCKAUDIT_*`` environment variables
(see ``lockaudit.service.settings``): the index URL and credentials, the cache
backend, tokens, limits. The embedded default cache is SQLite; for several
instances behind a load balancer give each ``--cache redis://HOST:PORT/DB``
(one shared Redis): the service holds no other state.

Tokens are never taken on the command line (other users can read it): use
LOCKAUDIT_TOKENS or --tokens-file.
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
from typing import TYPE_CHECKING

from ..index import DEFAULT_TTL
from ._output import err
from .index_options import positive_int as _positive_int
from .index_options import positive_seconds as _positive_seconds
from .index_options import seconds as _seconds

if TYPE_CHECKING:
    from ..service.settings import ServiceSettings


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "serve",
        help="run the HTTP service (audit, check, resolve and version queries over HTTP)",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    net = parser.add_argument_group("server")
    net.add_argument("--host", help="address to listen on (LOCKAUDIT_HOST, default 127.0.0.1)")
    net.add_argument("--port", type=int, help="port (LOCKAUDIT_PORT, default 8080)")
    net.add_argument("--workers", type=_positive_int, help="worker processes (LOCKAUDIT_WORKERS, default 1)")
    net.add_argument(
        "--log-level",
        choices=("critical", "error", "warning", "info", "debug"),
        help="(LOCKAUDIT_LOG_LEVEL, default info)",
    )
    idx = parser.add_argument_group("package index and cache")
    idx.add_argument("--index-url", metavar="URL", help="index to read (LOCKAUDIT_INDEX_URL; credentials: "
                     "LOCKAUDIT_INDEX_USERNAME / LOCKAUDIT_INDEX_PASSWORD or netrc)")  # fmt: skip
    idx.add_argument(
        "--extra-index-url",
        metavar="URL",
        action="append",
        help="another index (repeatable; LOCKAUDIT_EXTRA_INDEX_URLS)",
    )
    idx.add_argument(
        "--allow-index-url",
        metavar="URL",
        action="append",
        help="an index that requests and uploaded files may choose (repeatable; LOCKAUDIT_ALLOWED_INDEX_URLS); "
        "any other index URL they name is ignored",
    )
    idx.add_argument("--cache", metavar="SPEC", help="PATH, sqlite:///PATH, redis://HOST:PORT/DB (LOCKAUDIT_CACHE; "
                     "default: SQLite in LOCKAUDIT_CACHE_DIR or the user cache directory)")  # fmt: skip
    idx.add_argument(
        "--cache-ttl",
        type=_seconds,
        metavar="SECONDS",
        help=f"revalidate cached histories after this long (default {DEFAULT_TTL:.0f})",
    )
    idx.add_argument(
        "--index-concurrency", type=_positive_int, metavar="N", help="index requests in flight per worker (default 16)"
    )
    idx.add_argument(
        "--index-timeout", type=_seconds, metavar="SECONDS", help="timeout of one index request (default 10)"
    )
    idx.add_argument("--index-retries", type=_positive_int, metavar="N", help="tries per index request (default 2)")
    idx.add_argument(
        "--index-down-seconds",
        type=_seconds,
        metavar="SECONDS",
        help="after an index outage, answer from the cache for this long before asking again (default 15)",
    )
    idx.add_argument(
        "--index-deadline",
        type=_positive_seconds,
        metavar="SECONDS",
        help="the longest one index request may take in all, tries and answer included (default 20)",
    )
    idx.add_argument(
        "--max-response-bytes",
        type=_positive_int,
        metavar="N",
        help="the largest index answer read; a larger one leaves the package unknown (default 64 MiB)",
    )
    lim = parser.add_argument_group("callers and limits")
    lim.add_argument("--tokens-file", metavar="PATH", help="bearer tokens, one a line (also LOCKAUDIT_TOKENS)")
    lim.add_argument("--max-body-bytes", type=_positive_int, metavar="N", help="largest request body (default 4 MiB)")
    lim.add_argument("--max-files", type=_positive_int, metavar="N", help="files per request (default 32)")
    lim.add_argument(
        "--max-lines", type=_positive_int, metavar="N", help="lines per request, all files (default 50000)"
    )
    lim.add_argument("--max-match-pairs", type=_positive_int, metavar="N", help="pairs per /v1/match (default 1000)")
    lim.add_argument("--request-timeout", type=_seconds, metavar="SECONDS", help="per-request timeout (default 60)")
    lim.add_argument(
        "--max-resolutions", type=_positive_int, metavar="N", help="concurrent resolutions per worker (default 2)"
    )
    return parser


def settings_from_args(args: argparse.Namespace) -> ServiceSettings:
    """The service settings: the environment's, with the flags on top."""
    from ..service.settings import ServiceSettings, read_tokens

    base = ServiceSettings.from_env()
    tokens = None
    if args.tokens_file:
        tokens = tuple(dict.fromkeys([*base.tokens, *read_tokens(args.tokens_file)]))
    return base.merged_with(
        host=args.host,
        port=args.port,
        workers=args.workers,
        log_level=args.log_level,
        index_url=args.index_url,
        extra_index_urls=args.extra_index_url,
        allowed_index_urls=args.allow_index_url,
        cache=args.cache,
        cache_ttl=args.cache_ttl,
        index_concurrency=args.index_concurrency,
        index_timeout=args.index_timeout,
        index_retries=args.index_retries,
        index_down_seconds=args.index_down_seconds,
        index_deadline=args.index_deadline,
        max_response_bytes=args.max_response_bytes,
        tokens=tokens,
        max_body_bytes=args.max_body_bytes,
        max_files=args.max_files,
        max_lines=args.max_lines,
        max_match_pairs=args.max_match_pairs,
        request_timeout=args.request_timeout,
        max_resolutions=args.max_resolutions,
    )


def run(args: argparse.Namespace) -> int:
    try:
        import uvicorn

        from ..service.logging import log_config
        from ..service.settings import SettingsError
    except ImportError as exc:  # pragma: no cover - without the extra
        err(f"lockaudit: error: the service needs the 'service' extra (pip install 'lockaudit[service]'): {exc}")
        return 2
    try:
        settings = settings_from_args(args)
    except (SettingsError, ValueError) as exc:
        err(f"lockaudit: error: {exc}")
        return 2
    if settings.cache and settings.cache.startswith(("redis://", "rediss://", "unix://")):
        try:
            import redis  # noqa: F401 - an extra: say so now, not in every worker
        except ImportError:
            err("lockaudit: error: a redis:// cache needs the redis package: pip install 'lockaudit[redis]'")
            return 2
    # Worker processes read their settings from the environment.
    os.environ.update(settings.to_env())
    secrets = tuple(s for s in (*settings.tokens, os.environ.get("LOCKAUDIT_INDEX_PASSWORD")) if s)
    metrics_dir = None
    if settings.workers > 1 and not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        # Every worker writes its samples here; /metrics sums them, whichever worker answers.
        metrics_dir = tempfile.mkdtemp(prefix="lockaudit-metrics-")
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = metrics_dir
    try:
        uvicorn.run(
            "lockaudit.service.app:app_from_env",
            factory=True,
            host=settings.host,
            port=settings.port,
            workers=settings.workers,
            log_config=log_config(settings.log_level, secrets),
            log_level=settings.log_level,
            access_log=False,
            server_header=False,
            proxy_headers=False,
            timeout_graceful_shutdown=int(max(1, min(30, settings.request_timeout))),
        )
    finally:
        if metrics_dir is not None:
            shutil.rmtree(metrics_dir, ignore_errors=True)
    return 0
