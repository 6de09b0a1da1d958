"""``GET /v1/projects/{name}/diff?from=OLD&to=NEW``: what an upgrade changes in a
package's API, read from its wheels (the CLI's ``lockaudit diff --json``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Response

from ...apidiff.pairs import diff_releases, find_release
from ...formats.api_diff import api_diff_document
from ..deps import PoolDep
from ..errors import ApiError
from ..index import request_stats
from ..schemas import ApiDiffResponse, ErrorResponse
from ._projects import project_history
from ._route import JsonRoute

router = APIRouter(prefix="/v1", tags=["diff"], route_class=JsonRoute)

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
    stats = request_stats()
    client = pool.client()
    history = await project_history(client, name, stats)
    before, after = find_release(history, old), find_release(history, new)
    for wanted, found in ((old, before), (new, after)):
        if found is None:
            raise ApiError(404, "no_such_release", f"{history.name} has no release {wanted!r} on the index")
    assert before is not None and after is not None
    result = await diff_releases(client, before, after)
    response.headers.update(stats.headers())
    return ApiDiffResponse(**api_diff_document(result))
