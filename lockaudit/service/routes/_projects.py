"""What the ``/v1/projects/{name}/...`` routes share: a valid name, and its release
history or the error that says why there is none."""

from __future__ import annotations

import re

from packaging.utils import canonicalize_name

from ...index import FetchStatus, IndexClient, ProjectHistory
from ..errors import ApiError
from ..index import RequestStats

__all__ = ["check_project_name", "project_history"]

_NAME = re.compile(r"^([A-Za-z0-9]|[A-Za-z0-9][A-Za-z0-9._-]*[A-Za-z0-9])$")


def check_project_name(name: str) -> None:
    """A 422 for a name no project can have (PEP 508's name rule)."""
    if not _NAME.match(name):
        raise ApiError(422, "invalid_name", f"{name!r} is not a valid project name")


async def project_history(client: IndexClient, name: str, stats: RequestStats) -> ProjectHistory:
    """The release history of project ``name``: 422 for a name no project can
    have, 404 when the index has none, 503 when the index cannot be reached and
    nothing is cached, 502 for another failure of the index."""
    check_project_name(name)
    history = await client.fetch_history(canonicalize_name(name))
    if history.status is FetchStatus.NOT_FOUND:
        raise ApiError(404, "not_found", f"the index has no project {canonicalize_name(name)!r}")
    if not history.ok:
        detail = f": {history.detail}" if history.detail else ""
        status = 503 if history.status in (FetchStatus.UNREACHABLE, FetchStatus.NOT_CACHED) else 502
        raise ApiError(
            status, "index_unavailable", f"{history.name}: {history.status}{detail}", headers=stats.headers()
        )
    return history
