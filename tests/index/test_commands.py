"""The cache subcommand and the shared index options."""

from __future__ import annotations

import argparse
import asyncio
import io

from lockaudit.commands import cache as cache_cmd
from lockaudit.commands.index_options import add_index_arguments, client_from_args
from lockaudit.index import FetchStatus
from lockaudit.model import IndexOptions


def _parser():
    parser = argparse.ArgumentParser(prog="lockaudit")
    sub = parser.add_subparsers(dest="command")
    cache_cmd.add_parser(sub)
    audit = sub.add_parser("audit")
    add_index_arguments(audit)
    return parser


def _run(argv):
    args = _parser().parse_args(argv)
    out = io.StringIO()
    return args.run(args, out), out.getvalue()


def _fetch(args, names, file_options=None):
    async def go():
        async with client_from_args(args, file_options) as client:
            return await client.fetch_histories(names)

    return asyncio.run(go())


def test_index_options_build_a_working_client(index_server, tmp_path):
    args = _parser().parse_args(
        [
            "audit",
            "--index-url",
            index_server.url,
            "--cache",
            str(tmp_path / "c.sqlite3"),
            "--concurrency",
            "4",
            "--cache-ttl",
            "60",
        ]
    )
    assert _fetch(args, ["six"])["six"].ok
    offline = _parser().parse_args(
        ["audit", "--offline", "--cache", str(tmp_path / "c.sqlite3"), "--index-url", index_server.url]
    )
    results = _fetch(offline, ["six", "pluggy"])
    assert results["six"].ok and results["pluggy"].status is FetchStatus.NOT_CACHED


def test_requirements_file_index_is_used_when_no_flag_says_otherwise(index_server, tmp_path):
    args = _parser().parse_args(["audit", "--cache", "none"])
    assert _fetch(args, ["six"], IndexOptions(index_url=index_server.url))["six"].ok


def test_cache_info_clear_export_import(index_server, tmp_path):
    db = str(tmp_path / "c.sqlite3")
    args = _parser().parse_args(["audit", "--index-url", index_server.url, "--cache", db])
    _fetch(args, ["six", "mdurl"])
    code, text = _run(["cache", "--cache", db, "info"])
    assert code == 0 and "histories: 2" in text and db in text
    snap = str(tmp_path / "snap.jsonl.gz")
    assert _run(["cache", "--cache", db, "export", snap]) == (0, f"wrote 2 entries to {snap}\n")
    assert _run(["cache", "--cache", db, "clear"])[0] == 0
    assert "histories: 0" in _run(["cache", "--cache", db, "info"])[1]
    assert _run(["cache", "--cache", db, "import", snap])[1] == f"imported 2 entries from {snap}\n"
    # an air-gapped run answers from the imported snapshot
    offline = _parser().parse_args(["audit", "--offline", "--cache", db, "--index-url", index_server.url])
    hits = len(index_server.requests)
    assert _fetch(offline, ["six", "mdurl"])["mdurl"].ok and len(index_server.requests) == hits


def test_clear_removes_a_corrupt_cache_file(tmp_path):
    db = tmp_path / "c.sqlite3"
    db.write_bytes(b"garbage" * 100)
    code, text = _run(["cache", "--cache", str(db), "clear"])
    assert code == 0 and "removed 1 damaged cache file(s)" in text, text
    assert not list(tmp_path.glob("c.sqlite3.damaged-*"))
    assert b"garbage" not in db.read_bytes()  # a new, empty cache


def test_clear_removes_a_file_too_damaged_to_open(tmp_path, monkeypatch):
    import sqlite3

    from lockaudit.index.cache import sqlite as backend

    db = tmp_path / "c.sqlite3"
    db.write_bytes(b"garbage" * 100)

    def refuse(self):  # a file SQLite cannot even open (another program holds it locked, say)
        raise sqlite3.OperationalError("unable to open database file")

    monkeypatch.setattr(backend.SQLiteCache, "_open_read_write", refuse)
    code, text = _run(["cache", "--cache", str(db), "clear"])
    assert code == 0 and "unreadable" in text and not db.exists()


def test_import_of_a_bad_file_fails_cleanly(tmp_path):
    bad = tmp_path / "x.gz"
    bad.write_text("nope")
    assert _run(["cache", "--cache", str(tmp_path / "c.sqlite3"), "import", str(bad)])[0] == 2


def test_cache_location_may_follow_the_action(tmp_path):
    db = str(tmp_path / "after.sqlite3")
    code, text = _run(["cache", "info", "--cache", db])
    assert code == 0 and db in text
