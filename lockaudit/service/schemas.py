"""The wire models: what requests carry and responses answer.

They are the API's contract (OpenAPI at ``/openapi.json``), kept apart from
the library's dataclasses: routes translate between the two, so either side
can change without the other noticing. The audit report itself is the
versioned JSON document of :mod:`lockaudit.formats.json_format` (schema
``report-v1``), exactly what the CLI's ``--format json`` prints.
"""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from ..as_of import AS_OF_HELP
from ..inputs.detect import FORMATS as INPUT_FORMATS

__all__ = [
    "ApiChangeOut",
    "ApiDiffResponse",
    "AuditRequest",
    "CheckRequest",
    "ErrorBody",
    "ErrorResponse",
    "HealthResponse",
    "MatchPair",
    "MatchRequest",
    "MatchResponse",
    "MatchResult",
    "PinOut",
    "PolicyIn",
    "ReadyResponse",
    "ReleaseRow",
    "ResolveRequest",
    "ResolveResponse",
    "SkippedOut",
    "UploadedFile",
    "VersionsResponse",
]

Dialect = Literal["pep440", "poetry", "npm"]
ReportFormat = Literal["json", "sarif", "junit", "markdown", "github", "html"]
# The parsers' own list, so the schema never misses one; a type checker reads a str.
InputFormat = Literal[INPUT_FORMATS]  # type: ignore[valid-type]

#: Upload names: a relative path of plain segments (letters, digits, ``._-+@``
#: and spaces), as a file would sit in a checkout. No ``..``, no absolute paths.
_NAME = re.compile(r"^[A-Za-z0-9_.+@ -]+(/[A-Za-z0-9_.+@ -]+)*$")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


# --------------------------------------------------------------------------- errors


class ErrorBody(BaseModel):
    code: str = Field(description="Stable error code, e.g. `include_refused`, `too_many_files`, `unauthorized`")
    message: str
    details: list[dict[str, Any]] | None = None


class ErrorResponse(BaseModel):
    error: ErrorBody
    request_id: str | None = None


# --------------------------------------------------------------------------- inputs


class UploadedFile(_Model):
    """One dependency file, by the name it has in the project (the format is
    detected from the name and content, as on disk)."""

    name: str = Field(
        min_length=1,
        max_length=255,
        pattern=_NAME.pattern,
        description="Relative path, e.g. `requirements.txt`, `app/pyproject.toml`, `poetry.lock`",
        examples=["requirements.txt"],
    )
    content: str = Field(description="The file's text", examples=["requests>=2.28\n"])

    @field_validator("name")
    @classmethod
    def _plain_relative(cls, value: str) -> str:
        parts = value.split("/")
        if any(p.strip() in ("", ".", "..") for p in parts):
            raise ValueError("must be a relative path without '.' or '..' segments")
        return value

    @field_validator("content")
    @classmethod
    def _no_nul(cls, value: str) -> str:
        if "\x00" in value:
            raise ValueError("must be text (it contains a NUL character)")
        return value


class SuppressionIn(_Model):
    code: str
    package: str
    reason: str
    version: str | None = None
    until: str | None = Field(default=None, description="Last day it applies, YYYY-MM-DD")


class PackagePolicyIn(_Model):
    ignore: list[str] | None = None
    cooldown: str | float | None = None
    fail_on: str | None = Field(default=None, alias="fail-on")
    severity: dict[str, str] | None = None


class PolicyIn(_Model):
    """The audit policy, with the keys of ``[tool.lockaudit]`` (kebab-case; snake_case
    is accepted too). Keys given here replace the same keys of a ``lockaudit.toml`` or
    ``pyproject.toml`` ``[tool.lockaudit]`` among the uploaded files."""

    fail_on: str | None = Field(
        default=None, alias="fail-on", description="info, low, medium, high, critical, patch, minor, major or never"
    )
    select: list[str] | None = None
    extend_select: list[str] | None = Field(default=None, alias="extend-select")
    ignore: list[str] | None = None
    severity: dict[str, str] | None = None
    per_package: dict[str, PackagePolicyIn] | None = Field(default=None, alias="per-package")
    cooldown: str | float | None = Field(default=None, description="Days, or a duration such as `7d`, `36h`, `2w`")
    python: list[str] | None = None
    platform: list[str] | None = None
    suppress: list[SuppressionIn] | None = None
    as_of: str | None = Field(default=None, alias="as-of", description="Audit " + AS_OF_HELP)
    allow_unknown: bool | None = Field(default=None, alias="allow-unknown")

    def to_table(self) -> dict[str, Any]:
        """The keys as a config table has them."""
        return self.model_dump(by_alias=True, exclude_none=True)


