"""A table for people, drawn with rich on a Console.

One row per audited requirement (package, declared, locked, fresh install takes,
newest, findings), then the findings with their messages, input problems and a
summary line. Colour follows the Console, which honours ``NO_COLOR``; every cell
is a ``rich.text.Text``, so names such as ``requests[socks]`` are never read as markup.
"""

from __future__ import annotations

import io

from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from ..findings import AuditReport, Finding, Severity, Threshold
from ._common import (
    declared_text,
    fresh_text,
    locked_text,
    newest_text,
    ordered,
    printable,
    status_note,
    summary_line,
)

__all__ = ["SEVERITY_STYLES", "print_report", "render"]

SEVERITY_STYLES = {
    Severity.CRITICAL: "bold red",
    Severity.HIGH: "red",
    Severity.MEDIUM: "yellow",
    Severity.LOW: "cyan",
    Severity.INFO: "dim",
}


def _t(text: str, style: str = "") -> Text:
    return Text(printable(text), style=style)


def _finding_cell(findings: tuple[Finding, ...], report: AuditReport, threshold: Threshold) -> Text:
    cell = Text()
    for i, f in enumerate(ordered(findings)):
        if i:
            cell.append("\n")
        if f.suppressed:
            cell.append(f"{f.code} suppressed", style="dim")
            continue
        label = f"{f.code} {f.severity}"
        if report.is_blocking(f, threshold):
            label += " !"
        cell.append(label, style=SEVERITY_STYLES[f.severity])
    return cell


def _findings_list(report: AuditReport, threshold: Threshold) -> list[Text]:
    lines = []
    for f in ordered(report.active):
        line = Text()
        line.append(f"{f.severity.value:<8}", style=SEVERITY_STYLES[f.severity])
        line.append(f" {f.code} ", style="bold")
        line.append(printable(f"{f.package}: {f.message}"))
        where = f.where
        if where is not None:
            line.append(printable(f"  {where}"), style="dim")
        if report.is_blocking(f, threshold):
            line.append("  (fails the run)", style="bold")
        lines.append(line)
    for f in report.suppressed:
        assert f.suppressed_by is not None
        lines.append(_t(f"suppressed {f.code} {f.package}: {f.message} (reason: {f.suppressed_by.reason})", "dim"))
    return lines


def print_report(report: AuditReport, console: Console, *, threshold: Threshold) -> None:
    """Print ``report`` on ``console``."""
    meta = report.metadata
    for problem in report.problems:
        style = "red" if problem.severity == "error" else "yellow"
        console.print(_t(problem.render(), style))
    title = f"lockaudit {meta.tool_version} as of {meta.as_of.isoformat()}"
    if meta.targets:
        title += " for " + ", ".join(t.label for t in meta.targets)
    table = Table(title=title, box=box.SIMPLE_HEAD, show_lines=False, title_justify="left")
    table.add_column("package", no_wrap=True, style="bold")
    table.add_column("declared")
    table.add_column("locked")
    table.add_column("fresh install takes")
    table.add_column("newest")
    table.add_column("findings", no_wrap=True)
    for pkg in report.packages:
        name = _t(pkg.name, "bold")
        note = status_note(pkg)
        if note:
            name.append(printable(f"\n{note}"), style="dim italic")
        table.add_row(
            name,
            _t(declared_text(pkg)),
            _t(locked_text(pkg)),
            _t(fresh_text(pkg)),
            _t(newest_text(pkg)),
            _finding_cell(report.findings_for(pkg), report, threshold),
        )
    orphans = report.orphans()
    for f in orphans:
        table.add_row(_t(f.package, "bold"), "", "", "", "", _finding_cell((f,), report, threshold))
    console.print(table)
    lines = _findings_list(report, threshold)
    if lines:
        console.print(Text("Findings", style="bold underline"))
        for line in lines:
            console.print(line)
    console.print(_t(summary_line(report, threshold), "bold"))


def render(report: AuditReport, *, threshold: Threshold, color: bool = False, width: int = 120) -> str:
    """The table as text; with ``color`` it carries ANSI styles (unless NO_COLOR is set)."""
    buffer = io.StringIO()
    console = Console(
        file=buffer,
        width=width,
        force_terminal=color,
        color_system="standard" if color else None,
        highlight=False,
        emoji=False,
        soft_wrap=False,
        legacy_windows=False,
    )
    print_report(report, console, threshold=threshold)
    return buffer.getvalue()
