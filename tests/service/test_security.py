"""Safe with untrusted callers: auth, limits, traversal, request forgery, log hygiene."""

from __future__ import annotations

import json
import socket

import pytest
from service.helpers import AS_OF, OTHER_TOKEN, TOKEN, pair

V1 = [
    ("POST", "/v1/audit", {"files": pair("svc-alpha\n", "svc-alpha==1.0.0\n")}),
    ("POST", "/v1/check", {"files": pair("svc-alpha\n", "svc-alpha==1.0.0\n"), "lock": "requirements.txt"}),
    ("POST", "/v1/resolve", {"requirements": ["svc-alpha"]}),
    ("POST", "/v1/match", {"pairs": [{"range": ">=1", "versions": ["1.0"]}]}),
    ("GET", "/v1/projects/svc-alpha/versions", None),
]


# -- authentication ---------------------------------------------------------------


@pytest.mark.parametrize(("method", "path", "body"), V1)
@pytest.mark.parametrize("token", [None, OTHER_TOKEN, TOKEN[:-1], TOKEN + "x", ""])
def test_v1_needs_a_valid_bearer_token(server, method, path, body, token):
    with server.client(token=token) as c:
        r = c.request(method, path, json=body)
    assert r.status_code == 401
    assert r.json()["error"]["code"] == "unauthorized"
    assert r.headers["WWW-Authenticate"].startswith("Bearer")
    assert r.json()["request_id"] == r.headers["X-Request-ID"]


def test_basic_auth_or_token_in_query_is_not_accepted(server):
    with server.client(token=False) as c:
        assert c.post("/v1/match", json=V1[3][2], auth=("x", TOKEN)).status_code == 401
        assert c.post(f"/v1/match?token={TOKEN}", json=V1[3][2]).status_code == 401
        assert c.post("/v1/match", json=V1[3][2], headers={"Authorization": f"bearer {TOKEN}"}).status_code == 200


def test_operations_endpoints_need_no_token(server):
    with server.client(token=False) as c:
        for path in ("/healthz", "/readyz", "/metrics", "/openapi.json"):
            assert c.get(path).status_code == 200, path


# -- traversal: uploaded text is data, never a path --------------------------------


@pytest.mark.parametrize(
    ("line", "shown"),
    [
        ("-r /etc/passwd", "-r /etc/passwd"),
        ("-r ../secrets.txt", "-r ../secrets.txt"),
        ("-c ../../constraints.txt", "-c ../../constraints.txt"),
        ("--requirement=sub/../../x.txt", "--requirement=sub/../../x.txt"),
        ("-r file:///etc/passwd", "-r file:///etc/passwd"),
        ("-r https://example.invalid/reqs.txt", "-r https://example.invalid/reqs.txt"),
        ("-r not-uploaded.txt", "-r not-uploaded.txt"),
    ],
)
@pytest.mark.parametrize("endpoint", ["/v1/audit", "/v1/check", "/v1/resolve"])
def test_includes_outside_the_request_are_refused_naming_the_line(http, line, shown, endpoint):
    content = f"svc-alpha==1.0.0\n# a comment\n{line}\n"
    files = [{"name": "requirements.txt", "content": content}]
    extra = {"lock": "locked.txt"} if endpoint == "/v1/check" else {}
    if endpoint == "/v1/check":
        files.append({"name": "locked.txt", "content": "svc-alpha==1.0.0\n"})
    r = http.post(endpoint, json={"files": files, **extra})
    assert r.status_code == 422, r.text
    error = r.json()["error"]
    assert error["code"] == "include_refused"
    assert error["message"].startswith(f"requirements.txt:3: {shown}")
    assert error["details"][0]["file"] == "requirements.txt" and error["details"][0]["line"] == 3
    assert "root:" not in r.text  # nothing of /etc/passwd


@pytest.mark.parametrize("endpoint", ["/v1/audit", "/v1/check"])
def test_a_local_project_in_an_upload_is_never_read_from_the_servers_disk(http, tmp_path, endpoint):
    # A project on the server's disk whose pyproject.toml would add svc-gamma to a fresh install.
    project = tmp_path / "server-side-project"
    project.mkdir()
    (project / "pyproject.toml").write_text('[project]\nname = "inside"\nversion = "1"\ndependencies = ["svc-gamma"]\n')
    files = pair(f"-e {project}\nsvc-alpha>=1\n", f"-e {project}\nsvc-alpha==1.0.0\n")
    extra = {"lock": "requirements.txt"} if endpoint == "/v1/check" else {}
    r = http.post(endpoint, json={"files": files, **extra})
    assert r.status_code == 200, r.text
    assert "svc-gamma" not in r.text


