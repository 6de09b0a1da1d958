# cython: language_level=3
"""The compiled PEP 440 core.

Every version becomes an order-preserving byte key (the layout is defined in
``_keys.py``): ``memcmp`` order is PEP 440 order. A specifier set compiles to
a sorted union of half-open key intervals ``[lo, hi)``, so a sorted release
history answers "which versions match" and "newest match" with two binary
searches per interval and a list slice, never a scan.

The C scanner handles ASCII text with numbers below 2**64 (every real-world
version). Anything else (non-ASCII whitespace, giant numbers, ``===``) takes
the exact slow path built on ``packaging`` (``_purecmp.py`` / ``_keys.py``),
so results are identical to packaging in every case.
"""

from libc.stdint cimport uint8_t, uint32_t, uint64_t
from libc.stdlib cimport free, malloc, qsort, realloc
from libc.string cimport memcmp, memcpy
from cpython.bytes cimport PyBytes_AS_STRING, PyBytes_FromStringAndSize, PyBytes_GET_SIZE
from cpython.list cimport PyList_GET_ITEM, PyList_GET_SIZE, PyList_New, PyList_SET_ITEM
from cpython.ref cimport PyObject, Py_INCREF, Py_XDECREF
cimport cython

from . import _purecmp
from ._keys import key_from_version as _key_from_version
from .errors import InvalidSpecifier, InvalidVersion
from .ranges import range_alternatives as _range_alternatives

from packaging.version import Version as _PkgVersion

__all__ = [
    "normalize",
    "sort_versions",
    "compile_spec",
    "filter_versions",
    "CompiledSpec",
    "ReleaseHistory",
    "version_key",
]

cdef extern from "Python.h":
    bint PyUnicode_IS_ASCII(object o)
    void* PyUnicode_DATA(object o)
    Py_ssize_t PyUnicode_GET_LENGTH(object o)
    object PyUnicode_FromStringAndSize(const char* u, Py_ssize_t size)


cdef enum:
    OK = 1
    INVALID = 0
    SLOW = -1
    MAXREL = 48          # more release parts than this take the slow path
    KEYMAX = 512         # longer keys take the slow path
    ARENA = 8192         # bound bytes of one compiled spec (more: the exact slow path)
    MAXIV = 128          # intervals of one compiled spec


# ---------------------------------------------------------------------------
# Scanning
# ---------------------------------------------------------------------------

cdef struct Parts:
    uint64_t epoch
    int nrel
    uint64_t rel[MAXREL]
    int pre_kind            # 0 none, 2 a, 3 b, 4 rc (the key's pre-slot byte)
    uint64_t pre_n
    bint has_post
    uint64_t post_n
    bint has_dev
    uint64_t dev_n
    bint has_local
    Py_ssize_t local_start
    Py_ssize_t local_end
    bint wildcard           # specifiers only: a trailing ".*"


cdef inline bint is_ws(unsigned char c) noexcept nogil:
    # The ASCII characters str.isspace() (and so regex \s) accepts.
    return c == 32 or (9 <= c and c <= 13) or (28 <= c and c <= 31)


cdef inline bint is_digit(unsigned char c) noexcept nogil:
    return 48 <= c and c <= 57


cdef inline bint is_sep(unsigned char c) noexcept nogil:
    return c == 46 or c == 95 or c == 45   # . _ -


cdef inline unsigned char to_lower(unsigned char c) noexcept nogil:
    if 65 <= c and c <= 90:
        return c | 0x20
    return c


cdef inline bint is_alnum(unsigned char c) noexcept nogil:
    c = to_lower(c)
    return (48 <= c and c <= 57) or (97 <= c and c <= 122)


cdef inline int scan_number(const unsigned char* s, Py_ssize_t* pos, Py_ssize_t end,
                            uint64_t* out) noexcept nogil:
    """Digits at s[pos]: OK with the value, INVALID if none, SLOW past 19 significant digits."""
    cdef Py_ssize_t i = pos[0]
    cdef uint64_t value = 0
    cdef int sig = 0
    if i >= end or not is_digit(s[i]):
        return INVALID
    while i < end and s[i] == 48:
        i += 1
    while i < end and is_digit(s[i]):
        sig += 1
        if sig > 19:
            return SLOW
        value = value * 10 + (s[i] - 48)
        i += 1
    pos[0] = i
    out[0] = value
    return OK


cdef inline int match_word(const unsigned char* s, Py_ssize_t i, Py_ssize_t end,
                           const char* word, int n) noexcept nogil:
    cdef int k
    if end - i < n:
        return 0
    for k in range(n):
        if to_lower(s[i + k]) != <unsigned char>word[k]:
            return 0
    return n


cdef int scan_version(const unsigned char* s, Py_ssize_t start, Py_ssize_t end, Parts* p,
                      bint allow_wildcard) noexcept nogil:
    """PEP 440 as packaging's (possessive) VERSION_PATTERN reads it, greedily."""
    cdef Py_ssize_t i = start, j
    cdef uint64_t num = 0
    cdef int rc, wl, kind
    p.epoch = 0
    p.nrel = 0
    p.pre_kind = 0
    p.pre_n = 0
    p.has_post = 0
    p.post_n = 0
    p.has_dev = 0
    p.dev_n = 0
    p.has_local = 0
    p.local_start = 0
    p.local_end = 0
    p.wildcard = 0

    while i < end and is_ws(s[i]):
        i += 1
    while end > i and is_ws(s[end - 1]):
        end -= 1
    if i < end and to_lower(s[i]) == 118:   # v
        i += 1

    rc = scan_number(s, &i, end, &num)
    if rc != OK:
        return rc
    if i < end and s[i] == 33:   # !
        p.epoch = num
        i += 1
        rc = scan_number(s, &i, end, &num)
        if rc != OK:
            return rc
    p.rel[0] = num
    p.nrel = 1
    while i + 1 < end and s[i] == 46 and is_digit(s[i + 1]):
        i += 1
        rc = scan_number(s, &i, end, &num)
        if rc != OK:
            return rc
        if p.nrel == MAXREL:
            return SLOW
        p.rel[p.nrel] = num
        p.nrel += 1

    if i == end:
        return OK       # the common case: a plain release
    if allow_wildcard and i + 2 == end and s[i] == 46 and s[i + 1] == 42:   # .*
        p.wildcard = 1
        return OK

    # pre-release: the regex tries alpha|a|beta|b|preview|pre|c|rc in this order
    j = i
    if j < end and is_sep(s[j]):
        j += 1
    kind = 0
    wl = match_word(s, j, end, "alpha", 5)
    if wl:
        kind = 2
    else:
        wl = match_word(s, j, end, "a", 1)
        if wl:
            kind = 2
        else:
            wl = match_word(s, j, end, "beta", 4)
            if not wl:
                wl = match_word(s, j, end, "b", 1)
            if wl:
                kind = 3
            else:
                wl = match_word(s, j, end, "preview", 7)
                if not wl:
                    wl = match_word(s, j, end, "pre", 3)
                if not wl:
                    wl = match_word(s, j, end, "c", 1)
                if not wl:
                    wl = match_word(s, j, end, "rc", 2)
                if wl:
                    kind = 4
    if kind:
        j += wl
        if j < end and is_sep(s[j]):
            j += 1
        if j < end and is_digit(s[j]):
            rc = scan_number(s, &j, end, &num)
            if rc != OK:
                return rc
            p.pre_n = num
        p.pre_kind = kind
        i = j

    # post-release: "-N", or [sep] post|rev|r [sep] [N]
    if i + 1 < end and s[i] == 45 and is_digit(s[i + 1]):
        j = i + 1
        rc = scan_number(s, &j, end, &num)
        if rc != OK:
            return rc
        p.has_post = 1
        p.post_n = num
        i = j
    else:
        j = i
        if j < end and is_sep(s[j]):
            j += 1
        wl = match_word(s, j, end, "post", 4)
        if not wl:
            wl = match_word(s, j, end, "rev", 3)
        if not wl:
            wl = match_word(s, j, end, "r", 1)
        if wl:
            j += wl
            if j < end and is_sep(s[j]):
                j += 1
            if j < end and is_digit(s[j]):
                rc = scan_number(s, &j, end, &num)
                if rc != OK:
                    return rc
                p.post_n = num
            p.has_post = 1
            i = j

    # dev-release
    j = i
    if j < end and is_sep(s[j]):
        j += 1
    if match_word(s, j, end, "dev", 3):
        j += 3
        if j < end and is_sep(s[j]):
            j += 1
        if j < end and is_digit(s[j]):
            rc = scan_number(s, &j, end, &num)
            if rc != OK:
                return rc
            p.dev_n = num
        p.has_dev = 1
        i = j

    # local version label
    if i + 1 < end and s[i] == 43 and is_alnum(s[i + 1]):   # +
        j = i + 1
        p.local_start = j
        while j < end and is_alnum(s[j]):
            j += 1
        while j + 1 < end and is_sep(s[j]) and is_alnum(s[j + 1]):
            j += 1
            while j < end and is_alnum(s[j]):
                j += 1
        p.local_end = j
        p.has_local = 1
        i = j

    if i != end:
        return INVALID
    return OK


