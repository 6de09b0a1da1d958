"""Markdown that fits a pull-request comment.

A summary line, a table of the packages that have findings (or an unknown
status), then one collapsed ``<details>`` block per such package with its
findings. Every text that comes from the inputs or the index is escaped, so a
package name, a range or a message cannot break the table, open a link or
inject HTML. Past ``max_chars`` (GitHub takes at most 65,536 characters in a
comment) the details, then table rows, are left out and the comment says so.
"""

from __future__ import annotations

import html
import re

from packaging.utils import canonicalize_name

from ..findings import AuditReport, Finding, PackageReport, RuleCode, Severity, Threshold
from ._common import (
    declared_text,
    fresh_text,
    locked_text,
    newest_text,
    ordered,
    printable,
    status_note,
    summary_line,
    threshold_name,
)

__all__ = ["code", "escape", "render"]

DEFAULT_MAX_CHARS = 60_000

_ICONS = {
    Severity.CRITICAL: "\U0001f534",  # red circle
    Severity.HIGH: "\U0001f7e0",  # orange circle
    Severity.MEDIUM: "\U0001f7e1",  # yellow circle
    Severity.LOW: "\U0001f535",  # blue circle
    Severity.INFO: "\u26aa",  # white circle
}

# Backslash-escapable ASCII punctuation (CommonMark) that can start markup.
_SPECIAL = re.compile(r"([\\`*_{}\[\]<>()#+!|~&$])")


def escape(text: str) -> str:
    """``text`` as literal Markdown inline text on one line (also safe in a table cell)."""
    return _SPECIAL.sub(r"\\\1", " ".join(printable(str(text), keep="\r\n\t").split()))


def code(text: str, *, table: bool = False) -> str:
    """``text`` as an inline code span; in a table cell pipes are escaped as GFM requires."""
    text = " ".join(printable(str(text), keep="\r\n\t").split()) or " "
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    if text.startswith("`") or text.endswith("`"):
        text = f" {text} "
    if table:
        text = text.replace("|", "\\|")
    return f"{fence}{text}{fence}"


def _row(cells: list[str]) -> str:
    return "| " + " | ".join(cells) + " |"


def _finding_cell(findings: tuple[Finding, ...], report: AuditReport, threshold: Threshold) -> str:
    parts = []
    for f in ordered(findings):
        if f.suppressed:
            parts.append(f"~~{f.code}~~")
        else:
            mark = " **\u2716**" if report.is_blocking(f, threshold) else ""
            parts.append(f"{_ICONS[f.severity]} {f.code}{mark}")
    return " ".join(parts) or "\u2014"


def _package_row(pkg: PackageReport, report: AuditReport, threshold: Threshold) -> str:
    return _row(
        [
            code(pkg.name, table=True),
            code(declared_text(pkg), table=True),
            escape(locked_text(pkg)),
            escape(fresh_text(pkg)),
            escape(newest_text(pkg)),
            _finding_cell(report.findings_for(pkg), report, threshold),
        ]
    )


#: Rule codes whose data lists changes (``data["changes"][i]["text"]``): every item is
#: listed under the finding, up to this many.
_ITEM_CODES = frozenset(
    {
        RuleCode.API_DEFAULT_CHANGED,
        RuleCode.API_REMOVED,
        RuleCode.API_SIGNATURE_CHANGED,
        RuleCode.API_DEPRECATION,
        RuleCode.API_DISTRIBUTION_CHANGED,
    }
)
MAX_ITEMS = 20


def _items(f: Finding) -> list[str]:
    """The changes an API finding lists, as nested list lines (all in the JSON report)."""
    if f.code not in _ITEM_CODES:
        return []
    changes = f.data.get("changes")
    if not isinstance(changes, (list, tuple)):
        return []
    texts = [str(c.get("text", "")) for c in changes if hasattr(c, "get")]
    lines = [f"  - {code(t)}" for t in texts[:MAX_ITEMS]]
    if len(texts) > MAX_ITEMS:
        lines.append(f"  - _and {len(texts) - MAX_ITEMS} more (the JSON and SARIF reports list them all)_")
    return lines


