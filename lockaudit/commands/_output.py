"""What the commands share about output: messages on stderr, the ``--color``
choice, the console for people, pairing formats with output files, and atomic
file writes.

Pairing is explicit or inferred, never positional: ``--format json=report.json``
names both; ``-o report.sarif`` alone takes its format from the extension;
``--format sarif -o out`` pairs a lone format with a lone file whose extension
says nothing. Anything else that leaves doubt is refused (exit 2) with the
spelling that would say it.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Iterable, Sequence
from typing import IO, TYPE_CHECKING, Any

from ..errors import PolicyError

if TYPE_CHECKING:
    from rich.console import Console

__all__ = [
    "COLOR_CHOICES",
    "EXTENSIONS",
    "add_color_argument",
    "err",
    "format_from_path",
    "make_console",
    "pair_outputs",
    "write_atomic",
]

COLOR_CHOICES = ("auto", "always", "never")


def err(message: str) -> None:
    """One message on stderr, as plain text and never wrapped: editors and CI
    parse ``file:line:col`` from it."""
    print(message, file=sys.stderr)


#: Output file endings -> the format they imply (longest ending first).
EXTENSIONS: tuple[tuple[str, str], ...] = (
    (".sarif.json", "sarif"),
    (".sarif", "sarif"),
    (".json", "json"),
    (".xml", "junit"),
    (".junit", "junit"),
    (".md", "markdown"),
    (".markdown", "markdown"),
    (".html", "html"),
    (".htm", "html"),
    (".txt", "table"),
)


def add_color_argument(parser: argparse.ArgumentParser | argparse._ArgumentGroup) -> None:
    parser.add_argument(
        "--color",
        choices=COLOR_CHOICES,
        default="auto",
        help="colour on a terminal (auto, the default: also honours NO_COLOR and FORCE_COLOR), always, or never",
    )


def make_console(color: str = "auto", *, stderr: bool = False, file: IO[str] | None = None) -> Console:
    """A rich Console for people. ``always`` and ``never`` win over NO_COLOR / FORCE_COLOR;
    ``auto`` leaves them (and whether the stream is a terminal) to decide."""
    from rich.console import Console

    kwargs: dict[str, Any] = {"stderr": stderr, "highlight": False, "emoji": False, "soft_wrap": True}
    if file is not None:
        kwargs["file"] = file
    if color == "always":
        kwargs.update(force_terminal=True, no_color=False)
    elif color == "never":
        kwargs.update(color_system=None, no_color=True)
    return Console(**kwargs)


def terminal_width(stream: IO[str] | None = None) -> int | None:
    """The width of the terminal ``stream`` (default stdout) writes to; None when it is no terminal."""
    stream = stream or sys.stdout
    try:
        if not stream.isatty():
            return None
        return os.get_terminal_size(stream.fileno()).columns
    except (AttributeError, OSError, ValueError):
        return None


def format_from_path(path: str) -> str | None:
    """The format a file name implies (``report.sarif`` -> sarif), or None."""
    lower = path.lower()
    for ending, fmt in EXTENSIONS:
        if lower.endswith(ending):
            return fmt
    return None


def pair_outputs(
    formats: Sequence[str] | None, outputs: Sequence[str] | None, known: Iterable[str], *, default: str = "table"
) -> list[tuple[str, str | None]]:
    """(format, path or None for stdout) pairs from ``--format`` and ``-o`` values.

    ``--format NAME=PATH`` pairs explicitly; ``-o PATH`` takes the format its
    extension implies, or the one ``--format NAME`` left unpaired when there is
    exactly one of each. At most one format goes to stdout. Raises PolicyError
    (the CLI's exit 2) for an unknown format or any doubt about the pairing.
    """
    known = set(known)
    explicit: list[tuple[str, str | None]] = []
    bare: list[str] = []
    for item in formats or ():
        name, sep, path = item.partition("=")
        name = name.strip().lower()
        if name not in known:
            raise PolicyError(f"unknown format {name!r} in --format {item}: expected one of {', '.join(sorted(known))}")
        if sep:
            if not path:
                raise PolicyError(f"--format {item}: a file name must follow '='")
            explicit.append((name, path))
        else:
            bare.append(name)
    unmatched: list[str] = []
    for path in outputs or ():
        implied = format_from_path(path)
        if implied is not None and implied in known:
            if implied in bare:
                bare.remove(implied)
                explicit.append((implied, path))
            elif bare:
                raise PolicyError(
                    f"-o {path} looks like {implied} but --format says {', '.join(bare)}: "
                    f"write --format {bare[0]}={path} to mean it"
                )
            else:
                explicit.append((implied, path))
        else:
            unmatched.append(path)
    if unmatched:
        if len(unmatched) == 1 and len(bare) == 1:
            explicit.append((bare.pop(), unmatched[0]))
        else:
            first = unmatched[0]
            raise PolicyError(
                f"cannot tell which format goes to -o {first} (its extension names none): "
                f"write --format FORMAT={first}, e.g. --format json={first}"
            )
    if len(bare) > 1:
        raise PolicyError(
            f"only one format can go to stdout, not {', '.join(bare)}: give the others a file, "
            f"e.g. --format {bare[1]}=report.{bare[1]}"
        )
    paths = [p for _, p in explicit if p is not None]
    for p in paths:
        if paths.count(p) > 1:
            raise PolicyError(f"{p} is named as the output of two formats")
    if not explicit and not bare:
        return [(default, None)]
    return [(fmt, None) for fmt in bare] + explicit


def write_atomic(path: str, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file in the same folder."""
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    tmp = f"{path}.tmp-{os.getpid()}"
    with open(tmp, "w", encoding="utf-8") as fh:
        fh.write(text)
    os.replace(tmp, path)
