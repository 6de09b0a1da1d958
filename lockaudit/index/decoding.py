"""Turning a fetched project page into the compact form the cache stores.

One function, so that the client, the recorder and the benchmarks decode
pages the same way. It runs on the event loop's thread: a worker process was
measured slower here (sending 90 MB of pages through a pipe, and the GIL
contention of the pool's threads, cost more than the decoding it moved).
"""

from __future__ import annotations

from datetime import UTC, datetime

from .history import build_history_blob, paused_gc
from .simple_api import parse_project_page

__all__ = ["page_to_blob"]


def page_to_blob(
    body: bytes, content_type: str | None, page_url: str, name: str, index: str, fetched_at: float
) -> bytes:
    """The compact history bytes of one project page; raises PageFormatError."""
    with paused_gc():
        page = parse_project_page(body, content_type, page_url, name)
        return build_history_blob(
            name,
            page.groups,
            fetched_at=datetime.fromtimestamp(fetched_at, UTC),
            index=index,
            api_version=page.api_version,
            url_prefix=page.url_prefix,
            unmatched_files=page.unmatched,
        )