# ---------------------------------------------------------------------------
# Keys
# ---------------------------------------------------------------------------

cdef inline int put_num(unsigned char* buf, Py_ssize_t* n, Py_ssize_t cap, uint64_t v) noexcept nogil:
    cdef int size = 0, k
    cdef uint64_t t = v
    if v < 232:
        if n[0] + 1 > cap:
            return 0
        buf[n[0]] = <unsigned char>(v + 8)
        n[0] += 1
        return 1
    while t:
        size += 1
        t >>= 8
    if n[0] + 1 + size > cap:
        return 0
    buf[n[0]] = <unsigned char>(0xF0 + size - 1)
    n[0] += 1
    for k in range(size - 1, -1, -1):
        buf[n[0]] = <unsigned char>((v >> (8 * k)) & 0xFF)
        n[0] += 1
    return 1


cdef inline int put_byte(unsigned char* buf, Py_ssize_t* n, Py_ssize_t cap, unsigned char b) noexcept nogil:
    if n[0] + 1 > cap:
        return 0
    buf[n[0]] = b
    n[0] += 1
    return 1


cdef Py_ssize_t encode_key(const unsigned char* s, const Parts* p, unsigned char* buf,
                           Py_ssize_t cap, bint cut_after_pre) noexcept nogil:
    """Write key(p) into buf; the length, or -1 when it needs the slow path."""
    cdef Py_ssize_t n = 0, i, seg, k
    cdef int last = p.nrel
    cdef uint64_t v
    cdef int sig
    while last and p.rel[last - 1] == 0:
        last -= 1
    if not put_num(buf, &n, cap, p.epoch):
        return -1
    for i in range(last):
        if not put_num(buf, &n, cap, p.rel[i]):
            return -1
    if not put_byte(buf, &n, cap, 0):
        return -1
    if p.pre_kind == 0:
        if not put_byte(buf, &n, cap, 1 if (not p.has_post and p.has_dev) else 5):
            return -1
    else:
        if not put_byte(buf, &n, cap, <unsigned char>p.pre_kind):
            return -1
        if not put_num(buf, &n, cap, p.pre_n):
            return -1
    if cut_after_pre:
        return n
    if p.has_post:
        if not put_byte(buf, &n, cap, 2) or not put_num(buf, &n, cap, p.post_n):
            return -1
    elif not put_byte(buf, &n, cap, 1):
        return -1
    if p.has_dev:
        if not put_byte(buf, &n, cap, 1) or not put_num(buf, &n, cap, p.dev_n):
            return -1
    elif not put_byte(buf, &n, cap, 2):
        return -1
    if p.has_local:
        i = p.local_start
        while i < p.local_end:
            seg = i
            while i < p.local_end and not is_sep(s[i]):
                i += 1
            # segment s[seg:i]: a number when all digits, else lower-cased text
            k = seg
            while k < i and is_digit(s[k]):
                k += 1
            if k == i:
                v = 0
                sig = 0
                for k in range(seg, i):
                    if sig or s[k] != 48:
                        sig += 1
                        if sig > 19:
                            return -1
                        v = v * 10 + (s[k] - 48)
                if not put_byte(buf, &n, cap, 2) or not put_num(buf, &n, cap, v):
                    return -1
            else:
                if not put_byte(buf, &n, cap, 1):
                    return -1
                for k in range(seg, i):
                    if not put_byte(buf, &n, cap, to_lower(s[k])):
                        return -1
                if not put_byte(buf, &n, cap, 0):
                    return -1
            i += 1   # skip the separator
    return n


cdef Py_ssize_t release_only_key(const unsigned char* s, Py_ssize_t n, unsigned char* buf) noexcept nogil:
    """One pass for the commonest text, digits and dots ("1.26.4"): its key, or -1.

    -1 sends anything else (letters, spaces, empty parts, long numbers) to the
    full scanner. ``buf`` must hold KEYMAX bytes.
    """
    cdef Py_ssize_t i = 0, start, sig, out = 1, kept = 1
    cdef uint64_t v
    buf[0] = 8                          # epoch 0
    while True:
        start = i
        while i < n and s[i] == 48:
            i += 1
        sig = i
        v = 0
        while i < n and <unsigned char>(s[i] - 48) < 10:
            v = v * 10 + (s[i] - 48)
            i += 1
        if i == start or i - sig > 19 or out > KEYMAX - 48:
            return -1                   # empty part, maybe past 64 bits, or too long
        if v < 232:
            buf[out] = <unsigned char>(v + 8)
            out += 1
        else:
            put_num(buf, &out, KEYMAX, v)
        if v:
            kept = out                  # trailing zero parts are trimmed
        if i == n:
            break
        if s[i] != 46:
            return -1
        i += 1
    buf[kept] = 0
    buf[kept + 1] = 5
    buf[kept + 2] = 1
    buf[kept + 3] = 2
    return kept + 4


