"""requirement_text: the one way a requirement is written in messages, conflicts and answers."""

from __future__ import annotations

import pytest

from lockaudit.inputs import load_texts
from lockaudit.model import Origin, Requirement, requirement_text


def _first(name: str, text: str) -> Requirement:
    lockfile = load_texts({name: text})
    assert not lockfile.errors, lockfile.errors
    return lockfile.requirements[0]


@pytest.mark.parametrize(
    ("line", "expected", "with_marker"),
    [
        ("requests>=2.28\n", "requests>=2.28", "requests>=2.28"),
        # as written: the spelling of the name and the order of the clauses; no spaces, no PEP 508 parentheses
        ("Foo_Bar [x,a] >= 1.0 , < 2\n", "Foo_Bar[a,x]>=1.0,<2", "Foo_Bar[a,x]>=1.0,<2"),
        ("foo (>=1.0)\n", "foo>=1.0", "foo>=1.0"),
        ("bare\n", "bare", "bare"),
        ("web[fast]==2.*; python_version < '3.12'\n", "web[fast]==2.*", 'web[fast]==2.*; python_version < "3.12"'),
    ],
)
def test_requirements_lines(line: str, expected: str, with_marker: str) -> None:
    r = _first("requirements.in", line)
    assert requirement_text(r) == expected
    assert requirement_text(r, marker=True) == with_marker


def test_poetry_ranges_as_written() -> None:
    pyproject = (
        '[tool.poetry]\nname = "x"\n[tool.poetry.dependencies]\npython = "^3.9"\nrequests = "^2.28"\nflask = "2.2"\n'
    )
    texts = {r.name: requirement_text(r) for r in load_texts({"pyproject.toml": pyproject}).requirements}
    # a range that starts with a version stands after a space: "flask2.2" would read as another name
    assert texts == {"requests": "requests^2.28", "flask": "flask 2.2"}


def test_npm_ranges_and_a_name_not_written() -> None:
    npm = Requirement("pkg", "pkg", "1.2 - 2.3", ">=1.2,<=2.3", Origin("x", 1), dialect="npm")
    assert requirement_text(npm) == "pkg 1.2 - 2.3"
    unnamed = Requirement("./local", "", "", "", Origin("x", 1))
    assert requirement_text(unnamed) == "./local"
