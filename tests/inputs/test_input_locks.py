"""The lock formats: poetry.lock (1.x and 2.x), uv.lock, pylock.toml, Pipfile.lock."""

from __future__ import annotations

import json

import pytest

from inputs.helpers import TOOLS, codes, only, pins
from lockaudit.inputs import load, parse
from lockaudit.model import SourceKind


def pin(lockfile, name):
    found = [p for p in lockfile.packages if p.name == name]
    assert len(found) == 1, [(p.name, p.version) for p in lockfile.packages]
    return found[0]


# --------------------------------------------------------------------------- poetry.lock


def test_poetry_lock_2(in_fixtures):
    lf = load("pyproject/poetry/poetry.lock")
    assert lf.problems == () and lf.formats == (("pyproject/poetry/poetry.lock", "poetry.lock"),)
    core = pin(lf, "billing-core")
    assert core.source.kind is SourceKind.VCS
    assert core.source.commit == "0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c"
    assert pin(lf, "company-sdk").source.index_url == "https://pkgs.example.com/simple"
    assert pin(lf, "shared-utils").source.kind is SourceKind.PATH and pin(lf, "shared-utils").source.editable
    assert pin(lf, "vendored").source.kind is SourceKind.URL
    numpy = [(p.version, p.marker) for p in lf.packages if p.name == "numpy"]
    assert numpy == [("1.26.4", 'python_version < "3.12"'), ("2.1.3", 'python_version >= "3.12"')]
    requests = pin(lf, "requests")
    assert requests.groups == ("main", "test")
    assert requests.marker == '(python_version >= "3.10") or (sys_platform != "win32")'
    assert str(requests.origin) == "pyproject/poetry/poetry.lock:71:1"


def test_poetry_lock_1_keeps_hashes_in_metadata(in_fixtures):
    lf = load("pyproject/poetry-legacy/poetry.lock")
    assert pins(lf) == {"certifi": "2024.2.2", "pytest": "7.4.4"}
    assert len(pin(lf, "certifi").hashes) == 2
    assert pin(lf, "pytest").groups == ("dev",)


def test_lock_entry_without_version_is_reported():
    lf = parse('[[package]]\nname = "a"\n\n[[package]]\nname = "b"\nversion = "1"\n', "poetry.lock")
    assert pins(lf) == {"b": "1"}
    assert only(lf.problems, "missing-field").line == 1


# --------------------------------------------------------------------------- uv.lock


def test_uv_lock_splits_one_package_by_markers():
    lf = parse((TOOLS / "uv-split" / "uv.lock").read_text(), "uv.lock")
    numpy = [(p.version, p.marker) for p in lf.packages if p.name == "numpy"]
    assert numpy == [
        ("2.0.2", "python_full_version < '3.10'"),
        ("2.2.6", "python_full_version == '3.10.*'"),
        ("2.4.6", "python_full_version == '3.11.*'"),
        ("2.5.5", "python_full_version >= '3.12'"),
    ]
    assert lf.problems == ()  # split entries are not duplicates
    root = pin(lf, "uv-split")
    assert root.source.kind is SourceKind.PATH and root.source.location == "."


def test_uv_lock_sources_hashes_and_upload_times():
    lf = parse((TOOLS / "uv.lock").read_text(), "uv.lock")
    flask = pin(lf, "flask")
    assert flask.source.kind is SourceKind.INDEX and flask.source.index_url == "https://example.com/simple"
    assert flask.hashes and all(h.startswith("sha256:") for h in flask.hashes)
    assert flask.locked_at and flask.locked_at.endswith("Z")


def test_uv_lock_other_sources():
    text = """version = 1
[[package]]
name = "from-git"
version = "0.1.0"
source = { git = "https://github.com/example/from-git?rev=main#0123456789abcdef0123456789abcdef01234567" }

[[package]]
name = "member"
source = { editable = "packages/member" }

[[package]]
name = "wheel"
version = "1.0"
source = { url = "https://example.com/wheel-1.0-py3-none-any.whl" }
"""
    lf = parse(text, "uv.lock")
    assert lf.problems == ()
    assert pin(lf, "from-git").source.commit == "0123456789abcdef0123456789abcdef01234567"
    member = pin(lf, "member")
    assert member.version == "" and member.source.editable  # a dynamic version is not an error
    assert pin(lf, "wheel").source.kind is SourceKind.URL


# --------------------------------------------------------------------------- pylock.toml


def test_pylock_named_file(in_fixtures):
    lf = load("pylock/pylock.deploy.toml")
    assert lf.formats == (("pylock/pylock.deploy.toml", "pylock"),)
    assert lf.problems == ()
    attrs = pin(lf, "attrs")
    assert attrs.hashes == ("sha256:c75a69e28a550a7e93789579c22aa26b0f5b83b75dc4e08fe092980051e1090a",)
    assert attrs.locked_at == "2025-01-25T11:30:10.164985Z"
    cattrs = pin(lf, "cattrs")
    assert cattrs.marker == "python_version >= '3.11'" and len(cattrs.hashes) == 2
    assert cattrs.locked_at == "2024-09-22T14:58:34Z"
    vcs = pin(lf, "pip-tools-fork")
    assert vcs.source.kind is SourceKind.VCS and vcs.version == ""
    assert vcs.source.commit == "8c7d6e5f4a3b2c1d0e9f8a7b6c5d4e3f2a1b0c9d"
    assert pin(lf, "local-plugin").source.editable
    assert pin(lf, "vendored").source.kind is SourceKind.URL


def test_pylock_unknown_major_version():
    lf = parse('lock-version = "2.0"\n[[packages]]\nname = "a"\nversion = "1"\n', "pylock.toml")
    assert codes(lf) == ["unknown-version"] and pins(lf) == {"a": "1"}


# --------------------------------------------------------------------------- Pipfile.lock


def test_pipfile_lock(in_fixtures):
    lf = load("pipfile/Pipfile.lock")
    assert lf.problems == ()
    requests = pin(lf, "requests")  # in default and develop: one pin, both groups
    assert requests.groups == ("default", "develop")
    assert str(requests.origin) == "pipfile/Pipfile.lock:63:9"  # where it is first locked
    assert pin(lf, "company-sdk").source.index_url == "http://pkgs.internal.example.com/simple"
    core = pin(lf, "billing-core")
    assert core.source.kind is SourceKind.VCS and core.source.editable and core.version == ""
    assert pin(lf, "sphinx").groups == ("docs",)
    assert pin(lf, "django").marker == "python_version >= '3.8'"


def test_json_syntax_error_names_file_and_line():
    text = json.dumps({"_meta": {}, "default": {"a": {"version": "==1"}}}, indent=4).replace('"==1"', '"==1",')
    lf = parse(text, "Pipfile.lock")
    p = only(lf.problems, "json-syntax")
    assert (p.path, p.line) == ("Pipfile.lock", 6)
    assert p.text is not None and p.column is not None


@pytest.mark.parametrize(
    "name, text",
    [
        ("poetry.lock", "[[package]\nname = 'x'\n"),
        ("uv.lock", "version = 1\n[[package]]\nname = \n"),
        ("pylock.toml", "lock-version = '1.0'\n[[packages]]\nname = 'a' version = '1'\n"),
        ("Pipfile", "[packages]\nrequests = *\n"),
    ],
)
def test_toml_errors_in_every_toml_format(name, text):
    lf = parse(text, name)
    (p,) = lf.problems
    assert p.code == "toml-syntax" and p.path == name and p.line is not None