cdef struct Key:
    uint64_t w0            # bytes 0-7 of the key, big-endian, zero padded
    uint64_t w1            # bytes 8-15
    const unsigned char* p
    uint32_t n
    uint32_t idx           # input position: ties sort stably
    uint8_t pre            # is a pre-release (pre or dev segment)


cdef extern from *:
    """
    #include <string.h>
    static inline uint64_t la_load_be64(const unsigned char* p) {
        uint64_t v;
        memcpy(&v, p, 8);
    #if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
        v = __builtin_bswap64(v);
    #elif !(defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__)
        { const unsigned char* q = p; v = 0; for (int k = 0; k < 8; k++) v = (v << 8) | q[k]; }
    #endif
        return v;
    }
    """
    uint64_t la_load_be64(const unsigned char* p) noexcept nogil


cdef inline void key_init_padded(Key* k, const unsigned char* p, Py_ssize_t n) noexcept nogil:
    """key_init for keys followed by at least 16 readable bytes (arena, stack buffers)."""
    k.p = p
    k.n = <uint32_t>n
    if n >= 16:
        k.w0 = la_load_be64(p)
        k.w1 = la_load_be64(p + 8)
    elif n > 8:
        k.w0 = la_load_be64(p)
        k.w1 = la_load_be64(p + 8) & (~(<uint64_t>0) << (8 * (16 - n)))
    elif n > 0:
        k.w0 = la_load_be64(p) & (~(<uint64_t>0) << (8 * (8 - n)))
        k.w1 = 0
    else:
        k.w0 = 0
        k.w1 = 0


cdef unsigned char* grow(unsigned char* arena, Py_ssize_t used, Py_ssize_t cap, Key* keys,
                         Py_ssize_t n) except NULL:
    """A bigger arena; the keys made so far are pointed into it."""
    cdef unsigned char* bigger = <unsigned char*>malloc(cap)
    cdef Py_ssize_t i
    if bigger == NULL:
        raise MemoryError()
    memcpy(bigger, arena, used)
    for i in range(n):
        keys[i].p = bigger + (keys[i].p - arena)
    free(arena)
    return bigger


cdef inline uint64_t load_be(const unsigned char* p, Py_ssize_t n) noexcept nogil:
    cdef uint64_t v = 0
    cdef Py_ssize_t k
    for k in range(8):
        v <<= 8
        if k < n:
            v |= p[k]
    return v


cdef inline void key_init(Key* k, const unsigned char* p, Py_ssize_t n) noexcept nogil:
    k.p = p
    k.n = <uint32_t>n
    k.w0 = load_be(p, n if n < 8 else 8)
    k.w1 = load_be(p + 8, (n - 8 if n < 16 else 8) if n > 8 else 0)


cdef inline int key_cmp(const Key* a, const Key* b) noexcept nogil:
    cdef int c
    cdef uint32_t m
    if a.w0 != b.w0:
        return -1 if a.w0 < b.w0 else 1
    if a.w1 != b.w1:
        return -1 if a.w1 < b.w1 else 1
    if a.n > 16 and b.n > 16:
        m = (a.n if a.n < b.n else b.n) - 16
        c = memcmp(a.p + 16, b.p + 16, m)
        if c:
            return c
    return (a.n > b.n) - (a.n < b.n)


cdef void sort_order(const Key* keys, uint32_t* order, uint32_t* tmp, uint32_t* runs,
                     Py_ssize_t nruns, Py_ssize_t n) noexcept nogil:
    """Stable natural merge sort of ``order`` (indices into keys).

    ``runs`` holds the start of every ascending run and n at the end (nruns + 1
    entries). Index pages list versions as sorted strings ("1.10" before "1.2"),
    which leaves a few long runs: merging runs costs n log(runs), not n log n.
    """
    cdef Py_ssize_t r, a, b, o, lo, mid, hi, out_runs
    cdef uint32_t* src = order
    cdef uint32_t* dst = tmp
    cdef uint32_t* swap
    while nruns > 1:
        out_runs = 0
        r = 0
        while r < nruns:
            lo = runs[r]
            mid = runs[r + 1]
            hi = runs[r + 2] if r + 1 < nruns else mid
            a = lo
            b = mid
            o = lo
            while a < mid and b < hi:
                if key_cmp(&keys[src[b]], &keys[src[a]]) < 0:
                    dst[o] = src[b]
                    b += 1
                else:
                    dst[o] = src[a]
                    a += 1
                o += 1
            while a < mid:
                dst[o] = src[a]
                a += 1
                o += 1
            while b < hi:
                dst[o] = src[b]
                b += 1
                o += 1
            runs[out_runs] = <uint32_t>lo
            out_runs += 1
            r += 2
        runs[out_runs] = <uint32_t>n
        nruns = out_runs
        swap = src
        src = dst
        dst = swap
    if src != order:
        memcpy(order, src, n * sizeof(uint32_t))


cdef inline bint parts_is_pre(const Parts* p) noexcept nogil:
    return p.pre_kind != 0 or p.has_dev


cdef inline bint text_of(object text, const unsigned char** s, Py_ssize_t* n):
    """An ASCII str's bytes, without copying; False for anything else."""
    if type(text) is not str or not PyUnicode_IS_ASCII(text):
        return False
    s[0] = <const unsigned char*>PyUnicode_DATA(text)
    n[0] = PyUnicode_GET_LENGTH(text)
    return True


cdef object _slow_key(object item):
    """(key bytes, is_pre) from packaging, or None when packaging rejects the item."""
    parsed = _purecmp._parse(item)
    if parsed is None:
        return None
    try:
        return (_key_from_version(parsed), parsed.is_prerelease)
    except InvalidVersion:
        return None


cdef object key_of_item(object item, unsigned char* buf, Key* k):
    """Fill k with item's key: False when invalid, True when k points into buf,
    or the bytes object k points into (the caller keeps it alive)."""
    cdef const unsigned char* s
    cdef Py_ssize_t n, klen
    cdef Parts p
    cdef int rc
    if text_of(item, &s, &n):
        klen = release_only_key(s, n, buf)
        if klen >= 0:
            key_init_padded(k, buf, klen)
            k.pre = 0
            return True
        rc = scan_version(s, 0, n, &p, False)
        if rc == INVALID:
            return False
        if rc == OK:
            klen = encode_key(s, &p, buf, KEYMAX - 16, False)
            if klen >= 0:
                key_init_padded(k, buf, klen)
                k.pre = parts_is_pre(&p)
                return True
    elif not isinstance(item, (str, _PkgVersion)):
        return False
    slow = _slow_key(item)
    if slow is None:
        return False
    key_bytes = slow[0]
    key_init(k, <const unsigned char*>PyBytes_AS_STRING(key_bytes), PyBytes_GET_SIZE(key_bytes))
    k.pre = 1 if slow[1] else 0
    return key_bytes


