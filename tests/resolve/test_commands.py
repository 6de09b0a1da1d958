"""``lockaudit lock`` and ``lockaudit check`` end to end, through the CLI."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import jsonschema
import pytest
from packaging.pylock import Pylock

from lockaudit.cli import main

SCHEMA = Path(__file__).resolve().parents[2] / "lockaudit" / "schemas" / "report-v1.schema.json"


@pytest.fixture
def cli(cli_args: list[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    monkeypatch.chdir(tmp_path)
    common = cli_args

    def run(*args: str) -> int:
        return main([args[0], *args[1:], *common])

    return run


def test_lock_writes_a_hashed_requirements_file(cli, capsys: pytest.CaptureFixture[str]) -> None:
    Path("requirements.in").write_text("web\nsrv[fast]\n")
    assert cli("lock", "requirements.in", "-o", "requirements.lock") == 0
    text = Path("requirements.lock").read_text()
    assert "web==2.0 \\\n    --hash=sha256:" in text and "    # via -r requirements.in" in text
    assert "#    lockaudit lock requirements.in --python 3.11 --platform linux -o requirements.lock" in text
    err = capsys.readouterr().err
    assert "5 packages for Python 3.11 on linux written to requirements.lock" in err


def test_lock_to_stdout_and_pylock_by_name(cli, capsys: pytest.CaptureFixture[str]) -> None:
    Path("requirements.in").write_text("web\n")
    assert cli("lock", "requirements.in", "--no-hashes", "--no-header", "--no-annotate") == 0
    assert capsys.readouterr().out == "log-kit==1.1\nutil==1.6\nweb==2.0\n"
    assert cli("lock", "requirements.in", "-o", "pylock.toml", "--as-of", "2024-06-01") == 0
    data = tomllib.loads(Path("pylock.toml").read_text())
    Pylock.from_dict(data)
    assert {p["name"] for p in data["packages"]} == {"web", "util", "log-kit"}


def test_lock_selects_extras_and_groups_of_a_pyproject(cli) -> None:
    Path("pyproject.toml").write_text(
        '[project]\nname = "demo"\nversion = "1"\ndependencies = ["web<2"]\n'
        '[project.optional-dependencies]\nfast = ["srv[fast]"]\n'
        '[dependency-groups]\ndev = ["plat"]\n'
    )
    assert cli("lock", "pyproject.toml", "-o", "a.lock", "--no-hashes", "--no-header") == 0
    assert "srv" not in Path("a.lock").read_text() and "plat" not in Path("a.lock").read_text()
    assert (
        cli("lock", "pyproject.toml", "-o", "b.lock", "--no-hashes", "--no-header", "--extra", "fast", "--group", "dev")
        == 0
    )
    text = Path("b.lock").read_text()
    assert "srv[fast]==1.0" in text and "plat==1.0" in text and "speedy==1.0" in text


def test_lock_group_takes_in_the_groups_it_includes(cli) -> None:
    # PEP 735: "dev" includes "test", which includes "Lint": `--group dev` locks all three.
    Path("pyproject.toml").write_text(
        '[project]\nname = "demo"\nversion = "1"\ndependencies = []\n'
        '[dependency-groups]\ndev = [{include-group = "test"}]\ntest = ["web<2", {include-group = "Lint"}]\n'
        'lint = ["plat"]\nother = ["srv"]\n'
    )
    assert cli("lock", "pyproject.toml", "-o", "dev.lock", "--no-hashes", "--no-header", "--group", "dev") == 0
    text = Path("dev.lock").read_text()
    assert "web==1." in text and "plat==1.0" in text and "srv" not in text
    assert cli("lock", "pyproject.toml", "-o", "lint.lock", "--no-hashes", "--no-header", "--group", "lint") == 0
    assert "plat==1.0" in Path("lint.lock").read_text() and "web" not in Path("lint.lock").read_text()


def test_lock_conflict_exits_1_with_the_explanation(cli, capsys: pytest.CaptureFixture[str]) -> None:
    Path("requirements.in").write_text("web==2.0\nutil<1.5\n")
    assert cli("lock", "requirements.in", "-o", "requirements.lock") == 1
    err = capsys.readouterr().err
    assert "util<1.5    requested at requirements.in:2" in err and "required by web 2.0" in err
    assert not Path("requirements.lock").exists()


def test_lock_bad_usage_exits_2(cli, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli("lock", "missing.in") == 2
    Path("requirements.in").write_text("web\n")
    assert cli("lock", "requirements.in", "--as-of", "someday") == 2
    assert "invalid as-of value 'someday'" in capsys.readouterr().err


def test_check_consistent_lock_exits_0(cli, capsys: pytest.CaptureFixture[str]) -> None:
    Path("requirements.in").write_text("web\n")
    assert cli("lock", "requirements.in", "-o", "requirements.lock", "-q") == 0
    assert cli("check", "requirements.in", "--lock", "requirements.lock", "--format", "json") == 0
    report = json.loads(capsys.readouterr().out)
    jsonschema.validate(report, json.loads(SCHEMA.read_text()))
    assert report["findings"] == []


def test_check_inconsistent_lock_exits_1(cli, capsys: pytest.CaptureFixture[str]) -> None:
    Path("requirements.in").write_text("app\n")
    Path("requirements.lock").write_text("app==1.0\nlib==1.0\n")
    assert cli("check", "requirements.in", "--lock", "requirements.lock", "--no-fresh", "--format", "json") == 1
    report = json.loads(capsys.readouterr().out)
    jsonschema.validate(report, json.loads(SCHEMA.read_text()))
    (finding,) = report["findings"]
    assert finding["code"] == "LA017" and finding["package"] == "old-helper"


def test_check_drift_fails_only_with_fail_on(cli, capsys: pytest.CaptureFixture[str]) -> None:
    Path("requirements.in").write_text("app\n")
    assert cli("lock", "requirements.in", "-o", "requirements.lock", "--as-of", "2024-02-01", "-q") == 0
    assert cli("check", "requirements.in", "--lock", "requirements.lock", "--as-of", "2024-10-01") == 0
    table = capsys.readouterr().out
    assert "LA018" in table and "lib" in table
    assert (
        cli("check", "requirements.in", "--lock", "requirements.lock", "--as-of", "2024-10-01", "--fail-on", "major")
        == 1
    )
    # As of 2024-05-01 only lib moved, by a minor step (1.0 -> 1.2).
    assert (
        cli("check", "requirements.in", "--lock", "requirements.lock", "--as-of", "2024-05-01", "--fail-on", "major")
        == 0
    )
    assert (
        cli("check", "requirements.in", "--lock", "requirements.lock", "--as-of", "2024-05-01", "--fail-on", "minor")
        == 1
    )
    assert (
        cli("check", "requirements.in", "--lock", "requirements.lock", "--as-of", "2024-02-15", "--fail-on", "patch")
        == 0
    )


def test_check_suppressions_from_the_policy(cli) -> None:
    Path("requirements.in").write_text("app\n")
    Path("requirements.lock").write_text("app==1.0\nlib==1.0\n")
    Path("lockaudit.toml").write_text(
        '[[suppress]]\ncode = "LA017"\npackage = "old-helper"\nreason = "vendored in app"\n'
    )
    assert cli("check", "requirements.in", "--lock", "requirements.lock", "--no-fresh", "-qq") == 0


def test_check_unknown_package_exits_3_unless_allowed(cli) -> None:
    Path("requirements.in").write_text("ghost\n")
    Path("requirements.lock").write_text("ghost==1.0\n")
    assert cli("check", "requirements.in", "--lock", "requirements.lock", "--no-fresh", "-qq") == 3
    assert cli("check", "requirements.in", "--lock", "requirements.lock", "--no-fresh", "-qq", "--allow-unknown") == 0


def test_check_sarif_output_to_a_file(cli) -> None:
    Path("requirements.in").write_text("web\n")
    Path("requirements.lock").write_text("web==2.0\nutil==1.0\nlog-kit==1.1\n")
    assert cli("check", "requirements.in", "--lock", "requirements.lock", "--format", "sarif", "-o", "out.sarif") == 1
    sarif = json.loads(Path("out.sarif").read_text())
    rules = {r["id"] for r in sarif["runs"][0]["tool"]["driver"]["rules"]}
    assert "LA017" in rules


def test_check_reads_past_a_bad_line_as_the_audit_does(cli, capsys: pytest.CaptureFixture[str]) -> None:
    Path("requirements.in").write_text("web\n")
    assert cli("lock", "requirements.in", "-o", "requirements.lock", "-q") == 0
    Path("requirements.in").write_text("web\nthis is not a requirement!!\n")
    # The bad line is a finding of its own (LA020, high): exit 1, the rest is checked.
    assert cli("check", "requirements.in", "--lock", "requirements.lock", "--format", "json") == 1
    out = capsys.readouterr()
    report = json.loads(out.out)
    assert [f["location"]["line"] for f in report["findings"] if f["code"] == "LA020"] == [2]
    assert not [f for f in report["findings"] if f["code"] == "LA017" and f["severity"] == "high"]
    assert "LA020" not in {p["name"] for p in report["packages"]} and "requirements.in" not in {
        p["name"] for p in report["packages"]
    }
