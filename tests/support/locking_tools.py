"""The real locking tools (uv, pip-tools, Poetry, pipenv) as the tests run them.

uv comes with the bench extra (beside this interpreter); the others live in
``.venv-tools`` (``make tools``, pinned in scripts/tools-requirements.txt), or
where ``LOCKAUDIT_TOOLS_BIN`` says. A missing tool skips its test, except under
``LOCKAUDIT_REQUIRE_TOOLS=1`` (``make test``), where it fails.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TOOLS_BIN = Path(os.environ.get("LOCKAUDIT_TOOLS_BIN", ROOT / ".venv-tools" / "bin"))
REQUIRE_TOOLS = os.environ.get("LOCKAUDIT_REQUIRE_TOOLS") == "1"


def _uv() -> str | None:
    local = Path(sys.executable).parent / "uv"
    return str(local) if local.exists() else shutil.which("uv")


def tool(name: str) -> str:
    """The tool's executable, or the test skips (fails under LOCKAUDIT_REQUIRE_TOOLS=1)."""
    path = _uv() if name == "uv" else (str(TOOLS_BIN / name) if (TOOLS_BIN / name).exists() else None)
    if path is None:
        message = f"{name} is not installed (make tools)"
        if REQUIRE_TOOLS:
            pytest.fail(message)
        pytest.skip(message)
    return path


def tools_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    """The tools' environment: no configuration of this machine, nothing but 127.0.0.1.

    Anything not for 127.0.0.1 goes to a proxy that is not there: a tool that tried
    to reach another host fails the test instead of quietly using the network.
    """
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("PIP_", "UV_", "POETRY_", "PIPENV_", "VIRTUAL_ENV", "LOCKAUDIT_"))
    }
    cache = tmp_path / "tool-caches"
    clean.update(
        PIP_CONFIG_FILE=os.devnull,
        PIP_NO_INPUT="1",
        UV_NO_CONFIG="1",
        UV_PYTHON_DOWNLOADS="never",
        UV_CACHE_DIR=str(cache / "uv"),
        POETRY_CONFIG_DIR=str(cache / "poetry-config"),
        POETRY_CACHE_DIR=str(cache / "poetry-cache"),
        POETRY_DATA_DIR=str(cache / "poetry-data"),
        POETRY_VIRTUALENVS_CREATE="false",
        POETRY_NO_INTERACTION="1",
        PIPENV_VENV_IN_PROJECT="1",
        PIPENV_IGNORE_VIRTUALENVS="1",
        PIPENV_NOSPIN="1",
        PIPENV_YES="1",
        PIPENV_CACHE_DIR=str(cache / "pipenv"),
        PIPENV_VERBOSITY="-1",
        VIRTUALENV_NO_DOWNLOAD="1",
        TZ="UTC",  # uv reads a bare --exclude-newer date in local time
        LOCKAUDIT_CACHE_DIR=str(cache / "lockaudit"),
        NO_COLOR="1",
        HTTP_PROXY="http://127.0.0.1:9",
        HTTPS_PROXY="http://127.0.0.1:9",
        ALL_PROXY="http://127.0.0.1:9",
        NO_PROXY="127.0.0.1,localhost",
    )
    for name in ("http_proxy", "https_proxy", "all_proxy", "no_proxy"):
        clean[name] = clean[name.upper()]
    clean.update(extra)
    return clean


def run(cmd: list[str], cwd: Path, env: dict[str, str]) -> str:
    """Run a tool; its output, or the test fails with the command and what it said."""
    proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=300, check=False)
    assert proc.returncode == 0, f"{' '.join(cmd)}\n{proc.stdout}\n{proc.stderr}"
    return proc.stdout
