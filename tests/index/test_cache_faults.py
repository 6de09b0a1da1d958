"""A broken cache never gives a wrong answer and never breaks a run: a read-only
directory, flipped bytes, a truncated file, a damaged snapshot. Every test uses
a real SQLite file (or a real redis-server) filled by the client from the real
local index."""

from __future__ import annotations

import asyncio
import gzip
import os
import random
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest

from lockaudit.errors import CacheError
from lockaudit.index import IndexClient, IndexSettings, IndexURL
from lockaudit.index.cache import (
    CacheDamagedWarning,
    CacheEntry,
    CacheUnavailableWarning,
    export_snapshot,
    import_snapshot,
    open_cache,
    page_key,
)

from .conftest import FAST_RETRY

NAMES = ["six", "mdurl", "pluggy", "iniconfig", "defusedxml", "isodate"]
ROOT = Path(__file__).resolve().parents[2]


def _fetch(index_url: str, cache: str, names=NAMES, **options):
    """Histories and, for each, the files of its newest release (read after the
    client closed, as the audit reads them), plus the warnings raised."""

    async def go():
        async with IndexClient(
            IndexSettings(IndexURL.parse(index_url)), cache=cache, retry=FAST_RETRY, timeout=5.0, **options
        ) as client:
            return await client.fetch_histories(names)

    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        histories = asyncio.run(go())
        files = {
            n: [(f.filename, f.hashes, f.upload_time) for r in h.versions for f in r.files]
            for n, h in histories.items()
        }
    return histories, files, [w for w in record if issubclass(w.category, CacheUnavailableWarning)]


def _summary(histories) -> dict:
    return {
        n: (h.status, [(r.version, r.upload_time, r.yanked, r.requires_python) for r in h.versions])
        for n, h in histories.items()
    }


@pytest.fixture
def truth(index_server, tmp_path) -> tuple[dict, dict, Path]:
    """What the index says, and a pristine cache file holding exactly that."""
    path = tmp_path / "pristine.sqlite3"
    histories, files, warned = _fetch(index_server.url, str(path))
    assert not warned and all(h.ok for h in histories.values())
    return _summary(histories), files, path


# -- 10. checksums ---------------------------------------------------------------


def _corrupt_blob(path: Path, table: str, column: str, key: str) -> None:
    with sqlite3.connect(path) as db:
        (blob,) = db.execute(f"SELECT {column} FROM {table} WHERE key = ?", (key,)).fetchone()
        blob = bytearray(blob)
        # A byte inside the version data: still valid JSON, silently wrong without a checksum.
        at = blob.find(b"1.") if b"1." in blob else len(blob) // 2
        blob[at] = ord("9") if blob[at] != ord("9") else ord("8")
        db.execute(f"UPDATE {table} SET {column} = ? WHERE key = ?", (bytes(blob), key))


@pytest.mark.parametrize(("table", "column"), [("entries", "data"), ("tails", "tail")], ids=["history", "file-rows"])
def test_a_damaged_blob_is_fetched_again_once_with_one_warning(index_server, truth, tmp_path, table, column):
    summary, files, pristine = truth
    path = tmp_path / "c.sqlite3"
    shutil.copy(pristine, path)
    for name in ("six", "pluggy"):
        _corrupt_blob(path, table, column, page_key(index_server.url, name))
    before = len(index_server.requests)
    histories, got_files, warned = _fetch(index_server.url, str(path))
    assert _summary(histories) == summary and got_files == files  # never a wrong answer
    assert len(warned) == 1 and issubclass(warned[0].category, CacheDamagedWarning)
    assert "`lockaudit cache clear`" in str(warned[0].message)
    assert len(index_server.requests) - before == 2  # the two damaged pages, once each
    # Once: the next run answers from the cache, without a warning.
    before = len(index_server.requests)
    histories, got_files, warned = _fetch(index_server.url, str(path))
    assert _summary(histories) == summary and got_files == files and not warned
    assert len(index_server.requests) == before


def test_damaged_file_rows_offline_are_a_clear_error_then_gone(index_server, truth, tmp_path):
    from lockaudit.index.history import HistoryDecodeError

    _, _, pristine = truth
    path = tmp_path / "c.sqlite3"
    shutil.copy(pristine, path)
    _corrupt_blob(path, "tails", "tail", page_key(index_server.url, "six"))
    with pytest.raises(HistoryDecodeError, match=r"damaged.*offline.*run again"):
        _fetch(index_server.url, str(path), offline=True)
    # The damaged entry was dropped: offline, it is now simply not cached.
    histories, _, warned = _fetch(index_server.url, str(path), offline=True)
    assert str(histories["six"].status) == "not_cached" and histories["mdurl"].ok and not warned


