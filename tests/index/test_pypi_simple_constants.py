"""pypi-simple's constants, read from its source (the pinned version) or, for
any other, by importing it: the same values either way, and the library's own."""

import importlib.util
import logging
import re
import sys
import tomllib
from pathlib import Path

import pypi_simple
import pytest

from lockaudit.index import _pypi_simple

ROOT = Path(__file__).resolve().parents[2]
IMPORTED = {name: getattr(pypi_simple, name) for name in _pypi_simple._NAMES}


@pytest.fixture(autouse=True)
def _fresh_constants():
    _pypi_simple.constants.cache_clear()
    yield
    _pypi_simple.constants.cache_clear()


def _forget_the_package(monkeypatch):
    for name in [m for m in sys.modules if m == "pypi_simple" or m.startswith("pypi_simple.")]:
        monkeypatch.delitem(sys.modules, name)


def test_constants_equal_the_imported_library(caplog):
    with caplog.at_level(logging.DEBUG, logger="lockaudit.index._pypi_simple"):
        assert _pypi_simple.constants() == IMPORTED
    assert "read from its source" in caplog.text


def test_reading_them_does_not_import_the_package(monkeypatch):
    _forget_the_package(monkeypatch)
    _pypi_simple.constants()
    assert "pypi_simple" not in sys.modules


def test_pyproject_pins_the_version_whose_source_was_checked():
    declared = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    assert f"pypi-simple=={_pypi_simple.CHECKED_VERSION}" in [d.replace(" ", "") for d in declared]
    assert re.search(
        rf"^pypi-simple=={re.escape(_pypi_simple.CHECKED_VERSION)}\s", (ROOT / "requirements.txt").read_text(), re.M
    )
    if pypi_simple.__version__ == _pypi_simple.CHECKED_VERSION:
        assert _pypi_simple._from_source()[0] is not None, _pypi_simple._from_source()[1]


def test_another_version_imports_the_package_for_the_same_values(monkeypatch, caplog):
    monkeypatch.setattr(_pypi_simple, "CHECKED_VERSION", "0.0.1")
    _forget_the_package(monkeypatch)
    with caplog.at_level(logging.DEBUG, logger="lockaudit.index._pypi_simple"):
        assert _pypi_simple.constants() == IMPORTED
    assert "pypi_simple" in sys.modules
    assert "pypi-simple imported for its constants: version" in caplog.text


@pytest.mark.parametrize(
    ("source", "why"),
    [
        ('__version__ = "{v}"\nPYPI_SIMPLE_ENDPOINT: str = _compute()\n', "PYPI_SIMPLE_ENDPOINT is not a literal"),
        (
            '__version__ = "{v}"\nPYPI_SIMPLE_ENDPOINT = "x"\n',
            "ACCEPT_JSON_PREFERRED, SUPPORTED_REPOSITORY_VERSION not found",
        ),
        ("def broken(:\n", "could not be read (SyntaxError)"),
    ],
    ids=["computed", "missing", "unparsable"],
)
def test_a_source_laid_out_otherwise_imports_the_package(monkeypatch, tmp_path, caplog, source, why):
    fake = tmp_path / "__init__.py"
    fake.write_text(source.replace("{v}", _pypi_simple.CHECKED_VERSION))
    real = importlib.util.find_spec

    def find_spec(name, *args):
        if name == "pypi_simple":
            return importlib.util.spec_from_file_location("pypi_simple", fake)
        return real(name, *args)

    monkeypatch.setattr(importlib.util, "find_spec", find_spec)
    with caplog.at_level(logging.DEBUG, logger="lockaudit.index._pypi_simple"):
        assert _pypi_simple.constants() == IMPORTED
    assert why in caplog.text
