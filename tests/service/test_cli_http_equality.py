"""The same input gives the same findings through the CLI and through HTTP.

The CLI runs as users run it (a subprocess, files on disk); the same files go
to the running server with the same policy. Findings (code, package, version,
severity, message, data, blocking) and package rows must be equal; locations
may differ only in the path prefix (the CLI names files by where they sit).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from service.helpers import AS_OF, clean_env, corpus_files, pair

CORPUS_AS_OF = "2026-11-20"


def _strip(location: dict | None, root: str) -> dict | None:
    if location is None:
        return None
    path = location["path"]
    if path.startswith(root):
        path = os.path.relpath(path, root)
    return {**location, "path": path}


def _unprefixed(value, root: str):
    """``value`` with the CLI's directory prefix taken out of every string (paths in data)."""
    if not root:
        return value
    if isinstance(value, str):
        return value.replace(root, "")
    if isinstance(value, list):
        return [_unprefixed(v, root) for v in value]
    if isinstance(value, dict):
        return {k: _unprefixed(v, root) for k, v in value.items()}
    return value


def _comparable(report: dict, root: str = "") -> dict:
    findings = [
        {
            "code": f["code"],
            "package": f["package"],
            "version": f["version"],
            "severity": f["severity"],
            "message": _unprefixed(f["message"], root),
            "data": _unprefixed(f["data"], root),
            "blocking": f["blocking"],
            "suppressed": f["suppressed"] is not None,
            "location": _strip(f["location"], root),
            "lock_location": _strip(f["lock_location"], root),
        }
        for f in report["findings"]
    ]
    packages = [
        {
            k: (_strip(v, root) if k in ("origin", "lock_origin") else _unprefixed(v, root))
            for k, v in p.items()
            if k != "findings"  # fingerprints hash the path
        }
        for p in report["packages"]
    ]
    summary = {k: v for k, v in report["summary"].items()}
    policy = {k: v for k, v in report["policy"].items() if k != "source"}
    return {"findings": findings, "packages": packages, "summary": summary, "policy": policy, "as_of": report["as_of"]}


def _cli(tmp_path: Path, index_url: str, files: dict[str, str], *flags: str) -> dict:
    """The CLI on the files written to disk (a lockaudit.toml is found, not named)."""
    root = tmp_path / "project"
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    inputs = [str(root / n) for n in files if n != "lockaudit.toml"]
    cmd = [
        sys.executable,
        "-m",
        "lockaudit",
        *inputs,
        "--format",
        "json",
        "--index-url",
        index_url,
        "--cache",
        str(tmp_path / "cli-cache.sqlite3"),
        "--no-progress",
        *flags,
    ]
    proc = subprocess.run(cmd, capture_output=True, text=True, env=clean_env(tmp_path), cwd=tmp_path, timeout=120)
    assert proc.stdout.startswith("{"), proc.stderr
    report = json.loads(proc.stdout)
    report["_exit"] = proc.returncode
    report["_root"] = str(root) + os.sep
    return report


def _http(http, files: dict[str, str], policy: dict, **body) -> tuple[dict, int]:
    r = http.post(
        "/v1/audit", json={"files": [{"name": n, "content": t} for n, t in files.items()], "policy": policy, **body}
    )
    assert r.status_code == 200, r.text
    return r.json(), int(r.headers["X-Lockaudit-Exit-Code"])


def test_corpus_lock_same_findings_through_cli_and_http(http, index, tmp_path: Path):
    files = corpus_files()
    cli = _cli(tmp_path, index.url, files, "--as-of", CORPUS_AS_OF, "--no-dependency-changes", "--fail-on", "minor")
    report, exit_code = _http(http, files, {"as-of": CORPUS_AS_OF, "fail-on": "minor"}, dependency_changes=False)
    assert len(report["packages"]) >= 268
    assert report["findings"], "the corpus lock has drift: an empty report means nothing was compared"
    ours, theirs = _comparable(report), _comparable(cli, cli["_root"])
    assert ours["findings"] == theirs["findings"]
    assert ours == theirs
    assert exit_code == cli["_exit"]


