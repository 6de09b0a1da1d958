"""Pipfile (pipenv): ``[packages]``, ``[dev-packages]`` and any other category.

Versions are PEP 440 specifiers (``"*"`` is any version; a bare version such as
``"3.*"`` or ``"2.23.0"`` means ``==``, as pipenv reads it). A table may add
``extras``, ``markers``, marker keys (``sys_platform = "== 'linux'"``), an
``index`` naming a ``[[source]]``, or a ``git``/``path``/``file`` source.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any
from urllib.parse import urlsplit

from packaging.markers import InvalidMarker, Marker
from packaging.specifiers import InvalidSpecifier, SpecifierSet

from ..model import IndexOptions, InputProblem, Lockfile, Origin, PythonScope, Requirement, Source, SourceKind
from ..urls import redact_url
from . import _build
from ._pep508 import SpecError, convert
from ._toml import TomlIndex, load_toml

__all__ = ["CATEGORY_GROUPS", "parse"]

# The operators pipenv recognises at the start of a version (distlib's COMPARE_OP);
# anything else gets "==" in front.
_OPERATOR = re.compile(r"^(<=?|>=?|={2,3}|[~!]=)\s*")

# The sections that are not package categories.
_NOT_CATEGORIES = frozenset({"source", "requires", "pipenv", "scripts"})
#: Pipfile sections and the Pipfile.lock keys they lock under.
CATEGORY_GROUPS = {"packages": "default", "dev-packages": "develop"}
_MARKER_KEYS = (
    "os_name",
    "sys_platform",
    "platform_machine",
    "platform_python_implementation",
    "platform_release",
    "platform_system",
    "platform_version",
    "python_version",
    "python_full_version",
    "implementation_name",
    "implementation_version",
)


def source_of(spec: dict[str, Any]) -> Source | None:
    """The non-index source a Pipfile / Pipfile.lock entry names, if any."""
    editable = spec.get("editable") is True
    for vcs in ("git", "hg", "svn", "bzr"):
        if isinstance(spec.get(vcs), str):
            ref = spec.get("ref")
            url = spec[vcs]
            location = (url if url.startswith(vcs + "+") else f"{vcs}+{url}") + (f"@{ref}" if ref else "")
            return Source(
                SourceKind.VCS,
                location=redact_url(location),
                editable=editable,
                commit=ref if isinstance(ref, str) and len(ref) == 40 else None,
            )
    if isinstance(spec.get("path"), str):
        return Source(SourceKind.PATH, location=spec["path"], editable=editable)
    if isinstance(spec.get("file"), str):
        url = spec["file"]
        kind = SourceKind.URL if url.lower().startswith(("http:", "https:")) else SourceKind.PATH
        return Source(kind, location=redact_url(url), editable=editable)
    return None


def markers_of(spec: dict[str, Any]) -> str | None:
    """``markers`` and-ed with the marker keys (``sys_platform = "== 'linux'"``)."""
    parts = [f"{key} {spec[key]}" for key in _MARKER_KEYS if isinstance(spec.get(key), str)]
    if isinstance(spec.get("markers"), str):
        parts.append(spec["markers"])
    if not parts:
        return None
    return str(Marker(" and ".join(f"({p})" for p in parts) if len(parts) > 1 else parts[0]))


def parse(text: str, path: str) -> Lockfile:
    """Read a Pipfile (``text`` is its content, ``path`` its name as given)."""
    doc, problem = load_toml(text, path)
    if doc is None:
        return _build.single_file(path, "pipfile", problems=[problem] if problem else [])
    idx = TomlIndex(text, path)
    problems: list[InputProblem] = []
    requirements: list[Requirement] = []
    sources = [s for s in doc.get("source", []) if isinstance(s, dict)] if isinstance(doc.get("source"), list) else []
    named = tuple(
        (s["name"], s["url"]) for s in sources if isinstance(s.get("name"), str) and isinstance(s.get("url"), str)
    )
    urls = dict(named)
    for category, packages in doc.items():
        if category in _NOT_CATEGORIES or not isinstance(packages, dict):
            continue
        group = CATEGORY_GROUPS.get(category, category)
        for raw_name, spec in packages.items():
            at = idx.origin((category,), (raw_name,))
            req = _requirement(raw_name, spec, at, group, idx, problems, urls)
            if req is not None:
                requirements.append(req)
    index = IndexOptions(
        index_url=named[0][1] if named else None,
        extra_index_urls=tuple(url for _, url in named[1:]),
        trusted_hosts=tuple(
            _host(s["url"]) for s in sources if s.get("verify_ssl") is False and isinstance(s.get("url"), str)
        ),
        pre=bool((doc.get("pipenv") or {}).get("allow_prereleases")) if isinstance(doc.get("pipenv"), dict) else False,
        named=named,
    )
    return _build.single_file(
        path,
        "pipfile",
        requirements,
        (),
        problems,
        index,
        line_text=lambda _p, line: idx.line_text(line),
        scope=requires_scope(doc.get("requires"), "[requires] in the Pipfile"),
    )


def requires_scope(requires: Any, source: str) -> PythonScope | None:
    """pipenv's ``[requires]`` (Pipfile) / ``_meta.requires`` (Pipfile.lock):
    the one Python the environment uses, ``python_full_version`` or ``python_version``."""
    if not isinstance(requires, dict):
        return None
    for key in ("python_full_version", "python_version"):
        value = requires.get(key)
        if isinstance(value, str) and re.fullmatch(r"\d+\.\d+(\.\d+)?", value.strip()):
            version = value.strip()
            spec = f"=={version}" if version.count(".") == 2 else f"=={version}.*"
            return PythonScope(requires_python=spec, python=version, source=f"{key} in {source}")
    return None


def _host(url: str) -> str:
    return urlsplit(url).hostname or url


def _requirement(
    raw_name: str,
    spec: Any,
    at: Origin,
    group: str,
    idx: TomlIndex,
    problems: list[InputProblem],
    index_urls: dict[str, str],
) -> Requirement | None:
    if isinstance(spec, str):
        spec = {"version": spec}
    if not isinstance(spec, dict):
        problems.append(
            idx.problem(
                at,
                f"package {raw_name!r} must be a version string or a table",
                expected='"*", ">=1.0" or {version = ">=1.0", ...}',
                code="invalid-type",
            )
        )
        return None
    version = spec.get("version", "*")
    if not isinstance(version, str):
        problems.append(idx.problem(at, f"version of {raw_name!r} must be a string", code="invalid-type"))
        return None
    written = "" if version.strip() == "*" else version.strip()
    if written and not _OPERATOR.match(written):
        # pipenv reads a version without an operator ("3.*", "2.23.0") as "==".
        written = "==" + written
    try:
        marker = markers_of(spec)
    except InvalidMarker as exc:
        problems.append(
            idx.problem(
                at, f"invalid markers for {raw_name!r}", expected=str(exc).split("\n", 1)[0], code="invalid-marker"
            )
        )
        return None
    try:
        SpecifierSet(written)
    except InvalidSpecifier:
        here = idx.string(version, at)
        problems.append(
            idx.problem(
                here,
                f"invalid version {version!r} for {raw_name!r}",
                width=max(1, len(version)),
                expected='a PEP 440 specifier such as ">=1.0", or "*"',
                code="invalid-requirement",
            )
        )
        return None
    extras = [e for e in spec.get("extras", []) if isinstance(e, str)] if isinstance(spec.get("extras"), list) else []
    # Read name, extras and range together as pipenv hands them to pip: one PEP 508 string.
    pep508 = raw_name + (f"[{','.join(extras)}]" if extras else "") + written
    try:
        req, _ = convert(pep508, at, group=group, marker=marker)
    except SpecError as exc:
        here = idx.string(version, at)
        offset = max(0, exc.start - len(pep508) + len(written)) if here is not at else 0
        problems.append(
            idx.problem(
                here,
                f"invalid version {version!r} for {raw_name!r}",
                offset=offset,
                width=max(1, len(written) - offset) if here is not at else len(raw_name),
                expected=exc.expected or 'a PEP 440 specifier or "*"',
                code="invalid-requirement",
            )
        )
        return None
    source = source_of(spec)
    if source is None and isinstance(spec.get("index"), str):
        source = Source(SourceKind.INDEX, index_url=index_urls.get(spec["index"]))
    return req if source is None else replace(req, source=source)
