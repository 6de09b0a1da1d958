"""One self-contained HTML page: the report for people who would rather look than read.

Everything is inline (styles, a few lines of script, SVG pictures); the page
loads nothing from anywhere (its Content-Security-Policy forbids it) and works
from a file, an artifact store or a mail attachment.

- a summary and a chart of drift by size (major, minor, patch, up to date,
  not locked, unknown), one bar per size, one count per package;
- a table of every package, sortable by any column (click its header), grouped
  data per package in its own ``<tbody>`` so rows and details move together;
- per package, a release timeline: every release as a tick (yanked ones in
  red), the locked, fresh-install and newest releases marked, and the cooldown
  window before the audit date shaded;
- every finding with its rule's explanation and fix.

Release timelines need the release histories, which the report does not
carry: callers pass them as ``timelines`` (:func:`timelines_from_histories`
builds them from the index's histories). Without them the page says so
instead of drawing a timeline.
"""

from __future__ import annotations

import datetime as _dt
import html
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from packaging.utils import canonicalize_name

from ..audit.rules.catalog import CATALOG
from ..findings import AuditReport, Finding, PackageReport, PackageStatus, Severity, Threshold
from ..versions import normalize_version, sort_versions
from ._common import (
    declared_text,
    fresh_text,
    locked_text,
    newest_text,
    ordered,
    printable,
    status_note,
    summary_line,
    targets_text,
    threshold_name,
)

__all__ = ["DRIFT_SIZES", "TimelineRelease", "Timelines", "drift_of", "render", "timelines_from_histories"]


@dataclass(frozen=True, slots=True)
class TimelineRelease:
    """One release on a package's timeline."""

    version: str
    uploaded: _dt.datetime | None
    yanked: bool = False


#: Releases per package, keyed by normalized name.
Timelines = Mapping[str, Sequence[TimelineRelease]]

#: Drift buckets, largest first, with the rank the table sorts by.
DRIFT_SIZES: tuple[tuple[str, int], ...] = (
    ("major", 5),
    ("minor", 4),
    ("patch", 3),
    ("unknown", 2),
    ("up to date", 1),
    ("not locked", 0),
)
_DRIFT_RANK = dict(DRIFT_SIZES)
_SEVERITY_COLORS = {
    Severity.CRITICAL: "#8e0000",
    Severity.HIGH: "#c62828",
    Severity.MEDIUM: "#b26a00",
    Severity.LOW: "#1565c0",
    Severity.INFO: "#616161",
}
_DRIFT_COLORS = {
    "major": "#c62828",
    "minor": "#ef6c00",
    "patch": "#f9a825",
    "unknown": "#757575",
    "up to date": "#2e7d32",
    "not locked": "#9e9e9e",
}


def timelines_from_histories(histories: Mapping[str, object], as_of: _dt.date) -> dict[str, list[TimelineRelease]]:
    """Timelines from :class:`lockaudit.index.history.ProjectHistory` values: the
    releases uploaded by the end of ``as_of`` (later ones do not exist yet), by upload time."""
    cutoff = _dt.datetime.combine(as_of, _dt.time.max, tzinfo=_dt.UTC)
    out: dict[str, list[TimelineRelease]] = {}
    for name, history in histories.items():
        versions = getattr(history, "versions", ())
        releases = [
            TimelineRelease(r.version, r.upload_time, bool(r.yanked))
            for r in versions
            if r.upload_time is None or r.upload_time <= cutoff
        ]
        releases.sort(key=lambda r: (r.uploaded is None, r.uploaded or cutoff))
        out[canonicalize_name(name)] = releases
    return out


def drift_of(pkg: PackageReport, report: AuditReport) -> str:
    """The package's drift bucket: the size of its LA003 jump; "up to date" when the
    lock is what a fresh install takes; "not locked"; else "unknown" (the size cannot be told)."""
    if pkg.status is not PackageStatus.OK:
        return "unknown"
    for f in report.findings_for(pkg):
        if f.code == "LA003":
            jump = f.data.get("jump")
            return str(jump) if jump in ("major", "minor", "patch") else "unknown"
    if not pkg.locked:
        return "not locked"
    if pkg.fresh is not None and _same_version(pkg.locked, pkg.fresh):
        return "up to date"
    return "unknown"