class IndexChoice(_Model):
    index_url: str | None = Field(
        default=None,
        max_length=2048,
        description="Used only when the server allow-lists it; otherwise ignored (reported in "
        "`X-Lockaudit-Ignored-Index-Urls`). The same holds for `--index-url` inside uploaded files.",
    )
    extra_index_urls: list[str] = Field(default_factory=list, max_length=16)


class AuditRequest(IndexChoice):
    files: list[UploadedFile] = Field(
        min_length=1, description="The dependency files, e.g. pyproject.toml and poetry.lock"
    )
    policy: PolicyIn | None = None
    format: ReportFormat | None = Field(
        default=None, description="Report format; overrides `Accept` (default: from `Accept`, else json)"
    )
    input_format: InputFormat | None = Field(default=None, description="Force the format of every uploaded file")
    dependency_changes: bool = Field(default=True, description="Fetch core metadata for LA012 (dependency changes)")


class TargetChoice(IndexChoice):
    """The target environment and the requirement selection, as ``lockaudit lock`` /
    ``lockaudit check`` take them (``--python``, ``--platform``, ``--as-of``, ``--pre``,
    ``--extra``, ``--all-extras``, ``--group``, ``--all-groups``, ``--input-format``)."""

    python: str | None = Field(
        default=None,
        max_length=16,
        description="Target Python, e.g. `3.11` (default: what the project says, else the server's)",
    )
    platform: str | None = Field(
        default=None,
        max_length=16,
        description="Target platform: linux, darwin (macos) or windows (default: the project's, else the server's)",
    )
    as_of: str | None = Field(default=None, max_length=64, description="Resolve " + AS_OF_HELP)
    pre: bool | None = Field(default=None, description="Allow pre-releases everywhere")
    extras: list[str] = Field(default_factory=list, max_length=256, description="Optional-dependency extras to include")
    all_extras: bool = False
    groups: list[str] = Field(default_factory=list, max_length=256, description="Dependency groups to include")
    all_groups: bool = False
    input_format: InputFormat | None = Field(default=None, description="Force the format of the input files")


class CheckRequest(TargetChoice):
    """As ``lockaudit check INPUT --lock LOCK``: every uploaded file but the lock (and a
    ``lockaudit.toml``) is an input."""

    files: list[UploadedFile] = Field(min_length=2, description="The input files and the lock")
    lock: str = Field(max_length=255, description="Which uploaded file is the lock, e.g. `requirements.txt`")
    lock_format: InputFormat | None = Field(default=None, description="Force the lock's format")
    fail_on: str | None = Field(
        default=None,
        max_length=16,
        description="Also fail (exit code 1) when a fresh resolution changes a pin at or above this size: patch, "
        "minor, major, or a severity (default: drift never fails)",
    )
    fresh: bool = Field(default=True, description="Resolve afresh for LA018 (false: consistency only)")
    allow_unknown: bool = False
    policy: PolicyIn | None = Field(
        default=None,
        description="Suppressions and severities (on top of an uploaded lockaudit.toml / [tool.lockaudit])",
    )
    format: ReportFormat | None = Field(default=None, description="Report format; overrides `Accept`")


class ResolveRequest(TargetChoice):
    """As ``lockaudit lock INPUT...``; PEP 508 strings may stand for (or add to) files."""

    files: list[UploadedFile] = Field(
        default_factory=list, description="Range files to resolve (requirements.in, pyproject.toml, ...)"
    )
    requirements: list[str] = Field(
        default_factory=list, max_length=10_000, description="PEP 508 requirements, on top of the files"
    )
    lock_format: Literal["requirements", "pylock"] = Field(
        default="requirements", description="The lock file's format: pinned requirements with hashes, or PEP 751"
    )
    hashes: bool = Field(default=True, description="`--hash` lines (requirements format)")
    annotate: bool = Field(default=True, description="`# via` lines (requirements format)")
    header: bool = Field(default=True, description="The header comment (requirements format)")


class PinOut(BaseModel):
    name: str
    version: str
    extras: list[str]
    direct: bool = Field(description="A requested requirement names it")
    requested_by: list[str] = Field(description="The requested requirements that name it, as `file:line: requirement`")
    required_by: list[str] = Field(description="Pinned packages that depend on it")
    dependencies: list[str]
    dependencies_known: bool
    requires_python: str | None = None
    yanked: bool = False
    yanked_reason: str | None = None
    upload_time: str | None = None
    index: str | None = None
    hashes: list[str] = Field(description="`sha256:<hex>` of every file of this version")