def test_redis_entries_carry_a_checksum(index_server, redis_url, redis_cache):
    histories, files, _ = _fetch(index_server.url, redis_url)
    import redis

    r = redis.Redis.from_url(redis_url)
    key = redis_cache.backend.prefix + page_key(index_server.url, "six")
    raw = bytearray(r.get(key))
    raw[len(raw) // 2] ^= 0x01
    r.set(key, bytes(raw))
    before = index_server.hits("/simple/six/")
    again, again_files, warned = _fetch(index_server.url, redis_url)
    assert _summary(again) == _summary(histories) and again_files == files
    assert len(warned) == 1 and "checksum" in str(warned[0].message)
    assert index_server.hits("/simple/six/") == before + 1


@pytest.mark.parametrize("seed", range(24))
def test_a_flipped_byte_anywhere_in_the_file_never_gives_a_wrong_answer(index_server, truth, tmp_path, seed):
    summary, files, pristine = truth
    path = tmp_path / "c.sqlite3"
    data = bytearray(pristine.read_bytes())
    rng = random.Random(seed)
    at = rng.randrange(len(data))
    data[at] ^= 1 << rng.randrange(8)
    path.write_bytes(bytes(data))
    histories, got_files, warned = _fetch(index_server.url, str(path))
    assert _summary(histories) == summary and got_files == files, f"flip at byte {at}"
    assert len(warned) <= 1
    # Whatever was damaged is mended: the next run warns no more.
    histories, got_files, warned = _fetch(index_server.url, str(path))
    assert _summary(histories) == summary and got_files == files and not warned, f"flip at byte {at}"


# -- 11. a damaged file is moved aside once ---------------------------------------


@pytest.mark.parametrize("keep", [0.5, 0.1, 4096, 100, 10])
def test_a_truncated_cache_file_is_recovered_once(index_server, truth, tmp_path, keep):
    summary, files, pristine = truth
    path = tmp_path / "c.sqlite3"
    data = pristine.read_bytes()
    path.write_bytes(data[: int(len(data) * keep) if isinstance(keep, float) else keep])
    histories, got_files, warned = _fetch(index_server.url, str(path))
    assert _summary(histories) == summary and got_files == files
    assert len(warned) <= 1
    histories, got_files, warned = _fetch(index_server.url, str(path))
    assert _summary(histories) == summary and got_files == files and not warned
    assert all(h.from_cache for h in histories.values())  # the new file answers


def test_a_file_damaged_while_in_use_is_moved_aside_for_the_next_run(index_server, truth, tmp_path):
    summary, _, pristine = truth
    path = tmp_path / "c.sqlite3"
    shutil.copy(pristine, path)
    cache = open_cache(str(path))
    with sqlite3.connect(path) as db:
        page_size = db.execute("PRAGMA page_size").fetchone()[0]
    # Wreck the table pages behind the open connection's back.
    with open(path, "r+b") as f:
        f.seek(page_size)
        f.write(b"\xff" * page_size * 4)
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        found = cache.get_many([page_key(index_server.url, n) for n in NAMES])
    assert found == {} and cache.failed and "malformed" in cache.failed
    assert len(record) == 1 and "moved the damaged file to" in str(record[0].message)
    assert list(tmp_path.glob("c.sqlite3.damaged-*"))
    histories, _, warned = _fetch(index_server.url, str(path))
    assert _summary(histories) == summary and not warned


# -- 9. a read-only cache answers -------------------------------------------------


def _read_only_copy(pristine: Path) -> Iterator[Path]:
    """The cache in a directory nobody may write (root ignores permissions, so
    the reader then runs without the capabilities that let it, see ``_as_reader``)."""
    top = Path(tempfile.mkdtemp(prefix="lockaudit-ro-"))
    try:
        os.chmod(top, 0o755)
        directory = top / "cache"
        directory.mkdir()
        shutil.copy(pristine, directory / "index-cache.sqlite3")
        os.chmod(directory / "index-cache.sqlite3", 0o444)
        os.chmod(directory, 0o555)
        yield directory / "index-cache.sqlite3"
    finally:
        os.chmod(top / "cache", 0o755)
        shutil.rmtree(top, ignore_errors=True)


def _as_reader(args: list[str], home: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PIP_", "LOCKAUDIT_"))}
    env.update(PIP_CONFIG_FILE=os.devnull, HOME=str(home), PYTHONDONTWRITEBYTECODE="1", NO_COLOR="1")
    env.pop("NETRC", None)
    demote = None
    if os.geteuid() == 0:

        def demote() -> None:
            # root without CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH: permission
            # bits bind it like any user (prctl PR_CAPBSET_DROP, before exec).
            import ctypes

            libc = ctypes.CDLL(None, use_errno=True)
            for cap in (1, 2):
                if libc.prctl(24, cap, 0, 0, 0) != 0:
                    raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP) failed")

    return subprocess.run([sys.executable, "-m", "lockaudit", *args], capture_output=True, text=True, env=env,
                          timeout=120, preexec_fn=demote, cwd=str(home))  # fmt: skip


def test_a_read_only_cache_answers_offline(index_server, truth, tmp_path):
    summary, _, pristine = truth
    for path in _read_only_copy(pristine):
        home = path.parent.parent
        proc = _as_reader(
            ["versions", "six", "--offline", "--cache", str(path), "--index-url", index_server.url, "--json"], home
        )
        assert proc.returncode == 0, proc.stderr
        assert "readonly" not in proc.stderr.lower() and "cannot be used" not in proc.stderr
        import json

        shown = [r["version"] for r in json.loads(proc.stdout)["releases"]]
        assert sorted(shown) == sorted(v for v, *_ in summary["six"][1])
        info = _as_reader(["cache", "info", "--cache", str(path)], home)
        assert info.returncode == 0 and "read-only: yes" in info.stdout and "histories: 6" in info.stdout
        clear = _as_reader(["cache", "clear", "--cache", str(path)], home)
        assert clear.returncode == 2 and "read-only" in clear.stderr
        assert path.exists()


def test_a_read_only_cache_answers_an_audit_and_stores_nothing(index_server, truth, tmp_path):
    import json

    _, _, pristine = truth
    for path in _read_only_copy(pristine):
        home = path.parent.parent
        req = home / "requirements.txt"
        req.write_text("six==1.17.0\nmdurl==0.1.2\nnot-cached==1.0\n")  # releases whose metadata the index serves
        os.chmod(req, 0o644)
        before = len(index_server.requests)
        proc = _as_reader([str(req), "--cache", str(path), "--index-url", index_server.url, "--format", "json",
                           "--no-dependency-changes", "--fail-on", "never"], home)  # fmt: skip
        assert proc.returncode == 3, proc.stderr  # the package no index has is unknown
        assert "readonly" not in proc.stderr.lower() and "cannot be used" not in proc.stderr
        statuses = {p["name"]: p["status"] for p in json.loads(proc.stdout)["packages"]}
        assert statuses == {"six": "ok", "mdurl": "ok", "not-cached": "unknown"}
        # Only what the cache lacks was asked for: the page it does not have, and
        # the metadata of the releases a fresh install resolves (never cached here).
        asked = {r.path for r in index_server.requests[before:]}
        assert "/simple/not-cached/" in asked
        assert all(p == "/simple/not-cached/" or p.endswith(".whl.metadata") for p in asked), asked


def test_a_cache_that_refuses_writes_midway_still_answers(index_server, truth, tmp_path):
    _, _, pristine = truth
    path = tmp_path / "c.sqlite3"
    shutil.copy(pristine, path)
    cache = open_cache(str(path))
    cache.backend._db.execute("PRAGMA query_only = 1")  # every write now fails as on a read-only mount
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        cache.put("page https://i/simple/ x", CacheEntry(b"x", 1.0))
        assert cache.read_only and cache.failed is None
        assert len(cache.get_many([page_key(index_server.url, n) for n in NAMES])) == len(NAMES)
    cache.close()


# -- 12. snapshots: all or nothing ------------------------------------------------


def _snapshot_lines(path: Path) -> list[bytes]:
    with gzip.open(path, "rb") as f:
        return f.read().splitlines(keepends=True)


def _write_snapshot(path: Path, lines: list[bytes]) -> None:
    with gzip.open(path, "wb") as f:
        f.write(b"".join(lines))


@pytest.fixture
def big_snapshot(tmp_path) -> Path:
    cache = open_cache(str(tmp_path / "source.sqlite3"))
    cache.put_many(
        {page_key("https://i.test/simple/", f"p{i}"): CacheEntry(f"blob {i}".encode(), 1000.0 + i) for i in range(600)}
    )
    path = tmp_path / "snap.jsonl.gz"
    assert export_snapshot(cache, path) == 600
    cache.close()
    return path


def _damaged_variants(snap: Path, tmp_path: Path) -> dict[str, Path]:
    raw = snap.read_bytes()
    lines = _snapshot_lines(snap)
    out: dict[str, Path] = {}

    def variant(name: str, data: bytes | None = None, new_lines: list[bytes] | None = None) -> None:
        p = tmp_path / f"{name}.jsonl.gz"
        if data is not None:
            p.write_bytes(data)
        else:
            _write_snapshot(p, new_lines or [])
        out[name] = p

    variant("truncated", raw[: len(raw) * 2 // 3])
    flipped = bytearray(raw)
    flipped[len(raw) // 2] ^= 0x10
    variant("bit-flip", bytes(flipped))
    variant("not-gzip", b"plain text, not a snapshot")
    variant("non-string-key", new_lines=[*lines[:450], b'{"key": 17, "fetched_at": 1.0, "data": ""}\n', *lines[450:]])
    variant("list-line", new_lines=[*lines[:450], b'["key", 1.0]\n', *lines[450:]])
    variant(
        "bad-base64", new_lines=[*lines[:450], b'{"key": "page a b", "fetched_at": 1.0, "data": "!!!"}\n', *lines[450:]]
    )
    variant("no-json", new_lines=[*lines[:450], b"{broken\n", *lines[450:]])
    variant(
        "nan-time", new_lines=[*lines[:450], b'{"key": "page a b", "fetched_at": "soon", "data": ""}\n', *lines[450:]]
    )
    variant(
        "bad-etag",
        new_lines=[*lines[:450], b'{"key": "page a b", "fetched_at": 1, "etag": [1], "data": ""}\n', *lines[450:]],
    )
    variant("wrong-header", new_lines=[b'{"format": "something-else", "version": 1}\n', *lines[1:]])
    variant("header-not-object", new_lines=[b"[]\n", *lines[1:]])
    return out


def test_a_damaged_snapshot_imports_nothing_and_says_where(big_snapshot, tmp_path):
    target = tmp_path / "target.sqlite3"
    cache = open_cache(str(target))
    cache.put("page https://i.test/simple/p5", CacheEntry(b"mine", 1.0))
    before = sorted((k, e.data) for k, e in cache.iter_entries())
    for name, path in _damaged_variants(big_snapshot, tmp_path).items():
        with pytest.raises(CacheError) as caught:
            import_snapshot(cache, path)
        message = str(caught.value)
        assert str(path) in message, (name, message)
        if name not in ("truncated", "bit-flip", "not-gzip", "wrong-header", "header-not-object"):
            assert "line 451" in message, (name, message)
        assert sorted((k, e.data) for k, e in cache.iter_entries()) == before, name  # all or nothing
    assert import_snapshot(cache, big_snapshot) == 600  # the intact one still imports
    cache.close()


def test_cache_import_of_a_damaged_snapshot_exits_2_without_a_traceback(big_snapshot, tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PIP_", "LOCKAUDIT_"))}
    for name, path in _damaged_variants(big_snapshot, tmp_path).items():
        proc = subprocess.run(
            [sys.executable, "-m", "lockaudit", "cache", "import", str(path), "--cache", str(tmp_path / "t.sqlite3")],
            capture_output=True, text=True, env=env, timeout=120,
        )  # fmt: skip
        assert proc.returncode == 2, (name, proc.stderr)
        assert proc.stderr.startswith("error: ") and "Traceback" not in proc.stderr, (name, proc.stderr)
    info = open_cache(str(tmp_path / "t.sqlite3")).info()
    assert info.pages == 0


def test_importing_into_a_read_only_cache_is_an_error(big_snapshot, truth, tmp_path):
    _, _, pristine = truth
    for path in _read_only_copy(pristine):
        proc = _as_reader(["cache", "import", str(big_snapshot), "--cache", str(path)], path.parent.parent)
        assert proc.returncode == 2 and "read-only" in proc.stderr, proc.stderr