def version_key(text):
    """The order-preserving byte key of a version string, or None if invalid."""
    cdef unsigned char buf[KEYMAX]
    cdef Key k
    hold = key_of_item(text, buf, &k)
    if hold is False:
        return None
    return PyBytes_FromStringAndSize(<const char*>k.p, k.n)


# ---------------------------------------------------------------------------
# normalize / sort
# ---------------------------------------------------------------------------

cdef inline void put_dec(char* out, Py_ssize_t* n, uint64_t v) noexcept nogil:
    cdef char tmp[24]
    cdef int k = 0
    if v == 0:
        out[n[0]] = 48
        n[0] += 1
        return
    while v:
        tmp[k] = <char>(48 + v % 10)
        v //= 10
        k += 1
    while k:
        k -= 1
        out[n[0]] = tmp[k]
        n[0] += 1


cdef inline void put_str(char* out, Py_ssize_t* n, const char* text, int m) noexcept nogil:
    memcpy(out + n[0], text, m)
    n[0] += m


def normalize(text):
    """The canonical form of a version, ``str(packaging.version.Version(text))``."""
    cdef const unsigned char* s
    cdef Py_ssize_t n, i, seg, k, m = 0
    cdef Parts p
    cdef int rc
    cdef char* out
    cdef uint64_t v
    cdef bint digits
    if not text_of(text, &s, &n):
        return _purecmp.normalize(text)
    rc = scan_version(s, 0, n, &p, False)
    if rc == INVALID:
        raise InvalidVersion(f"Invalid version: {text!r}")
    if rc == SLOW:
        return _purecmp.normalize(text)
    out = <char*>malloc(32 * (p.nrel + 5) + 2 * (p.local_end - p.local_start) + 8)
    if out == NULL:
        raise MemoryError()
    try:
        if p.epoch:
            put_dec(out, &m, p.epoch)
            out[m] = 33
            m += 1
        for i in range(p.nrel):
            if i:
                out[m] = 46
                m += 1
            put_dec(out, &m, p.rel[i])
        if p.pre_kind == 2:
            put_str(out, &m, "a", 1)
        elif p.pre_kind == 3:
            put_str(out, &m, "b", 1)
        elif p.pre_kind == 4:
            put_str(out, &m, "rc", 2)
        if p.pre_kind:
            put_dec(out, &m, p.pre_n)
        if p.has_post:
            put_str(out, &m, ".post", 5)
            put_dec(out, &m, p.post_n)
        if p.has_dev:
            put_str(out, &m, ".dev", 4)
            put_dec(out, &m, p.dev_n)
        if p.has_local:
            out[m] = 43
            m += 1
            i = p.local_start
            while i < p.local_end:
                seg = i
                while i < p.local_end and not is_sep(s[i]):
                    i += 1
                if seg > p.local_start:
                    out[m] = 46
                    m += 1
                digits = True
                for k in range(seg, i):
                    if not is_digit(s[k]):
                        digits = False
                        break
                if digits:
                    # str(int(segment)): drop leading zeros, keep one digit
                    k = seg
                    while k < i - 1 and s[k] == 48:
                        k += 1
                    while k < i:
                        out[m] = <char>s[k]
                        m += 1
                        k += 1
                else:
                    for k in range(seg, i):
                        out[m] = <char>to_lower(s[k])
                        m += 1
                i += 1
        return PyUnicode_FromStringAndSize(out, m)
    finally:
        free(out)


def sort_versions(versions):
    """Ascending PEP 440 order, stable for equal versions; raises on an invalid one."""
    history = ReleaseHistory(versions)
    if history.invalid:
        raise InvalidVersion(f"Invalid version: {history.invalid[0]!r}")
    return history.versions


# ---------------------------------------------------------------------------
# Compiled specifier sets
# ---------------------------------------------------------------------------

cdef struct Bound:
    bint inf                # -inf for a lower bound, +inf for an upper one
    int off
    int n


cdef struct Interval:
    Bound lo
    Bound hi


cdef struct Builder:
    unsigned char arena[ARENA]
    int used
    bint overflow


cdef inline int bcmp_lo(const Builder* b, const Bound* x, const Bound* y) noexcept nogil:
    """Compare two lower bounds (inf means -inf)."""
    cdef int c, m
    if x.inf or y.inf:
        return (0 if y.inf else -1) if x.inf else 1
    m = x.n if x.n < y.n else y.n
    c = memcmp(b.arena + x.off, b.arena + y.off, m)
    if c:
        return c
    return (x.n > y.n) - (x.n < y.n)


cdef inline int bcmp_hi(const Builder* b, const Bound* x, const Bound* y) noexcept nogil:
    """Compare two upper bounds (inf means +inf)."""
    cdef int c, m
    if x.inf or y.inf:
        return (0 if y.inf else 1) if x.inf else -1
    m = x.n if x.n < y.n else y.n
    c = memcmp(b.arena + x.off, b.arena + y.off, m)
    if c:
        return c
    return (x.n > y.n) - (x.n < y.n)


cdef inline bint lo_reaches(const Builder* b, const Bound* lo, const Bound* hi) noexcept nogil:
    """lo <= hi, for a lower bound against an upper bound."""
    cdef int c, m
    if lo.inf or hi.inf:
        return True
    m = lo.n if lo.n < hi.n else hi.n
    c = memcmp(b.arena + lo.off, b.arena + hi.off, m)
    if c:
        return c < 0
    return lo.n <= hi.n


cdef inline bint interval_empty(const Builder* b, const Interval* iv) noexcept nogil:
    cdef int c, m
    if iv.lo.inf or iv.hi.inf:
        return False
    m = iv.lo.n if iv.lo.n < iv.hi.n else iv.hi.n
    c = memcmp(b.arena + iv.lo.off, b.arena + iv.hi.off, m)
    if c:
        return c > 0
    return iv.lo.n >= iv.hi.n


cdef inline int emit_key(Builder* b, const unsigned char* s, const Parts* p, bint cut, int suffix,
                         Bound* out) noexcept nogil:
    """Append key(p) (+ an optional suffix byte) to the arena as a bound."""
    cdef Py_ssize_t n
    cdef unsigned char tmp[KEYMAX]
    n = encode_key(s, p, tmp, KEYMAX, cut)
    if n < 0 or b.used + n + 1 > ARENA:
        b.overflow = True
        return 0
    memcpy(b.arena + b.used, tmp, n)
    if suffix >= 0:
        b.arena[b.used + n] = <unsigned char>suffix
        n += 1
    out.inf = False
    out.off = b.used
    out.n = <int>n
    b.used += <int>n
    return 1


cdef inline void set_inf(Bound* x) noexcept nogil:
    x.inf = True
    x.off = 0
    x.n = 0


