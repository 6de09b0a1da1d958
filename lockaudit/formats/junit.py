"""JUnit XML, for CI systems that show test results.

One ``testcase`` per package (every package the report names, in report
order). A package fails with one ``failure`` per finding at or above the
threshold; a package whose status is unknown (and not waived) has an ``error``;
a package not from the index is ``skipped``. Findings below the threshold and
suppressed ones are listed in the testcase's ``system-out``. Input problems of
severity error add one more testcase, ``input files``, with an ``error`` each.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from packaging.utils import canonicalize_name

from ..findings import AuditReport, Finding, PackageReport, PackageStatus, Threshold
from ._common import TOOL_NAME, ordered, package_names, status_note

__all__ = ["render"]

# Characters XML 1.0 does not allow, even escaped.
_INVALID_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def _clean(text: str) -> str:
    return _INVALID_XML.sub("\ufffd", text)


def _describe(f: Finding) -> str:
    where = f" ({f.where})" if f.where else ""
    state = f" [suppressed: {f.suppressed_by.reason}]" if f.suppressed_by else ""
    return f"{f.code} {f.severity}: {f.message}{where}{state}"


def render(report: AuditReport, *, threshold: Threshold) -> str:
    suite = ET.Element("testsuite", name=TOOL_NAME)
    rows: dict[str, list[PackageReport]] = {}
    for pkg in report.packages:
        rows.setdefault(pkg.key, []).append(pkg)
    findings: dict[str, list[Finding]] = {}
    for f in report.findings:
        findings.setdefault(canonicalize_name(f.package), []).append(f)
    unknown = {p.key for p in report.unknowns}

    tests = failures = errors = skipped = 0
    for name in package_names(report):
        key = canonicalize_name(name)
        pkgs = rows.get(key, [])
        first = pkgs[0] if pkgs else None
        where = first.origin or first.lock_origin if first else None
        case = ET.SubElement(
            suite, "testcase", name=_clean(name), classname=_clean(f"{TOOL_NAME}.{where.path if where else 'policy'}")
        )
        if where is not None:
            case.set("file", _clean(where.path))
            if where.line is not None:
                case.set("line", str(where.line))
        tests += 1
        mine = ordered(findings.get(key, []))
        blocking = [f for f in mine if report.is_blocking(f, threshold)]
        for f in blocking:
            failure = ET.SubElement(
                case, "failure", message=_clean(f"{f.code} {f.severity}: {f.message}"), type=f.code.value
            )
            failure.text = _clean(_describe(f))
        failures += bool(blocking)
        if key in unknown:
            notes = "; ".join(filter(None, (status_note(p) for p in pkgs))) or "status unknown"
            ET.SubElement(case, "error", message=_clean(notes), type="unknown")
            errors += 1
        elif not blocking and pkgs and all(p.status is PackageStatus.NOT_FROM_INDEX for p in pkgs):
            ET.SubElement(case, "skipped", message=_clean(status_note(pkgs[0]) or "not from the index"))
            skipped += 1
        blocking_ids = {id(f) for f in blocking}
        rest = [f for f in mine if id(f) not in blocking_ids]
        if rest:
            out = ET.SubElement(case, "system-out")
            out.text = _clean("\n".join(_describe(f) for f in rest))

    if report.errors:
        case = ET.SubElement(suite, "testcase", name="input files", classname=f"{TOOL_NAME}.inputs")
        tests += 1
        errors += 1
        for problem in report.errors:
            error = ET.SubElement(case, "error", message=_clean(problem.message), type="input")
            error.text = _clean(problem.render())

    for attr, value in (("tests", tests), ("failures", failures), ("errors", errors), ("skipped", skipped)):
        suite.set(attr, str(value))
    root = ET.Element("testsuites", name=TOOL_NAME)
    for attr in ("tests", "failures", "errors"):
        root.set(attr, suite.get(attr, "0"))
    root.append(suite)
    ET.indent(root)
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"
