"""The CI recipes of docs/ci.md, run as written against the local test index:
the GitHub Action's run step (scripts/github-action.sh) and its wiring in
action.yml, the GitLab CI job's command, and the pre-commit hook (run by
pre-commit itself in a throw-away git repository)."""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from support.index_server import IndexServer
from support.synthetic_index import Project, Release, install

ROOT = Path(__file__).resolve().parents[2]
DOC = (ROOT / "docs" / "ci.md").read_text()
BIN = Path(sys.executable).parent

PROJECTS = [
    Project(
        "ci-alpha", [Release("1.0.0", "2024-01-01"), Release("1.1.0", "2024-06-01"), Release("2.0.0", "2025-03-01")]
    ),
    Project("ci-beta", [Release("1.0", "2024-01-01")]),
]


def snippet(marker: str) -> str:
    """The fenced block after ``<!-- marker -->`` in docs/ci.md."""
    found = re.search(rf"<!-- {re.escape(marker)} -->\n```[a-z]*\n(.*?)\n```", DOC, re.S)
    assert found, f"no {marker} snippet in docs/ci.md"
    return found.group(1)


@pytest.fixture(scope="module")
def index() -> Iterator[IndexServer]:
    with IndexServer(projects={}, metadata={}) as server:
        install(server, PROJECTS)
        yield server


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    root.mkdir()
    (root / "requirements.in").write_text("ci-alpha>=1.0,<3\nci-beta>=1.0,<2\n")
    (root / "requirements.txt").write_text("ci-alpha==1.0.0\nci-beta==1.0\n")  # ci-alpha: a major upgrade waits
    return root


@pytest.fixture
def env(index: IndexServer, tmp_path: Path) -> dict[str, str]:
    out = {k: v for k, v in os.environ.items() if not k.startswith(("PIP_", "LOCKAUDIT_", "GITHUB_"))}
    out.update(
        PIP_CONFIG_FILE=os.devnull,
        LOCKAUDIT_INDEX_URL=index.url,
        LOCKAUDIT_CACHE_DIR=str(tmp_path / "cache"),
        PATH=f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
    )
    return out


# -- GitHub Actions --------------------------------------------------------------------


