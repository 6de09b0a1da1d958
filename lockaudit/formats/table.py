"""A table for people: readable on a terminal, in a CI log and in a file.

Nothing is ever cut: names and versions are shown whole. The columns are as
wide as their content; on a terminal too narrow for them each package becomes a
short block of lines instead (never ``…``). Long notes (why a status is
unknown, a target whose fresh install differs) go on their own line under the
row, outside the columns. When the report covers several projects (a monorepo),
rows are grouped under the files they come from.

By default the table shows the packages with findings (or a note) and one line
about the clean ones; ``show_all`` lists every package. ``detail="quiet"`` prints only
the failing findings and the summary line. Colour follows the Console (which
honours ``NO_COLOR`` and ``FORCE_COLOR``); every text is a ``rich.text.Text``,
so names such as ``requests[socks]`` are never read as markup.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Literal

from rich.cells import cell_len
from rich.console import Console
from rich.text import Text

from ..findings import AuditReport, Finding, PackageReport, Severity, Threshold
from ._common import (
    declared_text,
    locked_text,
    newest_text,
    ordered,
    printable,
    summary_line,
    targets_text,
)
from ._common import fresh_text as _fresh_with_targets
from ._common import status_note as _status_note

__all__ = ["COLUMNS", "SEVERITY_STYLES", "Detail", "print_report", "render", "targets_text"]

SEVERITY_STYLES = {
    Severity.CRITICAL: "bold red",
    Severity.HIGH: "red",
    Severity.MEDIUM: "yellow",
    Severity.LOW: "cyan",
    Severity.INFO: "dim",
}

COLUMNS = ("package", "declared", "locked", "fresh install takes", "newest", "findings")
#: Spaces between columns, and before the first.
_GAP = "  "
_INDENT = "  "
#: Clean packages named on the summary line before "and N more".
_CLEAN_NAMES = 8

Detail = Literal["quiet", "normal", "all"]


def _t(text: str, style: str = "") -> Text:
    return Text(printable(text), style=style)


# --------------------------------------------------------------------------- rows


@dataclass
class _Row:
    cells: list[list[Text]]
    notes: list[Text] = field(default_factory=list)


@dataclass
class _Group:
    label: str | None
    rows: list[_Row] = field(default_factory=list)


def _findings_cell(findings: Iterable[Finding], report: AuditReport, threshold: Threshold) -> list[Text]:
    lines = []
    for f in ordered(findings):
        if f.suppressed:
            lines.append(_t(f"{f.code} suppressed", "dim"))
            continue
        label = f"{f.code} {f.severity}"
        if report.is_blocking(f, threshold):
            label += " !"
        lines.append(_t(label, SEVERITY_STYLES[f.severity]))
    return lines


def _row(pkg: PackageReport, report: AuditReport, threshold: Threshold) -> _Row:
    fresh = _fresh_with_targets(pkg)
    main_fresh, _, per_target = fresh.partition(" (")
    notes = []
    note = _status_note(pkg)
    if note:
        notes.append(_t(note, "dim italic"))
    if per_target and pkg.fresh is not None:
        # "5.1.4 (py3.9-linux: 4.2.17)": the exceptions are a note, not column text
        notes.append(_t("fresh install on " + per_target.removesuffix(")"), "dim italic"))
    else:
        main_fresh = fresh
    cells = [
        [_t(pkg.name, "bold")],
        [_t(declared_text(pkg))],
        [_t(locked_text(pkg))],
        [_t(main_fresh)],
        [_t(newest_text(pkg))],
        _findings_cell(report.findings_for(pkg), report, threshold),
    ]
    return _Row(cells, notes)


def _worth_a_row(pkg: PackageReport, report: AuditReport) -> bool:
    """Shown by default: findings, an unknown status, or a note (why it could not
    be audited, what holds a fresh install back)."""
    return any(not f.suppressed for f in report.findings_for(pkg)) or pkg in report.unknowns or bool(_status_note(pkg))


def _files_of(pkg: PackageReport) -> list[str]:
    return [loc.path for loc in (pkg.origin, pkg.lock_origin) if loc is not None]


def _unit_label(pkg: PackageReport) -> str | None:
    """The unit a row belongs to (its project and lock), as the group's label."""
    if pkg.project is None:
        return None
    return pkg.project if pkg.lock in (None, pkg.project) else f"{pkg.project} + {pkg.lock}"


