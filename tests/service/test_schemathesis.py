"""Property-based API test: schemathesis generates requests from the OpenAPI schema
of the running server; no request may get a 5xx, and every answer must be one the
schema documents. Bounded and deterministic (derandomized, a few dozen examples
per operation)."""

from __future__ import annotations

import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from service.helpers import TOKEN

from lockaudit.service import ServiceSettings, create_app

not_a_server_error = schemathesis.checks.not_a_server_error


#: The schema the server publishes is built by the same code from any settings;
#: it is loaded at collection time (test_served_schema_is_the_one_tested checks it).
OPENAPI = create_app(ServiceSettings(index_url="http://127.0.0.1:9/simple/")).openapi()
schema = schemathesis.openapi.from_dict(OPENAPI)


def test_served_schema_is_the_one_tested(server):
    with server.client(token=False) as c:
        assert c.get("/openapi.json").json() == OPENAPI


@schema.parametrize()
@settings(
    max_examples=30,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_no_server_errors(case, server):
    case.call_and_validate(
        base_url=server.url,
        headers={"Authorization": f"Bearer {TOKEN}"},
        checks=[not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance],
        timeout=30,
    )