def _action_run(
    project: Path, env: dict[str, str], tmp_path: Path, **inputs: str
) -> tuple[subprocess.CompletedProcess[str], dict[str, str]]:
    output, summary = tmp_path / "github-output", tmp_path / "step-summary"
    output.write_text("")
    summary.write_text("")
    run_env = {
        **env,
        "GITHUB_OUTPUT": str(output),
        "GITHUB_STEP_SUMMARY": str(summary),
        "LOCKAUDIT_BIN": f"{sys.executable} -m lockaudit",
    }
    run_env.update({f"LOCKAUDIT_{k.upper()}": v for k, v in inputs.items()})
    proc = subprocess.run(
        ["bash", str(ROOT / "scripts" / "github-action.sh")],
        cwd=project,
        env=run_env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    outputs = dict(line.split("=", 1) for line in output.read_text().splitlines() if "=" in line)
    return proc, outputs


def test_action_script_writes_sarif_annotations_summary_and_the_exit_code(project: Path, env, tmp_path: Path) -> None:
    proc, outputs = _action_run(project, env, tmp_path, fail_on="major")
    assert proc.returncode == 0, proc.stderr  # the step succeeds, so the SARIF upload runs
    assert outputs == {"exit-code": "1", "sarif-file": "lockaudit.sarif"}
    sarif = json.loads((project / "lockaudit.sarif").read_text())
    assert sarif["version"] == "2.1.0"
    assert any(r["ruleId"] == "LA003" for r in sarif["runs"][0]["results"])
    assert re.search(r"^::error file=.*requirements\.in.*LA003", proc.stdout, re.M)
    assert "ci-alpha" in (tmp_path / "step-summary").read_text()


def test_action_script_passes_below_the_threshold_and_reports_bad_input(project: Path, env, tmp_path: Path) -> None:
    _, outputs = _action_run(project, env, tmp_path, fail_on="never", sarif="out/report.sarif")
    assert outputs == {"exit-code": "0", "sarif-file": "out/report.sarif"}
    assert (project / "out" / "report.sarif").exists()
    _, outputs = _action_run(project, env, tmp_path, paths="missing-dir")
    assert outputs["exit-code"] == "2"


def test_action_yml_wires_install_run_upload_and_fail() -> None:
    action = yaml.safe_load((ROOT / "action.yml").read_text())
    steps = action["runs"]["steps"]
    assert action["runs"]["using"] == "composite"
    assert steps[0]["uses"].startswith("actions/setup-python@")
    assert "pip install" in steps[1]["run"] and "github.action_path" in steps[1]["run"]
    audit = next(s for s in steps if s.get("id") == "audit")
    assert "scripts/github-action.sh" in audit["run"]
    script = (ROOT / "scripts" / "github-action.sh").read_text()
    for name in audit["env"]:
        assert name in script, f"{name} is not read by the script"
    upload = next(s for s in steps if "upload-sarif" in s.get("uses", ""))
    assert "always()" in upload["if"] and upload["with"]["sarif_file"] == "${{ steps.audit.outputs.sarif-file }}"
    last = steps[-1]
    assert "steps.audit.outputs.exit-code" in last["if"] and "exit ${{ steps.audit.outputs.exit-code }}" in last["run"]
    assert set(action["inputs"]) >= {"paths", "fail-on", "sarif-file", "upload-sarif", "python-version", "args"}
    # the documented workflow uses the inputs the action has
    workflow = yaml.safe_load(snippet("github-action"))
    uses = next(s for s in workflow["jobs"]["lockaudit"]["steps"] if "lockaudit@" in s.get("uses", ""))
    assert set(uses["with"]) <= set(action["inputs"])
    assert workflow["jobs"]["lockaudit"]["permissions"]["security-events"] == "write"


# -- GitLab CI ---------------------------------------------------------------------------


def test_gitlab_job_command_runs_as_documented(project: Path, env) -> None:
    job = yaml.safe_load(snippet("gitlab-ci"))["lockaudit"]
    command = next(line for line in job["script"] if line.startswith("lockaudit "))
    argv = [sys.executable, "-m", "lockaudit", *shlex.split(command)[1:]]
    proc = subprocess.run(argv, cwd=project, env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1, proc.stderr  # a major upgrade waits: the job fails, as configured
    for artifact in [job["artifacts"]["reports"]["junit"], *job["artifacts"]["paths"]]:
        assert (project / artifact).stat().st_size > 0, artifact
    assert "<testsuite" in (project / job["artifacts"]["reports"]["junit"]).read_text()
    # every format went to a file: the log still says why the job fails
    assert "LA003 ci-alpha" in proc.stdout and "(fails the run)" in proc.stdout


# -- pre-commit ---------------------------------------------------------------------------


def _git(repo: Path, *args: str) -> None:
    subprocess.run(
        ["git", *args], cwd=repo, check=True, capture_output=True, env={**os.environ, "GIT_CONFIG_GLOBAL": os.devnull}
    )


def test_pre_commit_local_hook_runs_as_documented(project: Path, env, tmp_path: Path) -> None:
    _git(project, "init", "-q")
    _git(
        project, "-c", "user.email=ci@example.com", "-c", "user.name=ci", "commit", "-q", "--allow-empty", "-m", "start"
    )
    (project / ".pre-commit-config.yaml").write_text(snippet("pre-commit-local") + "\n")
    _git(project, "add", ".")
    hook_env = {**env, "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home"), "GIT_CONFIG_GLOBAL": os.devnull}
    pre_commit = [sys.executable, "-m", "pre_commit", "run", "--all-files"]
    proc = subprocess.run(pre_commit, cwd=project, env=hook_env, capture_output=True, text=True, timeout=180)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert re.search(r"^lockaudit\.+Failed", proc.stdout, re.M), proc.stdout
    assert "LA003" in proc.stdout and "ci-alpha" in proc.stdout
    (project / "requirements.txt").write_text("ci-alpha==2.0.0\nci-beta==1.0\n")  # upgrade, as the finding says
    _git(project, "add", ".")
    proc = subprocess.run(pre_commit, cwd=project, env=hook_env, capture_output=True, text=True, timeout=180)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert re.search(r"^lockaudit\.+Passed", proc.stdout, re.M)


def test_pre_commit_remote_snippet_names_a_real_commit_with_the_hook() -> None:
    config = yaml.safe_load(snippet("pre-commit-remote"))
    repo = config["repos"][0]
    rev = repo["rev"]
    assert re.fullmatch(r"[0-9a-f]{40}", rev), "pin a full commit id: there are no release tags"
    assert snippet("pre-commit-remote") in (ROOT / "README.md").read_text(), "README.md shows the same snippet"
    hook_ids = {h["id"] for h in yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())}
    assert {h["id"] for h in repo["hooks"]} <= hook_ids
    local = yaml.safe_load(snippet("pre-commit-local"))["repos"][0]["hooks"][0]
    hook = next(h for h in yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text()) if h["id"] == "lockaudit")
    assert (local["entry"], local["pass_filenames"], local["files"]) == (
        hook["entry"],
        hook["pass_filenames"],
        hook["files"],
    )
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.fail("tests/ci needs the git checkout to check the documented commit id")
    shallow = subprocess.run(["git", "rev-parse", "--is-shallow-repository"], cwd=ROOT, capture_output=True, text=True)
    found = subprocess.run(
        ["git", "cat-file", "-p", f"{rev}:.pre-commit-hooks.yaml"], cwd=ROOT, capture_output=True, text=True
    )
    if found.returncode != 0 and shallow.stdout.strip() == "true":
        return  # a shallow clone has no history to look the commit up in; the hook file checks above stand
    assert found.returncode == 0, f"{rev} is not a commit of this repository with .pre-commit-hooks.yaml"
    assert any(h["id"] == "lockaudit" for h in yaml.safe_load(found.stdout))
