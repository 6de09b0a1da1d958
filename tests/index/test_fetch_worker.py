"""The fetch worker: a second process that fetches and decodes plain GETs.

It only ever speeds a cold fetch up: the answers with and without it are the
same, and a worker that cannot start or dies costs nothing but time.
"""

from __future__ import annotations

import asyncio
import sys
import textwrap
from pathlib import Path

import pytest

from lockaudit.index import FetchStatus, IndexSettings, IndexURL, fetch_worker
from lockaudit.index.cache import open_cache
from lockaudit.index.client import MIN_WORKER_PAGES
from lockaudit.index.fetch_worker import FetchWorker
from support.synthetic_index import Project, Release, install

NAMES = [f"proj{i}" for i in range(30)]


@pytest.fixture
def many_projects(index_server):
    install(
        index_server,
        [
            Project(
                name,
                [
                    Release("1.0", "2025-01-01", requires_python=">=3.9"),
                    Release("1.1", "2025-02-01", yanked="broken"),
                    Release("2.0", "2025-03-01", requires=["idna>=3"]),
                ],
            )
            for name in NAMES
        ],
    )
    return index_server


def _fetch(make_client, names, **options):
    async def run():
        async with make_client(**options) as client:
            results = await client.fetch_histories(names)
            workers = list(client._workers)
            return results, workers

    return asyncio.run(run())


def _facts(results):
    return {
        name: (
            h.status,
            h.detail,
            [
                (
                    r.version,
                    r.upload_time,
                    r.yanked,
                    r.yanked_reason,
                    r.requires_python,
                    r.has_wheel,
                    r.has_sdist,
                    tuple(r.files),
                )
                for r in h.versions
            ],
        )
        for name, h in results.items()
    }


def test_worker_answers_equal_the_clients_own(many_projects, make_client, tmp_path):
    names = [*NAMES, "not-there"]
    many_projects.script("/simple/proj3/", [500, 500, 500, 500])  # fails every retry
    alone, none = _fetch(make_client, names, fetch_worker=False, cache=str(tmp_path / "a.sqlite3"))
    many_projects.script("/simple/proj3/", [500, 500, 500, 500])
    shared, workers = _fetch(make_client, names, fetch_worker=True, cache=str(tmp_path / "b.sqlite3"))
    assert none == [] and len(workers) >= 1
    assert all(w.gone == "closed" for w in workers)
    assert _facts(shared) == _facts(alone)
    assert shared["not-there"].status is FetchStatus.NOT_FOUND
    assert shared["proj3"].status is FetchStatus.UNREACHABLE
    assert shared["proj7"].release("1.1").yanked_reason == "broken"
    # The worker's pages were cached by the client, exactly as its own.
    a = {k: e.data for k, e in open_cache(str(tmp_path / "a.sqlite3")).iter_entries(["page"])}
    b = {k: e.data for k, e in open_cache(str(tmp_path / "b.sqlite3")).iter_entries(["page"])}
    assert a.keys() == b.keys() and len(a) == len(NAMES)  # proj3 failed: nothing stored
    warm, _ = _fetch(make_client, names, fetch_worker=True, cache=str(tmp_path / "b.sqlite3"))
    assert all(h.from_cache for n, h in warm.items() if n != "proj3")


def test_the_worker_took_part_and_got_no_credentials_on_its_command_line(many_projects, make_client, monkeypatch):
    monkeypatch.setenv("LOCKAUDIT_FETCH_WORKERS", "1")
    url = many_projects.url.replace("/simple/", "/private/simple/").replace("http://", "http://alice:s3cret@")
    seen = []
    original = FetchWorker.fetch

    async def counting(self, index_url, name):
        answer = await original(self, index_url, name)
        seen.append((self._proc.args, answer is not None))
        return answer

    monkeypatch.setattr(FetchWorker, "fetch", counting)
    results, workers = _fetch(make_client, NAMES, settings=IndexSettings(IndexURL.parse(url)), fetch_worker=None)
    assert all(h.ok for h in results.values()), [h.detail for h in results.values() if not h.ok]
    assert len(workers) == 1
    assert any(took for _, took in seen), "the worker answered no page"
    for args, _ in seen:
        assert "s3cret" not in " ".join(args)


def _broken_worker(tmp_path: Path, body: str) -> tuple[str, ...]:
    script = tmp_path / "worker.py"
    script.write_text(textwrap.dedent(body))
    return (sys.executable, str(script))


