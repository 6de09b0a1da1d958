"""Presenters: an :class:`~lockaudit.findings.AuditReport` as text in one of several formats.

They read only :mod:`lockaudit.findings` data; they never fetch or compute.
Every renderer is ``render(report, *, threshold) -> str`` where ``threshold``
(a :class:`~lockaudit.findings.Severity`, or None for never) decides which
findings count as failing; the output ends with a newline.

=========  ====================================================
table      a rich table for people (:mod:`.table`)
json       the versioned JSON document (:mod:`.json_format`)
sarif      SARIF 2.1.0 for code scanning (:mod:`.sarif`)
junit      JUnit XML, one testcase per package (:mod:`.junit`)
markdown   a pull-request comment (:mod:`.markdown`)
github     GitHub Actions annotations (:mod:`.github`)
html       one self-contained page with pictures (:mod:`.html`)
=========  ====================================================
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator, Mapping
from types import MappingProxyType
from typing import Protocol

from ..findings import AuditReport, Threshold

__all__ = ["FORMATS", "Renderer", "render"]


class Renderer(Protocol):
    def __call__(self, report: AuditReport, *, threshold: Threshold) -> str: ...


class _Renderers(Mapping[str, Renderer]):
    """Format name -> renderer; each module is imported when its renderer is
    first asked for (the table's rich costs ~20 ms, and a run writes one or two formats)."""

    _MODULES: Mapping[str, str] = MappingProxyType(
        {
            "table": "table",
            "json": "json_format",
            "sarif": "sarif",
            "junit": "junit",
            "markdown": "markdown",
            "github": "github",
            "html": "html",
        }
    )

    def __getitem__(self, name: str) -> Renderer:
        return importlib.import_module(f".{self._MODULES[name]}", __name__).render

    def __iter__(self) -> Iterator[str]:
        return iter(self._MODULES)

    def __len__(self) -> int:
        return len(self._MODULES)

    def __repr__(self) -> str:
        return f"FORMATS({', '.join(self._MODULES)})"


#: Format name -> renderer (read-only).
FORMATS: Mapping[str, Renderer] = _Renderers()


def render(report: AuditReport, format_name: str, *, threshold: Threshold) -> str:
    """``report`` in the format ``format_name``; ValueError naming the known formats otherwise."""
    try:
        renderer = FORMATS[format_name.strip().lower()]
    except KeyError:
        raise ValueError(f"unknown format {format_name!r}: expected one of {', '.join(FORMATS)}") from None
    return renderer(report, threshold=threshold)
