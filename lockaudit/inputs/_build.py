"""What every format parser does last: report duplicates, then build the Lockfile."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import replace

from ..model import IndexOptions, InputProblem, LockedPackage, Lockfile, PythonScope, Requirement

__all__ = ["check_duplicates", "fork_markers", "single_file"]


#: (path, line) -> the text of that line, to quote it in a problem.
LineText = Callable[[str, int | None], str | None]


def check_duplicates(
    requirements: Iterable[Requirement],
    packages: Iterable[LockedPackage],
    line_text: LineText | None = None,
) -> tuple[list[InputProblem], list[LockedPackage]]:
    """Warn about a name given twice in one file and section (``Django`` / ``django``,
    ``zope_interface`` / ``zope.interface``); keep one pin for a repeated identical pin.

    Entries told apart by markers or sources are not duplicates (a lock may split a
    package by platform, or take it from two indexes); two different pins under the
    same markers are an error, and both are kept.
    """
    problems: list[InputProblem] = []
    # Where a duplicate was reported (a pinned requirement line is both a
    # requirement and a pin): one problem per line, found in constant time, so
    # that 40,000 identical lines cost what 40,000 distinct ones do.
    reported: set[tuple[str, int | None]] = set()
    seen: dict[tuple[object, ...], Requirement] = {}
    for r in requirements:
        if r.source.location is not None and r.name == r.source.location:
            continue  # an unnamed direct reference: its "name" is its location
        key = (r.origin.path, r.name, r.group, r.marker, r.constraint)
        first = seen.setdefault(key, r)
        if first is not r:
            problems.append(_dup(r, first.raw_name, first.origin.line, "package", line_text))
            reported.add((r.origin.path, r.origin.line))
    kept: list[LockedPackage] = []
    pins: dict[tuple[object, ...], LockedPackage] = {}
    for p in packages:
        # One name from two sources (a CPU and a GPU index) is two entries, as a lock keeps them.
        first_pin = pins.setdefault((p.origin.path, p.name, p.marker, p.groups, p.source), p)
        if first_pin is p:
            kept.append(p)
        elif first_pin.version == p.version:
            if (p.origin.path, p.origin.line) not in reported:
                problems.append(_dup(p, first_pin.name, first_pin.origin.line, "pin", line_text))
                reported.add((p.origin.path, p.origin.line))
        else:
            kept.append(p)
            problems.append(
                InputProblem(
                    p.origin.path,
                    p.origin.line,
                    f"conflicting pins for {p.name!r}: {first_pin.version} (line {first_pin.origin.line}) "
                    f"and {p.version}",
                    column=p.origin.column,
                    text=line_text(p.origin.path, p.origin.line) if line_text else None,
                    code="conflicting-pins",
                )
            )
    return problems, kept


def _dup(
    entry: Requirement | LockedPackage,
    first_name: str,
    first_line: int | None,
    what: str,
    line_text: LineText | None,
) -> InputProblem:
    written = entry.raw_name if isinstance(entry, Requirement) else entry.name
    where = f"line {first_line}" if first_line else "earlier"
    text = line_text(entry.origin.path, entry.origin.line) if line_text else None
    return InputProblem(
        entry.origin.path,
        entry.origin.line,
        f"duplicate {what} {written!r}: same package as {first_name!r} at {where} (read as one package)",
        column=entry.origin.column if text is not None else None,
        text=text,
        width=len(written),
        severity="warning",
        code="duplicate",
    )


def fork_markers(packages: Iterable[LockedPackage]) -> tuple[str, ...]:
    """The environments a universal lock was split into, when it does not list
    them (uv export, pylock without ``environments``, poetry.lock): the markers
    of the packages it pins more than once, one version per environment."""
    by_name: dict[str, list[str]] = {}
    for p in packages:
        if p.marker:
            by_name.setdefault(p.name, []).append(p.marker)
    return tuple(dict.fromkeys(m for markers in by_name.values() if len(markers) > 1 for m in markers))


def single_file(
    path: str,
    fmt: str,
    requirements: Iterable[Requirement] = (),
    packages: Iterable[LockedPackage] = (),
    problems: Iterable[InputProblem] = (),
    index: IndexOptions | None = None,
    group_includes: tuple[tuple[str, str], ...] = (),
    line_text: LineText | None = None,
    scope: PythonScope | None = None,
) -> Lockfile:
    """The Lockfile of one parsed file (before pairing), duplicates reported."""
    requirements = tuple(requirements)
    dups, kept = check_duplicates(requirements, packages, line_text)
    if scope is not None and scope.universal and not scope.markers:
        scope = replace(scope, markers=fork_markers(kept))
    return Lockfile(
        files=(path,),
        requirements=requirements,
        packages=tuple(kept),
        index=index or IndexOptions(),
        problems=tuple(problems) + tuple(dups),
        formats=((path, fmt),),
        group_includes=group_includes,
        scope=scope,
    )