@pytest.mark.parametrize(
    "body",
    [
        # reads its settings and exits at once
        "import sys; sys.stdin.buffer.read(4)",
        # answers the first page with a broken frame, then dies
        """
        import struct, sys
        sys.stdin.buffer.read(1)
        sys.stdout.buffer.write(struct.pack("<I", 5) + b"junk!")
        sys.stdout.buffer.flush()
        """,
    ],
    ids=["exits", "garbles"],
)
def test_a_broken_worker_loses_nothing(many_projects, make_client, monkeypatch, tmp_path, body):
    monkeypatch.setattr(FetchWorker, "command", _broken_worker(tmp_path, body))
    results, workers = _fetch(make_client, NAMES, fetch_worker=True)
    assert len(results) == len(NAMES) and all(h.ok for h in results.values())
    assert workers and all(w.gone for w in workers)


def test_a_worker_that_cannot_start_loses_nothing(many_projects, make_client, monkeypatch, tmp_path):
    monkeypatch.setattr(FetchWorker, "command", (str(tmp_path / "no-such-python"),))
    results, workers = _fetch(make_client, NAMES, fetch_worker=True)
    assert all(h.ok for h in results.values())
    assert workers and all("did not start" in w.gone for w in workers)


def test_no_worker_for_a_few_pages_offline_or_when_turned_off(many_projects, make_client, monkeypatch):
    _, workers = _fetch(make_client, NAMES[: MIN_WORKER_PAGES - 1], fetch_worker=True)
    assert workers == []
    monkeypatch.setenv("LOCKAUDIT_FETCH_WORKERS", "0")
    assert fetch_worker.worker_count() == 0
    _, workers = _fetch(make_client, NAMES, fetch_worker=None)
    assert workers == []
    _, workers = _fetch(make_client, NAMES, fetch_worker=True, offline=True)
    assert workers == []


def test_a_silent_worker_is_given_up_and_stopped(many_projects, make_client, monkeypatch, tmp_path):
    monkeypatch.setattr(fetch_worker, "_deadline", lambda config: 0.5)
    command = _broken_worker(tmp_path, "import sys, time; sys.stdin.buffer.read(1); time.sleep(120)")
    monkeypatch.setattr(FetchWorker, "command", command)
    results, workers = _fetch(make_client, NAMES, fetch_worker=True)
    assert all(h.ok for h in results.values())
    assert workers and all(w._proc.poll() is not None for w in workers), "the stuck worker still runs"


# -- who starts worker processes -------------------------------------------------


@pytest.fixture
def started(monkeypatch):
    """Every fetch worker process started in this test (they still start and work)."""
    seen: list[FetchWorker] = []
    original = FetchWorker.start

    def start(self):
        if self not in seen:  # ``start`` is called again by each fetch; it starts once
            seen.append(self)
        return original(self)

    monkeypatch.setattr(FetchWorker, "start", start)
    monkeypatch.setenv("LOCKAUDIT_FETCH_WORKERS", "1")  # whatever the machine's cores
    return seen


def test_a_library_client_starts_no_process_unless_asked(many_projects, make_client, started):
    results, workers = _fetch(make_client, NAMES)  # a large cold fetch, the library's default
    assert all(h.ok for h in results.values())
    assert workers == [] and started == []
    _, workers = _fetch(make_client, NAMES, fetch_worker=None, refresh=True)
    assert len(workers) == 1 and len(started) == 1


def test_the_library_audit_starts_none_and_the_cli_does(many_projects, started, tmp_path, capsys):
    from lockaudit import audit
    from lockaudit.audit.engine import AuditOptions
    from lockaudit.cli import main

    lock = tmp_path / "requirements.txt"
    lock.write_text("".join(f"{name}==2.0\n" for name in NAMES))
    common = {"index_url": many_projects.url, "dependency_changes": False, "api_changes": False}
    report = audit([str(lock)], options=AuditOptions(cache=str(tmp_path / "lib.sqlite3"), **common))
    assert {p.name for p in report.packages} >= set(NAMES)
    assert started == []
    code = main([str(lock), "--index-url", many_projects.url, "--cache", str(tmp_path / "cli.sqlite3"),
                 "--format", "json", "--no-progress", "--no-dependency-changes"])  # fmt: skip
    assert code in (0, 1, 3), capsys.readouterr().err
    assert len(started) == 1
