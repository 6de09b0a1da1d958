"""LA020: a bad input line is a finding at its file:line:col; the rest is audited."""

from __future__ import annotations

from lockaudit.audit.rules import inputs
from lockaudit.audit.rules.catalog import CATALOG, explain
from lockaudit.findings import RuleCode, Severity
from lockaudit.inputs import load_texts


def test_every_input_error_becomes_one_finding_at_its_place():
    lf = load_texts({"requirements.txt": "ok==1.0\nnumpy==1.26 --hash=md5:abcd\n--frobnicate\n--pre=1\n"})
    found = inputs.check(lf)
    assert [(str(f.location), f.severity, f.package) for f in found] == [
        ("requirements.txt:2:13", Severity.HIGH, "requirements.txt"),
        ("requirements.txt:3:1", Severity.HIGH, "requirements.txt"),
        ("requirements.txt:4:1", Severity.HIGH, "requirements.txt"),
    ]
    assert all(f.code is RuleCode.LA020 for f in found)
    first = found[0]
    assert "md5" in first.message and first.message.endswith("numpy==1.26 --hash=md5:abcd")
    assert first.data["problem"] == "invalid" and first.data["whole_file"] is False
    assert len({f.fingerprint for f in found}) == 3


def test_warnings_are_no_findings_and_the_fingerprint_survives_moved_lines():
    lf = load_texts({"requirements.txt": "ok==1.0\nok==1.0\n--hash=sha256:00\n"})  # a duplicate, an ignored option
    assert lf.warnings and inputs.check(lf) == []
    before = inputs.check(load_texts({"r.txt": "--frobnicate\n"}))[0]
    after = inputs.check(load_texts({"r.txt": "a==1\n\n--frobnicate\n"}))[0]
    assert before.location.line == 1 and after.location.line == 3
    assert before.fingerprint == after.fingerprint


def test_a_file_that_cannot_be_read_at_all_is_reported_too():
    lf = load_texts({"uv.lock": "[[package]\n"})
    (f,) = inputs.check(lf)
    assert f.data["whole_file"] is True and f.location.line == 1


def test_the_catalog_documents_la020():
    rule = CATALOG[RuleCode.LA020]
    assert rule.default_severity is Severity.HIGH and rule.name == "UnreadableInputLine"
    assert "LA020" in explain("la020")