@pytest.mark.parametrize(
    "name", ["/etc/passwd", "../requirements.txt", "a/../../b.txt", "./requirements.txt", "a//b.txt", "C:\\x.txt",
             "a\\..\\b.txt", "", "x" * 300, "req\x00.txt", "a/./b.txt"],
)  # fmt: skip
def test_upload_names_must_be_plain_relative_paths(http, name):
    r = http.post("/v1/audit", json={"files": [{"name": name, "content": "svc-alpha==1.0.0\n"}]})
    assert r.status_code == 422
    assert r.json()["error"]["code"] == "invalid_request"
    assert r.json()["error"]["details"][0]["field"].startswith("body.files.0.name")


def test_environment_variables_are_not_expanded_from_the_server(server):
    # ${VAR} in uploaded files must not read the server's environment (tokens, passwords).
    content = "svc-alpha @ https://example.invalid/${LOCKAUDIT_TOKENS}/svc_alpha-1.0-py3-none-any.whl\n"
    with server.client() as c:
        r = c.post("/v1/audit", json={"files": [{"name": "requirements.txt", "content": content}]})
    assert r.status_code == 200
    assert TOKEN not in r.text


# -- no server-side request forgery -------------------------------------------------


def test_index_urls_in_files_and_requests_are_ignored_unless_allow_listed(http, evil_index):
    evil = evil_index.url
    before = len(evil_index.requests)
    attempts = [
        {"files": pair(f"--index-url {evil}\nsvc-alpha>=1\n", "svc-alpha==1.0.0\n")},
        {"files": pair(f"-i {evil}\nsvc-alpha>=1\n", "svc-alpha==1.0.0\n")},
        {"files": pair(f"--extra-index-url {evil}\nsvc-alpha>=1\n", "svc-alpha==1.0.0\n")},
        {"files": pair("svc-alpha>=1\n", "svc-alpha==1.0.0\n"), "index_url": evil},
        {"files": pair("svc-alpha>=1\n", "svc-alpha==1.0.0\n"), "extra_index_urls": [evil]},
        {
            "files": pair("svc-alpha>=1\n", "svc-alpha==1.0.0\n"),
            "index_url": evil.replace("http://", "http://user:pw@"),
        },
        {"files": pair("--index-url file:///etc/\nsvc-alpha>=1\n", "svc-alpha==1.0.0\n")},
    ]
    for body in attempts:
        r = http.post("/v1/audit", json={**body, "policy": {"as-of": AS_OF}})
        assert r.status_code == 200, r.text
        assert r.headers["X-Lockaudit-Ignored-Index-Urls"] == "1", body
        alpha = next(p for p in r.json()["packages"] if p["name"] == "svc-alpha")
        assert alpha["fresh"] == "2.1.0"  # the server's index answered, not the evil one's 9.9.9
        assert "user:pw" not in r.text
    r = http.post("/v1/resolve", json={"requirements": ["svc-alpha"], "index_url": evil, "as_of": AS_OF})
    assert r.status_code == 200 and r.headers["X-Lockaudit-Ignored-Index-Urls"] == "1"
    r = http.post("/v1/check", json={"files": pair(f"-i {evil}\nsvc-alpha\n", "svc-alpha==2.1.0\n"), "as_of": AS_OF,
                                      "lock": "requirements.txt"})  # fmt: skip
    assert r.status_code == 200 and r.headers["X-Lockaudit-Ignored-Index-Urls"] == "1"
    assert len(evil_index.requests) == before, [r.path for r in evil_index.requests[before:]]


# -- limits: a clear 4xx with a JSON error, never a 500 ------------------------------


def test_body_over_the_limit_is_413(http):
    big = "svc-alpha==1.0.0\n" + "#" * (300 * 1024)
    r = http.post("/v1/audit", json={"files": [{"name": "requirements.txt", "content": big}]})
    assert r.status_code == 413 and r.json()["error"]["code"] == "body_too_large"


def test_chunked_body_over_the_limit_is_413(http):
    def chunks():
        yield b'{"files": [{"name": "requirements.txt", "content": "'
        for _ in range(40):
            yield b"#" * 8192
        yield b'"}]}'

    r = http.post("/v1/audit", content=chunks(), headers={"Content-Type": "application/json"})
    assert r.status_code == 413 and r.json()["error"]["code"] == "body_too_large"


