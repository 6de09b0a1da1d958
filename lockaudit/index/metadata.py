"""Core metadata of a distribution file (Requires-Dist, Requires-Python).

Tried in order, cheapest first:

1. the PEP 658/714 metadata file ``<file URL>.metadata``, also for wheels whose
   page does not advertise one (some indexes serve it all the same);
2. for wheels, HTTP range requests into the zip: the central directory from the
   file's tail, then just the METADATA member (as pip's lazy wheel and uv do);
3. the whole file, checked against the index's hash, as the last resort.

Metadata files are immutable, so the client caches them forever, keyed by the
file's hash. Parsed by ``packaging.metadata`` (the email format, as the spec says).
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal
from urllib.parse import urlsplit, urlunsplit

from ..errors import IndexClientError
from .digests import mismatched_digest
from .history import FileInfo
from .http import HttpSession, IndexUnreachable

if TYPE_CHECKING:
    import zipfile

    from _typeshed import WriteableBuffer

# packaging.metadata, hashlib, zipfile and tarfile are imported by the functions
# that use them: a run answered from the cache (metadata files included) never
# parses, checks or unpacks anything, and they cost several milliseconds.

__all__ = [
    "CoreMetadata",
    "MetadataUnavailable",
    "fetch_core_metadata",
    "metadata_url",
    "parse_core_metadata",
]

#: Bytes asked for first from a wheel's end: enough for the central directory
#: of most wheels.
TAIL_BYTES = 64 * 1024


class MetadataUnavailable(IndexClientError):
    """No way of reading this file's core metadata worked."""


@dataclass(frozen=True, slots=True)
class CoreMetadata:
    name: str
    version: str
    metadata_version: str | None
    requires_dist: tuple[str, ...]
    requires_python: str | None
    provides_extra: tuple[str, ...] = ()
    dynamic: tuple[str, ...] = ()
    #: How it was obtained: "metadata-file", "range", "download" or "cache".
    source: str = "metadata-file"


def parse_core_metadata(data: bytes, source: str = "metadata-file") -> CoreMetadata:
    """Core metadata (METADATA / PKG-INFO / .metadata) from its bytes.

    ``packaging.metadata.parse_email`` reads the fields as written (no validation:
    old or odd metadata is still read), decoding as the spec says.
    """
    from packaging.metadata import parse_email

    raw, _unparsed = parse_email(data)
    name = raw.get("name")
    version = raw.get("version")
    if not name or not version:
        raise MetadataUnavailable("core metadata without Name or Version")

    def all_of(key: Literal["requires_dist", "provides_extra", "dynamic"]) -> tuple[str, ...]:
        return tuple(str(v).strip() for v in raw.get(key) or ())

    rp = raw.get("requires_python")
    return CoreMetadata(
        name=str(name).strip(),
        version=str(version).strip(),
        metadata_version=raw.get("metadata_version"),
        requires_dist=all_of("requires_dist"),
        requires_python=str(rp).strip() if rp else None,
        provides_extra=all_of("provides_extra"),
        dynamic=all_of("dynamic"),
        source=source,
    )


def metadata_url(url: str) -> str:
    """PEP 658: the file URL with ``.metadata`` appended to its path."""
    p = urlsplit(url)
    return urlunsplit((p.scheme, p.netloc, p.path + ".metadata", "", ""))


def _check_hashes(data: bytes, hashes: tuple[str, ...] | None, what: str) -> None:
    algorithm = mismatched_digest(data, hashes or ())
    if algorithm is not None:
        raise MetadataUnavailable(f"{what}: {algorithm} digest does not match the index's")


async def fetch_core_metadata(http: HttpSession, file: FileInfo) -> tuple[bytes, str]:
    """``(metadata bytes, source)`` for one file; raises MetadataUnavailable."""
    try:
        return await _fetch_core_metadata(http, file)
    except IndexUnreachable as exc:  # a range request the index did not answer
        raise MetadataUnavailable(f"{file.filename}: {exc}") from exc


async def _fetch_core_metadata(http: HttpSession, file: FileInfo) -> tuple[bytes, str]:
    if file.metadata_hashes is not None or file.is_wheel:
        try:
            r = await http.get(metadata_url(file.url))
        except IndexUnreachable:
            r = None
        if r is not None and r.status_code == 200:
            try:
                _check_hashes(r.content, file.metadata_hashes, f"{file.filename}.metadata")
                parse_core_metadata(r.content)
                return r.content, "metadata-file"
            except MetadataUnavailable:
                pass  # a bad metadata file: the wheel itself is the authority
    if file.is_wheel:
        try:
            return await _wheel_metadata_by_ranges(http, file), "range"
        except _NoRanges:
            pass
    body = await _download(http, file)
    return _metadata_from_archive(body, file), "download"


class _NoRanges(Exception):
    """The server does not do range requests here; download instead."""


class _Missing(Exception):
    def __init__(self, start: int, stop: int) -> None:
        self.start, self.stop = start, stop


