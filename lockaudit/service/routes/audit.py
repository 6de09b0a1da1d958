"""``POST /v1/audit``: the CLI's audit over uploaded files, same library call, same report."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from ...audit.engine import AuditOptions, audit_lockfile
from ...findings import AuditReport, PackageStatus
from ..deps import PoolDep, SettingsDep
from ..errors import ApiError
from ..index import RequestStats, request_stats
from ..schemas import AuditRequest, ErrorResponse
from ._inputs import REPORT_RESPONSES, choose_format, choose_index, load_uploads, policy_for, report_response
from ._route import JsonRoute

router = APIRouter(prefix="/v1", tags=["audit"], route_class=JsonRoute)

ERRORS = {
    400: {"model": ErrorResponse, "description": "Malformed JSON"},
    401: {"model": ErrorResponse, "description": "Missing or wrong bearer token"},
    406: {"model": ErrorResponse, "description": "No report format matches Accept"},
    413: {"model": ErrorResponse, "description": "Body, files or lines over the limits"},
    422: {"model": ErrorResponse, "description": "Invalid request, policy, or an include outside the request"},
    503: {"model": ErrorResponse, "description": "The index is unreachable and the cache has nothing for these packages"},
    504: {"model": ErrorResponse, "description": "The request took longer than the server's timeout"},
}


def nothing_answered(report: AuditReport, stats: RequestStats) -> bool:
    """Every package that needed the index is unknown because the index failed."""
    from_index = [p for p in report.packages if p.status is not PackageStatus.NOT_FROM_INDEX]
    return bool(from_index) and bool(stats.unknown) and all(
        p.status is PackageStatus.UNKNOWN and p.name in stats.unknown for p in from_index
    )


@router.post(
    "/audit",
    summary="Audit dependency files",
    response_class=Response,
    responses={**REPORT_RESPONSES, **ERRORS},
)
async def audit(
    body: AuditRequest,
    pool: PoolDep,
    settings: SettingsDep,
    request: Request,
) -> Response:
    """The audit the CLI runs (`lockaudit FILES --format json`) on uploaded files.

    Files are read as on disk (format from name and content; range files and
    locks in one directory pair up); `-r`/`-c` includes may name only other
    uploaded files. The policy is the uploaded `lockaudit.toml` /
    `[tool.lockaudit]` (if any) with the request's `policy` keys on top.
    """
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
        report = await audit_lockfile(
            lockfile,
            policy=policy,
            client=pool.client(index_settings),
            options=AuditOptions(dependency_changes=body.dependency_changes),
        )
        if nothing_answered(report, stats):
            return report, None
        return report, report_response(report, fmt, stats)

    report, response = await pool.run_off_loop(work)
    if response is None:
        raise ApiError(
            503,
            "index_unavailable",
            f"the index is unreachable and the cache has nothing for the {len(stats.unknown)} package(s) asked about",
            headers={"Retry-After": str(int(max(1, settings.index_down_seconds))), **stats.headers()},
        )
    return response
