"""``lockaudit lock`` as its own process, the way people run it: what it
imports, and that its quick exit loses nothing.

A lock answered from the cache (``--offline``, or a warm cache within its
TTL) makes no request, so it must not import the HTTP client (httpx and the
TLS stack under it); with stderr not a terminal it shows no progress, so no
rich either; and it never reads the audit's findings. Those imports cost
about a third of the command's time when they were unconditional. Nor does
it load what the index layer needs only for other work: the email parser
(core metadata, Retry-After dates), zipfile/tarfile/hashlib (reading and
checking downloaded files), the snapshot module with gzip, platformdirs (the
default cache directory, when ``--cache`` names one), configparser (no pip
configuration file to read) and netrc (no netrc file).

The one-shot commands also end with ``os._exit`` after flushing (see
``lockaudit.cli._exit_now``): the exit code, stdout through a pipe and the
written file must be what a normal exit gives.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from lockaudit.cli import main

#: Runs ``lockaudit ARGS...`` as ``python -m lockaudit`` does (``main()`` with no
#: argv), then writes the names of the imported modules to the file named first.
WRAPPER = """\
import atexit, sys
report = sys.argv.pop(1)
def write():
    with open(report, "w") as fh:
        fh.write("\\n".join(sorted(sys.modules)))
atexit.register(write)
from lockaudit.cli import main
raise SystemExit(main())
"""

#: Modules that a lock answered from the cache must not load (ssl it gets anyway: asyncio imports it).
UNWANTED = (
    "httpx",
    "httpcore",
    "rich",
    "lockaudit.findings",
    "lockaudit.audit.lock_check",
    "lockaudit.audit",
    # the index layer's tools for fetching, checking and exporting
    "email",
    "zipfile",
    "tarfile",
    "gzip",
    "mimetypes",
    "lockaudit.index.cache.snapshot",
    "platformdirs",  # --cache is given
    "configparser",  # PIP_CONFIG_FILE is os.devnull (see conftest)
    "netrc",  # NETRC names a missing file
)


@pytest.fixture
def project(resolve_server, cli_args: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """A requirements.in and a cache warmed by one lock; the common arguments."""
    monkeypatch.chdir(tmp_path)
    Path("requirements.in").write_text("web\nsrv[fast]\n")
    common = cli_args
    assert main(["lock", "requirements.in", "-o", "warm.lock", "-q", *common]) == 0
    resolve_server.requests.clear()
    return common


def _lockaudit(*args: str, cwd: Path) -> tuple[subprocess.CompletedProcess[str], set[str]]:
    report = cwd / "modules.txt"
    proc = subprocess.run(
        [sys.executable, "-c", WRAPPER, str(report), *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
    )
    modules = set(report.read_text().split()) if report.exists() else set()
    return proc, modules


def _loaded(modules: set[str], prefix: str) -> bool:
    return prefix in modules or any(m.startswith(prefix + ".") for m in modules)


@pytest.mark.parametrize("mode", ["--offline", "warm cache"])
def test_a_lock_from_the_cache_imports_no_http_client_and_no_rich(
    project, resolve_server, tmp_path: Path, mode: str
) -> None:
    extra = ["--offline"] if mode == "--offline" else []
    proc, modules = _lockaudit("lock", "requirements.in", "-o", "out.lock", *extra, *project, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert resolve_server.requests == []  # nothing was fetched
    assert "lockaudit.resolve.resolver" in modules  # the report is real
    loaded = [m for m in UNWANTED if _loaded(modules, m)]
    assert loaded == [], f"imported without need: {loaded}"
    lines = Path("out.lock").read_text().splitlines()
    warm = Path("warm.lock").read_text().splitlines()
    # The same lock (the header quotes the command, with its own -o).
    assert [line for line in lines if not line.startswith("#")] == [line for line in warm if not line.startswith("#")]
    assert "5 packages for Python 3.11 on linux written to out.lock" in proc.stderr


def test_the_quick_exit_keeps_stdout_and_the_exit_code(
    project, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["lock", "requirements.in", "--offline", "--no-header", *project]
    assert main(args) == 0
    expected = capsys.readouterr().out
    proc, _ = _lockaudit(*args, cwd=tmp_path)
    assert (proc.returncode, proc.stdout) == (0, expected)
    assert expected.endswith("\n") and "web==2.0 \\\n" in expected
    Path("conflict.in").write_text("web==2.0\nutil<1.5\n")
    proc, _ = _lockaudit("lock", "conflict.in", "--offline", *project, cwd=tmp_path)
    assert proc.returncode == 1
    assert "util<1.5    requested at conflict.in:2" in proc.stderr


# -- what the lazy imports must keep working -----------------------------------


def test_the_lazy_names_of_the_cache_package_still_work(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import platformdirs

    from lockaudit.index import cache
    from lockaudit.index.cache import export_snapshot, import_snapshot, snapshot

    assert (cache.export_snapshot, cache.import_snapshot) == (snapshot.export_snapshot, snapshot.import_snapshot)
    assert export_snapshot is snapshot.export_snapshot and import_snapshot is snapshot.import_snapshot
    with pytest.raises(AttributeError):
        cache.no_such_name  # noqa: B018
    assert cache.default_cache_dir({"LOCKAUDIT_CACHE_DIR": str(tmp_path)}) == tmp_path
    assert cache.default_cache_dir({}) == Path(platformdirs.user_cache_dir("lockaudit"))
    monkeypatch.delenv("LOCKAUDIT_CACHE_DIR")
    from lockaudit.index.cache.sqlite import DB_NAME

    assert cache.describe_cache(None) == ("sqlite", str(Path(platformdirs.user_cache_dir("lockaudit")) / DB_NAME))


def test_netrc_is_read_from_home_when_there_is_one(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from lockaudit.index.settings import resolve_index_settings

    monkeypatch.delenv("NETRC")
    monkeypatch.setenv("HOME", str(tmp_path))
    url = "https://private.example/simple/"
    assert resolve_index_settings(index_url=url, pip_config={}).index_url.auth is None  # no ~/.netrc
    (tmp_path / ".netrc").write_text("machine private.example login bob password pw\n")
    (tmp_path / ".netrc").chmod(0o600)
    assert resolve_index_settings(index_url=url, pip_config={}).index_url.auth == ("bob", "pw")
    assert (
        resolve_index_settings(index_url=url, pip_config={}, netrc_file=str(tmp_path / "none")).index_url.auth is None
    )
