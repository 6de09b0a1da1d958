"""``/healthz`` (the process is up), ``/readyz`` (cache backend and index answer), ``/metrics``."""

from __future__ import annotations

from fastapi import APIRouter, Response

from ..._version import __version__
from ..deps import MetricsDep, PoolDep
from ..metrics import CONTENT_TYPE_LATEST
from ..schemas import HealthResponse, ReadyResponse

router = APIRouter(tags=["operations"])


@router.get("/healthz", response_model=HealthResponse, summary="The process is up")
async def healthz() -> HealthResponse:
    return HealthResponse(version=__version__)


@router.get(
    "/readyz",
    response_model=ReadyResponse,
    summary="The cache backend and the index answer",
    responses={503: {"model": ReadyResponse, "description": "The cache or the index does not answer"}},
)
async def readyz(pool: PoolDep, response: Response) -> ReadyResponse:
    result = await pool.readiness()
    if not result["ready"]:
        response.status_code = 503
    return ReadyResponse(
        status="ready" if result["ready"] else "not ready", cache=result["cache"], index=result["index"]
    )


@router.get(
    "/metrics",
    summary="Prometheus metrics",
    response_class=Response,
    responses={
        200: {"content": {CONTENT_TYPE_LATEST: {"schema": {"type": "string"}}}, "description": "Exposition text"}
    },
)
async def metrics(metrics: MetricsDep) -> Response:
    return Response(metrics.render(), media_type=CONTENT_TYPE_LATEST)
