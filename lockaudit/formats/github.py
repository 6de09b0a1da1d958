"""GitHub Actions workflow commands that annotate the files in a run.

One line per unsuppressed finding::

    ::error file=requirements.txt,line=8,title=LA003 A fresh install takes another version ...::django: locked ...

Findings at or above the threshold are ``error``; below it, medium and worse are
``warning`` and the rest ``notice``. Input problems are annotated too. Values are
escaped as the workflow-command rules require (``%``, CR and LF everywhere; also
``:`` and ``,`` in properties), so no message can end the command early or start
another one.
"""

from __future__ import annotations

from ..audit.rules.catalog import CATALOG
from ..findings import AuditReport, Finding, Location, Severity, Threshold
from ._common import printable

__all__ = ["command", "escape_data", "escape_property", "render"]

# Escaped by the workflow-command rules; every other control character is shown as \xNN.
_KEEP = "\r\n\t"


def escape_data(text: str) -> str:
    """A command's message: ``%``, CR and LF percent-encoded."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """A property value: as data, and ``:`` and ``,`` too."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def command(level: str, message: str, location: Location | None = None, title: str | None = None) -> str:
    """One ``::level props::message`` line; other control characters are shown as ``\\xNN``."""
    props: list[str] = []
    if location is not None:
        props.append(f"file={escape_property(printable(location.path, keep=_KEEP))}")
        if location.line is not None:
            props.append(f"line={location.line}")
            if location.column is not None:
                props.append(f"col={location.column}")
    if title:
        props.append(f"title={escape_property(printable(title, keep=_KEEP))}")
    head = f"::{level} {','.join(props)}" if props else f"::{level}"
    return f"{head}::{escape_data(printable(message, keep=_KEEP))}"


def _level(f: Finding, report: AuditReport, threshold: Threshold) -> str:
    if report.is_blocking(f, threshold):
        return "error"
    return "warning" if f.severity >= Severity.MEDIUM else "notice"


def render(report: AuditReport, *, threshold: Threshold) -> str:
    lines = []
    for p in report.problems:
        lines.append(
            command(
                "error" if p.severity == "error" else "warning",
                p.message + (f" (expected {p.expected})" if p.expected else ""),
                Location(p.path, p.line, p.column) if p.path else None,
                "lockaudit: input problem",
            )
        )
    for f in report.findings:
        if f.suppressed:
            continue
        title = f"{f.code} {CATALOG[f.code].title} ({f.severity})"
        lines.append(command(_level(f, report, threshold), f"{f.package}: {f.message}", f.where, title))
    return "".join(line + "\n" for line in lines)
