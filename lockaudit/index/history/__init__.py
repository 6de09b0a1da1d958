"""Release history: the compact per-version facts the audit and the resolver read.

A project page is reduced once, when it is fetched, to what the audit needs:
for every version its earliest upload time, whether all its files are yanked
(and why), its requires-python, whether it has a wheel and an sdist, and its
files (name, hashes, upload time, yanked, requires-python, size, URL). That
compact form is what the cache stores, never the raw page.

Versions are kept in the index's order (PEP 700 ``versions`` first, then any
version only seen in file names); PEP 440 ordering is the core's job
(``lockaudit.ReleaseHistory``).

Modules: :mod:`.model` (the history, its releases and files), :mod:`.codec`
(the compact bytes the cache stores, and the way from a parser's file rows),
:mod:`.merge` (one history from several indexes).
"""

from __future__ import annotations

from .codec import (
    build_history,
    build_history_blob,
    canonical_time,
    decode_history,
    encode_history,
    paused_gc,
    rows_layout,
    rows_offset,
)
from .merge import merge_histories
from .model import (
    FetchStatus,
    FileInfo,
    FileList,
    FileRow,
    HistoryDecodeError,
    ProjectHistory,
    ReleaseInfo,
    is_sdist,
    is_wheel,
    status_history,
)

__all__ = [
    "FetchStatus",
    "FileInfo",
    "FileList",
    "FileRow",
    "HistoryDecodeError",
    "ProjectHistory",
    "ReleaseInfo",
    "build_history",
    "build_history_blob",
    "canonical_time",
    "decode_history",
    "encode_history",
    "is_sdist",
    "is_wheel",
    "merge_histories",
    "paused_gc",
    "rows_layout",
    "rows_offset",
    "status_history",
]