def _same_version(a: str, b: str) -> bool:
    try:
        return normalize_version(a) == normalize_version(b)
    except ValueError:
        return a == b


# --------------------------------------------------------------------------- helpers


def _e(text: object) -> str:
    return html.escape(printable(str(text)), quote=True)


def _worst(findings: Iterable[Finding]) -> Severity | None:
    active = [f.severity for f in findings if not f.suppressed]
    return max(active) if active else None


def _project_of(pkg: PackageReport) -> str:
    where = pkg.origin or pkg.lock_origin
    return where.path if where is not None else ""


# --------------------------------------------------------------------------- pictures


def _drift_chart(counts: Mapping[str, int]) -> str:
    width, bar_h, gap, label_w = 560, 22, 8, 90
    top = max(counts.values(), default=0) or 1
    rows = []
    for i, (size, _) in enumerate(DRIFT_SIZES):
        n = counts.get(size, 0)
        y = i * (bar_h + gap)
        w = round((width - label_w - 60) * n / top)
        rows.append(
            f'<g class="bar" data-size="{_e(size)}" data-count="{n}">'
            f'<text x="{label_w - 8}" y="{y + 16}" text-anchor="end">{_e(size)}</text>'
            f'<rect x="{label_w}" y="{y}" width="{max(w, 1 if n else 0)}" height="{bar_h}" '
            f'fill="{_DRIFT_COLORS[size]}">'
            f"<title>{n} package{'s' if n != 1 else ''}: {_e(size)}</title></rect>"
            f'<text x="{label_w + w + 6}" y="{y + 16}">{n}</text></g>'
        )
    height = len(DRIFT_SIZES) * (bar_h + gap)
    return (
        f'<svg id="drift-chart" role="img" aria-label="Packages by drift size" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}">' + "".join(rows) + "</svg>"
    )


def _timeline(
    pkg: PackageReport, releases: Sequence[TimelineRelease] | None, as_of: _dt.date, cooldown_days: float
) -> str:
    if releases is None:
        return '<p class="no-timeline">No release history for this package in the report data.</p>'
    if not releases:
        return '<p class="no-timeline">No release of this package existed by the audit date.</p>'
    dated = [(r, r.uploaded) for r in releases if r.uploaded is not None]
    if not dated:
        return '<p class="no-timeline">The index gives no upload times for this package.</p>'
    width, height, pad = 720, 64, 12
    end = _dt.datetime.combine(as_of, _dt.time.max, tzinfo=_dt.UTC)
    start = min(when for _, when in dated)
    span = max((end - start).total_seconds(), 86400.0)

    def x(when: _dt.datetime) -> float:
        return round(pad + (width - 2 * pad) * (when - start).total_seconds() / span, 1)

    uploaded = {r.version: when for r, when in dated}
    parts = [
        f'<svg class="timeline" data-package="{_e(pkg.name)}" role="img" '
        f'aria-label="Release timeline of {_e(pkg.name)}" '
        f'width="{width}" height="{height}" viewBox="0 0 {width} {height}">',
        f'<line class="axis" x1="{pad}" y1="40" x2="{width - pad}" y2="40" />',
    ]
    cooldown_start = end - _dt.timedelta(days=cooldown_days)
    if cooldown_days > 0:
        cx = x(max(cooldown_start, start))
        parts.append(
            f'<rect class="cooldown" x="{cx}" y="18" width="{round(x(end) - cx, 1) or 1}" height="30">'
            f"<title>cooldown window: releases after {cooldown_start.date().isoformat()} are younger than "
            f"{cooldown_days:g} days</title></rect>"
        )
    for year in range(start.year + 1, end.year + 1):
        yx = x(_dt.datetime(year, 1, 1, tzinfo=_dt.UTC))
        parts.append(
            f'<line class="year" x1="{yx}" y1="36" x2="{yx}" y2="44" /><text class="year" x="{yx}" y="58">{year}</text>'
        )
    ticks = "".join(f"M{x(when)} 30v20" for r, when in dated if not r.yanked)
    yanked = "".join(f"M{x(when)} 30v20" for r, when in dated if r.yanked)
    if ticks:
        parts.append(f'<path class="release" d="{ticks}"><title>{len(dated)} releases</title></path>')
    if yanked:
        n = sum(1 for r, _ in dated if r.yanked)
        parts.append(
            f'<path class="yanked" d="{yanked}"><title>{n} yanked release{"s" if n != 1 else ""}</title></path>'
        )
    # One mark per version: "locked/fresh 2.28.0" when they coincide, never two labels on one spot.
    marks: dict[str, list[str]] = {}
    for kind, version in (("locked", pkg.locked), ("fresh", pkg.fresh), ("newest", pkg.newest)):
        if version and version in uploaded:
            marks.setdefault(version, []).append(kind)
    for i, (version, kinds) in enumerate(marks.items()):
        mx = x(uploaded[version])
        anchor = "end" if mx > width * 0.75 else ("start" if mx < width * 0.25 else "middle")
        label = "/".join(kinds)
        when = uploaded[version].date().isoformat()
        dots = "".join(
            f'<circle class="{kind}" cx="{round(mx + 4 * (k - (len(kinds) - 1) / 2), 1)}" cy="40" r="4" />'
            for k, kind in enumerate(kinds)
        )
        parts.append(
            f'<g class="mark {" ".join(kinds)}" data-version="{_e(version)}">{dots}'
            f'<text x="{mx}" y="{10 + 10 * i}" text-anchor="{anchor}">{_e(label)} {_e(version)}</text>'
            f"<title>{_e(label)}: {_e(version)}, uploaded {when}</title></g>"
        )
    parts.append("</svg>")
    legend = (
        '<p class="legend"><span class="k release">release</span><span class="k yanked">yanked</span>'
        '<span class="k locked">locked</span><span class="k fresh">fresh install</span>'
        '<span class="k newest">newest</span><span class="k cooldown">cooldown window</span></p>'
    )
    return "".join(parts) + legend