def _groups(packages: Sequence[PackageReport]) -> list[tuple[str | None, list[PackageReport]]]:
    """Packages by unit (a project and its lock; a package only a fresh install
    takes belongs to its unit too). Rows that name no unit are grouped by the files
    they link (a range file and its lock belong together). A single group gets no label."""
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        while parent.setdefault(x, x) != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    loose = [pkg for pkg in packages if _unit_label(pkg) is None]
    for pkg in loose:
        files = _files_of(pkg)
        for path in files:
            find(path)  # every file is a member, linked or not
        for other in files[1:]:
            parent[find(other)] = find(files[0])
    members: dict[str, list[str]] = {}
    for path in list(parent):
        members.setdefault(find(path), [])
        if path not in members[find(path)]:
            members[find(path)].append(path)
    grouped: dict[str | None, list[PackageReport]] = {}
    for pkg in packages:
        label = _unit_label(pkg)
        if label is None:
            files = _files_of(pkg)
            label = " + ".join(members[find(files[0])]) if files else None
        grouped.setdefault(label, []).append(pkg)
    if len(grouped) <= 1:
        return [(None, list(packages))]
    return [(label if label is not None else "(no file)", pkgs) for label, pkgs in grouped.items()]


# --------------------------------------------------------------------------- layout


def _widths(rows: Iterable[_Row]) -> list[int]:
    widths = [cell_len(c) for c in COLUMNS]
    for row in rows:
        for i, cell in enumerate(row.cells):
            for line in cell:
                widths[i] = max(widths[i], cell_len(line.plain))
    return widths


def _table_lines(groups: list[_Group], widths: list[int]) -> list[Text]:
    header = Text(_INDENT)
    for i, name in enumerate(COLUMNS):
        header.append(name.ljust(widths[i]) if i < len(COLUMNS) - 1 else name, style="bold")
        if i < len(COLUMNS) - 1:
            header.append(_GAP)
    lines = [header, Text(_INDENT + "-" * (sum(widths) + len(_GAP) * (len(widths) - 1)), style="dim")]
    for group in groups:
        if group.label is not None:
            lines.append(Text(group.label, style="bold underline"))
        for row in group.rows:
            height = max(len(c) for c in row.cells)
            for n in range(height):
                line = Text(_INDENT)
                for i, cell in enumerate(row.cells):
                    text = cell[n] if n < len(cell) else Text("")
                    line.append_text(text)
                    if i < len(row.cells) - 1:
                        line.append(" " * (widths[i] - cell_len(text.plain)) + _GAP)
                lines.append(line)
            for note in row.notes:
                lines.append(Text(_INDENT + "  -> ").append_text(note))
    return lines


def _stacked_lines(groups: list[_Group]) -> list[Text]:
    """One short block per package, for a terminal too narrow for the columns."""
    lines: list[Text] = []
    for group in groups:
        if group.label is not None:
            lines.append(Text(group.label, style="bold underline"))
        for row in group.rows:
            lines.append(Text(_INDENT).append_text(row.cells[0][0]))
            facts = Text(_INDENT * 3)
            for i in (1, 2, 3, 4):
                if i > 1:
                    facts.append("  ")
                facts.append(f"{COLUMNS[i]} ", style="dim")
                facts.append_text(row.cells[i][0])
            lines.append(facts)
            if row.cells[5]:
                found = Text(_INDENT * 3)
                for n, text in enumerate(row.cells[5]):
                    if n:
                        found.append(", ")
                    found.append_text(text)
                lines.append(found)
            for note in row.notes:
                lines.append(Text(_INDENT * 3 + "-> ").append_text(note))
    return lines


# --------------------------------------------------------------------------- sections


def _title(report: AuditReport, threshold: Threshold) -> Text:
    meta = report.metadata
    title = Text(f"lockaudit {meta.tool_version}", style="bold")
    title.append(f"  as of {meta.as_of.isoformat()}  for {targets_text(meta.targets)}")
    title.append(f"  fail-on {'never' if threshold is None else threshold.value}", style="dim")
    return title


