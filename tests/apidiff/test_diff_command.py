"""``lockaudit diff PACKAGE OLD NEW`` and ``GET /v1/projects/{name}/diff``: one answer, two faces.

The CLI runs as a subprocess, the service as a real ``lockaudit serve``
process; both against the local test index serving real wheels.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from service.helpers import ServiceProcess

OLD = {
    "pdiff/__init__.py": "from .core import connect\n\n__all__ = ['connect']\n",
    "pdiff/core.py": "def connect(host, timeout=10, retries=3):\n    return host\n\ndef gone():\n    pass\n",
}
NEW = {
    "pdiff/__init__.py": "from .core import connect\n\n__all__ = ['connect']\n",
    "pdiff/core.py": "def connect(host, retries=3, timeout=30):\n    return host\n",
}


@pytest.fixture
def diff_index(api_index):
    api_index.pair("pdiff", OLD, NEW)
    api_index.add("pdiff", "3.0", sdist_only=True)
    return api_index


def cli(index, tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PIP_", "LOCKAUDIT_"))}
    env.update(PIP_CONFIG_FILE=os.devnull, NO_COLOR="1", LOCKAUDIT_CACHE_DIR=str(tmp_path / "cache-dir"))
    command = [
        sys.executable,
        "-m",
        "lockaudit",
        "diff",
        *args,
        "--index-url",
        index.url,
        "--cache",
        str(tmp_path / "c.db"),
    ]
    return subprocess.run(command, capture_output=True, text=True, env=env, timeout=120)


def test_cli_lists_every_change_by_rule_code(diff_index, tmp_path: Path) -> None:
    proc = cli(diff_index, tmp_path, "pdiff", "1.0", "2.0")
    assert proc.returncode == 0, proc.stderr
    text = proc.stdout
    assert text.startswith("pdiff 1.0 -> 2.0\n")
    assert "LA021 defaults changed (1)" in text and "  connect(timeout) 10 -> 30\n" in text
    assert "LA022 removed or renamed (1)" in text and "  core.gone removed\n" in text
    assert "LA023 signatures changed (2)" in text and "  connect(timeout) moved from position 1 to 2\n" in text


def test_cli_json_and_exit_codes(diff_index, tmp_path: Path) -> None:
    proc = cli(diff_index, tmp_path, "PDiff", "1", "2.0.0", "--json")  # any spelling of name and versions
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert (data["package"], data["old_version"], data["new_version"], data["status"]) == (
        "pdiff",
        "1.0",
        "2.0",
        "known",
    )
    assert data["counts"] == {"defaults": 1, "removals": 1, "signatures": 2, "deprecations": 0, "distribution": 0}
    assert {(c["code"], c["kind"], c["path"], c["parameter"]) for c in data["changes"]} == {
        ("LA021", "default-changed", "pdiff.connect", "timeout"),
        ("LA022", "object-removed", "pdiff.core.gone", None),
        ("LA023", "parameter-moved", "pdiff.connect", "timeout"),
        ("LA023", "parameter-moved", "pdiff.connect", "retries"),
    }
    unknown = cli(diff_index, tmp_path, "pdiff", "2.0", "3.0", "--json")
    assert unknown.returncode == 3
    assert json.loads(unknown.stdout)["status"] == "unknown"
    assert "API unknown" in unknown.stderr and "only an sdist" in unknown.stderr
    missing = cli(diff_index, tmp_path, "pdiff", "1.0", "9.9")
    assert missing.returncode == 2 and "no release '9.9'" in missing.stderr
    nothing = cli(diff_index, tmp_path, "no-such-package", "1.0", "2.0")
    assert nothing.returncode == 3 and "not_found" in nothing.stderr


def test_service_answers_what_the_cli_prints(diff_index, tmp_path: Path) -> None:
    service = ServiceProcess(tmp_path / "svc", "--index-url", diff_index.url, "--cache", str(tmp_path / "svc.db"))
    try:
        with service.client() as http:
            response = http.get("/v1/projects/pdiff/diff", params={"from": "1.0", "to": "2.0"})
            assert response.status_code == 200, response.text
            served = response.json()
            printed = json.loads(cli(diff_index, tmp_path, "pdiff", "1.0", "2.0", "--json").stdout)
            assert served == printed
            unknown = http.get("/v1/projects/pdiff/diff", params={"from": "2.0", "to": "3.0"})
            assert unknown.status_code == 200 and unknown.json()["status"] == "unknown"
            assert "only an sdist" in unknown.json()["reason"]
            missing = http.get("/v1/projects/pdiff/diff", params={"from": "1.0", "to": "9.9"})
            assert missing.status_code == 404 and missing.json()["error"]["code"] == "no_such_release"
            assert http.get("/v1/projects/nope/diff", params={"from": "1", "to": "2"}).status_code == 404
            assert http.get("/v1/projects/bad name!/diff", params={"from": "1", "to": "2"}).status_code == 422
            assert http.get("/v1/projects/pdiff/diff", params={"from": "1.0"}).status_code == 422
            spec = http.get("/openapi.json").json()
            assert "/v1/projects/{name}/diff" in spec["paths"]
        with service.client(token=False) as anonymous:
            assert anonymous.get("/v1/projects/pdiff/diff", params={"from": "1.0", "to": "2.0"}).status_code == 401
    finally:
        service.stop()
