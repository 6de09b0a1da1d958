"""Bytes checked against the digests an index lists for them (``"<algorithm>:<hex>"``)."""

from __future__ import annotations

from collections.abc import Iterable

__all__ = ["mismatched_digest"]


def mismatched_digest(data: bytes, hashes: Iterable[str]) -> str | None:
    """The first algorithm whose digest of ``data`` differs from the listed one, or None.

    An algorithm hashlib does not know is passed over: there is nothing to check with.
    """
    import hashlib  # only a download or a metadata file pays for it

    for entry in hashes:
        algorithm, _, expected = entry.partition(":")
        try:
            actual = hashlib.new(algorithm, data).hexdigest()
        except ValueError:
            continue
        if actual != expected.lower():
            return algorithm
    return None