cdef int clause_intervals(Builder* b, const unsigned char* s, Py_ssize_t start, Py_ssize_t end,
                          Interval* out, int* prerelease) noexcept nogil:
    """Intervals of one clause: the count (0 = matches nothing), INVALID-1, or SLOW-1 codes.

    Returns -1 for an invalid clause and -2 for one the slow path must take.
    """
    cdef int op = 0      # 1 ==, 2 !=, 3 <=, 4 >=, 5 <, 6 >, 7 ~=
    cdef Py_ssize_t i = start
    cdef Parts p, q
    cdef int rc, k
    cdef bint ispre
    if end - i >= 3 and s[i] == 61 and s[i + 1] == 61 and s[i + 2] == 61:
        return -2     # === compares text: the slow path does it
    if end - i >= 2 and s[i + 1] == 61:
        if s[i] == 61:
            op = 1
        elif s[i] == 33:
            op = 2
        elif s[i] == 60:
            op = 3
        elif s[i] == 62:
            op = 4
        elif s[i] == 126:
            op = 7
        if op:
            i += 2
    if not op and end - i >= 1:
        if s[i] == 60:
            op = 5
            i += 1
        elif s[i] == 62:
            op = 6
            i += 1
    if not op:
        return -1
    while i < end and is_ws(s[i]):
        i += 1
    # the specifier grammar allows no space after a leading "v"
    rc = scan_version(s, i, end, &p, op == 1 or op == 2)
    if rc == INVALID:
        return -1
    if rc == SLOW:
        return -2
    if p.has_local and op != 1 and op != 2:
        return -1
    if op == 7 and p.nrel < 2:
        return -1

    # packaging's Specifier.prereleases: a pre-release operand opts in, except
    # for != and wildcards
    ispre = parts_is_pre(&p)
    if ispre and op != 2 and not p.wildcard:
        prerelease[0] = 1

    if p.wildcard:
        # ==V.* is [V.dev0, V'.dev0) with V' the release with its last part bumped
        q = p
        q.pre_kind = 0
        q.has_post = 0
        q.has_dev = 1
        q.dev_n = 0
        q.has_local = 0
        if q.rel[q.nrel - 1] == <uint64_t>0xFFFFFFFFFFFFFFFF:
            return -2
        if op == 1:
            if not emit_key(b, s, &q, False, -1, &out[0].lo):
                return -2
            q.rel[q.nrel - 1] += 1
            if not emit_key(b, s, &q, False, -1, &out[0].hi):
                return -2
            return 1
        set_inf(&out[0].lo)
        if not emit_key(b, s, &q, False, -1, &out[0].hi):
            return -2
        q.rel[q.nrel - 1] += 1
        if not emit_key(b, s, &q, False, -1, &out[1].lo):
            return -2
        set_inf(&out[1].hi)
        return 2

    if op == 4:     # >=V
        if not emit_key(b, s, &p, False, -1, &out[0].lo):
            return -2
        set_inf(&out[0].hi)
        return 1
    if op == 3:     # <=V: up to V's local family (AFTER_LOCALS)
        set_inf(&out[0].lo)
        if not emit_key(b, s, &p, False, 0xFF, &out[0].hi):
            return -2
        return 1
    if op == 1:     # ==V: V and its locals, or exactly V+local
        if not emit_key(b, s, &p, False, -1, &out[0].lo):
            return -2
        if not emit_key(b, s, &p, False, 0 if p.has_local else 0xFF, &out[0].hi):
            return -2
        return 1
    if op == 2:     # !=V
        set_inf(&out[0].lo)
        if not emit_key(b, s, &p, False, -1, &out[0].hi):
            return -2
        if not emit_key(b, s, &p, False, 0 if p.has_local else 0xFF, &out[1].lo):
            return -2
        set_inf(&out[1].hi)
        return 2
    if op == 6:     # >V: excludes V's post-releases unless V is one
        set_inf(&out[0].hi)
        q = p
        if p.has_dev:
            if q.dev_n == <uint64_t>0xFFFFFFFFFFFFFFFF:
                return -2
            q.dev_n += 1
            if not emit_key(b, s, &q, False, -1, &out[0].lo):
                return -2
        elif p.has_post:
            if q.post_n == <uint64_t>0xFFFFFFFFFFFFFFFF:
                return -2
            q.post_n += 1
            q.has_dev = 1
            q.dev_n = 0
            if not emit_key(b, s, &q, False, -1, &out[0].lo):
                return -2
        else:
            if not emit_key(b, s, &p, True, 0xFF, &out[0].lo):
                return -2
        return 1
    if op == 5:     # <V: excludes V's pre-releases unless V is one
        q = p
        if not ispre:
            q.has_dev = 1
            q.dev_n = 0
        set_inf(&out[0].lo)
        if not emit_key(b, s, &q, False, -1, &out[0].hi):
            return -2
        # nothing sorts below 0.dev0: "<0.dev0" (or an equal bound) matches nothing
        if out[0].hi.n == 6 and memcmp(b.arena + out[0].hi.off, b"\x08\x00\x01\x01\x01\x08", 6) == 0:
            return 0
        return 1
    # ~=V: [V, prefix-bumped.dev0)
    if not emit_key(b, s, &p, False, -1, &out[0].lo):
        return -2
    q = p
    q.nrel = p.nrel - 1
    q.pre_kind = 0
    q.has_post = 0
    q.has_dev = 1
    q.dev_n = 0
    q.has_local = 0
    if q.rel[q.nrel - 1] == <uint64_t>0xFFFFFFFFFFFFFFFF:
        return -2
    q.rel[q.nrel - 1] += 1
    if not emit_key(b, s, &q, False, -1, &out[0].hi):
        return -2
    return 1


cdef int intersect(const Builder* b, const Interval* x, int nx, const Interval* y, int ny,
                   Interval* out) noexcept nogil:
    """Two sorted interval lists -> their intersection (sorted, empties dropped)."""
    cdef int i = 0, j = 0, n = 0
    cdef Interval iv
    while i < nx and j < ny:
        iv.lo = x[i].lo if bcmp_lo(b, &x[i].lo, &y[j].lo) >= 0 else y[j].lo
        iv.hi = x[i].hi if bcmp_hi(b, &x[i].hi, &y[j].hi) <= 0 else y[j].hi
        if not interval_empty(b, &iv):
            if n == MAXIV:
                return -1
            out[n] = iv
            n += 1
        if bcmp_hi(b, &x[i].hi, &y[j].hi) < 0:
            i += 1
        else:
            j += 1
    return n


