"""Request bodies that come as JSON or as ``multipart/form-data``.

A pipeline that has only curl can upload its files as form parts::

    curl -F requirements.in=@requirements.in -F requirements.txt=@requirements.txt \\
         -F format=sarif https://lockaudit.example.com/v1/audit

Each file part is one dependency file, named by its field name (which may be a
relative path, ``-F app/pyproject.toml=@pyproject.toml``); a part whose field
is a generic ``file``/``files`` is named by its file name. A plain text field
whose name is not an option is a file too (``-F "requirements.txt=<requirements.txt"``).
The other fields are the JSON body's options: ``format``, ``input_format``,
``dependency_changes``, ``index_url``, ``extra_index_urls`` (repeatable) and
``policy`` (a JSON object of ``[tool.lockaudit]`` keys). The result is
validated as the JSON body is, with the same errors.
"""

from __future__ import annotations

from typing import Any, TypeVar

import orjson
from fastapi import Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ValidationError
from starlette.datastructures import UploadFile

from ..errors import ApiError
from ..settings import ServiceSettings

__all__ = ["FORM_OPTIONS", "form_schema", "read_body"]

Model = TypeVar("Model", bound=BaseModel)

#: Form fields that are options, not files.
FORM_OPTIONS = ("format", "input_format", "dependency_changes", "index_url", "extra_index_urls", "policy")
_REPEATED = frozenset({"extra_index_urls"})
_GENERIC = frozenset({"file", "files", "file[]", "files[]", "upload", "uploads"})
_JSON_SUFFIXES = ("/json", "+json")


def _invalid(exc: ValidationError) -> RequestValidationError:
    return RequestValidationError(
        [{**e, "loc": ("body", *e["loc"])} for e in exc.errors(include_url=False, include_input=False)]
    )


async def read_body(request: Request, model: type[Model], settings: ServiceSettings) -> Model:
    """The request body as ``model``, from JSON or from a multipart form."""
    ctype = request.headers.get("content-type", "application/json")
    media = ctype.split(";", 1)[0].strip().lower()
    if media == "multipart/form-data":
        data = await _form_data(request, settings)
        try:
            return model.model_validate(data)
        except ValidationError as exc:
            raise _invalid(exc) from None
    if media.endswith(_JSON_SUFFIXES):
        raw = await request.body()
        if not raw.strip():
            # no body at all, as FastAPI's own body parameters answer it
            raise RequestValidationError(
                [{"type": "missing", "loc": ("body",), "msg": "Field required", "input": None}]
            )
        try:
            return model.model_validate_json(raw)
        except ValidationError as exc:
            raise _invalid(exc) from None
    raise ApiError(
        415,
        "unsupported_media_type",
        "the body must be JSON (Content-Type: application/json) or a form (multipart/form-data)",
    )


async def _form_data(request: Request, settings: ServiceSettings) -> dict[str, Any]:
    try:
        form = await request.form(
            max_files=settings.max_files + 1, max_fields=len(FORM_OPTIONS) + settings.max_files + 16
        )
    except Exception as exc:
        if "too many files" in str(exc).lower():
            raise ApiError(
                413, "too_many_files", f"more than {settings.max_files} files per request (LOCKAUDIT_MAX_FILES)"
            ) from None
        raise ApiError(400, "malformed_form", f"the multipart/form-data body cannot be read: {exc}") from None
    files: list[dict[str, str]] = []
    data: dict[str, Any] = {}
    try:
        for key, value in form.multi_items():
            if isinstance(value, UploadFile):
                name = value.filename if key.lower() in _GENERIC or not key else key
                raw = await value.read()
                files.append({"name": name or key, "content": _text(raw, name or key)})
            elif key in FORM_OPTIONS:
                if key in _REPEATED:
                    data.setdefault(key, []).append(value)
                elif key in data:
                    raise ApiError(422, "invalid_request", f"form field {key!r} is given twice")
                else:
                    data[key] = _option(key, value)
            else:
                files.append({"name": key, "content": value})
    finally:
        await form.close()
    data["files"] = files
    return data


def _text(raw: bytes, name: str) -> str:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ApiError(
            422, "invalid_request", f"{name}: expected UTF-8 text", details=[{"field": "files", "reason": "not UTF-8"}]
        ) from None


def _option(key: str, value: str) -> Any:
    if key == "policy":
        try:
            return orjson.loads(value)
        except orjson.JSONDecodeError:
            raise ApiError(422, "invalid_request", "form field 'policy' must be a JSON object") from None
    if key == "dependency_changes":
        lowered = value.strip().lower()
        if lowered in ("true", "1", "yes", "on"):
            return True
        if lowered in ("false", "0", "no", "off"):
            return False
        raise ApiError(422, "invalid_request", "form field 'dependency_changes' must be true or false")
    return value


def form_schema(description: str) -> dict[str, Any]:
    """The OpenAPI schema of such a form: the options, and any other field a file."""
    return {
        "type": "object",
        "description": description,
        "properties": {
            "format": {"type": "string", "enum": ["json", "sarif", "junit", "markdown", "github", "html"]},
            "input_format": {"type": "string"},
            "dependency_changes": {"type": "boolean"},
            "index_url": {"type": "string"},
            "extra_index_urls": {"type": "array", "items": {"type": "string"}},
            "policy": {"type": "string", "description": "A JSON object of [tool.lockaudit] keys"},
        },
        "additionalProperties": {"type": "string", "format": "binary"},
    }
