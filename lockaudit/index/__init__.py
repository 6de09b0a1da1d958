"""Release histories from package indexes (Simple Repository API), with a cache.

The public face of the index layer; the modules hold the logic:

- ``settings``: which indexes and credentials (flags, environment, requirements
  file, pip's configuration, else the public default)
- ``http``: pooled httpx client, bounded concurrency, retries with backoff
- ``simple_api``: PEP 691 JSON / PEP 503 HTML project pages
- ``history``: the compact per-version release history (and its cache form)
- ``decoding``: page -> cache form, the hot path of a cold run
- ``metadata``: PEP 658/714 core metadata, range requests into wheels
- ``cache``: SQLite (default) and Redis backends, snapshots
- ``client``: the asynchronous client and the synchronous ``fetch_histories``
"""

from __future__ import annotations

from .cache import Cache, CacheEntry, CacheInfo, CacheUnavailableWarning, open_cache
from .client import DEFAULT_CONCURRENCY, DEFAULT_TTL, IndexClient, Progress, fetch_histories
from .history import FetchStatus, FileInfo, ProjectHistory, ReleaseInfo
from .http import RetryPolicy
from .metadata import CoreMetadata, MetadataUnavailable, parse_core_metadata
from .settings import DEFAULT_INDEX_URL, IndexSettings, IndexURL, resolve_index_settings

__all__ = [
    "DEFAULT_CONCURRENCY",
    "DEFAULT_INDEX_URL",
    "DEFAULT_TTL",
    "Cache",
    "CacheEntry",
    "CacheInfo",
    "CacheUnavailableWarning",
    "CoreMetadata",
    "FetchStatus",
    "FileInfo",
    "IndexClient",
    "IndexSettings",
    "IndexURL",
    "MetadataUnavailable",
    "Progress",
    "ProjectHistory",
    "ReleaseInfo",
    "RetryPolicy",
    "fetch_histories",
    "open_cache",
    "parse_core_metadata",
    "resolve_index_settings",
]