def test_uploaded_policy_file_applies_as_on_disk(http, index, tmp_path: Path):
    files = {
        "requirements.in": "svc-alpha>=1.0,<3\nsvc-beta\nsvc-gamma>=1.0\n",
        "requirements.txt": "svc-alpha==1.0.0\nsvc-beta==0.4.0\nsvc-gamma==1.1\n",
        "lockaudit.toml": 'ignore = ["LA001"]\nfail-on = "never"\n[severity]\nLA003 = "low"\n',
    }
    cli = _cli(tmp_path, index.url, {k: v for k, v in files.items()}, "--as-of", AS_OF)
    report, exit_code = _http(http, files, {"as-of": AS_OF})
    assert "LA001" not in {f["code"] for f in report["findings"]}
    assert {f["severity"] for f in report["findings"] if f["code"] == "LA003"} == {"low"}
    assert _comparable(report)["findings"] == _comparable(cli, cli["_root"])["findings"]
    assert exit_code == cli["_exit"] == 0


@pytest.mark.parametrize("fmt", ["sarif", "junit", "markdown", "github"])
def test_other_formats_are_byte_equal_to_the_cli(http, index, tmp_path: Path, fmt: str):
    files = {
        f["name"]: f["content"] for f in pair("svc-alpha>=1.0,<3\nsvc-gamma\n", "svc-alpha==1.0.0\nsvc-gamma==1.1\n")
    }
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    # Run from the files' directory, the CLI names them as they were uploaded.
    proc = subprocess.run(
        [sys.executable, "-m", "lockaudit", *files, "--format", fmt, "--index-url", index.url,
         "--cache", str(tmp_path / "cli-cache.sqlite3"), "--as-of", AS_OF, "--no-progress"],
        capture_output=True, text=True, env=clean_env(tmp_path), cwd=tmp_path, timeout=120,
    )  # fmt: skip
    r = http.post(
        "/v1/audit",
        json={
            "files": [{"name": n, "content": t} for n, t in files.items()],
            "policy": {"as-of": AS_OF},
            "format": fmt,
        },
    )
    assert r.status_code == 200, r.text
    assert proc.stdout and r.text == proc.stdout
    assert int(r.headers["X-Lockaudit-Exit-Code"]) == proc.returncode


def _run_cli(tmp_path: Path, index_url: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "lockaudit", *args, "--index-url", index_url,
         "--cache", str(tmp_path / "cli-cache.sqlite3"), "--no-progress"],
        capture_output=True, text=True, env=clean_env(tmp_path), cwd=tmp_path, timeout=120,
    )  # fmt: skip


CHECK_PAIR = {f["name"]: f["content"] for f in pair("svc-beta>=0.5\nsvc-gamma>=1.0\nsvc-stable\n",
                                                    "svc-beta==0.4.0\nsvc-gamma==1.0\nsvc-stable==1.0\n")}  # fmt: skip


def _check_both(http, index, tmp_path: Path, files: dict[str, str]) -> tuple[dict, int, dict, int]:
    """``lockaudit check requirements.in --lock requirements.txt`` on the files on disk
    and ``POST /v1/check`` with them uploaded: (CLI report, CLI exit, HTTP report, HTTP exit)."""
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    target = ["--python", "3.11", "--platform", "linux", "--as-of", AS_OF]
    proc = _run_cli(tmp_path, index.url, "check", "requirements.in", "--lock", "requirements.txt",
                    "--format", "json", "--fail-on", "minor", *target)  # fmt: skip
    r = http.post(
        "/v1/check",
        json={"files": [{"name": n, "content": t} for n, t in files.items()], "lock": "requirements.txt",
              "fail_on": "minor", "python": "3.11", "platform": "linux", "as_of": AS_OF},
    )  # fmt: skip
    assert r.status_code == 200, r.text
    return json.loads(proc.stdout), proc.returncode, r.json(), int(r.headers["X-Lockaudit-Exit-Code"])