class _SparseFile(io.RawIOBase):
    """A file of known size of which only some ranges were fetched; reading
    elsewhere raises _Missing, so the caller fetches that range and retries."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.pos = 0
        self.chunks: list[tuple[int, bytes]] = []

    def add(self, start: int, data: bytes) -> None:
        self.chunks.append((start, data))

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self.pos

    def seek(self, offset: int, whence: int = 0) -> int:
        base = {0: 0, 1: self.pos, 2: self.size}[whence]
        self.pos = max(0, base + offset)
        return self.pos

    def read(self, n: int = -1) -> bytes:
        stop = self.size if n is None or n < 0 else min(self.size, self.pos + n)
        if stop <= self.pos:
            return b""
        for start, data in self.chunks:
            if start <= self.pos and stop <= start + len(data):
                out = data[self.pos - start : stop - start]
                self.pos = stop
                return out
        raise _Missing(self.pos, stop)

    def readinto(self, buffer: WriteableBuffer, /) -> int:
        with memoryview(buffer) as view:
            data = self.read(len(view))
            view[: len(data)] = data
        return len(data)


_CONTENT_RANGE = re.compile(r"bytes\s+(\d+)-(\d+)/(\d+|\*)")


async def _range(http: HttpSession, url: str, spec: str) -> tuple[int, int, bytes]:
    """``(start, total size, data)`` of a range request; _NoRanges when refused."""
    r = await http.get(url, {"Range": f"bytes={spec}", "Accept-Encoding": "identity"})
    if r.status_code == 206:
        m = _CONTENT_RANGE.match(r.headers.get("Content-Range", ""))
        if not m or m.group(3) == "*":
            raise _NoRanges
        return int(m.group(1)), int(m.group(3)), r.content
    if r.status_code == 200:
        return 0, len(r.content), r.content  # the server sent the whole file
    raise _NoRanges


async def _wheel_metadata_by_ranges(http: HttpSession, file: FileInfo) -> bytes:
    import zipfile

    start, size, data = await _range(http, file.url, f"-{TAIL_BYTES}")
    sparse = _SparseFile(size)
    sparse.add(start, data)
    if start == 0 and len(data) == size and file.hashes:
        _check_hashes(data, file.hashes, file.filename)  # the whole file came: check it
    for _ in range(8):
        try:
            with zipfile.ZipFile(sparse) as zf:
                info = _metadata_member(zf, file)
                # Ask for the member's local header and data in one range.
                want_stop = min(
                    size,
                    info.header_offset + 30 + len(info.orig_filename) * 2 + len(info.extra) + 1024 + info.compress_size,
                )
                try:
                    return zf.read(info)
                except _Missing:
                    s, _, d = await _range(http, file.url, f"{info.header_offset}-{want_stop - 1}")
                    sparse.add(s, d)
                    return zf.read(info)
        except _Missing as gap:
            s, _, d = await _range(http, file.url, f"{max(0, gap.start - 1024)}-{min(size, gap.stop + TAIL_BYTES) - 1}")
            sparse.add(s, d)
        except zipfile.BadZipFile as exc:
            raise MetadataUnavailable(f"{file.filename} is not a readable wheel ({exc})") from exc
    raise _NoRanges


def _metadata_member(zf: zipfile.ZipFile, file: FileInfo) -> zipfile.ZipInfo:
    candidates = [i for i in zf.infolist() if i.filename.count("/") == 1 and i.filename.endswith(".dist-info/METADATA")]
    if not candidates:
        raise MetadataUnavailable(f"{file.filename} has no .dist-info/METADATA")
    prefix = f"{file.filename.split('-')[0]}-{file.filename.split('-')[1]}.dist-info/".lower()
    for i in candidates:
        if i.filename.lower() == prefix + "metadata":
            return i
    return candidates[0]


async def _download(http: HttpSession, file: FileInfo) -> bytes:
    try:
        r = await http.get(file.url)
    except IndexUnreachable as exc:
        raise MetadataUnavailable(str(exc)) from exc
    if r.status_code != 200:
        raise MetadataUnavailable(f"{file.filename}: HTTP {r.status_code}")
    _check_hashes(r.content, file.hashes, file.filename)
    return r.content


def _metadata_from_archive(body: bytes, file: FileInfo) -> bytes:
    import tarfile
    import zipfile

    try:
        if file.is_wheel:
            with zipfile.ZipFile(io.BytesIO(body)) as zf:
                return zf.read(_metadata_member(zf, file))
        data = _sdist_pkg_info(body, file.filename)
    except (zipfile.BadZipFile, tarfile.TarError, KeyError, OSError, EOFError) as exc:
        raise MetadataUnavailable(f"{file.filename}: unreadable archive ({exc})") from exc
    meta = parse_core_metadata(data, "download")
    # Before Metadata 2.2 an sdist's PKG-INFO may not say what a build would.
    if _metadata_version(meta.metadata_version) < (2, 2) or "Requires-Dist" in meta.dynamic:
        raise MetadataUnavailable(
            f"{file.filename}: the sdist's metadata is not reliable (Metadata-Version {meta.metadata_version})"
        )
    return data


def _metadata_version(text: str | None) -> tuple[int, ...]:
    try:
        return tuple(int(p) for p in (text or "0").split("."))
    except ValueError:
        return (0,)


def _sdist_pkg_info(body: bytes, filename: str) -> bytes:
    import tarfile
    import zipfile

    if filename.endswith(".zip"):
        with zipfile.ZipFile(io.BytesIO(body)) as zf:
            names = [n for n in zf.namelist() if n.count("/") == 1 and n.endswith("/PKG-INFO")]
            if not names:
                raise KeyError("PKG-INFO")
            return zf.read(names[0])
    with tarfile.open(fileobj=io.BytesIO(body), mode="r:*") as tf:
        for m in tf:
            if m.name.count("/") == 1 and m.name.endswith("/PKG-INFO") and m.isfile():
                f = tf.extractfile(m)
                if f is not None:
                    return f.read()
    raise KeyError("PKG-INFO")
