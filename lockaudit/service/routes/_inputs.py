"""What the audit, check and resolve routes share: reading uploads safely,
the policy, the index choice, and answering a report in the format asked for.

Uploaded text is data, never a path: files are read with
:func:`lockaudit.inputs.load_texts` (``-r``/``-c`` resolved among the uploads
only, never on disk, ``${VAR}`` expanded from nothing), and an include that
names anything but another uploaded file is refused with a 422 naming the line.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import posixpath
from collections.abc import Mapping, Sequence
from typing import Any

from fastapi import Response

from ...as_of import parse_as_of
from ...audit.policy import Policy, policy_from_files
from ...errors import InputError, PolicyError
from ...findings import AuditReport, Target
from ...formats import render
from ...index import IndexSettings
from ...inputs import load_texts
from ...inputs.selection import Selection
from ...model import Lockfile
from ..errors import ApiError
from ..index import IndexPool, RequestStats
from ..schemas import PolicyIn, TargetChoice, UploadedFile
from ..settings import ServiceSettings

__all__ = [
    "MEDIA_TYPES",
    "REPORT_RESPONSES",
    "choose_format",
    "choose_index",
    "load_uploads",
    "moment_of",
    "policy_for",
    "report_response",
    "selection_of",
    "target_of",
]

#: Report format -> media type of the response.
MEDIA_TYPES: Mapping[str, str] = {
    "json": "application/json",
    "sarif": "application/sarif+json",
    "junit": "application/xml",
    "markdown": "text/markdown; charset=utf-8",
    "github": "text/plain; charset=utf-8",
    "html": "text/html; charset=utf-8",
}
#: Accept media type -> report format.
_ACCEPTED: Mapping[str, str] = {
    "application/json": "json",
    "application/sarif+json": "sarif",
    "application/xml": "junit",
    "text/xml": "junit",
    "application/junit+xml": "junit",
    "text/markdown": "markdown",
    "text/x-github-annotations": "github",
    "text/html": "html",
    "application/*": "json",
    "*/*": "json",
}
#: Uploads that are read as the policy only, never as dependency files.
POLICY_ONLY = frozenset({"lockaudit.toml"})
#: Include problems (see ``lockaudit.inputs.requirements_txt``) that mean "not a file of this request".
_INCLUDE_CODES = frozenset({"missing-include", "remote-include"})
#: Problems of input no parser reads (a number past Python's digit limit,
#: nesting too deep, an include path with a NUL byte): refused with a 422, as
#: the CLI exits 2, rather than reported beside an audit.
_REFUSED_CODES = frozenset({"toml-limit", "json-limit", "invalid-include"})

_REPORT_CONTENT = {
    "application/json": {"schema": {"$ref": "#/components/schemas/ReportV1"}},
    "application/sarif+json": {"schema": {"type": "object"}},
    "application/xml": {"schema": {"type": "string"}},
    "text/markdown": {"schema": {"type": "string"}},
    "text/plain": {"schema": {"type": "string"}},
    "text/html": {"schema": {"type": "string"}},
}

#: The OpenAPI ``responses`` of a route that answers a report.
REPORT_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The report (the CLI's `--format json` document, or SARIF / JUnit / Markdown / GitHub "
        "annotations / the HTML page by `format` or `Accept`). `X-Lockaudit-Exit-Code` carries the exit code the CLI "
        "would give; `X-Lockaudit-Index`, `X-Lockaudit-Stale` and `X-Lockaudit-Unknown` report answers "
        "degraded by an index outage.",
        "content": _REPORT_CONTENT,
    },
}


def count_lines(text: str) -> int:
    return text.count("\n") + (0 if text.endswith("\n") or not text else 1)


def check_limits(files: Sequence[UploadedFile], settings: ServiceSettings) -> None:
    if len(files) > settings.max_files:
        raise ApiError(
            413, "too_many_files", f"{len(files)} files; at most {settings.max_files} per request (LOCKAUDIT_MAX_FILES)"
        )
    lines = sum(count_lines(f.content) for f in files)
    if lines > settings.max_lines:
        raise ApiError(
            413,
            "too_many_lines",
            f"{lines} lines in all; at most {settings.max_lines} per request (LOCKAUDIT_MAX_LINES)",
        )
    seen: set[str] = set()
    for f in files:
        key = posixpath.normpath(f.name)
        if key in seen:
            raise ApiError(422, "duplicate_file", f"{f.name!r} is uploaded twice", details=[{"file": f.name}])
        seen.add(key)


def _include_refusals(lockfile: Lockfile, codes: frozenset[str] = _INCLUDE_CODES) -> list[dict[str, Any]]:
    out = []
    for p in lockfile.problems:
        if p.code not in codes:
            continue
        out.append(
            {
                "file": p.path,
                "line": p.line,
                "column": p.column,
                "text": p.text,
                "reason": p.message,
            }
        )
    return out


async def load_uploads(files: Sequence[UploadedFile], settings: ServiceSettings, input_format: str | None) -> Lockfile:
    """The uploads read into one Lockfile; 413/422 for what the service refuses."""
    if not any(posixpath.basename(f.name) not in POLICY_ONLY for f in files):
        raise ApiError(422, "no_input", "no dependency file among the uploads (a lockaudit.toml alone is a policy)")
    check_limits(files, settings)
    # A lockaudit.toml is the policy (see policy_for), not a dependency file.
    texts = {f.name: f.content for f in files if posixpath.basename(f.name) not in POLICY_ONLY}
    try:
        # Parsing is CPU work: off the event loop, so /healthz and friends stay quick.
        lockfile = await asyncio.to_thread(load_texts, texts, format=input_format, env={})
    except InputError as exc:
        raise ApiError(422, "invalid_input", str(exc)) from None
    refused = _include_refusals(lockfile)
    if refused:
        first = refused[0]
        where = f"{first['file']}:{first['line']}" if first["line"] else first["file"]
        raise ApiError(
            422,
            "include_refused",
            f"{where}: {(first['text'] or '').strip()!s}: -r/-c may only name another file of this request "
            "(absolute paths, '..' out of the upload and URLs are refused)",
            details=refused,
        )
    unreadable = _include_refusals(lockfile, _REFUSED_CODES)
    if unreadable:
        first = unreadable[0]
        where = ":".join(str(x) for x in (first["file"], first["line"], first["column"]) if x)
        raise ApiError(422, "invalid_input", f"{where}: {first['reason']}", details=unreadable)
    return lockfile


# --------------------------------------------------------------------------- policy


def policy_for(files: Sequence[UploadedFile], requested: PolicyIn | None) -> Policy:
    """The policy of the uploaded ``lockaudit.toml`` / ``[tool.lockaudit]`` (if any,
    found as the CLI finds one on disk, suppressions at their file:line) with
    the request's keys on top."""
    try:
        return policy_from_files(
            {f.name: f.content for f in files}, overrides=requested.to_table() if requested is not None else None
        )
    except PolicyError as exc:
        raise ApiError(422, "invalid_policy", str(exc)) from None


