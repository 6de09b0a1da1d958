"""Every error the service answers is JSON of one shape::

    {"error": {"code": "too_many_files", "message": "...", "details": [...]}, "request_id": "..."}

``code`` is stable (clients branch on it), ``message`` is for people,
``details`` (optional) lists the offending items (a file and line, a field).
Malformed and oversized bodies get 4xx answers of this shape, never a 500.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import orjson
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from .logging import current_request_id

__all__ = ["ApiError", "error_body", "error_response", "install_handlers"]


class ApiError(Exception):
    """An answer other than success: raise it anywhere below a route."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        *,
        details: Sequence[Mapping[str, Any]] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.details = list(details) if details else None
        self.headers = dict(headers or {})


def error_body(code: str, message: str, details: Sequence[Mapping[str, Any]] | None = None) -> bytes:
    error: dict[str, Any] = {"code": code, "message": message}
    if details:
        error["details"] = list(details)
    return orjson.dumps({"error": error, "request_id": current_request_id()}, default=str)


def error_response(
    status: int,
    code: str,
    message: str,
    details: Sequence[Mapping[str, Any]] | None = None,
    headers: Mapping[str, str] | None = None,
) -> Response:
    response = Response(error_body(code, message, details), status_code=status, media_type="application/json")
    response.headers["X-Error-Code"] = code
    for k, v in (headers or {}).items():
        response.headers[k] = v
    return response


_HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    413: "body_too_large",
    415: "unsupported_media_type",
    422: "invalid_request",
    429: "too_many_requests",
    500: "internal_error",
    503: "unavailable",
    504: "timeout",
}


def _validation_details(exc: RequestValidationError) -> tuple[str, str, list[dict[str, Any]]]:
    details = []
    decode_error = False
    for err in exc.errors():
        kind = str(err.get("type", ""))
        if kind == "json_invalid":
            decode_error = True
        # the location and the reason; never the input itself (it may be a whole file)
        details.append({"field": ".".join(str(p) for p in err.get("loc", ())), "reason": str(err.get("msg", ""))})
    if decode_error:
        return "malformed_json", "the request body is not valid JSON", details
    first = details[0] if details else {"field": "", "reason": "invalid request"}
    return "invalid_request", f"{first['field']}: {first['reason']}" if first["field"] else first["reason"], details


def install_handlers(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def _api_error(request: Request, exc: ApiError) -> Response:
        return error_response(exc.status, exc.code, exc.message, exc.details, exc.headers)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> Response:
        code, message, details = _validation_details(exc)
        return error_response(400 if code == "malformed_json" else 422, code, message, details)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        code = _HTTP_CODES.get(exc.status_code, "http_error")
        message = exc.detail if isinstance(exc.detail, str) else code.replace("_", " ")
        return error_response(exc.status_code, code, message, headers=exc.headers)
