"""``POST /v1/resolve``: ``lockaudit lock INPUT...`` over uploaded files (and/or PEP 508
strings): the pins a fresh install would take, with provenance, and the lock file
the CLI would write."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from ...errors import InvalidSpecifier, LockauditError
from ...inputs.selection import select_requirements
from ...model import Lockfile, Requirement, requirement_text
from ...targets import project_targets
from ..deps import LimiterDep, PoolDep, SettingsDep
from ..errors import ApiError
from ..index import request_stats
from ..schemas import ErrorResponse, PinOut, ResolveRequest, ResolveResponse, SkippedOut
from ._inputs import choose_index, load_uploads, moment_of, selection_of, target_of

router = APIRouter(prefix="/v1", tags=["resolve"])


def _where(r: Requirement) -> str:
    return f"{r.origin}: {requirement_text(r, marker=True)}"


def _input_errors(lockfile: Lockfile) -> None:
    """As the CLI: a lock is never made from inputs with errors (it exits 2)."""
    if lockfile.errors:
        first = lockfile.errors[0]
        raise ApiError(
            422,
            "invalid_input",
            first.render().splitlines()[0],
            details=[
                {"file": p.path, "line": p.line, "column": p.column, "reason": p.message} for p in lockfile.errors
            ],
        )


@router.post(
    "/resolve",
    response_model=ResolveResponse,
    summary="Resolve requirements as a fresh install would",
    responses={
        200: {
            "content": {"text/plain": {"schema": {"type": "string"}}},
            "description": "The pins (JSON), or the lock file alone with `Accept: text/plain`",
        },
        400: {"model": ErrorResponse, "description": "Malformed JSON"},
        401: {"model": ErrorResponse, "description": "Missing or wrong bearer token"},
        409: {"model": ErrorResponse, "description": "No set of pins satisfies the requirements (the explanation)"},
        413: {"model": ErrorResponse, "description": "Body, files or lines over the limits"},
        422: {"model": ErrorResponse, "description": "Invalid request, requirement or include"},
        429: {"model": ErrorResponse, "description": "Too many resolutions running; retry"},
        504: {"model": ErrorResponse, "description": "The request took longer than the server's timeout"},
    },
)
async def resolve(
    body: ResolveRequest,
    pool: PoolDep,
    settings: SettingsDep,
    limiter: LimiterDep,
    request: Request,
    response: Response,
) -> Response | ResolveResponse:
    """As `lockaudit lock INPUT...`: the pins a fresh install would take for the target
    (default: the server's Python and platform), as of a date, from uploaded range
    files and/or PEP 508 strings; `lock` is the file the CLI writes. With
    `Accept: text/plain` the answer is that file alone."""
    from ...resolve import (
        ResolutionConflict,
        ResolutionTooComplex,
        ResolveOptions,
        lock_command,
        requirements_from,
        resolve_async,
        write_pylock,
        write_requirements,
    )

    if not body.files and not body.requirements:
        raise ApiError(422, "nothing_to_resolve", "give files, requirements, or both")
    if len(body.requirements) > settings.max_lines:
        raise ApiError(413, "too_many_lines", f"at most {settings.max_lines} requirements (LOCKAUDIT_MAX_LINES)")
    target = target_of(body)
    moment_of(body.as_of)
    stats = request_stats()
    lockfile = None
    if body.files:
        lockfile = await load_uploads(body.files, settings, body.input_format)
        _input_errors(lockfile)
        lockfile = select_requirements(lockfile, selection_of(body))
        # As `lockaudit lock`: what the flags leave open, the project says.
        target = project_targets(
            lockfile.inputs,
            python=[body.python] if body.python else (),
            platform=[body.platform] if body.platform else (),
        ).targets[0]
    try:
        extra = requirements_from(body.requirements, origin="<request>")
    except InvalidSpecifier as exc:
        raise ApiError(422, "invalid_requirement", str(exc)) from None
    client = pool.client(
        choose_index(pool, stats, index_url=body.index_url, extra_index_urls=body.extra_index_urls, lockfile=lockfile)
    )
    inputs: Lockfile | list[Requirement]
    if lockfile is not None and not extra:
        inputs = lockfile
    else:
        inputs = [*(lockfile.requirements if lockfile is not None else ()), *extra]
    try:
        resolution = await limiter.run_async(
            lambda: resolve_async(
                inputs, ResolveOptions(target=target, as_of=body.as_of, prereleases=body.pre), client=client
            )
        )
    except ResolutionConflict as exc:
        raise ApiError(
            409,
            "resolution_conflict",
            exc.explain(),
            details=[
                {
                    "package": c.package,
                    "requirement": c.requirement,
                    "required_by": c.required_by,
                    "origin": str(c.origin) if c.origin else None,
                }
                for c in exc.causes
            ],
            headers=stats.headers(),
        ) from None
    except ResolutionTooComplex as exc:
        raise ApiError(409, "resolution_too_complex", exc.explain(), headers=stats.headers()) from None
    except (InvalidSpecifier, ValueError, LockauditError) as exc:
        raise ApiError(422, "invalid_input", str(exc)) from None
    if body.lock_format == "pylock":
        lock = write_pylock(resolution)
    else:
        command = lock_command(
            [f.name for f in body.files],
            python=body.python,
            platform=body.platform,
            as_of=body.as_of,
            prereleases=body.pre,
            selection=selection_of(body),
        )
        lock = write_requirements(
            resolution, hashes=body.hashes, header=body.header, annotate=body.annotate, command=command
        )
    accept = request.headers.get("accept", "")
    if "text/plain" in accept and "application/json" not in accept:
        return Response(lock, media_type="text/plain; charset=utf-8", headers=stats.headers())
    response.headers.update(stats.headers())
    env = resolution.environment
    return ResolveResponse(
        target=resolution.label,
        python=env.target.python or env.python_version,
        platform=env.target.platform,
        as_of=resolution.as_of.isoformat() if resolution.as_of else None,
        pins=[
            PinOut(
                name=p.name,
                version=p.version,
                extras=sorted(p.extras),
                direct=p.direct,
                requested_by=[_where(r) for r in p.requested_by],
                required_by=list(p.required_by),
                dependencies=list(p.dependencies),
                dependencies_known=p.dependencies_known,
                requires_python=p.requires_python,
                yanked=p.yanked,
                yanked_reason=p.yanked_reason,
                upload_time=p.upload_time.isoformat() if p.upload_time else None,
                index=p.index,
                hashes=list(p.hashes),
            )
            for p in resolution
        ],
        skipped=[
            SkippedOut(requirement=_where(s.requirement), kind=s.kind, reason=s.reason) for s in resolution.skipped
        ],
        unknown=dict(resolution.unknown),
        warnings=list(resolution.warnings),
        stats={k: int(v) for k, v in resolution.stats.items()},
        lock=lock,
        lock_format=body.lock_format,
    )
