"""LA012 names dependencies as people read them: markers follow "when", never in
parentheses of ours (a marker may carry its own: no "((")."""

from __future__ import annotations

import datetime as dt

from lockaudit.audit.facts import AuditContext, build_facts
from lockaudit.audit.rules import dependencies
from lockaudit.findings import Target
from lockaudit.index.metadata import CoreMetadata
from lockaudit.model import LockedPackage, Origin
from lockaudit.resolve.metadata import from_core_metadata

CTX = AuditContext(now=dt.datetime(2026, 1, 1, tzinfo=dt.UTC), cutoff=None)


def test_markers_are_shown_after_when_and_never_double_parenthesized():
    pin = LockedPackage("click", "8.0.3", Origin("requirements.txt", 3, 1))
    facts = build_facts(
        "click", "requirements.txt", "requirements.txt", (), (pin,), None, CTX, {Target("3.11", "linux"): None}
    )
    facts.fresh = "8.1.8"
    old = CoreMetadata(
        "click",
        "8.0.3",
        "2.1",
        (
            'colorama; platform_system == "Windows"',
            'importlib-metadata; python_version < "3.8" or (python_version > "3.9" and os_name == "nt")',
            "rich[jupyter]>=10",
        ),
        ">=3.6",
    )
    new = CoreMetadata("click", "8.1.8", "2.1", ("rich[jupyter]>=12",), ">=3.7")
    (finding,) = dependencies.check(facts, from_core_metadata(old), from_core_metadata(new))
    assert "((" not in finding.message and "))" not in finding.message
    assert finding.data["removed"] == (
        'colorama when platform_system == "Windows"',
        'importlib-metadata when python_version < "3.8" or (python_version > "3.9" and os_name == "nt")',
    )
    assert finding.data["rebounded"] == ("rich[jupyter] >=10 -> >=12",)
    assert finding.message.startswith("8.1.8 drops colorama when platform_system")
    assert "compared with the locked 8.0.3" in finding.message
