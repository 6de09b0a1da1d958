"""The HTTP service: a thin face over the same library calls as the CLI.

``create_app(settings)`` builds the FastAPI application: one router per topic
(``routes/``), the wire models apart from the library's dataclasses
(``schemas.py``), and ``Annotated`` dependencies (``deps.py``) that tests
override. Per process it holds an index pool (one cache, shared with every
other instance when it is Redis, and long-lived index clients) made in the
lifespan; it keeps no other state, so instances behind a load balancer are
interchangeable. ``lockaudit serve`` runs it under uvicorn.
"""

from __future__ import annotations

import asyncio
import copy
import gc
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from pydantic import BaseModel

from .._version import __version__
from ..formats.json_format import schema as report_schema
from ..urls import redact_url
from .deps import Limiter, ServiceState
from .errors import install_handlers
from .index import IndexPool
from .metrics import Metrics
from .middleware import ServiceMiddleware
from .routes import audit, check, diff, health, match, resolve, versions
from .routes.docs import install_docs
from .schemas import AuditRequest, MatchRequest
from .settings import ServiceSettings

__all__ = ["app_from_env", "create_app"]

logger = logging.getLogger(__name__)

DESCRIPTION = """\
Which versions would a fresh install take that you never tested? The same
audit, check, resolve, version and API-diff queries as the `lockaudit` CLI, from one
shared cache.

* Reports are the CLI's: `POST /v1/audit` answers the `--format json` document
  (schema `report-v1`), or SARIF, JUnit, Markdown, GitHub annotations or the
  HTML page (`Accept: text/html`) by the `format` field or `Accept`.
* Files come as JSON (`{"files": [{"name", "content"}]}`) or as a form:
  `curl -F requirements.txt=@requirements.txt .../v1/audit`.
* When the server sets tokens, `/v1/*` needs `Authorization: Bearer <token>`.
* Errors are JSON: `{"error": {"code", "message", "details"}, "request_id"}`.
* Every response carries `X-Request-ID` (yours, or a new one).
"""


def _with_report_schema(doc: dict[str, Any]) -> dict[str, Any]:
    """The report's JSON Schema as OpenAPI components (``ReportV1`` and ``ReportV1_<def>``)."""
    schema = report_schema()
    defs = schema.pop("$defs", {})
    for key in ("$schema", "$id"):
        schema.pop(key, None)

    def rewrite(node: Any) -> Any:
        if isinstance(node, dict):
            return {
                k: (
                    f"#/components/schemas/ReportV1_{v.rsplit('/', 1)[1]}"
                    if k == "$ref" and isinstance(v, str)
                    else rewrite(v)
                )
                for k, v in node.items()
            }
        if isinstance(node, list):
            return [rewrite(v) for v in node]
        return node

    components = doc.setdefault("components", {}).setdefault("schemas", {})
    components["ReportV1"] = rewrite(schema)
    for name, definition in defs.items():
        components[f"ReportV1_{name}"] = rewrite(definition)
    return doc


def _with_models(doc: dict[str, Any], *models: type[BaseModel]) -> dict[str, Any]:
    """Request models a route reads itself (``openapi_extra``) as components."""
    components = doc.setdefault("components", {}).setdefault("schemas", {})
    for model in models:
        schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
        for name, definition in schema.pop("$defs", {}).items():
            components.setdefault(name, definition)
        components.setdefault(model.__name__, schema)
    return doc


def _with_security(doc: dict[str, Any]) -> dict[str, Any]:
    """The bearer scheme, on every ``/v1`` operation (the middleware enforces it)."""
    doc.setdefault("components", {}).setdefault("securitySchemes", {})["BearerAuth"] = {
        "type": "http",
        "scheme": "bearer",
        "description": "A token from LOCKAUDIT_TOKENS (when the server sets any; otherwise no auth)",
    }
    unauthorized = {
        "description": "Missing or wrong bearer token",
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorResponse"}}},
    }
    for path, item in doc.get("paths", {}).items():
        if path.startswith("/v1/"):
            for operation in item.values():
                operation["security"] = [{"BearerAuth": []}]
                operation.setdefault("responses", {}).setdefault("401", unauthorized)
    return doc


async def _upkeep(pool: IndexPool, every: float = 10.0) -> None:
    """A cache that failed (Redis restarted) is reopened as soon as it answers,
    whether or not anything probes /readyz."""
    while True:
        await asyncio.sleep(every)
        try:
            await pool.reconnect_if_failed()
        except Exception:
            logger.exception("cache upkeep failed")


def create_app(settings: ServiceSettings | None = None) -> FastAPI:
    """The application for ``settings`` (default: from the ``LOCKAUDIT_*`` environment)."""
    settings = settings or ServiceSettings.from_env()
    metrics = Metrics()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        pool = IndexPool(settings, metrics)
        limiter = Limiter(settings.max_resolutions, metrics, wait=min(10.0, settings.request_timeout / 2))
        app.state.service = ServiceState(settings, metrics, pool, limiter)
        logger.info(
            "service started",
            extra={
                "index": redact_url(pool.default.index_url.url),
                "cache": pool.cache.name,
                "auth": settings.auth_enabled,
                "allowed_indexes": len(settings.allowed_index_urls),
            },
        )
        # Everything made so far lives as long as the process: out of the collector's
        # sight, so full collections stop walking the whole application per request.
        gc.collect()
        gc.freeze()
        upkeep = asyncio.create_task(_upkeep(pool))
        try:
            yield
        finally:
            upkeep.cancel()
            app.state.service = None
            await pool.aclose()

    app = FastAPI(
        title="lockaudit",
        version=__version__,
        summary="Dependency-drift audits for build pipelines",
        description=DESCRIPTION,
        lifespan=lifespan,
        # /docs and /redoc are served from local assets (routes/docs.py), never a CDN.
        docs_url=None,
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.metrics = metrics
    app.state.service = None
    install_handlers(app)
    # Routes are matched in order: the hot bulk endpoint first. Bearer tokens are
    # checked by the middleware, before a body is read (see ``_with_security``).
    for module in (match, versions, diff, audit, check, resolve):
        app.include_router(module.router)
    app.include_router(health.router)
    install_docs(app)
    app.add_middleware(ServiceMiddleware, settings=settings, metrics=metrics)

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            doc = get_openapi(
                title=app.title,
                version=app.version,
                summary=app.summary,
                description=app.description,
                routes=app.routes,
            )
            app.openapi_schema = _with_security(_with_report_schema(_with_models(doc, MatchRequest, AuditRequest)))
        return copy.deepcopy(app.openapi_schema)

    app.openapi = openapi  # type: ignore[method-assign]  # FastAPI's documented way to extend the schema
    return app


def app_from_env() -> FastAPI:
    """uvicorn's factory (``lockaudit.service.app:app_from_env``) for worker processes."""
    import sys

    from .logging import log_everything_as_json

    log_everything_as_json()
    # The serving loop and the work loop (audits) take turns for the
    # interpreter: every 0.5 ms rather than every 5, so that neither waits long
    # for the other (measured: a warm audit ~3.5 ms faster alone, /v1/match's
    # p99 beside audits ~45 -> ~35 ms; benchmarks/README.md).
    sys.setswitchinterval(0.0005)
    return create_app(ServiceSettings.from_env())