class SkippedOut(BaseModel):
    requirement: str
    kind: str = Field(description="`marker` (not for this target) or `not-from-index`")
    reason: str


class ResolveResponse(BaseModel):
    target: str = Field(description="e.g. `Python 3.11 on linux, as of 2025-01-01`")
    python: str | None
    platform: str | None
    as_of: str | None
    pins: list[PinOut]
    skipped: list[SkippedOut]
    unknown: dict[str, str] = Field(description="Packages whose dependencies are unknown, and why")
    warnings: list[str]
    stats: dict[str, int]
    lock: str = Field(description="The lock file, as `lockaudit lock` writes it")
    lock_format: Literal["requirements", "pylock"]


# --------------------------------------------------------------------------- versions


class ReleaseRow(BaseModel):
    version: str
    uploaded: str | None = Field(description="Upload time of the earliest file (ISO 8601, UTC)")
    yanked: bool
    yanked_reason: str | None = None
    requires_python: str | None = None
    admitted: bool = Field(description="The range admits it (and it is not yanked)")
    fresh_install: bool = Field(description="What a fresh install would take for the range")


class VersionsResponse(BaseModel):
    name: str
    range: str
    dialect: Dialect
    pep440: str = Field(description="The range in PEP 440 (a Poetry/npm union joined by ` || `)")
    prereleases: bool | None
    fresh_install: str | None
    newest: str | None = Field(description="The newest release that is not yanked")
    fetched_at: str | None
    from_cache: bool
    stale: bool = Field(description="Answered from an expired cache entry because the index failed")
    releases: list[ReleaseRow]


# --------------------------------------------------------------------------- API diff


class ApiChangeOut(BaseModel):
    """One change in a package's API (``lockaudit diff --json`` has the same fields)."""

    code: str = Field(description="The rule code an audit reports it under (LA021-LA025)", examples=["LA021"])
    kind: str = Field(description="default-changed, object-removed, parameter-moved, deprecated, module-removed, ...")
    path: str = Field(description="The public import path, e.g. `werkzeug.security.generate_password_hash`")
    parameter: str | None
    old: str | None
    new: str | None
    confidence: Literal["high", "low"]
    note: str | None = Field(description="Why the confidence is low, or why a suppressed change is noise")
    exported: bool = Field(description="The path is listed in an `__all__` or is a top-level `pkg.X`")
    text: str = Field(description="The change in one line")


class ApiDiffResponse(BaseModel):
    """What the upgrade from ``old_version`` to ``new_version`` changes in the package's API."""

    package: str
    old_version: str
    new_version: str
    status: Literal["known", "unknown"] = Field(description="`unknown`: see `reason` (only an sdist, analysis failed)")
    reason: str | None = None
    old_wheel: str | None = None
    new_wheel: str | None = None
    counts: dict[str, int] | None = Field(
        default=None, description="Changes per family: defaults, removals, signatures, deprecations, distribution"
    )
    changes: list[ApiChangeOut]
    suppressed: list[ApiChangeOut] = Field(description="Left out as known noise; `note` says why")


# --------------------------------------------------------------------------- match


class MatchPair(_Model):
    range: str = Field(max_length=4096, description="A range, e.g. `>=2.28,<3` (or `^2.28` with dialect poetry)")
    versions: list[str] = Field(description="Version strings to match (invalid ones never match)")
    dialect: Dialect | None = Field(default=None, description="Default: the request's")
    prereleases: bool | None = Field(default=None, description="Default: the request's (None: PEP 440's rule)")


class MatchRequest(_Model):
    pairs: list[MatchPair] = Field(min_length=1)
    dialect: Dialect = "pep440"
    prereleases: bool | None = None


class MatchResult(BaseModel):
    matches: list[str] = Field(description="The versions the range admits, in input order")
    newest: str | None = Field(description="The highest version admitted")
    error: str | None = Field(
        default=None, description="Why the range could not be read (then nothing matches); absent when it could"
    )


class MatchResponse(BaseModel):
    results: list[MatchResult] = Field(description="One result per pair, in request order")


# --------------------------------------------------------------------------- health


class HealthResponse(BaseModel):
    status: Literal["ok"] = "ok"
    version: str


class ReadyResponse(BaseModel):
    status: Literal["ready", "not ready"]
    cache: dict[str, Any]
    index: dict[str, Any]