def test_too_many_files_or_lines_is_413(http):
    files = [{"name": f"r{i}.txt", "content": "svc-alpha==1.0.0\n"} for i in range(7)]
    r = http.post("/v1/audit", json={"files": files})
    assert r.status_code == 413 and r.json()["error"]["code"] == "too_many_files"
    r = http.post("/v1/audit", json={"files": [{"name": "requirements.txt", "content": "#\n" * 3001}]})
    assert r.status_code == 413 and r.json()["error"]["code"] == "too_many_lines"
    r = http.post("/v1/resolve", json={"requirements": ["svc-alpha"] * 3001})
    assert r.status_code in (413, 422)


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        (b"{not json", 400, "malformed_json"),
        (b"", 422, "invalid_request"),
        (b"[]", 422, "invalid_request"),
        (b'"text"', 422, "invalid_request"),
        (b"null", 422, "invalid_request"),
        (b'{"files": "requirements.txt"}', 422, "invalid_request"),
        (b'{"files": []}', 422, "invalid_request"),
        (b'{"files": [{"name": "r.txt"}]}', 422, "invalid_request"),
        (b'{"files": [{"name": "r.txt", "content": 5}]}', 422, "invalid_request"),
        (b'{"files": [{"name": "r.txt", "content": ""}], "surprise": 1}', 422, "invalid_request"),
        (b'{"files": [{"name": "r.txt", "content": ""}], "format": "pdf"}', 422, "invalid_request"),
        (b'{"files": [{"name": "r.txt", "content": ""}], "policy": {"fail-on": 3}}', 422, "invalid_request"),
        (b'{"files": [{"name": "r.txt", "content": ""}], "policy": {"cooldown": "soon"}}', 422, "invalid_policy"),
        # a lone surrogate is not text: malformed, never a 500 when the report is rendered
        (b'{"files": [{"name": "r.txt", "content": "\\ud800"}]}', 400, "malformed_json"),
        (b"\xff\xfe\x00garbage", 400, "malformed_json"),
        (b'{"files": [{"name": "r.txt", "content": "a"}, {"name": "r.txt", "content": "b"}]}', 422, "duplicate_file"),
        (b'{"files": [{"name": "lockaudit.toml", "content": "x = 1"}]}', 422, "no_input"),
    ],
)
def test_malformed_or_invalid_bodies_get_a_json_4xx(http, body, status, code):
    r = http.post("/v1/audit", content=body, headers={"Content-Type": "application/json"})
    assert r.status_code == status, r.text
    assert r.headers["content-type"] == "application/json"
    assert r.json()["error"]["code"] == code


def test_wrong_content_type_and_method(http):
    r = http.post("/v1/match", content=b"pairs=1", headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert 400 <= r.status_code < 500 and "error" in r.json()
    r = http.get("/v1/audit")
    assert r.status_code == 405 and r.json()["error"]["code"] == "method_not_allowed"
    r = http.get("/v1/nothing-here")
    assert r.status_code == 404 and r.json()["error"]["code"] == "not_found"


def test_invalid_content_length_is_a_4xx(server):
    # A raw request: no client library sends a bad Content-Length on purpose.
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as s:
        s.sendall(
            b"POST /v1/match HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Authorization: Bearer " + TOKEN.encode() + b"\r\nContent-Length: 999999999999\r\n\r\n{}"
        )
        head = s.recv(4096).decode("latin-1")
    assert head.startswith("HTTP/1.1 413"), head


# -- logs -------------------------------------------------------------------------------


def test_logs_are_json_with_request_ids_and_hold_no_secrets_or_bodies(server):
    secret_line = "svc-alpha==1.0.0  # very-secret-marker-7f3a\n"
    with server.client(headers={"X-Request-ID": "log-check-123"}) as c:
        r = c.post("/v1/audit", json={"files": [{"name": "requirements.txt", "content": secret_line}]})
        assert r.status_code == 200
        c.post("/v1/audit", content=b"{broken very-secret-marker-7f3a", headers={"Content-Type": "application/json"})
    with server.client(token=OTHER_TOKEN) as c:
        c.post("/v1/match", json={"pairs": [{"range": ">=1", "versions": ["1"]}]})
    records = server.log_records()
    text = server.log()
    assert records and all(isinstance(r, dict) for r in records)
    # every line of the log is a JSON object
    assert all(line.startswith("{") for line in text.split("\n") if line.strip())
    mine = [r for r in records if r.get("request_id") == "log-check-123"]
    assert mine and mine[0]["logger"] == "lockaudit.access" and mine[0]["route"] == "/v1/audit"
    assert {"method", "path", "status", "duration_ms"}.issubset(mine[0])  # the fields, not their values
    assert "very-secret-marker-7f3a" not in text
    assert TOKEN not in text and OTHER_TOKEN not in text
    assert json.dumps(TOKEN)[1:-1] not in text