cdef int compile_alternative(Builder* b, const unsigned char* s, Py_ssize_t n,
                             Interval* result, int* prerelease, Py_ssize_t* bad_start,
                             Py_ssize_t* bad_end, int* clauses) noexcept nogil:
    """One comma-separated specifier set -> intervals; -1 invalid (span in bad_*), -2 slow."""
    cdef Interval clause[2]
    cdef Interval tmp[MAXIV]
    cdef int count = 1, got, k
    cdef Py_ssize_t i = 0, cs, ce
    set_inf(&result[0].lo)
    set_inf(&result[0].hi)
    while i <= n:
        cs = i
        while i < n and s[i] != 44:    # ,
            i += 1
        ce = i
        i += 1
        while cs < ce and is_ws(s[cs]):
            cs += 1
        while ce > cs and is_ws(s[ce - 1]):
            ce -= 1
        if cs == ce:
            continue
        clauses[0] += 1
        got = clause_intervals(b, s, cs, ce, clause, prerelease)
        if got == -1:
            bad_start[0] = cs
            bad_end[0] = ce
            return -1
        if got == -2 or b.overflow:
            return -2
        if count:
            count = intersect(b, result, count, clause, got, tmp)
            if count < 0:
                return -2
            for k in range(count):
                result[k] = tmp[k]
    return count


cdef class CompiledSpec:
    """A PEP 440 specifier set, or a union of several, compiled to key intervals."""

    cdef readonly tuple alternatives
    cdef readonly object prereleases
    cdef object _fallback          # packaging-based twin for what the C path leaves out
    cdef bint _no_clauses          # one alternative with no clause at all ("")
    cdef bytes _arena
    cdef Key* _lo
    cdef Key* _hi
    cdef uint8_t* _lo_inf
    cdef uint8_t* _hi_inf
    cdef Py_ssize_t _n

    def __cinit__(self):
        self._lo = NULL
        self._hi = NULL
        self._lo_inf = NULL
        self._hi_inf = NULL
        self._n = 0

    def __dealloc__(self):
        free(self._lo)
        free(self._hi)
        free(self._lo_inf)
        free(self._hi_inf)

    def __init__(self, alternatives):
        cdef Builder builder           # on the stack: compiling allocates nothing
        cdef Builder* b = &builder
        cdef Interval local_iv[2 * MAXIV]
        cdef Interval* all_iv = local_iv
        cdef Interval* heap_iv = NULL
        cdef Interval* merged
        cdef Interval iv
        cdef int total = 0, got, k, pre = 0, m
        cdef const unsigned char* s
        cdef Py_ssize_t n, bad_start = 0, bad_end = 0
        cdef bint slow = False
        cdef int clauses = 0
        if isinstance(alternatives, str):
            alternatives = (alternatives,)
        self.alternatives = tuple(alternatives)
        if not self.alternatives:
            raise InvalidSpecifier("Invalid specifier: an empty union matches nothing")
        for text in self.alternatives:
            if not isinstance(text, str):
                raise InvalidSpecifier(f"Invalid specifier: {text!r}")
        if len(self.alternatives) > 1:
            heap_iv = <Interval*>malloc(sizeof(Interval) * MAXIV * (len(self.alternatives) + 1))
            if heap_iv == NULL:
                raise MemoryError()
            all_iv = heap_iv
        try:
            b.used = 0
            b.overflow = False
            for text in self.alternatives:
                if not text_of(text, &s, &n):
                    slow = True
                    break
                got = compile_alternative(b, s, n, all_iv + total, &pre, &bad_start, &bad_end,
                                          &clauses)
                if got == -1:
                    raise InvalidSpecifier(f"Invalid specifier: {text[bad_start:bad_end]!r}")
                if got == -2:
                    slow = True
                    break
                total += got
            if slow:
                # The exact packaging path; it raises InvalidSpecifier itself.
                self._fallback = _purecmp.CompiledSpec(self.alternatives)
                self.prereleases = self._fallback.prereleases
                return
            self.prereleases = True if pre else None
            self._no_clauses = len(self.alternatives) == 1 and clauses == 0
            # union: sort by lower bound and merge overlapping intervals
            for k in range(1, total):
                iv = all_iv[k]
                m = k - 1
                while m >= 0 and bcmp_lo(b, &all_iv[m].lo, &iv.lo) > 0:
                    all_iv[m + 1] = all_iv[m]
                    m -= 1
                all_iv[m + 1] = iv
            m = 0
            for k in range(total):
                if m and lo_reaches(b, &all_iv[k].lo, &all_iv[m - 1].hi):
                    # overlapping or touching the previous one: extend it
                    if bcmp_hi(b, &all_iv[m - 1].hi, &all_iv[k].hi) < 0:
                        all_iv[m - 1].hi = all_iv[k].hi
                else:
                    all_iv[m] = all_iv[k]
                    m += 1
            self._arena = PyBytes_FromStringAndSize(<const char*>b.arena, b.used)
            self._n = m
            self._lo = <Key*>malloc(sizeof(Key) * (m + 1))
            self._hi = <Key*>malloc(sizeof(Key) * (m + 1))
            self._lo_inf = <uint8_t*>malloc(m + 1)
            self._hi_inf = <uint8_t*>malloc(m + 1)
            if self._lo == NULL or self._hi == NULL or self._lo_inf == NULL or self._hi_inf == NULL:
                raise MemoryError()
            base = <const unsigned char*>PyBytes_AS_STRING(self._arena)
            for k in range(m):
                self._lo_inf[k] = all_iv[k].lo.inf
                self._hi_inf[k] = all_iv[k].hi.inf
                key_init(&self._lo[k], base + all_iv[k].lo.off, all_iv[k].lo.n)
                key_init(&self._hi[k], base + all_iv[k].hi.off, all_iv[k].hi.n)
        finally:
            free(heap_iv)

    def __repr__(self):
        return f"<CompiledSpec {' || '.join(self.alternatives)!r}>"

    def __str__(self):
        return " || ".join(self.alternatives)

    @property
    def uses_fallback(self):
        """True when this spec is answered by packaging (``===``, non-ASCII, giant numbers)."""
        return self._fallback is not None

    def intervals(self):
        """The key intervals as (lo, hi) bytes pairs, None for infinite ends (for tests)."""
        if self._fallback is not None:
            return None
        return [
            (
                None if self._lo_inf[k] else PyBytes_FromStringAndSize(<const char*>self._lo[k].p, self._lo[k].n),
                None if self._hi_inf[k] else PyBytes_FromStringAndSize(<const char*>self._hi[k].p, self._hi[k].n),
            )
            for k in range(self._n)
        ]

    cdef inline bint contains_key(self, const Key* k) noexcept nogil:
        cdef Py_ssize_t i
        for i in range(self._n):
            if not self._lo_inf[i] and key_cmp(k, &self._lo[i]) < 0:
                return False
            if self._hi_inf[i] or key_cmp(k, &self._hi[i]) < 0:
                return True
        return False


cdef dict _SPEC_CACHE = {}


