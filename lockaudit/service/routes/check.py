"""``POST /v1/check``: ``lockaudit check INPUT --lock LOCK`` over uploaded files.

Is the lock consistent with its inputs and closed (LA017), how would a fresh
resolution differ (LA018), where are dependencies unknown (LA019)? The
library's ``check_lock_report``, the call the CLI makes, in the audit's
formats; ``X-Lockaudit-Exit-Code`` is the CLI's exit code (``check_exit_code``).
"""

from __future__ import annotations

import posixpath

from fastapi import APIRouter, Request, Response

from ...audit.lock_check import check_exit_code, check_lock_report, inputs_for_lock
from ...errors import InvalidSpecifier, LockauditError
from ...findings import Severity, Threshold, parse_threshold
from ...formats import render
from ..deps import LimiterDep, PoolDep, SettingsDep
from ..errors import ApiError
from ..index import request_stats
from ..schemas import CheckRequest
from ._inputs import (
    MEDIA_TYPES,
    POLICY_ONLY,
    REPORT_RESPONSES,
    check_limits,
    choose_format,
    choose_index,
    load_uploads,
    moment_of,
    policy_for,
    selection_of,
    target_of,
)
from .audit import ERRORS

router = APIRouter(prefix="/v1", tags=["resolve"])

__all__ = ["router"]


@router.post(
    "/check",
    summary="Check a lock against its inputs",
    response_class=Response,
    responses={**REPORT_RESPONSES, **ERRORS, 429: {"description": "Too many resolutions running; retry"}},
)
async def check(
    body: CheckRequest,
    pool: PoolDep,
    settings: SettingsDep,
    limiter: LimiterDep,
    request: Request,
) -> Response:
    """As `lockaudit check INPUT --lock LOCK`: every requirement locked at an admitted
    version and the lock closed over its releases' dependencies (LA017), what a fresh
    resolution would change (LA018), releases whose dependencies are unknown
    (LA019), locked packages the index does not know (LA013). Suppressions and
    severities of the policy apply; `fail_on` (default: never) makes drift fail.
    Every uploaded file but the lock (and a `lockaudit.toml`) is an input. The
    targets are the CLI's: `python`/`platform` if given, else what the project
    says; groups and extras default to what the lock was made from."""

    fmt = choose_format(body.format, request.headers.get("accept"))
    try:
        threshold: Threshold = parse_threshold(body.fail_on) if body.fail_on else None
    except ValueError as exc:
        raise ApiError(422, "invalid_threshold", str(exc)) from None
    target_of(body)  # a bad target is a 422 before anything is read
    moment_of(body.as_of)
    lock_name = posixpath.normpath(body.lock)
    lock_files = [f for f in body.files if posixpath.normpath(f.name) == lock_name]
    if not lock_files:
        raise ApiError(422, "no_lock", f"{body.lock!r} is not among the uploaded files", details=[{"field": "lock"}])
    input_files = [f for f in body.files if posixpath.normpath(f.name) != lock_name]
    if not any(posixpath.basename(f.name) not in POLICY_ONLY for f in input_files):
        raise ApiError(422, "no_input", "no input file besides the lock")
    check_limits(body.files, settings)  # all of them, before they are split
    stats = request_stats()
    inputs = await load_uploads(input_files, settings, body.input_format)
    lock = await load_uploads(lock_files, settings, body.lock_format)
    inputs = inputs_for_lock(inputs, lock, selection_of(body))
    policy = policy_for(input_files, body.policy)
    client = pool.client(
        choose_index(pool, stats, index_url=body.index_url, extra_index_urls=body.extra_index_urls, lockfile=inputs)
    )
    try:
        report, _ = await limiter.run_async(
            lambda: check_lock_report(
                inputs,
                lock,
                client=client,
                policy=policy,
                threshold=threshold,
                python=[body.python] if body.python else (),
                platform=[body.platform] if body.platform else (),
                as_of=body.as_of,
                prereleases=body.pre,
                fresh=body.fresh,
                allow_unknown=body.allow_unknown,
                local_projects=False,  # an upload's paths are not the server's files
            )
        )
    except (InvalidSpecifier, ValueError, LockauditError) as exc:
        raise ApiError(422, "invalid_input", str(exc)) from None
    # As the CLI: findings are shown against --fail-on, else against high.
    text = render(report, fmt, threshold=threshold if threshold is not None else Severity.HIGH)
    headers = stats.headers()
    headers["X-Lockaudit-Exit-Code"] = str(int(check_exit_code(report, threshold, allow_unknown=body.allow_unknown)))
    return Response(text, media_type=MEDIA_TYPES[fmt], headers=headers)
