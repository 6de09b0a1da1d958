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
=========  ====================================================
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Protocol

from ..findings import AuditReport, Severity
from . import github, json_format, junit, markdown, sarif, table

__all__ = ["FORMATS", "Renderer", "render"]


class Renderer(Protocol):
    def __call__(self, report: AuditReport, *, threshold: Severity | None) -> str: ...


#: Format name -> renderer.
FORMATS: Mapping[str, Renderer] = MappingProxyType(
    {
        "table": table.render,
        "json": json_format.render,
        "sarif": sarif.render,
        "junit": junit.render,
        "markdown": markdown.render,
        "github": github.render,
    }
)


def render(report: AuditReport, format_name: str, *, threshold: Severity | None) -> str:
    """``report`` in the format ``format_name``; ValueError naming the known formats otherwise."""
    try:
        renderer = FORMATS[format_name.strip().lower()]
    except KeyError:
        raise ValueError(f"unknown format {format_name!r}: expected one of {', '.join(FORMATS)}") from None
    return renderer(report, threshold=threshold)
