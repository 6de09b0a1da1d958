"""Hostile inputs are input errors, never crashes: integers past Python's digit
limit, nesting deeper than the parsers recurse, NUL bytes and lone surrogates in
include paths, and a duplicate check that stays linear."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from inputs.helpers import only

from lockaudit.audit.policy import load_policy
from lockaudit.errors import PolicyError
from lockaudit.inputs import load, load_texts
from lockaudit.inputs._build import check_duplicates
from lockaudit.inputs.requirements_txt import parse as parse_requirements

DEC = "1" * 5000
HEX = "0x" + "f" * 4000  # Python reads it, but cannot print it

# (file name, text with {n} where the number goes, expected line, column of the number)
TOML_CASES = [
    ("pyproject.toml", '[project]\nname = "x"\nversion = "1"\ndependencies = ["six"]\n[tool.other]\ny = {n}\n', 6, 5),
    ("poetry.lock", '[[package]]\nname = "six"\nversion = "1.0"\nextra = {n}\n', 4, 9),
    ("uv.lock", 'version = {n}\n\n[[package]]\nname = "six"\nversion = "1.0"\n', 1, 11),
    ("Pipfile", '[packages]\nsix = "*"\n\n[other]\ny = [1, {n}]\n', 5, 9),
    (
        "pylock.toml",
        'lock-version = "1.0"\ncreated-by = "x"\n\n[[packages]]\nname = "six"\nversion = "1.0"\nsize = {n}\n',
        7,
        8,
    ),
]


@pytest.mark.parametrize("number", [DEC, HEX, "-" + DEC], ids=["decimal", "hex", "negative"])
@pytest.mark.parametrize(("name", "template", "line", "column"), TOML_CASES, ids=[c[0] for c in TOML_CASES])
def test_huge_integers_in_toml_inputs_are_input_errors(tmp_path, name, template, line, column, number):
    path = tmp_path / name
    path.write_text(template.replace("{n}", number))
    problem = only(load(str(path)).problems, "toml-limit")
    assert problem.severity == "error" and "integer too large (more than 4,300 digits)" in problem.message
    assert (problem.line, problem.column) == (line, column)


def test_huge_integers_in_a_pipfile_lock_are_input_errors(tmp_path):
    path = tmp_path / "Pipfile.lock"
    path.write_text('{\n  "_meta": {"hash": {"sha256": "x"}, "spec": ' + DEC + '},\n  "default": {}\n}\n')
    problem = only(load(str(path)).problems, "json-limit")
    assert "integer too large" in problem.message and (problem.line, problem.column) == (2, 46)


@pytest.mark.parametrize(("name", "text"), [
    ("Pipfile.lock", "[" * 50_000 + "]" * 50_000),
    ("uv.lock", "x = " + "[" * 50_000 + "]" * 50_000 + "\n"),
    ("pyproject.toml", "x = " + "{a = " * 50_000 + "1" + "}" * 50_000 + "\n"),
])  # fmt: skip
def test_nesting_deeper_than_the_parser_recurses_is_an_input_error(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text)
    problems = load(str(path)).problems
    assert problems and all(p.severity == "error" for p in problems)
    assert any("nested too deeply" in p.message for p in problems)


def test_a_huge_integer_in_the_policy_is_a_policy_error(tmp_path):
    (tmp_path / "lockaudit.toml").write_text(f'fail-on = "high"\ncooldown = {DEC}\n')
    with pytest.raises(PolicyError, match=r"integer too large .* \(at line 2, column 12\)"):
        load_policy(tmp_path / "lockaudit.toml")


@pytest.mark.parametrize("name", ["lockaudit.toml", "poetry.lock", "Pipfile.lock"])
def test_the_cli_exits_2_with_the_place_not_a_traceback(tmp_path, name):
    if name == "lockaudit.toml":
        (tmp_path / name).write_text(f"x = {HEX}\n")
        (tmp_path / "requirements.txt").write_text("six==1.16.0\n")
        target = tmp_path
    elif name == "Pipfile.lock":
        (tmp_path / name).write_text('{"default": {"six": {"version": "==1.0", "x": ' + DEC + "}}}")
        target = tmp_path / name
    else:
        (tmp_path / name).write_text(f'[[package]]\nname = "six"\nversion = "1.0"\nx = {DEC}\n')
        target = tmp_path / name
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PIP_", "LOCKAUDIT_"))}
    env.update(PIP_CONFIG_FILE=os.devnull, LOCKAUDIT_CACHE_DIR=str(tmp_path / "cache"))
    proc = subprocess.run(
        [sys.executable, "-m", "lockaudit", str(target), "--offline", "--cache", "none", "--no-progress"],
        capture_output=True, text=True, env=env, timeout=120, cwd=tmp_path,
    )  # fmt: skip
    assert proc.returncode == 2, proc.stderr
    assert "integer too large" in proc.stderr and "Traceback" not in proc.stderr


# -- 5. include paths that no file system takes ---------------------------------


@pytest.mark.parametrize(
    "target", ["sub\x00dir.txt", "lone-\ud800-surrogate.txt", "\x00"], ids=["nul", "surrogate", "only-nul"]
)
@pytest.mark.parametrize("option", ["-r", "-c", "--requirement", "--constraint"])
def test_an_include_path_no_file_system_takes_is_an_input_error(tmp_path, option, target):
    path = tmp_path / "requirements.txt"
    lock = parse_requirements(f"six==1.16.0\n{option} {target}\n", str(path))
    problem = only(lock.problems, "invalid-include")
    assert problem.severity == "error" and problem.line == 2 and problem.column == len(option) + 2
    assert "cannot be a file name" in problem.message
    assert [p.name for p in lock.packages] == ["six"]


def test_a_nul_byte_in_an_include_fails_cleanly_through_the_cli(tmp_path):
    (tmp_path / "requirements.txt").write_bytes(b"six==1.16.0\n-r other\x00.txt\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PIP_", "LOCKAUDIT_"))}
    env.update(PIP_CONFIG_FILE=os.devnull)
    proc = subprocess.run(
        [sys.executable, "-m", "lockaudit", str(tmp_path / "requirements.txt"), "--offline", "--cache", "none"],
        capture_output=True, text=True, env=env, timeout=120,
    )  # fmt: skip
    # One bad line of a file that was read: a finding of its own (LA020, high), shown
    # at its file:line:col; the rest is audited (exit 1, never a traceback).
    assert proc.returncode == 1, proc.stderr
    assert "requirements.txt:2:4" in proc.stdout and "LA020" in proc.stdout
    assert "Traceback" not in proc.stderr + proc.stdout


def test_a_surrogate_from_an_environment_variable_in_an_include_fails_cleanly(tmp_path):
    lock = parse_requirements("-r ${WHERE}/x.txt\n", str(tmp_path / "requirements.txt"), env={"WHERE": "\udcff\ud800"})
    assert only(lock.problems, "invalid-include").severity == "error"


def test_uploads_refuse_such_includes_too():
    lock = load_texts({"requirements.txt": "six==1.16.0\n-c x\x00y.txt\n"})
    assert only(lock.problems, "invalid-include").line == 2


# -- 6. the duplicate check is linear ------------------------------------------


def test_many_identical_lines_are_one_package_with_one_problem_per_repeat():
    n = 3000
    lock = load_texts({"requirements.txt": "six==1.16.0\n" * n})
    assert [p.version for p in lock.packages] == ["1.16.0"]
    dups = [p for p in lock.problems if p.code == "duplicate"]
    assert len(dups) == n - 1 and {p.line for p in dups} == set(range(2, n + 1))


def test_a_repeated_pin_is_reported_once_per_line_even_when_requirement_and_pin():
    lock = load_texts({"requirements.txt": "six==1.16.0\nSix==1.16.0\nsix==1.16.0\n"})
    assert sorted(p.line for p in lock.problems if p.code == "duplicate") == [2, 3]


def test_conflicting_pins_are_still_errors():
    lock = load_texts({"requirements.txt": "six==1.16.0\nsix==1.15.0\n"})
    assert only(lock.problems, "conflicting-pins").line == 2
    problems, kept = check_duplicates((), ())
    assert problems == [] and kept == []
