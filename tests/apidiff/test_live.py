"""Opt-in checks against the real index (``pytest -m live``): the evidence issue 15 asks for.

requests 2.28.0 -> newest shows the new deprecation of
``HTTPAdapter.get_connection`` and the Requires-Python change; werkzeug
2.2.3 -> newest 3.x shows the changed default of
``generate_password_hash(method)``. The index is the default one (or
``LOCKAUDIT_INDEX_URL`` / pip's configuration when set).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from lockaudit.audit.engine import AuditOptions, audit
from lockaudit.audit.policy import Policy

pytestmark = pytest.mark.live


@pytest.fixture(autouse=True)
def _only_when_asked(request):
    if "live" not in (request.config.getoption("markexpr") or ""):
        pytest.skip("talks to the real index: run with -m live")


def audit_pair(tmp_path: Path, declared: str, locked: str):
    (tmp_path / "requirements.in").write_text(declared)
    (tmp_path / "requirements.txt").write_text(locked)
    report = audit(
        [str(tmp_path / "requirements.in"), str(tmp_path / "requirements.txt")],
        policy=Policy(),
        options=AuditOptions(cache=str(tmp_path / "cache.sqlite3")),
    )
    return {f.code.value: f for f in report.findings}


def test_requests_deprecation_and_requires_python(tmp_path: Path) -> None:
    found = audit_pair(tmp_path, "requests>=2.28\n", "requests==2.28.0\n")
    deprecations = {c["path"]: c["new"] for c in found["LA024"].data["changes"]}
    assert "get_connection_with_tls_context" in deprecations["requests.adapters.HTTPAdapter.get_connection"]
    change = next(c for c in found["LA025"].data["changes"] if c["kind"] == "requires-python-changed")
    assert change["old"] == ">=3.7, <4" and change["new"] != change["old"]


def test_werkzeug_password_hash_default(tmp_path: Path) -> None:
    found = audit_pair(tmp_path, "werkzeug>=2.2,<4\n", "werkzeug==2.2.3\n")
    defaults = {(c["path"], c["parameter"]): (c["old"], c["new"]) for c in found["LA021"].data["changes"]}
    assert defaults["werkzeug.security.generate_password_hash", "method"] == ("'pbkdf2:sha256'", "'scrypt'")
    assert "generate_password_hash(method) 'pbkdf2:sha256' -> 'scrypt'" in found["LA021"].message
