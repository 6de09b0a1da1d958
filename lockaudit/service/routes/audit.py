"""``POST /v1/audit``: the CLI's audit over uploaded files, same library call, same report."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, Request, Response

from ...audit.engine import AuditOptions, audit_lockfile
from ...findings import AuditReport, PackageStatus
from ..deps import PoolDep, SettingsDep
from ..errors import ApiError
from ..index import RequestStats, request_stats
from ..schemas import AuditRequest, ErrorResponse
from ._forms import form_schema, read_body
from ._inputs import REPORT_RESPONSES, choose_format, choose_index, load_uploads, policy_for, report_response
from ._route import JsonRoute

if TYPE_CHECKING:
    from ...formats.html import TimelineRelease
    from ...index.client import IndexClient

router = APIRouter(prefix="/v1", tags=["audit"], route_class=JsonRoute)

ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorResponse, "description": "Malformed JSON or form"},
    401: {"model": ErrorResponse, "description": "Missing or wrong bearer token"},
    406: {"model": ErrorResponse, "description": "No report format matches Accept"},
    413: {"model": ErrorResponse, "description": "Body, files or lines over the limits"},
    415: {"model": ErrorResponse, "description": "The body is neither JSON nor a multipart form"},
    422: {"model": ErrorResponse, "description": "Invalid request, policy, or an include outside the request"},
    503: {
        "model": ErrorResponse,
        "description": "The index is unreachable and the cache has nothing for these packages",
    },
    504: {"model": ErrorResponse, "description": "The request took longer than the server's timeout"},
}


def nothing_answered(report: AuditReport, stats: RequestStats) -> bool:
    """Every package that needed the index is unknown because the index failed."""
    from_index = [p for p in report.packages if p.status is not PackageStatus.NOT_FROM_INDEX]
    return (
        bool(from_index)
        and bool(stats.unknown)
        and all(p.status is PackageStatus.UNKNOWN and p.name in stats.unknown for p in from_index)
    )


@router.post(
    "/audit",
    summary="Audit dependency files",
    response_class=Response,
    responses={**REPORT_RESPONSES, **ERRORS},
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {"schema": {"$ref": "#/components/schemas/AuditRequest"}},
                "multipart/form-data": {
                    "schema": form_schema(
                        "One part per dependency file, named by its field (`-F requirements.txt=@requirements.txt`); "
                        "the other fields are the JSON body's options (`policy` as a JSON object)."
                    )
                },
            },
        }
    },
)
async def audit(
    pool: PoolDep,
    settings: SettingsDep,
    request: Request,
) -> Response:
    """The audit the CLI runs (`lockaudit FILES --format json`) on uploaded files,
    sent as JSON or as a form (`curl -F requirements.txt=@requirements.txt ...`).

    Files are read as on disk (format from name and content; range files and
    locks in one directory pair up); `-r`/`-c` includes may name only other
    uploaded files. The policy is the uploaded `lockaudit.toml` /
    `[tool.lockaudit]` (if any) with the request's `policy` keys on top.
    `Accept: text/html` (or `format: html`) answers the HTML report, with
    release timelines.
    """
    body = await read_body(request, AuditRequest, settings)
    fmt = choose_format(body.format, request.headers.get("accept"))
    stats = request_stats()
    lockfile = await load_uploads(body.files, settings, body.input_format)
    policy = policy_for(body.files, body.policy)
    index_settings = choose_index(
        pool, stats, index_url=body.index_url, extra_index_urls=body.extra_index_urls, lockfile=lockfile
    )

    async def work() -> tuple[AuditReport, Response | None]:
        # On the pool's work loop (its own client there): the audit and the
        # rendering are CPU work that would otherwise hold up the serving loop.
        client = pool.client(index_settings)
        report = await audit_lockfile(
            lockfile,
            policy=policy,
            client=client,
            # an upload's paths are not the server's files: no local project is read from disk
            options=AuditOptions(dependency_changes=body.dependency_changes, local_projects=False),
        )
        if nothing_answered(report, stats):
            return report, None
        timelines = await _timelines(report, client) if fmt == "html" else None
        return report, report_response(report, fmt, stats, timelines=timelines)

    _, response = await pool.run_off_loop(work)
    if response is None:
        raise ApiError(
            503,
            "index_unavailable",
            f"the index is unreachable and the cache has nothing for the {len(stats.unknown)} package(s) asked about",
            headers={"Retry-After": str(int(max(1, settings.index_down_seconds))), **stats.headers()},
        )
    return response


async def _timelines(report: AuditReport, client: IndexClient) -> dict[str, list[TimelineRelease]]:
    """The release histories the HTML page draws (the audit has just cached them)."""
    from ...formats.html import timelines_from_histories

    names = sorted({p.name for p in report.packages if p.status is PackageStatus.OK})
    histories = await client.fetch_histories(names) if names else {}
    return timelines_from_histories({n: h for n, h in histories.items() if h.ok}, report.metadata.as_of)