# --------------------------------------------------------------------------- sections


def _finding_item(f: Finding, report: AuditReport, threshold: Threshold) -> str:
    rule = CATALOG.get(f.code)
    blocking = report.is_blocking(f, threshold)
    where = f' <span class="where">{_e(f.where)}</span>' if f.where is not None else ""
    state = ' <strong class="fails">fails the run</strong>' if blocking else ""
    if f.suppressed and f.suppressed_by is not None:
        state = f' <span class="suppressed">suppressed: {_e(f.suppressed_by.reason)}</span>'
    explain = ""
    if rule is not None:
        explain = (
            f'<details class="explain"><summary>{_e(rule.code)}: {_e(rule.title)}</summary>'
            f"<p>{_e(rule.explanation)}</p><p><b>Fix:</b> {_e(rule.fix)}</p></details>"
        )
    return (
        f'<li class="finding sev-{f.severity.value}" data-code="{_e(f.code)}">'
        f'<span class="sev" style="background:{_SEVERITY_COLORS[f.severity]}">{_e(f.severity.value)}</span> '
        f"<code>{_e(f.code)}</code> <b>{_e(f.package)}</b>: {_e(f.message)}{where}{state}{explain}</li>"
    )


_COLUMNS = (
    ("package", "name", "text"),
    ("file", "file", "text"),
    ("declared", "declared", "text"),
    ("locked", "locked", "number"),
    ("fresh install takes", "fresh", "number"),
    ("newest", "newest", "number"),
    ("drift", "drift", "number"),
    ("worst", "severity", "number"),
    ("findings", "findings", "number"),
)