cdef CompiledSpec _compile(object spec, object dialect):
    cdef CompiledSpec compiled
    if type(spec) is CompiledSpec:
        return <CompiledSpec>spec
    if dialect != "pep440":
        if isinstance(spec, str):
            spec = _range_alternatives(spec, dialect)
    if not isinstance(spec, str):
        try:
            spec = tuple(spec)
        except TypeError:
            raise InvalidSpecifier(f"Invalid specifier: {spec!r}") from None
    try:
        cached = _SPEC_CACHE.get(spec)
    except TypeError:      # unhashable members: compile uncached, it raises
        return CompiledSpec(spec)
    if cached is not None:
        return <CompiledSpec>cached
    compiled = CompiledSpec(spec)
    if len(_SPEC_CACHE) >= 16384:
        _SPEC_CACHE.clear()
    _SPEC_CACHE[spec] = compiled
    return compiled


def compile_spec(spec, dialect="pep440"):
    """Compile one PEP 440 specifier set, or a sequence of them meaning their union (cached)."""
    return _compile(spec, dialect)


def filter_versions(spec, versions, prereleases=None, dialect="pep440"):
    """``list(SpecifierSet(spec).filter(versions, prereleases))``, input order kept."""
    cdef CompiledSpec cs = _compile(spec, dialect)
    cdef unsigned char buf[KEYMAX]
    cdef Key k
    cdef list out = []
    cdef list buffered = []
    cdef bint found_final = False
    if cs._fallback is not None:
        return cs._fallback._filter(versions, prereleases)
    if cs._no_clauses:
        # packaging keeps unparseable strings for an empty set: let it decide
        return _purecmp.filter_versions(cs.alternatives[0], versions, prereleases)
    if prereleases is None:
        prereleases = cs.prereleases
    for item in versions:
        hold = key_of_item(item, buf, &k)
        if hold is False:
            continue
        if not cs.contains_key(&k):
            continue
        if prereleases is True:
            out.append(item)
        elif not k.pre:
            found_final = True
            out.append(item)
        elif prereleases is None and not found_final:
            buffered.append(item)
    if prereleases is None and not found_final:
        return buffered
    return out


# ---------------------------------------------------------------------------
# Release histories
# ---------------------------------------------------------------------------

cdef inline Py_ssize_t lower_bound(const Key* keys, Py_ssize_t n, const Key* x) noexcept nogil:
    cdef Py_ssize_t lo = 0, hi = n, mid
    while lo < hi:
        mid = (lo + hi) >> 1
        if key_cmp(&keys[mid], x) < 0:
            lo = mid + 1
        else:
            hi = mid
    return lo


