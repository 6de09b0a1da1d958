"""policy_from_files: the policy of uploaded files, found and read as load_policy does on disk."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import pytest

from lockaudit.audit.policy import Policy, find_uploaded_config, load_policy, policy_from_files
from lockaudit.errors import PolicyError
from lockaudit.findings import Location, RuleCode, Severity

LOCKAUDIT_TOML = """\
fail-on = "minor"

[[suppress]]
code = "LA003"
package = "requests"
reason = "pinned for the proxy"

[severity]
LA008 = "info"

[[suppress]]
code = "LA006"
package = "urllib3"
version = "<2.1"
reason = "waiting for 2.1"
until = 2030-12-31
"""

PYPROJECT = """\
[project]
name = "app"
version = "1"
dependencies = ["requests"]

[tool.lockaudit]
ignore = ["LA012"]

[[tool.lockaudit.suppress]]
code = "LA001"
package = "requests"
reason = "reviewed"
"""


def test_suppressions_keep_their_file_and_line() -> None:
    policy = policy_from_files({"requirements.txt": "requests==2.0\n", "lockaudit.toml": LOCKAUDIT_TOML})
    assert policy.source == "lockaudit.toml"
    assert [s.location for s in policy.suppressions] == [Location("lockaudit.toml", 3), Location("lockaudit.toml", 11)]
    assert policy.suppressions[1].until == dt.date(2030, 12, 31)
    assert policy.severity[RuleCode.LA008] is Severity.INFO


def test_a_pyproject_table_is_read_with_its_lines() -> None:
    policy = policy_from_files({"app/pyproject.toml": PYPROJECT})
    assert policy.source == "app/pyproject.toml" and policy.ignore == ("LA012",)
    assert [s.location for s in policy.suppressions] == [Location("app/pyproject.toml", 9)]


def test_the_same_policy_as_on_disk(tmp_path: Path) -> None:
    files = {"app/requirements.in": "requests\n", "app/pyproject.toml": PYPROJECT, "lockaudit.toml": LOCKAUDIT_TOML}
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    on_disk = load_policy(start=tmp_path / "app" / "requirements.in")
    uploaded = policy_from_files(files)
    assert on_disk.source == str(tmp_path / "app" / "pyproject.toml")
    root = str(tmp_path) + "/"
    relative = dataclasses.replace(
        on_disk,
        source=on_disk.source.removeprefix(root),
        suppressions=tuple(
            dataclasses.replace(s, location=Location(s.location.path.removeprefix(root), s.location.line))
            for s in on_disk.suppressions
            if s.location is not None
        ),
    )
    assert uploaded == relative


@pytest.mark.parametrize(
    ("files", "start", "found"),
    [
        # the nearest directory wins; lockaudit.toml wins over pyproject.toml in one directory
        ({"a/b/r.txt": "", "a/lockaudit.toml": "", "lockaudit.toml": ""}, "a/b/r.txt", "a/lockaudit.toml"),
        ({"a/r.txt": "", "a/pyproject.toml": PYPROJECT, "a/lockaudit.toml": ""}, "a/r.txt", "a/lockaudit.toml"),
        # a pyproject.toml without [tool.lockaudit] does not count; one that is not TOML is an input problem
        (
            {"a/r.txt": "", "a/pyproject.toml": "[project]\nname = 'x'\n", "lockaudit.toml": ""},
            "a/r.txt",
            "lockaudit.toml",
        ),
        ({"a/r.txt": "", "a/pyproject.toml": "[project\n", "pyproject.toml": PYPROJECT}, "a/r.txt", "pyproject.toml"),
        # names are compared normalized; nothing outside the upload is looked at
        ({"./a//r.txt": "", "a/./lockaudit.toml": ""}, "a/r.txt", "a/lockaudit.toml"),
        ({"a/r.txt": "", "b/lockaudit.toml": ""}, "a/r.txt", None),
    ],
)
def test_the_nearest_config_is_found(files: dict[str, str], start: str, found: str | None) -> None:
    answer = find_uploaded_config(files, start)
    assert (answer[0] if answer else None) == found


def test_invalid_config_names_the_file() -> None:
    with pytest.raises(PolicyError, match=r"^lockaudit.toml: invalid TOML"):
        policy_from_files({"r.txt": "", "lockaudit.toml": "fail-on = \n"})
    with pytest.raises(PolicyError, match=r"^pyproject.toml: \[tool.lockaudit\]: expected a table"):
        policy_from_files({"pyproject.toml": "[tool]\nlockaudit = 3\n"})
    with pytest.raises(PolicyError, match=r"^pyproject.toml: \[tool.lockaudit\] cooldown"):
        policy_from_files({"pyproject.toml": "[tool.lockaudit]\ncooldown = 'soon'\n"})


def test_request_keys_replace_the_files_keys() -> None:
    files = {"requirements.txt": "", "lockaudit.toml": LOCKAUDIT_TOML}
    policy = policy_from_files(files, overrides={"fail-on": "major", "ignore": ["LA009"]})
    assert policy.source == "lockaudit.toml"
    assert policy.fail_on is not None and str(policy.fail_on) == "major" and policy.ignore == ("LA009",)
    # what the request leaves alone stays as the file says, lines included
    assert [s.location for s in policy.suppressions] == [Location("lockaudit.toml", 3), Location("lockaudit.toml", 11)]
    assert policy.severity[RuleCode.LA008] is Severity.INFO


def test_suppressions_from_the_request_have_no_location() -> None:
    given = {"suppress": [{"code": "LA002", "package": "flask", "reason": "r"}]}
    with_file = policy_from_files({"lockaudit.toml": LOCKAUDIT_TOML, "r.txt": ""}, overrides=given)
    without = policy_from_files({"r.txt": ""}, overrides=given)
    for policy in (with_file, without):
        assert [(s.code, s.package, s.location) for s in policy.suppressions] == [(RuleCode.LA002, "flask", None)]
    assert (with_file.source, without.source) == ("lockaudit.toml", "request")


def test_no_config_and_no_request() -> None:
    assert policy_from_files({"r.txt": "x\n"}) == Policy()
    assert policy_from_files({}) == Policy()
    assert policy_from_files({"r.txt": ""}, overrides={}).source == "request"
    with pytest.raises(PolicyError, match=r"^request: cooldown"):
        policy_from_files({"r.txt": ""}, overrides={"cooldown": "soon"})
