"""The service against a hostile index and hostile uploads: nothing leaks, nothing
is a 500, and what could not be decided is unknown."""

from __future__ import annotations

import json
from pathlib import Path

from service.helpers import pair

BIG = "1" * 5000  # past Python's 4,300-digit limit for int <-> str


def test_a_redirect_to_a_server_file_never_becomes_an_answer(http, index, tmp_path: Path):
    leak = tmp_path / "leak.json"
    leak.write_text(json.dumps({
        "meta": {"api-version": "1.1"}, "name": "svc-leak", "versions": ["99.0.0"],
        "files": [{"filename": "svc_leak-99.0.0.tar.gz", "url": "x.tar.gz", "hashes": {"sha256": "ee" * 32}}],
    }))  # fmt: skip
    index.always("/simple/svc-leak/", ("redirect", 302, leak.as_uri()))
    try:
        r = http.get("/v1/projects/svc-leak/versions")
        assert r.status_code == 502, r.text
        assert "99.0.0" not in r.text
        assert r.json()["error"]["code"] == "index_unavailable" and "refused" in r.json()["error"]["message"]
        audit = http.post("/v1/audit", json={"files": pair("svc-leak\n", "svc-leak==99.0.0\n")})
        assert audit.status_code == 200, audit.text
        package = next(p for p in audit.json()["packages"] if p["name"] == "svc-leak")
        assert package["status"] == "unknown" and package["newest"] is None
    finally:
        index.always("/simple/svc-leak/", None)


def test_huge_integers_in_uploads_are_422_naming_file_and_line(http):
    cases = {
        "pyproject.toml": f'[project]\nname = "x"\nversion = "1"\ndependencies = ["svc-alpha"]\n[tool.x]\ny = {BIG}\n',
        "poetry.lock": f'[[package]]\nname = "svc-alpha"\nversion = "1.0.0"\nx = 0x{"f" * 4000}\n',
        "Pipfile.lock": '{"default": {"svc-alpha": {"version": "==1.0.0", "x": ' + BIG + "}}}",
    }
    for name, content in cases.items():
        r = http.post("/v1/audit", json={"files": [{"name": name, "content": content}]})
        assert r.status_code == 422, (name, r.status_code, r.text[:500])
        error = r.json()["error"]
        assert "integer too large" in json.dumps(error) and name in json.dumps(error)


def test_a_huge_integer_in_an_uploaded_policy_is_422(http):
    files = [{"name": "requirements.txt", "content": "svc-alpha==1.0.0\n"},
             {"name": "lockaudit.toml", "content": f"cooldown = {BIG}\n"}]  # fmt: skip
    r = http.post("/v1/audit", json={"files": files})
    assert r.status_code == 422 and r.json()["error"]["code"] == "invalid_policy", r.text
    assert "integer too large" in r.json()["error"]["message"]


def test_a_nul_byte_in_an_uploaded_include_is_422(http):
    files = [{"name": "requirements.txt", "content": "svc-alpha==1.0.0\n-r other\u0000.txt\n"}]
    r = http.post("/v1/audit", json={"files": files})
    assert r.status_code == 422, r.text
    assert "NUL" in json.dumps(r.json()["error"])


def test_the_service_caps_index_answers_and_their_time(index, tmp_path: Path):
    from service.helpers import ServiceProcess

    proc = ServiceProcess(tmp_path / "capped", "--index-url", index.url, "--cache", "none",
                          "--max-response-bytes", "2000", "--index-deadline", "1", "--index-retries", "1")  # fmt: skip
    try:
        index.always("/simple/svc-drip/", ("drip", 0.2, 50))
        with proc.client() as c:
            small = c.get("/v1/projects/svc-stable/versions")
            assert small.status_code == 200, small.text
            big = c.get("/v1/projects/requests/versions")  # a corpus page: far more than 2,000 bytes
            assert big.status_code == 502, big.text
            assert "larger than the limit of 2,000 bytes" in big.json()["error"]["message"]
            # (a slow index is an outage: the service then answers from its cache for a while)
            slow = c.get("/v1/projects/svc-drip/versions")
            assert slow.status_code == 503, slow.text
            assert "no complete answer within 1 s" in slow.json()["error"]["message"]
            assert f"127.0.0.1:{index.url.split(':')[2].split('/')[0]}" in slow.json()["error"]["message"]
    finally:
        index.always("/simple/svc-drip/", None)
        proc.stop()