def _details(name: str, findings: list[Finding], note: str | None, report: AuditReport, threshold: Threshold) -> str:
    active = [f for f in findings if not f.suppressed]
    top = max((f.severity for f in active), default=None)
    head = f"{len(active)} finding{'s' if len(active) != 1 else ''}"
    if top is not None:
        head += f", highest {top.value}"
    lines = [f"<details><summary><code>{html.escape(printable(name))}</code>: {html.escape(head)}</summary>", ""]
    if note:
        lines.append(f"_{escape(note)}_")
        lines.append("")
    for f in ordered(findings):
        where = f" \u2014 {code(str(f.where))}" if f.where else ""
        if f.suppressed_by is not None:
            lines.append(
                f"- ~~**{f.code}** ({f.severity.value})~~ {escape(f.message)}{where} "
                f"\u2014 suppressed: {escape(f.suppressed_by.reason)}"
            )
        else:
            mark = " **fails the run**" if report.is_blocking(f, threshold) else ""
            lines.append(f"- {_ICONS[f.severity]} **{f.code}** ({f.severity.value}){mark}: {escape(f.message)}{where}")
            lines += _items(f)
    lines += ["", "</details>"]
    return "\n".join(lines)


def render(report: AuditReport, *, threshold: Threshold, max_chars: int = DEFAULT_MAX_CHARS) -> str:
    meta = report.metadata
    blocking = report.blocking(threshold)
    if report.errors or blocking:
        icon = "\u274c"
    elif report.unknowns:
        icon = "\u2753"
    else:
        icon = "\u2705"
    header = [
        f"### {icon} lockaudit: {escape(summary_line(report, threshold))}",
        "",
        f"<sub>lockaudit {html.escape(meta.tool_version)}, as of {meta.as_of.isoformat()}, "
        f"fails on {threshold_name(threshold)}"
        + (", targets " + html.escape(", ".join(t.label for t in meta.targets)) if meta.targets else "")
        + "</sub>",
        "",
    ]
    if report.problems:
        header.append("**Input problems**")
        header.append("")
        for p in report.problems:
            header.append(f"- {escape(p.severity)} {code(str(p.origin))}: {escape(p.message)}")
        header.append("")

    unknown = {p.key for p in report.unknowns}
    shown = [p for p in report.packages if any(not f.suppressed for f in report.findings_for(p)) or p.key in unknown]
    hidden = len(report.packages) - len(shown)
    table_head = [
        _row(["Package", "Declared", "Locked", "Fresh install takes", "Newest", "Findings"]),
        _row(["---"] * 6),
    ]
    rows = [_package_row(p, report, threshold) for p in shown]
    rows += [
        _row([code(f.package, table=True), "", "", "", "", _finding_cell((f,), report, threshold)])
        for f in report.orphans()
        if not f.suppressed
    ]

    details = []
    by_name: dict[str, list[Finding]] = {}
    for f in report.findings:
        by_name.setdefault(canonicalize_name(f.package), []).append(f)
    notes = {p.key: status_note(p) for p in report.packages}
    for name in dict.fromkeys([p.name for p in shown] + [f.package for f in report.orphans() if not f.suppressed]):
        key = canonicalize_name(name)
        details.append(_details(name, by_name.get(key, []), notes.get(key), report, threshold))

    def assemble(rows: list[str], details: list[str], omitted: str | None) -> str:
        parts = list(header)
        if rows:
            parts += table_head + rows
            parts.append("")
        if hidden:
            parts.append(f"{hidden} other package{'s' if hidden != 1 else ''} with no unsuppressed findings.")
            parts.append("")
        parts += [d + "\n" for d in details]
        if omitted:
            parts.append(f"_{omitted}_")
        return "\n".join(parts).rstrip("\n") + "\n"

    text = assemble(rows, details, None)
    if len(text) <= max_chars:
        return text
    text = assemble(rows, [], "Details left out to fit a comment; see the full report.")
    keep = len(rows)
    while len(text) > max_chars and keep > 0:
        keep = max(0, keep - max(1, keep // 4))
        text = assemble(
            rows[:keep], [], f"{len(rows) - keep} rows and the details left out to fit a comment; see the full report."
        )
    return text
