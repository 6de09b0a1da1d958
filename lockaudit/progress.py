"""Progress on stderr while histories and metadata are fetched (or a resolution runs).

A live bar only when stderr is a terminal; in CI and pipes nothing at all, so
logs stay quiet. ``NO_COLOR`` is honoured by rich itself. rich is imported
only when a bar is shown: a quiet or piped run never pays for it.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Iterator

ProgressCallback = Callable[[int, int, str], None]


@contextlib.contextmanager
def progress_bar(
    enabled: bool = True, *, label: str = "Fetching release histories"
) -> Iterator[ProgressCallback | None]:
    """Yields a ``(done, total, what)`` callback, or None when nothing is shown."""
    if not enabled or not sys.stderr.isatty():
        yield None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    console = Console(stderr=True)
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[what]}"),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=console, transient=True) as bar:
        task = bar.add_task(label, total=None, what="")

        def update(done: int, total: int, what: str) -> None:
            description = "Fetching metadata" if what.startswith("metadata ") else label
            bar.update(task, completed=done, total=total, what=what.removeprefix("metadata "), description=description)

        yield update