# --------------------------------------------------------------------------- targets


def selection_of(body: TargetChoice) -> Selection:
    """The extras and groups the request names (the CLI's ``--extra``, ``--group``, ...)."""
    return Selection(tuple(body.extras), tuple(body.groups), body.all_extras, body.all_groups)


def target_of(body: TargetChoice) -> Target:
    """The target the request names; a 422 for a Python or platform no target can be."""
    try:
        return Target(body.python, body.platform)
    except ValueError as exc:
        raise ApiError(422, "invalid_target", str(exc)) from None


def moment_of(value: str | None) -> dt.datetime | None:
    """The request's ``as_of`` as the cutoff it means; a 422 for one that is no date."""
    try:
        return parse_as_of(value)
    except ValueError as exc:
        raise ApiError(422, "invalid_as_of", str(exc)) from None


# --------------------------------------------------------------------------- index


def choose_index(
    pool: IndexPool,
    stats: RequestStats,
    *,
    index_url: str | None,
    extra_index_urls: Sequence[str],
    lockfile: Lockfile | None,
) -> IndexSettings:
    """The index settings for a request: the server's, or allow-listed ones the
    request or its files name. Everything else they name is ignored (and counted)."""
    primary = index_url
    extras = list(extra_index_urls)
    if lockfile is not None:
        primary = primary or lockfile.index.index_url
        extras += [u for u in lockfile.index.extra_index_urls if u not in extras]
    settings, ignored = pool.settings_for(primary, extras)
    stats.ignored_index_urls.extend(ignored)
    return settings


# --------------------------------------------------------------------------- answers


def choose_format(requested: str | None, accept: str | None) -> str:
    """The report format: the ``format`` field, else the best ``Accept`` match, else json."""
    if requested:
        return requested
    if not accept:
        return "json"
    offers: list[tuple[float, int, str]] = []
    for i, part in enumerate(accept.split(",")):
        fields = [s.strip() for s in part.split(";")]
        media = fields[0].lower()
        q = 1.0
        for param in fields[1:]:
            if param.startswith("q="):
                try:
                    q = float(param[2:])
                except ValueError:
                    q = 0.0
        if media in _ACCEPTED and q > 0:
            offers.append((-q, i, _ACCEPTED[media]))
    if not offers:
        raise ApiError(
            406,
            "not_acceptable",
            "no report format matches Accept; use one of "
            + ", ".join(sorted(set(_ACCEPTED) - {"*/*", "application/*"})),
        )
    return sorted(offers)[0][2]


def report_response(
    report: AuditReport,
    fmt: str,
    stats: RequestStats,
    *,
    exit_code: int | None = None,
    timelines: Mapping[str, Sequence[Any]] | None = None,
) -> Response:
    """The report in ``fmt``; ``timelines`` (release histories) draw the HTML page's timelines."""
    threshold = report.metadata.policy.fail_on
    if fmt == "html":
        from ...formats.html import render as render_html

        body = render_html(report, threshold=threshold, timelines=timelines)
    else:
        body = render(report, fmt, threshold=threshold)
    headers = stats.headers()
    code = int(report.exit_code(threshold)) if exit_code is None else exit_code
    headers["X-Lockaudit-Exit-Code"] = str(code)
    return Response(body, media_type=MEDIA_TYPES[fmt], headers=headers)
