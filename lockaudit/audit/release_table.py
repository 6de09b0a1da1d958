"""A project's release history against a range: which releases it admits and which one a fresh install takes.

What ``lockaudit versions NAME RANGE`` shows and ``GET /v1/projects/{name}/versions``
answers: one row per release, oldest first, with its upload time, yanked
flag and Requires-Python, whether the range admits it (yanked releases never
are) and whether a fresh install would take it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ..index.history import ProjectHistory
from ..ranges import Dialect
from ..versions import ReleaseHistory, compile_range

__all__ = ["ReleaseRow", "ReleaseTable", "release_table"]


@dataclass(frozen=True, slots=True)
class ReleaseRow:
    """One release, as the range sees it."""

    version: str
    uploaded: datetime | None
    yanked: bool
    yanked_reason: str | None
    requires_python: str | None
    #: The range admits it, and it is not yanked.
    admitted: bool
    #: The newest admitted release: what a fresh install takes.
    fresh_install: bool

    def to_data(self) -> dict[str, Any]:
        """The row as JSON-ready data (the upload time in ISO 8601)."""
        return {
            "version": self.version,
            "uploaded": self.uploaded.isoformat() if self.uploaded else None,
            "yanked": self.yanked,
            "yanked_reason": self.yanked_reason,
            "requires_python": self.requires_python,
            "admitted": self.admitted,
            "fresh_install": self.fresh_install,
        }


@dataclass(frozen=True, slots=True)
class ReleaseTable:
    """Every release of a project, oldest first, against one range."""

    rows: tuple[ReleaseRow, ...]

    @property
    def fresh_install(self) -> str | None:
        """The version a fresh install takes for the range (None: the range admits none)."""
        return next((r.version for r in self.rows if r.fresh_install), None)

    @property
    def newest(self) -> str | None:
        """The newest release that is not yanked, whatever the range."""
        return next((r.version for r in reversed(self.rows) if not r.yanked), None)


def release_table(
    history: ProjectHistory, spec: str, dialect: Dialect = "pep440", prereleases: bool | None = None
) -> ReleaseTable:
    """Every release of ``history``, ascending, and what the range ``spec`` (in
    ``dialect``) admits of them. Raises :class:`lockaudit.errors.InvalidSpecifier`
    for a range that cannot be read."""
    compiled = compile_range(spec, dialect)
    by_version = {r.version: r for r in history.versions}
    installable = ReleaseHistory([r.version for r in history.versions if not r.yanked])
    admitted = set(installable.filter(compiled, prereleases=prereleases))
    newest = installable.newest(compiled, prereleases=prereleases)
    rows = []
    for version in ReleaseHistory(list(by_version)):
        info = by_version[version]
        rows.append(
            ReleaseRow(
                version=version,
                uploaded=info.upload_time,
                yanked=info.yanked,
                yanked_reason=info.yanked_reason,
                requires_python=info.requires_python,
                admitted=version in admitted,
                fresh_install=version == newest,
            )
        )
    return ReleaseTable(tuple(rows))
