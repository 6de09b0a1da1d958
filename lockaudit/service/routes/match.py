"""``POST /v1/match``: many (range, versions) pairs in one call, answered by the core.

Each range is compiled once (the core caches compiled ranges) and matched
against its versions in one call into the compiled core; a range that cannot
be read gives that pair an ``error``, not the whole request.

This is the hot bulk endpoint, so it reads its body itself: pydantic parses
and validates the JSON in one pass (``model_validate_json``), which skips the
framework's generic body handling (a JSON decode into Python objects, then a
second pass to validate them). Errors keep the service's shape: malformed JSON
is a 400, an invalid body a 422, as everywhere else. The request schema is
still in the OpenAPI document (``openapi_extra``).
"""

from __future__ import annotations

from typing import Any

import orjson
from fastapi import APIRouter, Request, Response
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError

from ...errors import InvalidSpecifier
from ...versions import ReleaseHistory, compile_range, filter_versions
from ..errors import ApiError
from ..schemas import ErrorResponse, MatchRequest, MatchResponse
from ..settings import ServiceSettings

router = APIRouter(prefix="/v1", tags=["versions"])

_ANY = compile_range("")
_JSON_TYPES = (b"application/json", b"+json")


@router.post(
    "/match",
    response_model=MatchResponse,
    summary="Bulk matching: which versions each range admits",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/MatchRequest"}}},
        }
    },
    responses={
        400: {"model": ErrorResponse, "description": "Malformed JSON"},
        401: {"model": ErrorResponse, "description": "Missing or wrong bearer token"},
        413: {"model": ErrorResponse, "description": "Too many pairs or versions"},
        415: {"model": ErrorResponse, "description": "The body is not JSON"},
        422: {"model": ErrorResponse, "description": "Invalid request"},
    },
)
async def match(request: Request) -> Response:
    """For each pair: the versions its range admits (input order, as `packaging`'s
    `SpecifierSet.filter` gives them) and the newest of them."""
    ctype = next((v for k, v in request.scope["headers"] if k == b"content-type"), b"application/json")
    if not ctype.split(b";", 1)[0].strip().lower().endswith(_JSON_TYPES):
        raise ApiError(415, "unsupported_media_type", "the body must be JSON (Content-Type: application/json)")
    try:
        # One pass in pydantic-core: strict JSON (a lone surrogate is malformed) and validation.
        body = MatchRequest.model_validate_json(await request.body())
    except ValidationError as exc:
        raise RequestValidationError(
            [{**e, "loc": ("body", *e["loc"])} for e in exc.errors(include_url=False, include_input=False)]
        ) from None
    # The settings straight from the app, not through a dependency: each dependency
    # costs the framework a resolution per request, on the endpoint built for volume.
    settings: ServiceSettings = request.app.state.settings
    pairs = body.pairs
    if len(pairs) > settings.max_match_pairs:
        raise ApiError(
            413, "too_many_pairs", f"{len(pairs)} pairs; at most {settings.max_match_pairs} (LOCKAUDIT_MAX_MATCH_PAIRS)"
        )
    total = sum(len(p.versions) for p in pairs)
    if total > settings.max_match_versions:
        raise ApiError(
            413,
            "too_many_versions",
            f"{total} versions in all; at most {settings.max_match_versions} (LOCKAUDIT_MAX_MATCH_VERSIONS)",
        )
    results: list[dict[str, Any]] = []
    for p in pairs:
        dialect = p.dialect or body.dialect
        prereleases = p.prereleases if p.prereleases is not None else body.prereleases
        try:
            spec = compile_range(p.range, dialect)
        except (InvalidSpecifier, ValueError) as exc:
            results.append({"matches": [], "newest": None, "error": str(exc)})
            continue
        matches = filter_versions(spec, p.versions, prereleases)
        newest = ReleaseHistory(matches).newest(_ANY, prereleases=True) if matches else None
        results.append({"matches": matches, "newest": newest})
    return Response(orjson.dumps({"results": results}), media_type="application/json")
