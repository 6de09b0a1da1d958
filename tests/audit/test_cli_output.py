"""What the audit prints, as a CI log or a person sees it: a subprocess against
the local test index, stdout piped (not a terminal) unless a test says otherwise.

Covers the table's layout off a terminal (nothing cut, grouped by project),
default / --all / -q / -v, the pairing of formats with output files, errors
printed once, --color, and --fail-on sizes against severities.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from support.index_server import IndexServer
from support.synthetic_index import Project, Release, install

AS_OF = "2026-01-01"
LONG_NAME = "an-exceptionally-long-distribution-name-for-wide-tables"
LONG_VERSION = "2026.10.1234567"

PROJECTS = [
    Project("alpha", [Release("1.0.0", "2024-01-01"), Release("1.1.0", "2024-06-01"), Release("2.0.0", "2025-03-01")]),
    Project("beta", [Release("1.0.0", "2024-01-01"), Release("1.0.1", "2024-02-01")]),
    Project("calm", [Release("1.0", "2024-01-01")]),
    Project(LONG_NAME, [Release("2026.1.1", "2024-01-01"), Release(LONG_VERSION, "2025-01-01")]),
]
ANSI = re.compile(r"\x1b\[[0-9;]*m")
TABLE_HEADER = re.compile(r"package\s+declared\s+locked\s+fresh install takes")


@pytest.fixture(scope="module")
def index() -> Iterator[IndexServer]:
    with IndexServer(projects={}, metadata={}) as server:
        install(server, PROJECTS)
        yield server


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    root.mkdir()
    (root / "requirements.in").write_text(f"alpha>=1.0,<3\nbeta>=1.0,<2\ncalm==1.0\n{LONG_NAME}>=2026\n")
    (root / "requirements.txt").write_text(f"alpha==1.0.0\nbeta==1.0.0\ncalm==1.0\n{LONG_NAME}==2026.1.1\n")
    return root


@pytest.fixture
def lockaudit(index: IndexServer, tmp_path: Path):
    def run(*args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
        base = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("PIP_", "LOCKAUDIT_")) and k not in ("NO_COLOR", "FORCE_COLOR", "COLUMNS")
        }
        base.update(PIP_CONFIG_FILE=os.devnull, LOCKAUDIT_CACHE_DIR=str(tmp_path / "cache-dir"))
        base.update(env or {})
        cmd = [
            sys.executable,
            "-m",
            "lockaudit",
            *args,
            "--index-url",
            index.url,
            "--cache",
            str(tmp_path / "c.db"),
            "--as-of",
            AS_OF,
        ]
        return subprocess.run(cmd, capture_output=True, text=True, cwd=cwd, env=base, timeout=120)

    return run


# -- the table off a terminal -------------------------------------------------------


def test_piped_table_never_cuts_names_or_versions(lockaudit, project: Path) -> None:
    proc = lockaudit(".", cwd=project)
    assert proc.returncode == 1, proc.stderr
    out = proc.stdout
    assert "…" not in out and "..." not in out
    row = next(line for line in out.splitlines() if line.strip().startswith(LONG_NAME))
    assert LONG_VERSION in row and "2026.1.1" in row  # on one line, whole, in the columns
    header = next(line for line in out.splitlines() if "fresh install takes" in line)
    assert header.index("fresh install takes") == row.index(LONG_VERSION)  # the columns line up
    assert "\x1b" not in out


def test_header_names_the_targets_never_any(lockaudit, project: Path) -> None:
    out = lockaudit(".", cwd=project).stdout
    title = out.splitlines()[0]
    assert " any" not in title
    # no target asked for and none in the files: this interpreter's, by name
    assert f"py{sys.version_info.major}.{sys.version_info.minor}" in title
    out = lockaudit(".", "--python", "3.12", "--platform", "linux", "--platform", "darwin", cwd=project).stdout
    assert "py3.12-linux, py3.12-darwin" in out.splitlines()[0]


def test_default_shows_findings_and_one_line_for_clean_packages(lockaudit, project: Path) -> None:
    out = lockaudit(".", cwd=project).stdout
    rows = [line.split()[0] for line in out.splitlines() if line.startswith("  ") and line.split()]
    assert "alpha" in rows and "calm" not in rows
    clean = [line for line in out.splitlines() if "without findings" in line]
    assert len(clean) == 1 and "calm" in clean[0] and "--all" in clean[0]
    every = lockaudit(".", "--all", cwd=project).stdout
    assert any(line.split()[:1] == ["calm"] for line in every.splitlines())
    assert "without findings" not in every


def test_quiet_verbose_and_default_differ(lockaudit, project: Path) -> None:
    default = lockaudit(".", cwd=project)
    quiet = lockaudit(".", "-q", cwd=project)
    silent = lockaudit(".", "-qq", cwd=project)
    verbose = lockaudit(".", "-v", cwd=project)
    assert default.stdout != quiet.stdout != verbose.stdout
    # -q: the failing findings and the summary, no table
    assert not TABLE_HEADER.search(quiet.stdout)
    assert "(fails the run)" in quiet.stdout and quiet.stdout.strip().splitlines()[-1].endswith("audited")
    assert all("(fails the run)" in line for line in quiet.stdout.strip().splitlines()[:-1])
    # -qq: nothing at all, the exit code says it
    assert silent.stdout == "" and silent.returncode == default.returncode == 1
    # -v: every package, and the files read and how they were paired
    assert any(line.split()[:1] == ["calm"] for line in verbose.stdout.splitlines())
    assert "read 2 files in 1 project" in verbose.stderr
    pairing = next(line for line in verbose.stderr.splitlines() if line.strip().startswith("requirements.txt"))
    assert "lock of requirements.in" in pairing


def test_grouped_by_project_in_a_monorepo(lockaudit, tmp_path: Path) -> None:
    root = tmp_path / "mono"
    for svc, lock in (("svc-a", "1.0.0"), ("svc-b", "1.1.0")):
        (root / svc).mkdir(parents=True)
        (root / svc / "requirements.in").write_text("alpha>=1.0,<3\n")
        (root / svc / "requirements.txt").write_text(f"alpha=={lock}\n")
    out = lockaudit(".", "--fail-on", "never", cwd=root).stdout
    lines = out.splitlines()
    heads = [i for i, line in enumerate(lines) if line.startswith("svc-")]
    assert [lines[i] for i in heads] == [
        "svc-a/requirements.in + svc-a/requirements.txt",
        "svc-b/requirements.in + svc-b/requirements.txt",
    ]
    assert lines[heads[0] + 1].split()[:3] == ["alpha", ">=1.0,<3", "1.0.0"]
    assert lines[heads[1] + 1].split()[:3] == ["alpha", ">=1.0,<3", "1.1.0"]


# -- outputs ------------------------------------------------------------------------


def test_output_format_from_the_extension(lockaudit, project: Path, tmp_path: Path) -> None:
    sarif = tmp_path / "out" / "report.sarif"
    proc = lockaudit(".", "-o", str(sarif), cwd=project)
    assert proc.returncode == 1
    assert json.loads(sarif.read_text())["version"] == "2.1.0"
    # every format went to a file: the console still says why the step fails
    assert "(fails the run)" in proc.stdout and "LA003 alpha" in proc.stdout
    assert proc.stdout.strip().splitlines()[-1].endswith("audited")
    assert not TABLE_HEADER.search(proc.stdout)
    assert f"wrote sarif to {sarif}" in proc.stderr


def test_explicit_pairs_and_stdout(lockaudit, project: Path, tmp_path: Path) -> None:
    report = tmp_path / "r.json"
    proc = lockaudit(".", "--format", "sarif", "--format", "json", "-o", str(report), cwd=project)
    assert proc.returncode == 1, proc.stderr
    assert json.loads(report.read_text())["schema_version"]  # JSON went to the .json file
    assert json.loads(proc.stdout)["version"] == "2.1.0"  # the other format to stdout
    out = tmp_path / "findings"
    proc = lockaudit(".", f"--format=junit={out}", "--format", "json", cwd=project)
    assert proc.returncode == 1, proc.stderr
    assert out.read_text().startswith("<?xml") and json.loads(proc.stdout)["findings"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--format", "sarif", "--format", "json", "-o", "out"], "--format FORMAT=out"),
        (["--format", "sarif", "-o", "x.json"], "--format sarif=x.json"),
        (["--format", "json", "--format", "sarif"], "only one format can go to stdout"),
        (["--format", "yaml"], "unknown format 'yaml'"),
        (["-o", "a.json", "-o", "a.json"], "two formats"),
    ],
)
def test_ambiguous_outputs_are_refused(lockaudit, project: Path, args: list[str], message: str) -> None:
    proc = lockaudit(".", *args, cwd=project)
    assert proc.returncode == 2
    assert message in proc.stderr and proc.stdout == ""
    assert not (project / "out").exists() and not (project / "x.json").exists()


def test_errors_print_once_and_no_empty_table(lockaudit, tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    proc = lockaudit(".", cwd=empty)
    assert proc.returncode == 2
    both = proc.stdout + proc.stderr
    assert both.count("no supported dependency file") == 1
    assert proc.stdout == ""


def test_bad_line_is_reported_once(lockaudit, tmp_path: Path) -> None:
    root = tmp_path / "bad"
    root.mkdir()
    (root / "requirements.txt").write_text("calm==1.0\nthis is not a requirement!!\n")
    proc = lockaudit(".", cwd=root)
    # The bad line is a finding of its own (LA020, high): the rest was audited.
    assert proc.returncode == 1
    assert (proc.stdout + proc.stderr).count("requirements.txt:2") == 1
    assert "LA020" in proc.stdout


# -- colour -------------------------------------------------------------------------


def test_color_choices(lockaudit, project: Path) -> None:
    assert ANSI.search(lockaudit(".", "--color", "always", cwd=project).stdout)
    assert ANSI.search(lockaudit(".", "--color", "always", cwd=project, env={"NO_COLOR": "1"}).stdout)
    assert not ANSI.search(lockaudit(".", "--color", "never", cwd=project, env={"FORCE_COLOR": "1"}).stdout)
    assert ANSI.search(lockaudit(".", cwd=project, env={"FORCE_COLOR": "1"}).stdout)
    assert not ANSI.search(lockaudit(".", cwd=project).stdout)  # auto, piped


# -- --fail-on ------------------------------------------------------------------------


def test_fail_on_sizes_are_about_the_upgrade_not_severities(lockaudit, tmp_path: Path) -> None:
    root = tmp_path / "sizes"
    root.mkdir()
    # beta: patch drift (1.0.0 -> 1.0.1); calm: no constraint at all (LA001, medium)
    (root / "requirements.in").write_text("beta>=1.0,<2\ncalm\n")
    (root / "requirements.txt").write_text("beta==1.0.0\ncalm==1.0\n")
    assert lockaudit(".", "--fail-on", "minor", cwd=root).returncode == 0  # LA001 is no upgrade
    assert lockaudit(".", "--fail-on", "medium", cwd=root).returncode == 1  # LA001 is medium
    proc = lockaudit(".", "--fail-on", "patch", "-q", cwd=root)
    assert proc.returncode == 1
    failing = [line for line in proc.stdout.splitlines() if "(fails the run)" in line]
    assert len(failing) == 1 and "LA003 beta" in failing[0]
    (root / "requirements.in").write_text("alpha>=1.0,<3\n")
    (root / "requirements.txt").write_text("alpha==1.1.0\n")
    assert lockaudit(".", "--fail-on", "major", cwd=root).returncode == 1  # 1.1.0 -> 2.0.0
    proc = lockaudit(".", "--fail-on", "huge", cwd=root)
    assert proc.returncode == 2 and "upgrade size (patch, minor, major)" in proc.stderr


def test_help_documents_both_kinds_of_threshold() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "lockaudit", "audit", "--help"],
        capture_output=True,
        text=True,
        env={**os.environ, "COLUMNS": "200"},
    )
    text = " ".join(proc.stdout.split())
    assert "a severity (info, low, medium, high, critical" in text
    assert "an upgrade size (patch, minor, major" in text
