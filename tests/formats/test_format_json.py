"""The JSON document validates against the schema shipped in the package."""

from __future__ import annotations

import json
from importlib import resources

import jsonschema
import pytest

from lockaudit.findings import AuditReport, Severity
from lockaudit.formats import json_format


@pytest.fixture(scope="module")
def validator() -> jsonschema.Draft202012Validator:
    schema = json_format.schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())


def errors(validator: jsonschema.Draft202012Validator, doc: object) -> list[str]:
    return [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(doc)]


def test_schema_ships_in_the_package() -> None:
    text = resources.files("lockaudit").joinpath("schemas/report-v1.schema.json").read_text(encoding="utf-8")
    schema = json.loads(text)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["properties"]["schema_version"] == {"const": json_format.SCHEMA_VERSION}


@pytest.mark.parametrize("threshold", [Severity.HIGH, Severity.INFO, None])
def test_document_validates(
    validator: jsonschema.Draft202012Validator, report: AuditReport, threshold: Severity | None
) -> None:
    doc = json.loads(json_format.render(report, threshold=threshold))
    assert errors(validator, doc) == []
    assert doc["schema_version"] == "1"


def test_document_with_problems_validates(
    validator: jsonschema.Draft202012Validator, problem_report: AuditReport
) -> None:
    doc = json.loads(json_format.render(problem_report, threshold=Severity.HIGH))
    assert errors(validator, doc) == []
    assert [p["severity"] for p in doc["problems"]] == ["error", "warning"]
    assert doc["problems"][0] == {
        "path": "requirements.in",
        "line": 7,
        "column": 9,
        "severity": "error",
        "message": "invalid specifier",
        "expected": "a PEP 440 specifier",
        "text": "flask>=>2",
    }


def test_document_content(report: AuditReport) -> None:
    doc = json_format.to_document(report, threshold=Severity.HIGH)
    assert doc["index_url"] == "https://index.example.org/simple/"
    assert doc["threshold"] == "high"
    assert doc["summary"] == {
        "packages": 6,
        "findings": 6,
        "blocking": 1,
        "suppressed": 1,
        "unknown": 1,
        "problems": 0,
        "by_severity": {"critical": 0, "high": 1, "medium": 1, "low": 2, "info": 2},
    }
    by_code = {(f["code"], f["package"]): f for f in doc["findings"]}
    drift = by_code[("LA003", "Django")]
    assert drift["blocking"] is True and drift["suppressed"] is None
    assert drift["location"] == {"path": "requirements.in", "line": 1, "column": None}
    assert drift["lock_location"] == {"path": "requirements.txt", "line": 10, "column": None}
    assert drift["data"]["releases"] == 23
    assert by_code[("LA003", "requests[socks]")]["data"] == {"jump": "patch", "nested": {"list": [1, 2.5, None, True]}}
    suppressed = by_code[("LA009", "attrs")]
    assert suppressed["blocking"] is False
    assert suppressed["suppressed"]["reason"] == "we want every 23.x"
    django = doc["packages"][0]
    assert django["findings"] == [drift["fingerprint"], by_code[("LA007", "Django")]["fingerprint"]]
    assert [t["target"]["label"] for t in django["targets"]] == ["py3.9-linux", "py3.12-linux"]
    assert doc["packages"][2]["status"] == "unknown"
    assert doc["packages"][3]["status"] == "not-from-index"


def test_schema_rejects_what_it_should(validator: jsonschema.Draft202012Validator, report: AuditReport) -> None:
    doc = json.loads(json_format.render(report, threshold=Severity.HIGH))
    doc["findings"][0]["severity"] = "severe"
    doc["packages"][0]["extra"] = 1
    del doc["summary"]["blocking"]
    doc["schema_version"] = "2"
    found = errors(validator, doc)
    assert len(found) == 4, found
