"""The per-file loops of a cold fetch, in plain Python (twin of ``_fastpage.pyx``).

A project page's files become rows grouped by version, then each version is
summarized. These two loops run once per file of every page fetched (208,000
files for a large lock), so they are also compiled (``_fastpage.pyx``); this
module is the reference the compiled one is tested against, and the path used
with ``LOCKAUDIT_NO_EXTENSIONS=1``.

Row layout: see ``history.FileRow``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

__all__ = ["SDIST_SUFFIXES", "build_releases", "file_urls", "group_files", "plain_tails", "summarize_groups"]

SDIST_SUFFIXES = (".tar.gz", ".zip", ".tar.bz2", ".tgz", ".tar.xz", ".tar", ".tbz", ".tar.Z")
#: The sdist extensions tried on the fast path, most common first.
_FAST_SDISTS = (".tar.gz", ".zip", ".tar.bz2", ".tgz", ".tar.xz")


def file_urls(files: list[Any]) -> tuple[list[str], bool]:
    """Every file's URL, and whether all of them are absolute http(s) URLs.

    Raises KeyError or TypeError on a malformed entry.
    """
    urls = [f["url"] for f in files]
    absolute = True
    for u in urls:
        if not isinstance(u, str):
            raise TypeError("url is not a string")
        if absolute and not u.startswith(("https://", "http://")):
            absolute = False
    return urls, absolute


def plain_tails(urls: list[str], cut: int) -> list[str] | None:
    """The URLs past their shared prefix (``cut`` characters), or None when one
    of them is not a plain relative path: appending it to a directory URL would
    not be what ``urljoin`` does (a leading "/" or ".", a scheme, "/.", a query
    or a fragment)."""
    tails = []
    for u in urls:
        t = u[cut:]
        if t[:1] in ("/", ".", "") or ":" in t or "/." in t or "?" in t or "#" in t:
            return None
        tails.append(t)
    return tails


def group_files(
    files: list[Any],
    urls: list[str],
    cut: int,
    groups: dict[str, list[list[Any]]],
    slow_group: Callable[[str], list[list[Any]] | None],
    canonical_time: Callable[[str], str | None],
) -> None:
    """Append one row per PEP 691 file entry to its version's group.

    ``urls`` are the files' absolute URLs, ``cut`` the length of their shared
    prefix. A file whose version is not its name's plain second field goes
    through ``slow_group`` (None: the file is counted there and skipped).
    Raises KeyError, TypeError or AttributeError on a malformed entry.
    """
    for f, url in zip(files, urls, strict=True):
        fn = f["filename"]
        if not isinstance(fn, str):
            raise TypeError("filename is not a string")
        tail = url[cut:]
        if tail.endswith(fn) and (len(tail) == len(fn) or tail[-len(fn) - 1] == "/"):
            tail = tail[: -len(fn)]
        ut = f.get("upload-time")
        if ut is not None:
            if not isinstance(ut, str):
                raise TypeError("upload-time is not a string")
            if not (len(ut) == 27 and ut[-1] == "Z"):
                ut = canonical_time(ut)
        y = f.get("yanked", False)
        if y is not False and y is not True:
            y = y if isinstance(y, str) and y else bool(y)
        md = f.get("core-metadata")
        if md is None:
            md = f.get("dist-info-metadata")
        hashes = f["hashes"]
        if not isinstance(hashes, dict):
            raise TypeError("hashes is not a mapping")
        rp = f.get("requires-python")
        if rp is not None and not isinstance(rp, str):
            raise TypeError("requires-python is not a string")
        row = [fn, tail, hashes, ut, y, rp, f.get("size"), md]
        group = None
        # The version is the text after the name's first hyphen: up to the next
        # hyphen in wheels and eggs, up to the extension in sdists. Anything
        # else, or a text the page does not list, takes the slow path.
        i = fn.find("-")
        if i != -1:
            if fn.endswith((".whl", ".egg")):
                j = fn.find("-", i + 1)
                group = groups.get(fn[i + 1 : j] if j != -1 else fn[i + 1 : -4])
            else:
                for ext in _FAST_SDISTS:
                    if fn.endswith(ext):
                        group = groups.get(fn[i + 1 : len(fn) - len(ext)])
                        break
        if group is None:
            group = slow_group(fn)
            if group is None:
                continue
        group.append(row)


def summarize_groups(groups: dict[str, list[list[Any]]]) -> tuple[list[list[Any]], list[list[Any]]]:
    """Per-version summaries (in the groups' order) and all rows, concatenated.

    A summary is ``[version, earliest upload, all files yanked, the yank
    reason, the most common requires-python, has wheel, has sdist, first row,
    end row]``.
    """
    summaries: list[list[Any]] = []
    rows: list[list[Any]] = []
    for version, files in groups.items():
        start = len(rows)
        rows.extend(files)
        earliest: str | None = None
        all_yanked = bool(files)
        reason: str | None = None
        wheel = sdist = False
        rp_counts: dict[str | None, int] = {}
        for f in files:
            ut = f[3]
            if ut is not None and (earliest is None or ut < earliest):
                earliest = ut
            y = f[4]
            if y is False:
                all_yanked = False
            elif reason is None and y is not True and y:
                reason = y
            fn = f[0]
            if fn.endswith(".whl"):
                wheel = True
            elif fn.endswith(SDIST_SUFFIXES):
                sdist = True
            rp = f[5]
            rp_counts[rp] = rp_counts.get(rp, 0) + 1
        requires_python = max(rp_counts, key=rp_counts.__getitem__) if rp_counts else None
        summaries.append(
            [
                version,
                earliest,
                all_yanked,
                reason if all_yanked else None,
                requires_python,
                wheel,
                sdist,
                start,
                len(rows),
            ]
        )
    return summaries, rows


def build_releases(
    summaries: list[list[Any]],
    table: Any,
    release_cls: Callable[..., Any],
    filelist_cls: Callable[..., Any],
    parse_time: Callable[[str], Any],
) -> tuple[Any, ...]:
    """The releases of a history header's summaries (see ``summarize_groups``),
    each with its lazily decoded file list."""
    out = []
    for s in summaries:
        if not isinstance(s, list) or len(s) != 9:
            raise ValueError("a release summary is malformed")
        v, ut, y, yr, rp, w, sd, a, b = s
        out.append(
            release_cls(v, None if ut is None else parse_time(ut), y, yr, rp, w, sd, filelist_cls(table, a, b, v))
        )
    return tuple(out)
