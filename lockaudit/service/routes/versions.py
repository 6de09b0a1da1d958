"""``GET /v1/projects/{name}/versions``: a release history with upload dates, yanked
flags and which versions a range admits (the CLI's ``lockaudit versions --json``)."""

from __future__ import annotations

import re
from datetime import datetime, timezone
from typing import Annotated

from fastapi import APIRouter, Path, Query, Response
from packaging.utils import canonicalize_name

from ...commands.versions import rows
from ...errors import InvalidSpecifier
from ...index import FetchStatus
from ...ranges import translate_range
from ...versions import compile_range
from ..deps import PoolDep
from ..errors import ApiError
from ..index import request_stats
from ..schemas import Dialect, ErrorResponse, ReleaseRow, VersionsResponse
from ._route import JsonRoute

router = APIRouter(prefix="/v1", tags=["versions"], route_class=JsonRoute)

_NAME = re.compile(r"^([A-Za-z0-9]|[A-Za-z0-9][A-Za-z0-9._-]*[A-Za-z0-9])$")


@router.get(
    "/projects/{name}/versions",
    response_model=VersionsResponse,
    summary="A project's releases and what a range admits",
    responses={
        401: {"model": ErrorResponse, "description": "Missing or wrong bearer token"},
        404: {"model": ErrorResponse, "description": "The index has no such project"},
        422: {"model": ErrorResponse, "description": "Invalid name, range or dialect"},
        503: {"model": ErrorResponse, "description": "The index is unreachable and nothing is cached"},
    },
)
async def versions(
    pool: PoolDep,
    response: Response,
    name: Annotated[str, Path(max_length=200, description="Project name (any spelling; normalized)")],
    range: Annotated[str, Query(max_length=4096, description="A range, e.g. `>=2.28,<3`")] = "",  # noqa: A002
    dialect: Annotated[Dialect, Query(description="How to read the range")] = "pep440",
    prereleases: Annotated[bool | None, Query(description="Admit pre-releases (default: PEP 440's rule)")] = None,
) -> VersionsResponse:
    if not _NAME.match(name):
        raise ApiError(422, "invalid_name", f"{name!r} is not a valid project name")
    try:
        compile_range(range, dialect)
        pep440 = translate_range(range, dialect)
    except (InvalidSpecifier, ValueError) as exc:
        raise ApiError(422, "invalid_range", str(exc)) from None
    stats = request_stats()
    history = await pool.client().fetch_history(canonicalize_name(name))
    if history.status is FetchStatus.NOT_FOUND:
        raise ApiError(404, "not_found", f"the index has no project {canonicalize_name(name)!r}")
    if not history.ok:
        detail = f": {history.detail}" if history.detail else ""
        status = 503 if history.status in (FetchStatus.UNREACHABLE, FetchStatus.NOT_CACHED) else 502
        raise ApiError(status, "index_unavailable", f"{history.name}: {history.status}{detail}", headers=stats.headers())
    table = rows(history, range, dialect, prereleases)
    fresh = next((str(r["version"]) for r in table if r["fresh_install"]), None)
    newest = next((str(r["version"]) for r in reversed(table) if not r["yanked"]), None)
    fetched = history.fetched_at
    stale = history.name in stats.stale
    response.headers.update(stats.headers())
    return VersionsResponse(
        name=history.name,
        range=range,
        dialect=dialect,
        pep440=pep440,
        prereleases=prereleases,
        fresh_install=fresh,
        newest=newest,
        fetched_at=fetched.astimezone(timezone.utc).isoformat() if isinstance(fetched, datetime) else None,
        from_cache=history.from_cache,
        stale=stale,
        releases=[ReleaseRow(**r) for r in table],
    )
