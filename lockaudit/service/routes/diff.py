"""``GET /v1/projects/{name}/diff?from=OLD&to=NEW``: what an upgrade changes in a
package's API, read from its wheels (the CLI's ``lockaudit diff --json``)."""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import APIRouter, Path, Query, Response
from packaging.utils import canonicalize_name

from ...apidiff.pairs import diff_releases, find_release
from ...commands.diff import document
from ...index import FetchStatus
from ..deps import PoolDep
from ..errors import ApiError
from ..index import request_stats
from ..schemas import ApiDiffResponse, ErrorResponse
from ._route import JsonRoute

router = APIRouter(prefix="/v1", tags=["diff"], route_class=JsonRoute)

_NAME = re.compile(r"^([A-Za-z0-9]|[A-Za-z0-9][A-Za-z0-9._-]*[A-Za-z0-9])$")
_VERSION = Annotated[str, Query(min_length=1, max_length=128)]


@router.get(
    "/projects/{name}/diff",
    response_model=ApiDiffResponse,
    summary="What an upgrade changes in a package's API",
    description=(
        "Both releases' wheels are read statically (never imported) in a subprocess with memory and "
        "time limits; summaries are cached by the wheel's sha256 in the shared cache. `status` is "
        "`unknown` (with a `reason`) when a release has only an sdist or its wheel could not be read."
    ),
    responses={
        401: {"model": ErrorResponse, "description": "Missing or wrong bearer token"},
        404: {"model": ErrorResponse, "description": "The index has no such project or release"},
        422: {"model": ErrorResponse, "description": "Invalid name or version"},
        503: {"model": ErrorResponse, "description": "The index is unreachable and nothing is cached"},
    },
)
async def diff(
    pool: PoolDep,
    response: Response,
    name: Annotated[str, Path(max_length=200, description="Project name (any spelling; normalized)")],
    old: Annotated[_VERSION, Query(alias="from", description="The version you have, e.g. `2.28.0`")],
    new: Annotated[_VERSION, Query(alias="to", description="The version to compare with, e.g. `2.32.3`")],
) -> ApiDiffResponse:
    if not _NAME.match(name):
        raise ApiError(422, "invalid_name", f"{name!r} is not a valid project name")
    stats = request_stats()
    client = pool.client()
    history = await client.fetch_history(canonicalize_name(name))
    if history.status is FetchStatus.NOT_FOUND:
        raise ApiError(404, "not_found", f"the index has no project {canonicalize_name(name)!r}")
    if not history.ok:
        detail = f": {history.detail}" if history.detail else ""
        status = 503 if history.status in (FetchStatus.UNREACHABLE, FetchStatus.NOT_CACHED) else 502
        raise ApiError(status, "index_unavailable", f"{history.name}: {history.status}{detail}", headers=stats.headers())
    before, after = find_release(history, old), find_release(history, new)
    for wanted, found in ((old, before), (new, after)):
        if found is None:
            raise ApiError(404, "no_such_release", f"{history.name} has no release {wanted!r} on the index")
    assert before is not None and after is not None
    result = await diff_releases(client, before, after)
    response.headers.update(stats.headers())
    return ApiDiffResponse(**document(result))
