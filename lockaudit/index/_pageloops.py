"""Selects the compiled page loops or their pure-Python twin (as ``lockaudit._core``
does for the version core; ``LOCKAUDIT_NO_EXTENSIONS=1`` forces the pure path)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._core import NO_EXTENSIONS

if TYPE_CHECKING:
    # The compiled module has no stub: it has its pure twin's API (tests/index
    # runs both), so the type checker reads the twin.
    from . import _purepage as impl

    USING_EXTENSION: bool
elif NO_EXTENSIONS:
    from . import _purepage as impl

    USING_EXTENSION = False
else:
    try:
        from . import _fastpage as impl

        USING_EXTENSION = True
    except ImportError:  # pragma: no cover - a broken build; tests/index fails on it
        from . import _purepage as impl

        USING_EXTENSION = False

file_urls = impl.file_urls
plain_tails = impl.plain_tails
group_files = impl.group_files
summarize_groups = impl.summarize_groups
build_releases = impl.build_releases

__all__ = [
    "NO_EXTENSIONS",
    "USING_EXTENSION",
    "build_releases",
    "file_urls",
    "group_files",
    "impl",
    "plain_tails",
    "summarize_groups",
]