def _package_body(
    pkg: PackageReport,
    report: AuditReport,
    threshold: Threshold,
    ranks: Mapping[str, int],
    timelines: Timelines | None,
) -> str:
    findings = report.findings_for(pkg)
    worst = _worst(findings)
    drift = drift_of(pkg, report)
    active = [f for f in findings if not f.suppressed]
    keys = {
        "name": pkg.name.lower(),
        "file": _project_of(pkg),
        "declared": declared_text(pkg),
        "locked": ranks.get(pkg.locked or "", -1),
        "fresh": ranks.get(pkg.fresh or "", -1),
        "newest": ranks.get(pkg.newest or "", -1),
        "drift": _DRIFT_RANK[drift],
        "severity": worst.rank + 1 if worst is not None else 0,
        "findings": len(active),
    }
    data = " ".join(f'data-{k}="{_e(v)}"' for k, v in keys.items())
    badges = " ".join(
        f'<span class="sev" style="background:{_SEVERITY_COLORS[f.severity]}">{_e(f.code)}</span>'
        for f in ordered(active)
    )
    note = status_note(pkg)
    cells = [
        f'<th scope="row" class="name">{_e(pkg.name)}</th>',
        f"<td>{_e(_project_of(pkg))}</td>",
        f"<td>{_e(declared_text(pkg))}</td>",
        f"<td>{_e(locked_text(pkg))}</td>",
        f"<td>{_e(fresh_text(pkg))}</td>",
        f"<td>{_e(newest_text(pkg))}</td>",
        f'<td><span class="drift" style="border-color:{_DRIFT_COLORS[drift]}">{_e(drift)}</span></td>',
        f"<td>{_e(worst.value) if worst is not None else ''}</td>",
        f"<td>{badges}</td>",
    ]
    releases = None if timelines is None else timelines.get(pkg.key)
    items = "".join(_finding_item(f, report, threshold) for f in ordered(findings))
    detail = (
        f'<details class="more"{" open" if active else ""}><summary>timeline'
        f"{' and findings' if findings else ''}</summary>"
        + (f'<p class="note">{_e(note)}</p>' if note else "")
        + _timeline(pkg, releases, report.metadata.as_of, report.metadata.policy.cooldown_days)
        + (f'<ul class="findings">{items}</ul>' if items else "")
        + "</details>"
    )
    return (
        f'<tbody class="pkg" {data}><tr class="row">{"".join(cells)}</tr>'
        f'<tr class="detail"><td colspan="{len(_COLUMNS)}">{detail}</td></tr></tbody>'
    )


_STYLE = """
:root{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1b1b1b;background:#fff}
body{margin:1.5rem auto;max-width:1200px;padding:0 1rem}
h1{font-size:1.5rem;margin:0}h2{font-size:1.15rem;margin-top:2rem}
.meta{color:#555;margin:.25rem 0}.summary{font-weight:600}
table{border-collapse:collapse;width:100%;font-size:.9rem}
th,td{text-align:left;padding:.3rem .5rem;border-bottom:1px solid #e0e0e0;vertical-align:top}
thead th{position:sticky;top:0;background:#fafafa;border-bottom:2px solid #bbb}
thead button{font:inherit;font-weight:600;background:none;border:0;cursor:pointer;padding:0}
thead th[aria-sort=ascending] button::after{content:" \\25B2"}
thead th[aria-sort=descending] button::after{content:" \\25BC"}
tr.detail td{border-bottom:2px solid #e0e0e0;padding-top:0}
.sev{color:#fff;border-radius:3px;padding:0 .3rem;font-size:.75rem;font-weight:600}
.drift{border-left:4px solid;padding-left:.3rem}
.findings{margin:.4rem 0;padding-left:1.2rem}.finding{margin:.3rem 0}
.where{color:#666;font-family:ui-monospace,monospace;font-size:.8rem}.fails{color:#c62828}
.suppressed{color:#777;font-style:italic}.explain summary{cursor:pointer;color:#333}
.explain p{margin:.2rem 0 .2rem 1rem;color:#333}
svg.timeline{display:block;margin:.3rem 0;max-width:100%;height:auto}
svg.timeline .axis{stroke:#999}svg.timeline .year{stroke:#bbb;fill:#777;font-size:10px;text-anchor:middle}
svg.timeline .release{stroke:#90a4ae;stroke-width:1}svg.timeline .yanked{stroke:#d32f2f;stroke-width:2}
svg.timeline .cooldown{fill:#fff3e0;stroke:#ffb74d}
svg.timeline .mark text{font-size:10px}
svg.timeline circle.locked{fill:#6a1b9a}svg.timeline circle.fresh{fill:#ef6c00}svg.timeline circle.newest{fill:#2e7d32}
.legend{font-size:.75rem;color:#555;margin:0}.legend .k{margin-right:.8rem}
.legend .k::before{content:"";display:inline-block;width:.7rem;height:.7rem;margin-right:.25rem;
vertical-align:-1px}
.legend .release::before{background:#90a4ae}.legend .yanked::before{background:#d32f2f}
.legend .locked::before{background:#6a1b9a;border-radius:50%}
.legend .fresh::before{background:#ef6c00;border-radius:50%}
.legend .newest::before{background:#2e7d32;border-radius:50%}
.legend .cooldown::before{background:#fff3e0;border:1px solid #ffb74d}
#drift-chart text{font-size:12px}.no-timeline,.note{color:#666;font-style:italic}
"""

