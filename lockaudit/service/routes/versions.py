"""``GET /v1/projects/{name}/versions``: a release history with upload dates, yanked
flags and which versions a range admits (the CLI's ``lockaudit versions --json``)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Path, Query, Response

from ...audit.release_table import release_table
from ...errors import InvalidSpecifier
from ...ranges import translate_range
from ...versions import compile_range
from ..deps import PoolDep
from ..errors import ApiError
from ..index import request_stats
from ..schemas import Dialect, ErrorResponse, ReleaseRow, VersionsResponse
from ._projects import check_project_name, project_history
from ._route import JsonRoute

router = APIRouter(prefix="/v1", tags=["versions"], route_class=JsonRoute)


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
    range: Annotated[str, Query(max_length=4096, description="A range, e.g. `>=2.28,<3`")] = "",
    dialect: Annotated[Dialect, Query(description="How to read the range")] = "pep440",
    prereleases: Annotated[bool | None, Query(description="Admit pre-releases (default: PEP 440's rule)")] = None,
) -> VersionsResponse:
    check_project_name(name)
    try:
        compile_range(range, dialect)
        pep440 = translate_range(range, dialect)
    except (InvalidSpecifier, ValueError) as exc:
        raise ApiError(422, "invalid_range", str(exc)) from None
    stats = request_stats()
    history = await project_history(pool.client(), name, stats)
    table = release_table(history, range, dialect, prereleases)
    fetched = history.fetched_at
    stale = history.name in stats.stale
    response.headers.update(stats.headers())
    return VersionsResponse(
        name=history.name,
        range=range,
        dialect=dialect,
        pep440=pep440,
        prereleases=prereleases,
        fresh_install=table.fresh_install,
        newest=table.newest,
        fetched_at=fetched.astimezone(UTC).isoformat() if isinstance(fetched, datetime) else None,
        from_cache=history.from_cache,
        stale=stale,
        releases=[ReleaseRow(**r.to_data()) for r in table.rows],
    )
