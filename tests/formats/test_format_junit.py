"""JUnit XML: well-formed, one testcase per package, failures at/above the threshold."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from lockaudit.findings import AuditReport, Severity
from lockaudit.formats import junit


def parse(report: AuditReport, threshold: Severity | None) -> ET.Element:
    text = junit.render(report, threshold=threshold)
    assert text.startswith("<?xml version='1.0' encoding='utf-8'?>")
    return ET.fromstring(text)


def cases(root: ET.Element) -> dict[str, ET.Element]:
    found = root.findall("./testsuite/testcase")
    names = [c.get("name") for c in found]
    assert len(names) == len(set(names))
    return {str(c.get("name")): c for c in found}


def test_one_testcase_per_package(report: AuditReport) -> None:
    root = parse(report, Severity.HIGH)
    assert root.tag == "testsuites"
    names = list(cases(root))
    # Every package row, then the package only a finding names (the expired suppression's).
    assert names == ["Django", "requests[socks]", "internal-utils", "mylib", "attrs", "idna", "urllib3"]
    suite = root.find("testsuite")
    assert suite is not None
    assert (suite.get("tests"), suite.get("failures"), suite.get("errors"), suite.get("skipped")) == (
        "7",
        "1",
        "1",
        "1",
    )


def test_failures_follow_the_threshold(report: AuditReport) -> None:
    high = cases(parse(report, Severity.HIGH))
    failures = high["Django"].findall("failure")
    assert [(f.get("type"), f.get("message", "")[:10]) for f in failures] == [("LA003", "LA003 high")]
    assert "LA007 medium" in (high["Django"].findtext("system-out") or "")
    assert high["idna"].find("failure") is None and high["idna"].find("system-out") is None

    low = cases(parse(report, Severity.LOW))
    assert [f.get("type") for f in low["Django"].findall("failure")] == ["LA003", "LA007"]
    assert [f.get("type") for f in low["requests[socks]"].findall("failure")] == ["LA003"]
    assert [f.get("type") for f in low["urllib3"].findall("failure")] == ["LA016"]
    # Suppressed findings never fail; they are listed as output.
    assert low["attrs"].find("failure") is None
    assert "[suppressed: we want every 23.x]" in (low["attrs"].findtext("system-out") or "")

    never = parse(report, None)
    assert never.findall(".//failure") == []


def test_unknown_is_an_error_and_not_from_index_is_skipped(report: AuditReport) -> None:
    by_name = cases(parse(report, Severity.HIGH))
    error = by_name["internal-utils"].find("error")
    assert error is not None and error.get("message") == "unknown: not found on the index"
    skipped = by_name["mylib"].find("skipped")
    assert skipped is not None and skipped.get("message") == "not from the index (vcs)"
    assert by_name["Django"].get("file") == "requirements.in" and by_name["Django"].get("line") == "1"


def test_input_errors_get_their_own_testcase(problem_report: AuditReport) -> None:
    by_name = cases(parse(problem_report, Severity.HIGH))
    inputs = by_name["input files"]
    errors = inputs.findall("error")
    assert len(errors) == 1  # the warning is not an error
    assert "flask>=>2" in (errors[0].text or "")


def test_text_is_escaped_and_control_characters_removed(report: AuditReport, replace_finding) -> None:  # type: ignore[no-untyped-def]
    report = replace_finding(report, 2, message='a\x1b[31m<red>&\x00"quoted"\ufffe')
    root = parse(report, Severity.INFO)
    failure = cases(root)["requests[socks]"].find("failure")
    assert failure is not None
    assert failure.get("message") == 'LA003 low: a\ufffd[31m<red>&\ufffd"quoted"\ufffd'
