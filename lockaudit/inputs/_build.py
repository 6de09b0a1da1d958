"""What every format parser does last: report duplicates, then build the Lockfile."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from ..model import IndexOptions, InputProblem, LockedPackage, Lockfile, Requirement

__all__ = ["check_duplicates", "single_file"]


#: (path, line) -> the text of that line, to quote it in a problem.
LineText = Callable[[str, int | None], str | None]


def check_duplicates(
    requirements: Iterable[Requirement],
    packages: Iterable[LockedPackage],
    line_text: LineText | None = None,
) -> tuple[list[InputProblem], list[LockedPackage]]:
    """Warn about a name given twice in one file and section (``Django`` / ``django``,
    ``zope_interface`` / ``zope.interface``); keep one pin for a repeated identical pin.

    Entries told apart by markers are not duplicates (a lock may split a package by
    platform); two different pins under the same markers are an error, and both are kept.
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
        first_pin = pins.setdefault((p.origin.path, p.name, p.marker, p.groups), p)
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


def single_file(
    path: str,
    fmt: str,
    requirements: Iterable[Requirement] = (),
    packages: Iterable[LockedPackage] = (),
    problems: Iterable[InputProblem] = (),
    index: IndexOptions | None = None,
    group_includes: tuple[tuple[str, str], ...] = (),
    line_text: LineText | None = None,
) -> Lockfile:
    """The Lockfile of one parsed file (before pairing), duplicates reported."""
    requirements = tuple(requirements)
    dups, kept = check_duplicates(requirements, packages, line_text)
    return Lockfile(
        files=(path,),
        requirements=requirements,
        packages=tuple(kept),
        index=index or IndexOptions(),
        problems=tuple(problems) + tuple(dups),
        formats=((path, fmt),),
        group_includes=group_includes,
    )