_SCRIPT = """
(function(){
  var table=document.getElementById("packages-table");
  var heads=table.querySelectorAll("thead th");
  heads.forEach(function(th){
    th.querySelector("button").addEventListener("click",function(){
      var key=th.dataset.key, numeric=th.dataset.type==="number";
      var dir=th.getAttribute("aria-sort")==="ascending"?"descending":"ascending";
      heads.forEach(function(h){h.setAttribute("aria-sort","none");});
      th.setAttribute("aria-sort",dir);
      var bodies=Array.prototype.slice.call(table.querySelectorAll("tbody.pkg"));
      bodies.sort(function(a,b){
        var x=a.dataset[key], y=b.dataset[key], c;
        if(numeric){c=Number(x)-Number(y);}else{c=x<y?-1:(x>y?1:0);}
        if(c===0){c=a.dataset.name<b.dataset.name?-1:(a.dataset.name>b.dataset.name?1:0);}
        return dir==="ascending"?c:-c;
      });
      bodies.forEach(function(b){table.appendChild(b);});
    });
  });
})();
"""


def render(report: AuditReport, *, threshold: Threshold, timelines: Timelines | None = None) -> str:
    """The page. ``timelines`` (releases per normalized package name) draws the
    release timelines; without it the page says it has no histories."""
    meta = report.metadata
    versions = {v for p in report.packages for v in (p.locked, p.fresh, p.newest) if v}
    try:
        ranks = {v: i for i, v in enumerate(sort_versions(sorted(versions)))}
    except ValueError:  # a version that is not PEP 440: order those by text
        ranks = {v: i for i, v in enumerate(sorted(versions))}
    counts: dict[str, int] = {}
    for p in report.packages:
        size = drift_of(p, report)
        counts[size] = counts.get(size, 0) + 1
    heads = "".join(
        f'<th scope="col" data-key="{key}" data-type="{kind}" aria-sort="none">'
        f'<button type="button">{_e(label)}</button></th>'
        for label, key, kind in _COLUMNS
    )
    bodies = "".join(_package_body(p, report, threshold, ranks, timelines) for p in report.packages)
    failing = ordered(report.blocking(threshold))
    orphans = report.orphans()
    problems = "".join(f"<li>{_e(p.render())}</li>" for p in report.problems)
    title = f"lockaudit report, as of {meta.as_of.isoformat()}"
    out = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        # Nothing from outside: inline styles and script only, pictures as inline SVG.
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; "
        "script-src 'unsafe-inline'; img-src data:\">",
        f"<title>{_e(title)}</title><style>{_STYLE}</style></head><body>",
        f'<header><h1>lockaudit report</h1><p class="meta">lockaudit {_e(meta.tool_version)} &middot; as of '
        f"{_e(meta.as_of.isoformat())} &middot; for {_e(targets_text(meta.targets))} &middot; fail-on "
        f"{_e(threshold_name(threshold))}</p>",
        f'<p class="meta">inputs: {_e(", ".join(meta.inputs) or "-")}</p>',
        f'<p id="summary" class="summary">{_e(summary_line(report, threshold))}</p></header>',
    ]
    if problems:
        out.append(f'<section id="problems"><h2>Input problems</h2><ul>{problems}</ul></section>')
    out.append(f'<section id="drift"><h2>Drift by size</h2>{_drift_chart(counts)}</section>')
    if failing:
        items = "".join(_finding_item(f, report, threshold) for f in failing)
        out.append(
            f'<section id="failing"><h2>Failing the run ({len(failing)})</h2>'
            f'<ul class="findings">{items}</ul></section>'
        )
    out.append(
        f'<section id="packages"><h2>Packages ({len(report.packages)})</h2>'
        f'<table id="packages-table"><thead><tr>{heads}</tr></thead>{bodies}</table></section>'
    )
    if orphans:
        items = "".join(_finding_item(f, report, threshold) for f in ordered(orphans))
        out.append(f'<section id="other"><h2>Other findings</h2><ul class="findings">{items}</ul></section>')
    out.append(f"<script>{_SCRIPT}</script></body></html>")
    return "\n".join(out) + "\n"