def _finding_line(f: Finding, report: AuditReport, threshold: Threshold) -> Text:
    line = Text()
    line.append(f"{f.severity.value:<8}", style=SEVERITY_STYLES[f.severity])
    line.append(f" {f.code} ", style="bold")
    line.append(printable(f"{f.package}: {f.message}"))
    if f.where is not None:
        line.append(printable(f"  {f.where}"), style="dim")
    if report.is_blocking(f, threshold):
        line.append("  (fails the run)", style="bold")
    return line


def _clean_line(clean: Sequence[PackageReport], shown_all: bool) -> Text | None:
    if not clean or shown_all:
        return None
    names = sorted({p.name for p in clean}, key=str.lower)
    listed = ", ".join(names[:_CLEAN_NAMES])
    if len(names) > _CLEAN_NAMES:
        listed += f" and {len(names) - _CLEAN_NAMES} more"
    count = len(clean)
    line = Text(f"{count} package{'s' if count != 1 else ''} without findings: ", style="green")
    line.append(printable(listed))
    line.append("  (--all lists them)", style="dim")
    return line


def print_report(
    report: AuditReport,
    console: Console,
    *,
    threshold: Threshold,
    show_all: bool = False,
    detail: Detail = "normal",
    problems: bool = True,
    width: int | None = -1,
) -> None:
    """Print ``report`` on ``console``.

    ``width``: the columns must fit in it, or each package becomes a block of
    lines; None lays out for the content; the default (-1) is the console's
    width on a terminal and the content's otherwise. ``problems`` False leaves
    out the input problems (the CLI prints them once, on stderr).
    """
    if width == -1:
        width = console.width if console.is_terminal else None
    show_all = show_all or detail == "all"

    def out(text: Text) -> None:
        console.print(text, soft_wrap=True, crop=False)

    if problems:
        for problem in report.problems:
            out(_t(problem.render(), "red" if problem.severity == "error" else "yellow"))
    if detail == "quiet":
        for f in ordered(report.blocking(threshold)):
            out(_finding_line(f, report, threshold))
        out(_t(summary_line(report, threshold), "bold"))
        return
    shown = [p for p in report.packages if show_all or _worth_a_row(p, report)]
    clean = [p for p in report.packages if not _worth_a_row(p, report)]
    out(_title(report, threshold))
    if shown:
        groups = [_Group(label, [_row(p, report, threshold) for p in pkgs]) for label, pkgs in _groups(shown)]
        rows = [r for g in groups for r in g.rows]
        widths = _widths(rows)
        table_width = cell_len(_INDENT) + sum(widths) + cell_len(_GAP) * (len(widths) - 1)
        fits = width is None or table_width <= width
        out(Text(""))
        for line in _table_lines(groups, widths) if fits else _stacked_lines(groups):
            out(line)
    clean_line = _clean_line(clean, show_all)
    if clean_line is not None:
        out(Text(""))
        out(clean_line)
    active = ordered(report.active)
    if active or (show_all and report.suppressed):
        out(Text(""))
        out(Text("Findings", style="bold underline"))
        for f in active:
            out(_finding_line(f, report, threshold))
        if show_all:
            for f in report.suppressed:
                assert f.suppressed_by is not None
                out(_t(f"suppressed {f.code} {f.package}: {f.message} (reason: {f.suppressed_by.reason})", "dim"))
        elif report.suppressed:
            n = len(report.suppressed)
            out(_t(f"({n} suppressed finding{'s' if n != 1 else ''}; --all shows {'them' if n != 1 else 'it'})", "dim"))
    out(Text(""))
    out(_t(summary_line(report, threshold), "bold"))


def render(
    report: AuditReport,
    *,
    threshold: Threshold,
    color: bool = False,
    width: int | None = None,
    show_all: bool = True,
    detail: Detail = "normal",
) -> str:
    """The table as text (for a file: every package, laid out for the content,
    unless ``width`` is given); with ``color`` it carries ANSI styles (unless NO_COLOR is set)."""
    buffer = io.StringIO()
    console = Console(
        file=buffer,
        width=max(width or 0, 80),
        force_terminal=color,
        color_system="standard" if color else None,
        highlight=False,
        emoji=False,
        soft_wrap=True,
        legacy_windows=False,
    )
    print_report(report, console, threshold=threshold, show_all=show_all, detail=detail, width=width)
    return buffer.getvalue()
