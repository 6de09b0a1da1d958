"""Selection / select_requirements: which extras and dependency groups take part."""

from __future__ import annotations

import dataclasses

import pytest

from lockaudit.inputs import load_texts
from lockaudit.inputs.selection import Selection, select_requirements

PYPROJECT = """\
[project]
name = "app"
version = "1"
dependencies = ["core-lib>=1"]

[project.optional-dependencies]
Fast = ["speedups>=2"]
docs = ["sphinx"]

[dependency-groups]
test = ["pytest", {include-group = "lint"}]
lint = ["ruff"]
typing = ["mypy"]
"""


@pytest.fixture(scope="module")
def project():
    lockfile = load_texts({"pyproject.toml": PYPROJECT})
    assert not lockfile.errors, lockfile.errors
    return lockfile


def _names(lockfile) -> list[str]:
    return sorted(r.name for r in lockfile.requirements)


def test_nothing_selected_keeps_the_main_requirements(project) -> None:
    assert not Selection().given
    assert _names(select_requirements(project, Selection())) == ["core-lib"]


def test_extras_are_compared_normalized(project) -> None:
    chosen = Selection(extras=("fast",))
    assert chosen.given
    assert _names(select_requirements(project, chosen)) == ["core-lib", "speedups"]


def test_a_group_takes_in_the_groups_it_includes(project) -> None:
    assert _names(select_requirements(project, Selection(groups=("TEST",)))) == ["core-lib", "pytest", "ruff"]
    assert _names(select_requirements(project, Selection(groups=("lint",)))) == ["core-lib", "ruff"]


def test_all_extras_and_all_groups(project) -> None:
    every = Selection(all_extras=True, all_groups=True)
    assert _names(select_requirements(project, every)) == ["core-lib", "mypy", "pytest", "ruff", "speedups", "sphinx"]
    assert _names(select_requirements(project, Selection(all_extras=True))) == ["core-lib", "speedups", "sphinx"]
    assert _names(select_requirements(project, Selection(all_groups=True))) == ["core-lib", "mypy", "pytest", "ruff"]


def test_the_selection_is_frozen_and_keeps_names_as_given() -> None:
    chosen = Selection(["Fast"], ["Test"])  # type: ignore[arg-type]  # lists from argparse become tuples
    assert chosen.extras == ("Fast",) and chosen.groups == ("Test",)
    assert hash(chosen) == hash(Selection(("Fast",), ("Test",)))
    with pytest.raises(dataclasses.FrozenInstanceError):
        chosen.all_extras = True  # type: ignore[misc]


def test_the_lockfile_is_otherwise_unchanged(project) -> None:
    selected = select_requirements(project, Selection(extras=("docs",)))
    assert selected.packages == project.packages and selected.files == project.files
    assert selected.group_includes == project.group_includes
