"""The constants read from pypi-simple's source are the library's own values."""

import sys

import pypi_simple

from lockaudit.index import _pypi_simple


def test_constants_equal_the_imported_library():
    assert _pypi_simple.constants() == {name: getattr(pypi_simple, name) for name in _pypi_simple._NAMES}


def test_reading_them_does_not_import_the_package(monkeypatch):
    _pypi_simple.constants.cache_clear()
    for name in [m for m in sys.modules if m == "pypi_simple" or m.startswith("pypi_simple.")]:
        monkeypatch.delitem(sys.modules, name)
    _pypi_simple.constants()
    assert "pypi_simple" not in sys.modules