def test_check_same_findings_through_cli_and_http(http, index, tmp_path: Path):
    cli, cli_exit, report, exit_code = _check_both(http, index, tmp_path, CHECK_PAIR)
    assert {f["code"] for f in report["findings"]} >= {"LA017", "LA018"}
    assert _comparable(report)["findings"] == _comparable(cli)["findings"]
    assert [p["name"] for p in report["packages"]] == [p["name"] for p in cli["packages"]]
    assert exit_code == cli_exit == 1


def test_lock_file_byte_equal_through_cli_and_http(http, index, tmp_path: Path):
    (tmp_path / "requirements.in").write_text("svc-beta>=0.4\nsvc-stable~=1.0\n")
    target = ["--python", "3.11", "--platform", "linux", "--as-of", AS_OF]
    proc = _run_cli(tmp_path, index.url, "lock", "requirements.in", *target)
    assert proc.returncode == 0, proc.stderr
    r = http.post(
        "/v1/resolve",
        json={"files": [{"name": "requirements.in", "content": "svc-beta>=0.4\nsvc-stable~=1.0\n"}],
              "python": "3.11", "platform": "linux", "as_of": AS_OF},
    )  # fmt: skip
    assert r.status_code == 200, r.text
    assert r.json()["lock"] == proc.stdout
    assert "svc-alpha==2.1.0" in proc.stdout and "--hash=sha256:" in proc.stdout


def _suppressing(code: str, packages: list[str]) -> tuple[str, dict[str, int]]:
    """A lockaudit.toml suppressing ``code`` for each package, and the line of each entry."""
    lines = ['fail-on = "never"', ""]
    at: dict[str, int] = {}
    for name in packages:
        at[name] = len(lines) + 1
        lines += ["[[suppress]]", f'code = "{code}"', f'package = "{name}"', 'reason = "reviewed"', ""]
    return "\n".join(lines), at


def _suppressed(report: dict, root: str = "") -> dict[tuple[str, str], dict]:
    """What suppressed each finding, by (code, package); paths under ``root`` made relative to it."""
    return {
        (f["code"], f["package"]): {
            **f["suppressed"],
            "location": _strip(f["suppressed"]["location"], root) if root else f["suppressed"]["location"],
        }
        for f in report["findings"]
        if f["suppressed"] is not None
    }


def test_uploaded_suppressions_keep_their_file_and_line(http, index, tmp_path: Path):
    policy, at = _suppressing("LA003", ["svc-alpha", "svc-beta", "svc-gamma"])
    files = {
        "requirements.in": "svc-alpha>=1.0,<3\nsvc-beta\nsvc-gamma>=1.0\n",
        "requirements.txt": "svc-alpha==1.0.0\nsvc-beta==0.4.0\nsvc-gamma==1.1\n",
        "lockaudit.toml": policy,
    }
    cli = _cli(tmp_path, index.url, files, "--as-of", AS_OF)
    report, exit_code = _http(http, files, {"as-of": AS_OF})
    ours, theirs = _suppressed(report), _suppressed(cli, cli["_root"])
    assert ours, "nothing was suppressed: the policy file was not applied"
    for (code, package), suppressed in ours.items():
        assert code == "LA003"
        assert suppressed["location"] == {"path": "lockaudit.toml", "line": at[package], "column": None}
    assert ours == theirs
    assert exit_code == cli["_exit"] == 0


def test_check_applies_uploaded_suppressions_with_their_lines(http, index, tmp_path: Path):
    policy, at = _suppressing("LA018", ["svc-alpha", "svc-beta", "svc-gamma", "svc-stable"])
    cli, cli_exit, report, exit_code = _check_both(http, index, tmp_path, {**CHECK_PAIR, "lockaudit.toml": policy})
    ours = _suppressed(report)
    assert ours, "nothing was suppressed: the policy file was not applied"
    for (code, package), suppressed in ours.items():
        assert code == "LA018" and suppressed["location"]["line"] == at[package]
        assert suppressed["location"]["path"] == "lockaudit.toml"
    assert ours == _suppressed(cli, str(tmp_path) + os.sep)
    assert exit_code == cli_exit
