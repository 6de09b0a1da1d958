"""Release-history caches: SQLite by default, Redis for a shared fleet.

``open_cache(spec)`` picks the backend from ``--cache`` (``PATH``,
``sqlite:///PATH``, ``redis://...``, ``none``), else ``LOCKAUDIT_CACHE_DIR``,
else the user cache directory (platformdirs). Whatever it opens is wrapped in
``SafeCache``: a backend that fails warns once and is bypassed.

platformdirs is imported only when that default directory is asked for, and
the snapshot functions (gzip, base64, tempfile) on first use: a command given
``--cache`` needs neither.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ...errors import CacheError
from .interface import (
    API,
    API_MISS,
    METADATA,
    PAGE,
    Cache,
    CacheDamage,
    CacheDamagedWarning,
    CacheEntry,
    CacheInfo,
    CacheUnavailableWarning,
    NullCache,
    SafeCache,
    api_key,
    api_miss_key,
    metadata_key,
    page_key,
)

if TYPE_CHECKING:
    from .snapshot import export_snapshot, import_snapshot

__all__ = [
    "API",
    "API_MISS",
    "METADATA",
    "PAGE",
    "Cache",
    "CacheDamage",
    "CacheDamagedWarning",
    "CacheEntry",
    "CacheInfo",
    "CacheUnavailableWarning",
    "NullCache",
    "SafeCache",
    "api_key",
    "api_miss_key",
    "default_cache_dir",
    "describe_cache",
    "export_snapshot",
    "import_snapshot",
    "metadata_key",
    "open_cache",
    "page_key",
]


def __getattr__(name: str) -> Any:  # PEP 562: the snapshot module on first use
    if name in ("export_snapshot", "import_snapshot"):
        from . import snapshot

        return getattr(snapshot, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def default_cache_dir(environ: Mapping[str, str] | None = None) -> Path:
    env = os.environ if environ is None else environ
    location = env.get("LOCKAUDIT_CACHE_DIR")
    if not location:
        import platformdirs

        location = platformdirs.user_cache_dir("lockaudit")
    return Path(location)


def describe_cache(spec: str | None, environ: Mapping[str, str] | None = None) -> tuple[str, str]:
    """``(backend, location)`` that ``open_cache(spec)`` would use; opens nothing."""
    from .sqlite import DB_NAME

    if spec and spec.lower() in ("none", "off", "no"):
        return "none", ""
    if spec and spec.startswith(("redis://", "rediss://", "unix://")):
        return "redis", spec
    if spec:
        # sqlite:///relative/path and sqlite:////absolute/path, as SQLAlchemy spells them.
        path = spec[len("sqlite:///") :] if spec.startswith("sqlite:///") else spec
        p = Path(path).expanduser()
        return "sqlite", str(p / DB_NAME if p.is_dir() or path.endswith(os.sep) else p)
    return "sqlite", str(default_cache_dir(environ) / DB_NAME)


def open_cache(spec: str | None = None, *, environ: Mapping[str, str] | None = None) -> SafeCache:
    """The cache ``spec`` names (see the module doc), wrapped in ``SafeCache``.

    A backend that cannot even open (corrupt file, no Redis) comes back as an
    already-failed SafeCache: it has warned once and answers nothing.
    """
    backend, location = describe_cache(spec, environ)
    if backend == "none":
        return SafeCache(NullCache(), ())
    if backend == "redis":
        try:
            from . import redis as redis_backend
        except ImportError as exc:
            # redis is an extra: only a redis:// cache needs it
            raise CacheError(
                f"a {location.split(':', 1)[0]}:// cache needs the redis package ({exc}): "
                "pip install 'lockaudit[redis]'"
            ) from None

        errors = redis_backend.ERRORS
        factory: Callable[[], Cache] = lambda: redis_backend.RedisCache(location)  # noqa: E731
    else:
        from . import sqlite as sqlite_backend

        errors = sqlite_backend.ERRORS
        factory = lambda: sqlite_backend.SQLiteCache(location)  # noqa: E731
    try:
        return SafeCache(factory(), errors)
    except errors as exc:
        safe = SafeCache(NullCache(), errors)
        safe.name = backend
        safe._fail(exc)
        return safe
