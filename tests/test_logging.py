"""The library logs what it does and prints nothing unless the program using it
configures logging; the CLI does on ``LOCKAUDIT_LOG_LEVEL`` (the service has its
JSON log, tests/service)."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest

import lockaudit
from support.index_server import IndexServer

PACKAGE = Path(lockaudit.__file__).resolve().parent
#: Where a program's logging may be configured: the CLI and the service's log setup.
CONFIGURES_LOGGING = {PACKAGE / "cli.py", PACKAGE / "service" / "logging.py"}
#: Loggers named for what they carry rather than a module: the service's access log.
CHANNELS = {"lockaudit.access"}

# A library call that logs at debug level (which resolver loop runs) and a warning.
LIBRARY_CALL = """
import logging, sys
{configure}
from resolvelib import BaseReporter
from lockaudit.resolve import _resolvelib
sys.path.insert(0, {tests!r})
from resolve.test_fast_loop import _Cand, _GraphProvider, _Req
graph = {{"a": {{1: []}}}}
result = _resolvelib.run_resolver(_GraphProvider(graph), BaseReporter(), [_Req("a", frozenset({{1}}))], 10)
assert dict(result.mapping) == {{"a": _Cand("a", 1)}}
logging.getLogger("lockaudit.index.client").warning("a warning from the library")
print("done")
"""


def _python(code: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, env=env or dict(os.environ)
    )


def test_the_library_is_silent_by_default() -> None:
    proc = _python(LIBRARY_CALL.format(configure="", tests=str(PACKAGE.parent / "tests")))
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "done\n"
    assert proc.stderr == ""  # not even logging's last-resort line for the warning


def test_a_program_that_configures_logging_sees_what_the_library_does() -> None:
    configure = "logging.basicConfig(level=logging.DEBUG, format='%(levelname)s %(name)s %(message)s')"
    proc = _python(LIBRARY_CALL.format(configure=configure, tests=str(PACKAGE.parent / "tests")))
    assert proc.returncode == 0, proc.stderr
    assert "DEBUG lockaudit.resolve._resolvelib resolvelib" in proc.stderr
    assert "WARNING lockaudit.index.client a warning from the library" in proc.stderr


@pytest.fixture(scope="module")
def index_url():
    with IndexServer() as server:
        yield server.url


def _cli(args: list[str], tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("LOCKAUDIT_", "PIP_"))}
    environ.update(PIP_CONFIG_FILE=os.devnull, LOCKAUDIT_CACHE_DIR=str(tmp_path / "cache"), **env)
    return subprocess.run(
        [sys.executable, "-m", "lockaudit", *args], capture_output=True, text=True, timeout=120, env=environ
    )


def test_the_cli_shows_the_librarys_log_on_request(index_url: str, tmp_path: Path) -> None:
    args = ["versions", "six", "--index-url", index_url, "--json", "--cache", "none"]
    quiet = _cli(args, tmp_path)
    assert quiet.returncode == 0, quiet.stderr
    assert "lockaudit: DEBUG" not in quiet.stderr
    loud = _cli(args, tmp_path, LOCKAUDIT_LOG_LEVEL="debug")
    assert loud.returncode == 0, loud.stderr
    assert loud.stdout == quiet.stdout
    assert "lockaudit: DEBUG lockaudit.index._pypi_simple: pypi-simple" in loud.stderr
    assert "lockaudit: DEBUG lockaudit.index.http: index requests go through" in loud.stderr


def test_a_bad_log_level_is_a_clear_error(tmp_path: Path) -> None:
    proc = _cli(["versions", "six", "--offline"], tmp_path, LOCKAUDIT_LOG_LEVEL="loud")
    assert proc.returncode == 2
    assert proc.stderr.strip() == (
        "lockaudit: error: LOCKAUDIT_LOG_LEVEL: expected one of critical, error, warning, info, debug, got 'loud'"
    )


def _calls(tree: ast.AST) -> list[str]:
    names = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            parts = []
            while isinstance(func, ast.Attribute):
                parts.append(func.attr)
                func = func.value
            if isinstance(func, ast.Name):
                parts.append(func.id)
            names.append(".".join(reversed(parts)))
    return names


def test_library_modules_log_under_their_own_name_and_configure_nothing() -> None:
    for path in sorted(PACKAGE.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        calls = _calls(tree)
        if path in CONFIGURES_LOGGING:
            continue
        configuring = [
            c for c in calls if c in ("logging.basicConfig", "logging.config.dictConfig", "logging.config.fileConfig")
        ]
        assert not configuring, f"{path}: library code configures logging ({configuring})"
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and _calls(node)[:1] == ["logging.getLogger"] and node.args:
                arg = node.args[0]
                named = isinstance(arg, ast.Name) and arg.id == "__name__"
                channel = isinstance(arg, ast.Constant) and arg.value in CHANNELS
                assert named or channel, f"{path}:{node.lineno}: getLogger({ast.unparse(arg)}), not __name__"


def test_the_package_logger_has_a_null_handler() -> None:
    import logging

    assert any(isinstance(h, logging.NullHandler) for h in logging.getLogger("lockaudit").handlers)
