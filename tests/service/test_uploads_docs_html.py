"""The service for pipelines and people: multipart uploads (curl -F), the HTML
report by Accept, and /docs served from the package's own assets (no CDN),
checked in a real browser with every non-local request blocked."""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path

import pytest
from service.helpers import AS_OF, TOKEN, codes

CHROMIUM = "/usr/bin/chromium"


def _curl(server, tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    cmd = ["curl", "-sS", "-D", str(tmp_path / "headers"), "-H", f"Authorization: Bearer {TOKEN}", *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=60, cwd=tmp_path)


def _headers(tmp_path: Path) -> dict[str, str]:
    lines = (tmp_path / "headers").read_text().splitlines()
    return {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:] if ":" in line)}


def test_curl_form_upload_gives_the_same_report_as_json(server, http, tmp_path: Path) -> None:
    (tmp_path / "requirements.in").write_text("svc-alpha>=1.0,<3\n")
    (tmp_path / "requirements.txt").write_text("svc-alpha==1.0.0\n")
    policy = json.dumps({"as-of": AS_OF, "fail-on": "major"})
    proc = _curl(
        server, tmp_path,
        "-F", "requirements.in=@requirements.in", "-F", "requirements.txt=@requirements.txt",
        "-F", f"policy={policy}", f"{server.url}/v1/audit",
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    form_report = json.loads(proc.stdout)
    assert _headers(tmp_path)["x-lockaudit-exit-code"] == "1"
    assert "LA003" in codes(form_report, "svc-alpha")
    assert form_report["inputs"] == ["requirements.in", "requirements.txt"]
    as_json = http.post(
        "/v1/audit",
        json={
            "files": [
                {"name": "requirements.in", "content": "svc-alpha>=1.0,<3\n"},
                {"name": "requirements.txt", "content": "svc-alpha==1.0.0\n"},
            ],
            "policy": {"as-of": AS_OF, "fail-on": "major"},
        },
    ).json()
    assert [(f["code"], f["package"], f["severity"]) for f in form_report["findings"]] == [
        (f["code"], f["package"], f["severity"]) for f in as_json["findings"]
    ]


def test_form_field_names_are_paths_and_generic_fields_use_the_file_name(server, tmp_path: Path) -> None:
    (tmp_path / "requirements.txt").write_text("svc-stable==1.0.1\n")
    proc = _curl(
        server, tmp_path, "-F", "svc/requirements.txt=@requirements.txt", "-F", "format=sarif",
        "-F", f"policy={json.dumps({'as-of': AS_OF})}", f"{server.url}/v1/audit",
    )  # fmt: skip
    sarif = json.loads(proc.stdout)
    assert sarif["version"] == "2.1.0"
    uris = {a["location"]["uri"] for a in sarif["runs"][0].get("artifacts", [])} | set(
        re.findall(r'"uri": "([^"]+)"', proc.stdout)
    )
    assert any(u.endswith("svc/requirements.txt") for u in uris), uris
    proc = _curl(
        server,
        tmp_path,
        "-F",
        "file=@requirements.txt",
        "-F",
        f"policy={json.dumps({'as-of': AS_OF})}",
        f"{server.url}/v1/audit",
    )
    assert json.loads(proc.stdout)["inputs"] == ["requirements.txt"]


def test_form_errors_are_the_services_errors(server, tmp_path: Path) -> None:
    (tmp_path / "requirements.txt").write_text("svc-stable==1.0.1\n")
    proc = _curl(
        server, tmp_path, "-F", "requirements.txt=@requirements.txt", "-F", "policy=not json", f"{server.url}/v1/audit"
    )
    assert json.loads(proc.stdout)["error"]["code"] == "invalid_request"
    proc = _curl(
        server, tmp_path, "-F", "requirements.txt=@requirements.txt", "-F", "format=yaml", f"{server.url}/v1/audit"
    )
    body = json.loads(proc.stdout)
    assert body["error"]["code"] == "invalid_request" and "format" in body["error"]["message"]
    (tmp_path / "binary.txt").write_bytes(b"\xff\xfe\x00bad")
    proc = _curl(server, tmp_path, "-F", "requirements.txt=@binary.txt", f"{server.url}/v1/audit")
    assert "UTF-8" in json.loads(proc.stdout)["error"]["message"]
    proc = _curl(server, tmp_path, "-H", "Content-Type: text/plain", "--data-binary", "x", f"{server.url}/v1/audit")
    assert json.loads(proc.stdout)["error"]["code"] == "unsupported_media_type"
    files = []
    for i in range(8):  # the test server allows 6
        (tmp_path / f"r{i}.txt").write_text("svc-stable==1.0.1\n")
        files += ["-F", f"d{i}/requirements.txt=@r{i}.txt"]
    proc = _curl(server, tmp_path, *files, f"{server.url}/v1/audit")
    assert json.loads(proc.stdout)["error"]["code"] == "too_many_files"


def test_html_report_by_accept_has_timelines(http) -> None:
    files = [
        {"name": "requirements.in", "content": "svc-alpha>=1.0,<3\nsvc-gamma>=1.0\n"},
        {"name": "requirements.txt", "content": "svc-alpha==1.0.0\nsvc-gamma==1.0\n"},
    ]
    r = http.post("/v1/audit", json={"files": files, "policy": {"as-of": AS_OF}}, headers={"Accept": "text/html"})
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/html")
    page = r.text
    assert page.startswith("<!DOCTYPE html>")
    alpha = re.search(r'<svg class="timeline" data-package="svc-alpha".*?</svg>', page, re.S)
    assert alpha is not None
    assert 'class="mark locked" data-version="1.0.0"' in alpha.group(0)
    assert 'data-version="2.1.0"' in alpha.group(0)  # fresh and newest; 3.0.0 is after the as-of date
    assert "3.0.0" not in alpha.group(0)
    gamma = re.search(r'<svg class="timeline" data-package="svc-gamma".*?</svg>', page, re.S)
    assert gamma is not None and 'class="yanked"' in gamma.group(0)
    same = http.post("/v1/audit", json={"files": files, "policy": {"as-of": AS_OF}, "format": "html"})
    assert same.headers["content-type"].startswith("text/html")


def test_openapi_documents_both_bodies(http) -> None:
    doc = http.get("/openapi.json").json()
    content = doc["paths"]["/v1/audit"]["post"]["requestBody"]["content"]
    assert content["application/json"]["schema"] == {"$ref": "#/components/schemas/AuditRequest"}
    assert "multipart/form-data" in content
    assert "AuditRequest" in doc["components"]["schemas"]
    assert "text/html" in doc["paths"]["/v1/audit"]["post"]["responses"]["200"]["content"]


def test_docs_pages_use_only_local_assets(server) -> None:
    with server.client(token=False) as c:
        for page in ("/docs", "/redoc"):
            text = c.get(page).text
            refs = re.findall(r"""(?:src|href)=["']([^"']+)["']""", text)
            assert refs and all(ref.startswith("/docs/assets/") for ref in refs), refs
            assert "cdn" not in text.lower() and "fonts.googleapis" not in text
        js = c.get("/docs/assets/swagger-ui-bundle.js")
        assert js.status_code == 200 and "SwaggerUIBundle" in js.text
        assert c.get("/docs/assets/redoc.standalone.js").status_code == 200


def test_swagger_ui_renders_offline_in_a_browser(server, tmp_path: Path) -> None:
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(f"{CHROMIUM} is not installed (scripts/ensure-services.sh installs Debian's chromium)")
    from playwright.sync_api import sync_playwright

    outside: list[str] = []
    with sync_playwright() as pw:
        context = pw.chromium.launch_persistent_context(
            str(tmp_path / "profile"),
            executable_path=CHROMIUM,
            headless=True,
            args=["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync"],
        )  # fmt: skip
        try:

            def only_loopback(route):  # type: ignore[no-untyped-def]
                if route.request.url.startswith(server.url):
                    route.continue_()
                else:
                    outside.append(route.request.url)
                    route.abort()

            context.route("**/*", only_loopback)
            page = context.new_page()
            page.goto(f"{server.url}/docs")
            page.wait_for_selector(".opblock-summary-path", timeout=30_000)
            paths = page.eval_on_selector_all(".opblock-summary-path", "els => els.map(e => e.textContent)")
            assert any("/v1/audit" in p for p in paths)
        finally:
            context.close()
    assert outside == []
