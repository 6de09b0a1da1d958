"""Inputs: every way people write down their dependencies, read into the model.

``load(paths)`` is the entry point: it finds the supported files (walking
directories), detects each format (or takes ``format=``), parses, pairs range
files with their locks and returns one :class:`~lockaudit.model.Lockfile` with
every problem collected. One module per format, each with
``parse(text, path) -> Lockfile``:

============================  =====================  ==========================
format                        module                 files
============================  =====================  ==========================
requirements / pip-freeze     ``requirements_txt``   ``*.txt``, ``*.in``, rye's ``requirements*.lock``
pyproject                     ``pyproject``          PEP 621, PEP 735, Poetry
poetry.lock                   ``poetry_lock``        ``poetry.lock``
uv.lock                       ``uv_lock``            ``uv.lock``
pipfile / pipfile.lock        ``pipfile``, ``pipfile_lock``  ``Pipfile``, ``Pipfile.lock``
pylock                        ``pylock``             ``pylock.toml``, ``pylock.<name>.toml``
============================  =====================  ==========================
"""

from __future__ import annotations

from .detect import FORMATS, detect_format
from .load import discover, load, load_texts, parse
from .pairing import Project

__all__ = ["FORMATS", "Project", "detect_format", "discover", "load", "load_texts", "parse"]
