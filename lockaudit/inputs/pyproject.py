"""pyproject.toml: PEP 621 ``[project]``, PEP 735 ``[dependency-groups]``, Poetry.

PEP 621 and PEP 735 entries are PEP 508 strings (packaging reads them). Poetry's
``[tool.poetry.dependencies]`` and group tables use Poetry's range dialect
(caret, tilde, wildcard, ``||``), translated to PEP 440 by ``lockaudit.ranges``;
their ``python``/``platform`` keys become markers. ``[tool.uv.sources]`` and
Poetry's ``git``/``path``/``url`` tables mark a requirement "not from the index".
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from packaging.markers import InvalidMarker, Marker
from packaging.specifiers import InvalidSpecifier, Specifier
from packaging.utils import canonicalize_name

from ..errors import InvalidRange
from ..model import IndexOptions, InputProblem, Lockfile, Origin, PythonScope, Requirement, Source, SourceKind
from ..ranges import range_alternatives
from ..urls import redact_url
from . import _build
from ._pep508 import SpecError, from_pep508
from ._toml import TomlIndex, load_toml
from .groups import cycles

__all__ = ["parse", "python_marker"]

_POETRY_MARKER_KEYS = {"platform": "sys_platform"}


class _Reader:
    def __init__(self, text: str, path: str) -> None:
        self.path = path
        self.idx = TomlIndex(text, path)
        self.requirements: list[Requirement] = []
        self.problems: list[InputProblem] = []
        self.includes: list[tuple[str, str]] = []

    def expect(
        self, value: Any, kind: type | tuple[type, ...], table: tuple[str, ...], key: tuple[str, ...], what: str
    ) -> bool:
        if isinstance(value, kind):
            return True
        at = self.idx.origin(table, key)
        self.problems.append(
            self.idx.problem(at, f"{'.'.join(table + key)} must be {what}", expected=what, code="invalid-type")
        )
        return False

    # -- PEP 508 lists (PEP 621, PEP 735)

    def pep508_list(
        self,
        values: Any,
        table: tuple[str, ...],
        key: tuple[str, ...],
        *,
        group: str | None = None,
        optional: bool = False,
    ) -> None:
        if not self.expect(values, list, table, key, "an array of PEP 508 strings"):
            return
        at = self.idx.origin(table, key)
        for item in values:
            if isinstance(item, dict) and table == ("dependency-groups",):
                self.include_group(item, at, group or "")
                continue
            if not isinstance(item, str):
                self.problems.append(
                    self.idx.problem(
                        at,
                        f"{'.'.join(table + key)} holds a {type(item).__name__}, not a string",
                        expected="a PEP 508 string",
                        code="invalid-type",
                    )
                )
                continue
            here = self.idx.string(item, at)
            if here.line is not None and here is not at:
                at = Origin(here.path, here.line, (here.column or 1) + 1)
            try:
                self.requirements.append(from_pep508(item, here, group=group, optional=optional))
            except SpecError as exc:
                self.problems.append(
                    self.idx.problem(
                        here,
                        exc.message,
                        offset=exc.start,
                        width=exc.end - exc.start,
                        expected=exc.expected,
                        code="invalid-requirement",
                    )
                )

    def include_group(self, item: dict, at: Origin, group: str) -> None:
        target = item.get("include-group")
        if not isinstance(target, str) or len(item) != 1:
            self.problems.append(
                self.idx.problem(
                    at,
                    f"dependency group {group!r} holds an invalid table",
                    expected='a PEP 508 string or {include-group = "NAME"}',
                    code="invalid-type",
                )
            )
            return
        self.includes.append((group, target))

    # -- Poetry

    def poetry_table(
        self, deps: Any, table: tuple[str, ...], *, group: str | None, optional: bool, sources: Mapping[str, str]
    ) -> None:
        if not self.expect(deps, dict, table, (), "a table"):
            return
        for raw_name, spec in deps.items():
            if canonicalize_name(raw_name) == "python":
                continue  # the project's own Python range, not a package
            at = self.idx.origin(table, (raw_name,))
            entries = spec if isinstance(spec, list) else [spec]
            for entry in entries:
                self.poetry_dependency(raw_name, entry, at, table, group=group, optional=optional, sources=sources)

    def poetry_dependency(
        self,
        raw_name: str,
        spec: Any,
        at: Origin,
        table: tuple[str, ...],
        *,
        group: str | None,
        optional: bool,
        sources: Mapping[str, str],
    ) -> None:
        name = canonicalize_name(raw_name)
        if isinstance(spec, str):
            spec = {"version": spec}
        if not isinstance(spec, dict):
            self.problems.append(
                self.idx.problem(
                    at,
                    f"dependency {raw_name!r} must be a version string or a table",
                    expected='"^1.2" or {version = "^1.2", ...}',
                    code="invalid-type",
                )
            )
            return
        version = spec.get("version", "")
        if not isinstance(version, str):
            self.problems.append(self.idx.problem(at, f"version of {raw_name!r} must be a string", code="invalid-type"))
            return
        markers: list[str] = []
        python = spec.get("python")
        if isinstance(python, str):
            try:
                m = python_marker(python)
            except InvalidRange as exc:
                here = self.idx.string(python, at)
                self.problems.append(
                    self.idx.problem(
                        here,
                        f"invalid Python range: {exc}",
                        width=len(python),
                        expected="a Poetry version range",
                        code="invalid-range",
                    )
                )
                return
            if m:
                markers.append(m)
        for key, var in _POETRY_MARKER_KEYS.items():
            value = spec.get(key)
            if isinstance(value, str):
                markers.append(f'{var} == "{value}"')
        if isinstance(spec.get("markers"), str):
            markers.append(spec["markers"])
        marker = None
        if markers:
            text = " and ".join(f"({m})" if len(markers) > 1 else m for m in markers)
            try:
                marker = str(Marker(text))
            except InvalidMarker as exc:
                here = self.idx.string(spec.get("markers", ""), at) if spec.get("markers") else at
                self.problems.append(
                    self.idx.problem(
                        here,
                        "invalid marker",
                        width=len(spec.get("markers") or "x"),
                        expected=str(exc).split("\n", 1)[0],
                        code="invalid-marker",
                    )
                )
                return
        source = _poetry_source(spec, sources)
        pep440 = ""
        if version and source.kind is SourceKind.INDEX:
            try:
                pep440 = " || ".join(range_alternatives(version, "poetry"))
            except InvalidRange as exc:
                here = self.idx.string(version, at)
                self.problems.append(
                    self.idx.problem(
                        here,
                        f"invalid Poetry range {version!r}: {exc}",
                        width=max(1, len(version)),
                        expected="a Poetry version range",
                        code="invalid-range",
                    )
                )
                return
        extras = spec.get("extras", [])
        if not isinstance(extras, list):
            self.problems.append(
                self.idx.problem(
                    at,
                    f"extras of {raw_name!r} must be a list of names",
                    expected='extras = ["name"]',
                    code="invalid-type",
                )
            )
            extras = []
        self.requirements.append(
            Requirement(
                name=name,
                raw_name=raw_name,
                specifier=version,
                pep440=pep440,
                origin=at,
                extras=frozenset(canonicalize_name(e) for e in extras if isinstance(e, str)),
                marker=marker,
                dialect="poetry",
                source=source,
                group=group,
                optional=optional or spec.get("optional") is True,
            )
        )


def _poetry_source(spec: Mapping[str, Any], sources: Mapping[str, str]) -> Source:
    if "git" in spec:
        ref = spec.get("rev") or spec.get("tag") or spec.get("branch")
        location = "git+" + redact_url(str(spec["git"])) + (f"@{ref}" if ref else "")
        return Source(SourceKind.VCS, location=location, editable=spec.get("develop") is True)
    if "path" in spec:
        return Source(SourceKind.PATH, location=str(spec["path"]), editable=spec.get("develop") is True)
    if "url" in spec:
        return Source(SourceKind.URL, location=redact_url(str(spec["url"])))
    if isinstance(spec.get("source"), str):
        return Source(SourceKind.INDEX, index_url=sources.get(spec["source"]))
    return Source()


def _uv_source(entry: Mapping[str, Any], indexes: Mapping[str, str]) -> Source | None:
    if "git" in entry:
        ref = entry.get("rev") or entry.get("tag") or entry.get("branch")
        return Source(SourceKind.VCS, location="git+" + redact_url(str(entry["git"])) + (f"@{ref}" if ref else ""))
    if "path" in entry:
        return Source(SourceKind.PATH, location=str(entry["path"]), editable=entry.get("editable") is True)
    if "url" in entry:
        return Source(SourceKind.URL, location=redact_url(str(entry["url"])))
    if entry.get("workspace") is True:
        return Source(SourceKind.PATH, location="(workspace member)", editable=True)
    if isinstance(entry.get("index"), str):
        return Source(SourceKind.INDEX, index_url=indexes.get(entry["index"]))
    return None


def python_marker(constraint: str) -> str | None:
    """A Poetry ``python = "..."`` range as a PEP 508 marker (None: any Python).

    X.Y versions compare ``python_version``; longer ones ``python_full_version``,
    as Poetry does.
    """
    groups = []
    for alt in range_alternatives(constraint, "poetry"):
        try:
            # In the order written (a SpecifierSet would reorder them).
            specs = [Specifier(part.strip()) for part in alt.split(",") if part.strip()]
        except InvalidSpecifier as exc:
            raise InvalidRange(f"{constraint!r}: {exc}") from None
        clauses = []
        for s in specs:
            release = s.version.removesuffix(".*")
            var = "python_full_version" if release.count(".") >= 2 else "python_version"
            clauses.append(f'{var} {s.operator} "{s.version}"')
        if not clauses:
            return None
        groups.append(" and ".join(clauses))
    if len(groups) == 1:
        return groups[0]
    return " or ".join(f"({g})" if " and " in g else g for g in groups)


def _named(items: Any, name_key: str = "name", url_key: str = "url") -> list[tuple[str, str]]:
    out = []
    for item in items if isinstance(items, list) else []:
        if isinstance(item, dict) and isinstance(item.get(name_key), str) and isinstance(item.get(url_key), str):
            out.append((item[name_key], item[url_key]))
    return out


def _table(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def parse(text: str, path: str) -> Lockfile:
    """Read a pyproject.toml (``text`` is its content, ``path`` its name as given)."""
    doc, problem = load_toml(text, path)
    if doc is None:
        return _build.single_file(path, "pyproject", problems=[problem] if problem else [])
    r = _Reader(text, path)
    tool = _table(doc.get("tool"))
    poetry = _table(tool.get("poetry"))
    uv = _table(tool.get("uv"))
    poetry_sources = _named(poetry.get("source"))
    uv_indexes = _named(uv.get("index"))
    default_index = (
        next(
            (i["url"] for i in uv.get("index", []) if isinstance(i, dict) and i.get("default") is True and "url" in i),
            None,
        )
        if isinstance(uv.get("index"), list)
        else None
    )

    project = doc.get("project")
    if project is not None and r.expect(project, dict, ("project",), (), "a table"):
        if "dependencies" in project:
            r.pep508_list(project["dependencies"], ("project",), ("dependencies",))
        optional = project.get("optional-dependencies")
        if optional is not None and r.expect(optional, dict, ("project",), ("optional-dependencies",), "a table"):
            for extra, values in optional.items():
                r.pep508_list(values, ("project", "optional-dependencies"), (extra,), group=extra, optional=True)

    groups = doc.get("dependency-groups")
    if groups is not None and r.expect(groups, dict, ("dependency-groups",), (), "a table"):
        for group, values in groups.items():
            r.pep508_list(values, ("dependency-groups",), (group,), group=group)
        _check_includes(r, groups)

    if poetry:
        sources = dict(poetry_sources)
        if "dependencies" in poetry:
            r.poetry_table(
                poetry["dependencies"], ("tool", "poetry", "dependencies"), group=None, optional=False, sources=sources
            )
        if "dev-dependencies" in poetry:
            r.poetry_table(
                poetry["dev-dependencies"],
                ("tool", "poetry", "dev-dependencies"),
                group="dev",
                optional=False,
                sources=sources,
            )
        pgroups = poetry.get("group", {})
        if isinstance(pgroups, dict):
            for group, body in pgroups.items():
                if not isinstance(body, dict) or "dependencies" not in body:
                    continue
                r.poetry_table(
                    body["dependencies"],
                    ("tool", "poetry", "group", group, "dependencies"),
                    group=group,
                    optional=body.get("optional") is True,
                    sources=sources,
                )

    uv_sources = uv.get("sources")
    # "myproject[extra]" inside myproject's own extras or groups is the project
    # itself (a common way to combine extras), not a dependency to audit.
    own = project.get("name") if isinstance(project, dict) else poetry.get("name")
    own_name = canonicalize_name(own) if isinstance(own, str) else None
    requirements = [req for req in r.requirements if req.name != own_name]
    if isinstance(uv_sources, dict) and uv_sources:
        indexes = dict(uv_indexes)
        by_name: dict[str, Any] = {canonicalize_name(k): v for k, v in uv_sources.items()}
        for i, req in enumerate(requirements):
            entry = by_name.get(req.name)
            if isinstance(entry, list):  # several sources split by markers: the first tells the kind
                entry = next((e for e in entry if isinstance(e, dict)), None)
            source = _uv_source(entry, indexes) if isinstance(entry, dict) else None
            if source is not None:
                requirements[i] = replace(req, source=source)

    index = IndexOptions(index_url=default_index, named=tuple(poetry_sources + uv_indexes))
    return _build.single_file(
        path,
        "pyproject",
        requirements,
        (),
        r.problems,
        index,
        group_includes=tuple(r.includes),
        line_text=lambda _p, line: r.idx.line_text(line),
        scope=_scope(project, poetry),
    )


def _scope(project: Any, poetry: dict[str, Any]) -> PythonScope | None:
    """The supported Pythons: PEP 621 ``requires-python``, else Poetry's ``python``.

    An unreadable value is left out here (the audit then falls back to the
    lock's or the running Python); the resolver reports it where it matters.
    """
    if isinstance(project, dict) and isinstance(project.get("requires-python"), str):
        text = project["requires-python"].strip()
        if text:
            return PythonScope(requires_python=text, source="requires-python in [project]")
    deps = poetry.get("dependencies")
    python = deps.get("python") if isinstance(deps, dict) else None
    if isinstance(python, str) and python.strip():
        try:
            alternatives = range_alternatives(python, "poetry")
        except ValueError:
            return None
        return PythonScope(requires_python=" || ".join(alternatives), source="python in [tool.poetry.dependencies]")
    return None


def _check_includes(r: _Reader, groups: Mapping[str, Any]) -> None:
    """PEP 735: an included group must exist (names compare normalized) and includes must not
    cycle (``packaging.dependency_groups`` finds the cycles)."""
    known: dict[str, str] = {canonicalize_name(g): g for g in groups}
    for group, target in r.includes:
        at = r.idx.origin(("dependency-groups",), (group,))
        here = r.idx.string(target, at)
        if canonicalize_name(target) not in known:
            r.problems.append(
                r.idx.problem(
                    here,
                    f"dependency group {group!r} includes unknown group {target!r}",
                    width=len(target),
                    expected="the name of a group in [dependency-groups]",
                    code="unknown-group",
                )
            )
            continue

    reported: set[frozenset[str]] = set()
    for cycle in cycles(r.includes, groups):
        pair = frozenset({cycle.group, canonicalize_name(cycle.include_group)})
        if pair in reported:
            continue
        reported.add(pair)
        source = known.get(cycle.group, cycle.group)
        at = r.idx.origin(("dependency-groups",), (source,))
        here = r.idx.string(cycle.include_group, at)
        if cycle.group == canonicalize_name(cycle.include_group):
            message = f"dependency group {source!r} includes itself"
        else:
            message = (
                f"dependency group include cycle: {source!r} includes {cycle.include_group!r}, "
                f"which includes {source!r} again"
            )
        r.problems.append(r.idx.problem(here, message, width=len(cycle.include_group), code="include-cycle"))
