"""Pipfile.lock (pipenv): JSON, ``_meta`` plus one object per category.

``default`` and ``develop`` (and any custom category) map names to
``{"version": "==1.0", "hashes": [...], "markers": ..., "index": ...}`` or to a
VCS / path / file entry. A package locked in several categories at the same
version is one pin listing every category in ``groups``; at different versions
(categories resolved apart) each version is its own pin with its categories.
``"version": "*"`` (pipenv's entry for a package it did not resolve on the
platform that locked) is an entry without a pin: its version is "".
"""

from __future__ import annotations

import json
from bisect import bisect_right
from dataclasses import replace
from typing import Any

from packaging.utils import canonicalize_name

from ..model import IndexOptions, InputProblem, LockedPackage, Lockfile, Origin, PythonScope, Source, SourceKind
from . import _build
from ._toml import MAX_INT_DIGITS, huge_number_at
from .pipfile import requires_scope, source_of

__all__ = ["parse"]


class _Positions:
    """Line and column of JSON keys, found by searching in document order."""

    def __init__(self, text: str, path: str) -> None:
        self.text, self.path = text, path
        self.lines = text.split("\n")
        self.starts = [0]
        for line in self.lines[:-1]:
            self.starts.append(self.starts[-1] + len(line) + 1)

    def key(self, name: str, after: int) -> int:
        found = self.text.find(json.dumps(name) + ":", after)
        if found == -1:
            found = self.text.find(json.dumps(name), after)
        return found

    def origin(self, offset: int) -> Origin:
        if offset < 0:
            return Origin(self.path)
        line = bisect_right(self.starts, offset)
        return Origin(self.path, line, offset - self.starts[line - 1] + 1)

    def line_text(self, line: int | None) -> str | None:
        return self.lines[line - 1] if line and 0 < line <= len(self.lines) else None


class _HugeInt(ValueError):
    """An integer literal past Python's digit limit (``_toml.MAX_INT_DIGITS``)."""


def _int(literal: str) -> int:
    # json's own int() would raise a bare ValueError mid-parse for these.
    if len(literal) > MAX_INT_DIGITS + (literal[:1] == "-"):
        raise _HugeInt(literal)
    return int(literal)


def parse(text: str, path: str) -> Lockfile:
    """Read a Pipfile.lock (``text`` is its content, ``path`` its name as given)."""
    pos = _Positions(text, path)
    try:
        doc = json.loads(text, parse_int=_int)
    except json.JSONDecodeError as exc:
        problem = InputProblem(
            path,
            exc.lineno,
            f"invalid JSON: {exc.msg}",
            column=exc.colno,
            text=pos.line_text(exc.lineno),
            code="json-syntax",
        )
        return _build.single_file(path, "pipfile.lock", problems=[problem])
    except (_HugeInt, RecursionError) as exc:
        where = huge_number_at(text) if isinstance(exc, _HugeInt) else None
        line, column = where if where else (None, None)
        message = (
            f"invalid JSON: integer too large (more than {MAX_INT_DIGITS:,} digits)"
            if isinstance(exc, _HugeInt)
            else "invalid JSON: arrays or objects nested too deeply"
        )
        problem = InputProblem(path, line, message, column=column, text=pos.line_text(line), code="json-limit")
        return _build.single_file(path, "pipfile.lock", problems=[problem])
    problems: list[InputProblem] = []
    if not isinstance(doc, dict):
        problems.append(InputProblem(path, 1, "Pipfile.lock must hold a JSON object", code="invalid-document"))
        return _build.single_file(path, "pipfile.lock", problems=problems)
    meta: dict[str, Any] = doc["_meta"] if isinstance(doc.get("_meta"), dict) else {}
    sources = (
        [s for s in meta.get("sources", []) if isinstance(s, dict)] if isinstance(meta.get("sources"), list) else []
    )
    named = tuple(
        (s["name"], s["url"]) for s in sources if isinstance(s.get("name"), str) and isinstance(s.get("url"), str)
    )
    urls = dict(named)

    pins: dict[tuple[str, str, str | None], LockedPackage] = {}
    order: list[tuple[str, str, str | None]] = []
    for category, entries in doc.items():
        if category == "_meta" or not isinstance(entries, dict):
            continue
        start = pos.key(category, 0)
        cursor = max(start, 0)
        for raw_name, entry in entries.items():
            found = pos.key(raw_name, cursor)
            at = pos.origin(found if found != -1 else start)
            if found != -1:
                cursor = found + 1
            pin = _pin(raw_name, entry, at, category, urls, pos, problems)
            if pin is None:
                continue
            key = (pin.name, pin.version, pin.marker)
            if key in pins:  # the same pin in another category: one package, several groups
                first = pins[key]
                pins[key] = replace(first, groups=(*first.groups, category))
            else:
                pins[key] = pin
                order.append(key)
    index = IndexOptions(
        index_url=named[0][1] if named else None,
        extra_index_urls=tuple(url for _, url in named[1:]),
        named=named,
    )
    scope = requires_scope(meta.get("requires"), "_meta.requires in the Pipfile.lock")
    if any(p.marker for p in pins.values()):
        scope = replace(scope or PythonScope(), universal=True)
    return _build.single_file(
        path,
        "pipfile.lock",
        (),
        [pins[k] for k in order],
        problems,
        index,
        line_text=lambda _p, line: pos.line_text(line),
        scope=scope,
    )


def _pin(
    raw_name: str,
    entry: Any,
    at: Origin,
    category: str,
    urls: dict[str, str],
    pos: _Positions,
    problems: list[InputProblem],
) -> LockedPackage | None:
    if not isinstance(entry, dict):
        problems.append(
            InputProblem(
                pos.path,
                at.line,
                f"entry for {raw_name!r} is not an object",
                column=at.column,
                text=pos.line_text(at.line),
                code="invalid-type",
            )
        )
        return None
    version = entry.get("version", "")
    source = source_of(entry)
    if not isinstance(version, str) or (not version and source is None):
        problems.append(
            InputProblem(
                pos.path,
                at.line,
                f"{raw_name!r} has no version",
                column=at.column,
                text=pos.line_text(at.line),
                width=len(raw_name) + 2,
                expected='"version": "==X"',
                code="missing-field",
            )
        )
        return None
    version = version.strip()
    for op in ("===", "=="):
        if version.startswith(op):
            version = version[len(op) :].strip()
            break
    if version == "*":
        # pipenv writes "*" for a package it did not resolve on this platform: no pin.
        version = ""
    if source is None:
        index = entry.get("index")
        source = Source(SourceKind.INDEX, index_url=urls.get(index) if isinstance(index, str) else None)
    hashes = entry.get("hashes", [])
    return LockedPackage(
        name=canonicalize_name(raw_name),
        version=version,
        origin=at,
        hashes=tuple(h for h in hashes if isinstance(h, str)) if isinstance(hashes, list) else (),
        marker=entry.get("markers") if isinstance(entry.get("markers"), str) else None,
        source=source,
        groups=(category,),
    )
