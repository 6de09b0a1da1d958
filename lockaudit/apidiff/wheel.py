"""Wheels as the analysis reads them: which file of a release, and its sources on disk.

``choose_wheel`` picks the file a summary is made from (never an sdist: only
wheels are read, nothing is ever built). ``extract_sources`` unpacks only the
Python sources and the ``.dist-info`` files that matter, refusing paths that
leave the target directory and stopping at size limits, then marks namespace
sub-directories (a directory of modules without ``__init__.py``, such as
``flask/sansio``) as packages so that the static loader does not skip them.
"""

from __future__ import annotations

import functools
import os
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from ..index.history import FileInfo

__all__ = ["WheelContents", "WheelError", "choose_wheel", "extract_sources", "private_part", "public_root"]

#: Limits on what one wheel may unpack to (a zip bomb stops here, not in memory).
MAX_SOURCE_BYTES = 256 << 20
MAX_SOURCE_FILES = 50_000
_SOURCE_SUFFIXES = (".py", ".pyi")
_DIST_INFO_FILES = ("METADATA", "entry_points.txt")
#: Top-level or sub-package names that are not the package's API.
_NOT_API = frozenset(
    {
        "tests",
        "test",
        "testing_data",
        "conftest",
        "vendor",
        "vendored",
        "extern",
        "externals",
        "third_party",
        "thirdparty",
    }
)


class WheelError(ValueError):
    """A wheel that cannot be read (not a zip, unsafe paths, over the limits)."""


@functools.lru_cache(maxsize=1)
def _here() -> frozenset[str]:
    """The tags this interpreter installs (its parser reads the sources: a wheel
    for a newer Python may use syntax it cannot parse)."""
    from packaging.tags import sys_tags

    return frozenset(str(t) for t in sys_tags())


def _installs_here(filename: str) -> bool:
    from packaging.utils import InvalidWheelFilename, parse_wheel_filename

    try:
        tags = parse_wheel_filename(filename)[3]
    except InvalidWheelFilename:
        return False
    return any(str(t) in _here() for t in tags)


def _rank(f: FileInfo) -> tuple[int, int, int, int, str]:
    name = f.filename
    pure = name.endswith("-none-any.whl")
    linux = "manylinux" in name and "x86_64" in name
    size = f.size if f.size is not None else 1 << 40
    return (0 if pure else 1, 0 if _installs_here(name) else 1, 0 if linux else 1, size, name)


def choose_wheel(files: Iterable[FileInfo]) -> FileInfo | None:
    """The wheel a release's API is read from: a pure-Python one, else one this
    interpreter would install, else a manylinux x86_64 one, else the smallest;
    not a yanked file when another will do. None: no wheel."""
    wheels = [f for f in files if f.is_wheel]
    if not wheels:
        return None
    live = [f for f in wheels if not f.yanked] or wheels
    return min(live, key=_rank)


def public_root(name: str) -> bool:
    """Whether a top-level import name is part of the API (not ``_private``, tests or vendored code)."""
    return not private_part(name)


def private_part(part: str) -> bool:
    """Whether a module path component hides what is below it from the API."""
    return part.startswith(("_", "test_")) or part in _NOT_API


@dataclass(frozen=True, slots=True)
class WheelContents:
    root: Path
    #: Importable top-level names (packages and modules), sorted.
    top_levels: tuple[str, ...]
    metadata: bytes | None
    entry_points: str | None
    files: int
    source_bytes: int


def _target(name: str) -> PurePosixPath | None:
    """Where a member goes below the root; None for members that are not sources.

    ``pkg-1.0.data/purelib/x.py`` and ``.../platlib/x.py`` install like ``x.py``.
    """
    path = PurePosixPath(name)
    parts = path.parts
    if not parts or path.is_absolute() or ".." in parts or any(":" in p or "\\" in p for p in parts):
        raise WheelError(f"unsafe path in wheel: {name!r}")
    if parts[0].endswith(".data") and len(parts) > 2 and parts[1] in ("purelib", "platlib"):
        parts = parts[2:]
    elif parts[0].endswith(".data"):
        return None
    if parts[0].endswith(".dist-info"):
        return path if len(parts) == 2 and parts[1] in _DIST_INFO_FILES else None
    if not path.name.endswith(_SOURCE_SUFFIXES):
        return None
    return PurePosixPath(*parts)


def extract_sources(wheel: str | os.PathLike[str], dest: str | os.PathLike[str]) -> WheelContents:
    """Unpack a wheel's sources into ``dest``; WheelError for an unreadable or unsafe wheel."""
    root = Path(dest)
    metadata: bytes | None = None
    entry_points: str | None = None
    total = count = 0
    try:
        with zipfile.ZipFile(wheel) as zf:
            for info in zf.infolist():
                if info.is_dir():
                    continue
                target = _target(info.filename)
                if target is None:
                    continue
                count += 1
                if count > MAX_SOURCE_FILES:
                    raise WheelError(f"more than {MAX_SOURCE_FILES} source files")
                data = _read_limited(zf, info, MAX_SOURCE_BYTES - total)
                total += len(data)
                if target.parts[0].endswith(".dist-info"):
                    if target.name == "METADATA":
                        metadata = data
                    else:
                        entry_points = data.decode("utf-8", "replace")
                    continue
                out = root.joinpath(*target.parts)
                out.parent.mkdir(parents=True, exist_ok=True)
                out.write_bytes(data)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, EOFError) as exc:
        raise WheelError(f"not a readable wheel: {exc}") from None
    tops = _top_levels(root)
    _mark_namespace_packages(root, tops)
    return WheelContents(root, tops, metadata, entry_points, count, total)


def _read_limited(zf: zipfile.ZipFile, info: zipfile.ZipInfo, budget: int) -> bytes:
    if info.file_size > budget:
        raise WheelError(f"sources larger than {MAX_SOURCE_BYTES >> 20} MB unpacked")
    chunks = []
    size = 0
    with zf.open(info) as fh:
        while chunk := fh.read(1 << 16):
            size += len(chunk)
            if size > budget:  # the header understated it
                raise WheelError(f"sources larger than {MAX_SOURCE_BYTES >> 20} MB unpacked")
            chunks.append(chunk)
    return b"".join(chunks)


def _has_sources(directory: Path) -> bool:
    return any(p.suffix in _SOURCE_SUFFIXES for p in directory.rglob("*") if p.is_file())


def _top_levels(root: Path) -> tuple[str, ...]:
    names: set[str] = set()
    for entry in root.iterdir():
        if entry.is_dir():
            if entry.name.isidentifier() and _has_sources(entry):
                names.add(entry.name)
        elif entry.suffix in _SOURCE_SUFFIXES and entry.stem.isidentifier():
            names.add(entry.stem)
    return tuple(sorted(names))


def _mark_namespace_packages(root: Path, tops: Sequence[str]) -> None:
    """An empty ``__init__.py`` in every package directory that has none.

    The loader skips directories without one (PEP 420 namespace packages,
    and sub-directories such as ``flask/sansio``); Python imports them all the
    same. Only directories whose names can be imported, and that hold sources.
    """
    for top in tops:
        start = root / top
        if not start.is_dir():
            continue
        for directory, subdirs, files in os.walk(start):
            here = Path(directory)
            subdirs[:] = [d for d in subdirs if d.isidentifier()]
            if "__init__.py" in files or "__init__.pyi" in files:
                continue
            if _has_sources(here):
                (here / "__init__.py").write_bytes(b"")
