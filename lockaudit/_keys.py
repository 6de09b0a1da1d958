"""The order-preserving byte encoding of PEP 440 versions, in pure Python.

Both cores compare versions as byte strings: ``key(a) < key(b)`` (``memcmp``
order) exactly when ``Version(a) < Version(b)``. The compiled core builds the
same bytes in C; this module is the readable definition, used for the rare
inputs the C scanner hands back (non-ASCII text, numbers past 64 bits) and by
the tests that prove both encoders agree.

Layout of ``key(V)``::

    num(epoch) num(r1) num(r2) ... 0x00        release, trailing zeros trimmed
    pre   : 0x01 (dev-only release) | 0x02 num (a) | 0x03 num (b) | 0x04 num (rc) | 0x05 (none)
    post  : 0x01 (none) | 0x02 num
    dev   : 0x01 num | 0x02 (none)
    local : nothing, or per segment 0x01 text 0x00 (string) | 0x02 num (number)

``num(n)``: one byte ``n + 8`` below 232; ``0xF0 + (k - 1)`` and ``k`` big-endian
bytes up to 64 bits; ``0xF8``, a two-byte length and the big-endian bytes beyond.
Every ``num`` starts at 0x08 or above, so the 0x00 that ends the release sorts
a shorter release first, as the tuple comparison does.

Interval bounds between real versions, used by the compiled specifiers:

* ``key(V) + 0x00`` is the least point above ``V`` (exclusive lower / inclusive upper);
* ``key(V) + 0xFF`` lies above ``V`` and every ``V+local`` and below ``V.post0``
  (packaging's AFTER_LOCALS boundary);
* the key of ``V`` cut after its pre slot, plus ``0xFF``, lies above ``V``, its
  locals and every ``V.postN`` and below the next release (AFTER_POSTS).
"""

from __future__ import annotations

from packaging.version import Version

from .errors import InvalidVersion

__all__ = ["ABOVE", "AFTER", "PRE_SLOT", "encode_number", "key_from_version"]

#: Appended to a key: the least point above that version.
ABOVE = b"\x00"
#: Appended to a (cut) key: a point above the whole family that shares the prefix.
AFTER = b"\xff"

PRE_SLOT = {"a": 2, "b": 3, "rc": 4}
_PRE_DEV_ONLY = 1
_PRE_NONE = 5


def encode_number(n: int) -> bytes:
    if n < 232:
        return bytes((n + 8,))
    size = (n.bit_length() + 7) // 8
    if size <= 8:
        return bytes((0xF0 + size - 1,)) + n.to_bytes(size, "big")
    if size > 0xFFFF:
        raise InvalidVersion(f"Invalid version: a number with {size} bytes is too large")
    return b"\xf8" + size.to_bytes(2, "big") + n.to_bytes(size, "big")


def key_from_version(version: Version, *, cut_after_pre: bool = False) -> bytes:
    release = version.release
    end = len(release)
    while end and release[end - 1] == 0:
        end -= 1
    out = bytearray(encode_number(version.epoch))
    for part in release[:end]:
        out += encode_number(part)
    out.append(0)

    pre, post, dev = version.pre, version.post, version.dev
    if pre is None and post is None and dev is not None:
        out.append(_PRE_DEV_ONLY)
    elif pre is None:
        out.append(_PRE_NONE)
    else:
        out.append(PRE_SLOT[pre[0]])
        out += encode_number(pre[1])
    if cut_after_pre:
        return bytes(out)

    if post is None:
        out.append(1)
    else:
        out.append(2)
        out += encode_number(post)
    if dev is None:
        out.append(2)
    else:
        out.append(1)
        out += encode_number(dev)

    if version.local is not None:
        for segment in version.local.split("."):
            if segment.isdigit():
                out.append(2)
                out += encode_number(int(segment))
            else:
                out.append(1)
                out += segment.encode("ascii")
                out.append(0)
    return bytes(out)