@cython.no_gc   # holds only strings (and the invalid items): no cycles to find, nothing to traverse
cdef class ReleaseHistory:
    """One package's release history, parsed and sorted once.

    Invalid versions are skipped and kept in ``invalid`` (never raised). Queries
    take a PEP 440 specifier set (or a Poetry/npm range with ``dialect=``, or a
    :class:`CompiledSpec`) and answer with binary searches over the sorted keys.
    """

    cdef Key* _keys          # every valid version, ascending
    cdef Key* _finals        # the non-pre-releases, ascending
    cdef Py_ssize_t _n
    cdef Py_ssize_t _nf
    cdef unsigned char* _arena
    cdef PyObject** _strs    # the version strings, ascending (one reference each)
    cdef list _tagged        # lazily: _Indexed strings for the packaging fallback
    cdef readonly tuple invalid

    def __cinit__(self):
        self._keys = NULL
        self._finals = NULL
        self._arena = NULL
        self._strs = NULL
        self._n = 0
        self._nf = 0

    def __dealloc__(self):
        cdef Py_ssize_t i
        if self._strs != NULL:
            for i in range(self._n):
                Py_XDECREF(self._strs[i])
            free(self._strs)
        free(self._keys)
        free(self._finals)
        free(self._arena)

    def __init__(self, versions):
        cdef list items = versions if type(versions) is list else list(versions)
        cdef Py_ssize_t total = PyList_GET_SIZE(items), i, klen, used = 0, cap, nv = 0, nf = 0
        cdef Py_ssize_t n
        cdef const unsigned char* s
        cdef Parts p
        cdef int rc
        cdef Py_ssize_t nruns = 1
        cdef Key* keys = NULL
        cdef Key* sorted_keys = NULL
        cdef uint32_t* order = NULL
        cdef uint32_t* runs
        cdef object item
        cdef list invalid = None
        if self._keys != NULL:
            raise RuntimeError("ReleaseHistory is immutable")
        # every key is written straight into one arena, followed by 16 spare
        # bytes so the comparison words can be loaded without bounds checks
        cap = 12 * total + KEYMAX + 16
        self._arena = <unsigned char*>malloc(cap)
        keys = <Key*>malloc(sizeof(Key) * (total + 1))
        # order | run starts | merge buffer
        order = <uint32_t*>malloc(3 * sizeof(uint32_t) * (total + 2))
        try:
            if self._arena == NULL or keys == NULL or order == NULL:
                raise MemoryError()
            for i in range(total):
                item = <object>PyList_GET_ITEM(items, i)
                if used + KEYMAX + 16 > cap:
                    cap = 2 * cap + KEYMAX + 16
                    self._arena = grow(self._arena, used, cap, keys, nv)
                klen = -1
                if type(item) is str and PyUnicode_IS_ASCII(item):
                    s = <const unsigned char*>PyUnicode_DATA(item)
                    n = PyUnicode_GET_LENGTH(item)
                    klen = release_only_key(s, n, self._arena + used)
                    if klen >= 0:
                        # the comparison words now; the pointer once the arena stops moving
                        key_init_padded(&keys[nv], self._arena + used, klen)
                        keys[nv].pre = 0
                        keys[nv].idx = <uint32_t>i
                        if nv and key_cmp(&keys[nv - 1], &keys[nv]) > 0:
                            order[total + 1 + nruns] = <uint32_t>nv    # a new ascending run starts
                            nruns += 1
                        used += klen
                        nv += 1
                        continue
                    rc = scan_version(s, 0, n, &p, False)
                    if rc == INVALID:
                        if invalid is None:
                            invalid = []
                        invalid.append(item)
                        continue
                    if rc == OK:
                        klen = encode_key(s, &p, self._arena + used, KEYMAX, False)
                        keys[nv].pre = parts_is_pre(&p)
                if klen < 0:
                    # the exact slow path: non-ASCII text, giant numbers, subclasses
                    slow = _slow_key(item) if isinstance(item, str) else None
                    if slow is None:
                        if invalid is None:
                            invalid = []
                        invalid.append(item)
                        continue
                    klen = PyBytes_GET_SIZE(slow[0])
                    if used + klen + KEYMAX + 16 > cap:
                        cap = 2 * cap + klen + KEYMAX + 16
                        self._arena = grow(self._arena, used, cap, keys, nv)
                    memcpy(self._arena + used, PyBytes_AS_STRING(slow[0]), klen)
                    keys[nv].pre = 1 if slow[1] else 0
                key_init_padded(&keys[nv], self._arena + used, klen)
                keys[nv].idx = <uint32_t>i
                if nv and key_cmp(&keys[nv - 1], &keys[nv]) > 0:
                    order[total + 1 + nruns] = <uint32_t>nv
                    nruns += 1
                used += klen
                nv += 1
            if nruns > 1:
                for i in range(nv):
                    order[i] = <uint32_t>i
                runs = order + total + 1
                runs[0] = 0
                runs[nruns] = <uint32_t>nv
                sort_order(keys, order, runs + total + 2, runs, nruns, nv)
            if nruns > 1:
                sorted_keys = <Key*>malloc(sizeof(Key) * (nv + 1))
                if sorted_keys == NULL:
                    raise MemoryError()
                for i in range(nv):
                    sorted_keys[i] = keys[order[i]]
            else:
                sorted_keys = keys      # already in order: keep the parsed keys as they are
                keys = NULL
            self._strs = <PyObject**>malloc(sizeof(PyObject*) * (nv + 1))
            if self._strs == NULL:
                raise MemoryError()
            for i in range(nv):
                item = <object>PyList_GET_ITEM(items, sorted_keys[i].idx)
                Py_INCREF(item)
                self._strs[i] = <PyObject*>item
            self._keys = sorted_keys
            sorted_keys = NULL
        finally:
            free(keys)
            free(order)
            free(sorted_keys)
        self._n = nv
        self._nf = -1        # the finals are indexed on the first query that needs them
        self.invalid = tuple(invalid) if invalid is not None else ()

    # -- plain facts -------------------------------------------------------

    cdef list _strings(self, const Key* keys, bint from_finals, Py_ssize_t a, Py_ssize_t b, list out,
                       Py_ssize_t at):
        """Put the strings of positions a..b (of _keys, or of _finals) into out from at."""
        cdef Py_ssize_t k
        cdef object item
        for k in range(a, b):
            item = <object>self._strs[self._finals[k].idx if from_finals else k]
            Py_INCREF(item)
            PyList_SET_ITEM(out, at + k - a, item)
        return out

    @property
    def versions(self):
        """Every valid version, ascending (a new list)."""
        return self._strings(self._keys, False, 0, self._n, PyList_New(self._n), 0)

    @property
    def invalid_count(self):
        return len(self.invalid)

    def __len__(self):
        return self._n

    def __iter__(self):
        return iter(self.versions)

    def __getitem__(self, index):
        if isinstance(index, slice):
            return self.versions[index]
        i = index.__index__()
        if i < 0:
            i += self._n
        if not 0 <= i < self._n:
            raise IndexError("ReleaseHistory index out of range")
        return <object>self._strs[i]

    def __repr__(self):
        return f"<ReleaseHistory {self._n} versions, {len(self.invalid)} invalid>"

    def rank(self, version):
        """How many versions of the history sort strictly below ``version``."""
        cdef unsigned char buf[KEYMAX]
        cdef Key k
        hold = key_of_item(version, buf, &k)
        if hold is False:
            raise InvalidVersion(f"Invalid version: {version!r}")
        return lower_bound(self._keys, self._n, &k)

    def __contains__(self, version):
        """Whether a version equal to ``version`` (PEP 440 equality) is in the history."""
        cdef unsigned char buf[KEYMAX]
        cdef Key k
        cdef Py_ssize_t i
        hold = key_of_item(version, buf, &k)
        if hold is False:
            return False
        i = lower_bound(self._keys, self._n, &k)
        return i < self._n and key_cmp(&self._keys[i], &k) == 0

    # -- queries -----------------------------------------------------------

    cdef int _index_finals(self) except -1:
        cdef Py_ssize_t i, nf = 0
        if self._nf >= 0:
            return 0
        self._finals = <Key*>malloc(sizeof(Key) * (self._n + 1))
        if self._finals == NULL:
            raise MemoryError()
        for i in range(self._n):
            if not self._keys[i].pre:
                self._finals[nf] = self._keys[i]
                self._finals[nf].idx = <uint32_t>i     # its place in _all
                nf += 1
        self._nf = nf
        return 0


    cdef object _fallback_indices(self, CompiledSpec cs, object prereleases):
        if self._tagged is None:
            self._tagged = [_purecmp._Indexed(i, text) for i, text in enumerate(self.versions)]
        return [item.position for item in cs._fallback._filter(self._tagged, prereleases)]

    cdef object _run(self, CompiledSpec cs, object prereleases, int mode):
        """mode 0: the matching list; 1: the newest match (or None); 2: the count."""
        cdef const Key* keys
        cdef Py_ssize_t n, i, a, b, total = 0, last = -1, first_of_last = 0
        cdef Py_ssize_t at
        cdef list out
        cdef bint use_all
        if cs._fallback is not None:
            indices = self._fallback_indices(cs, prereleases)
            if mode == 2:
                return len(indices)
            if mode == 0:
                return [<object>self._strs[<Py_ssize_t>i] for i in indices]
            if not indices:
                return None
            i = len(indices) - 1
            while i > 0 and key_cmp(&self._keys[<Py_ssize_t>indices[i - 1]], &self._keys[<Py_ssize_t>indices[i]]) == 0:
                i -= 1
            return <object>self._strs[<Py_ssize_t>indices[i]]
        if prereleases is None:
            prereleases = cs.prereleases
        use_all = prereleases is True
        if not use_all:
            self._index_finals()
        while True:
            keys = self._keys if use_all else self._finals
            n = self._n if use_all else self._nf
            total = 0
            last = -1
            for i in range(cs._n):
                a = 0 if cs._lo_inf[i] else lower_bound(keys, n, &cs._lo[i])
                b = n if cs._hi_inf[i] else lower_bound(keys, n, &cs._hi[i])
                if b > a:
                    total += b - a
                    last = b - 1
                    first_of_last = a
            if total or use_all or prereleases is not None:
                break
            use_all = True      # PEP 440: pre-releases only when no final matches
        if mode == 2:
            return total
        if mode == 1:
            if last < 0:
                return None
            while last > first_of_last and key_cmp(&keys[last - 1], &keys[last]) == 0:
                last -= 1       # max() returns the first of equal versions
            return <object>self._strs[last if use_all else self._finals[last].idx]
        out = PyList_New(total)
        at = 0
        for i in range(cs._n):
            a = 0 if cs._lo_inf[i] else lower_bound(keys, n, &cs._lo[i])
            b = n if cs._hi_inf[i] else lower_bound(keys, n, &cs._hi[i])
            if b > a:
                self._strings(keys, not use_all, a, b, out, at)
                at += b - a
        return out

    def filter(self, spec="", prereleases=None, dialect="pep440"):
        """The versions ``spec`` admits, ascending."""
        return self._run(_compile(spec, dialect), prereleases, 0)

    def newest(self, spec="", prereleases=None, dialect="pep440"):
        """The highest version ``spec`` admits (as ``max`` over packaging's filter), or None."""
        return self._run(_compile(spec, dialect), prereleases, 1)

    def count(self, spec="", prereleases=None, dialect="pep440"):
        """How many versions ``spec`` admits."""
        return self._run(_compile(spec, dialect), prereleases, 2)

