"""The resolvelib reporter: progress and a few counters, nothing printed.

It drives the same ``progress(done, total, name)`` callback the index client's
fetch reports to, so one progress display shows both: ``done`` is how many
packages are pinned, ``total`` how many are known so far (it grows as the
resolver discovers dependencies, and ``done`` drops when it backtracks).
"""

from __future__ import annotations

from collections.abc import Callable, Collection

from resolvelib import BaseReporter
from resolvelib.structs import RequirementInformation, State

from .candidates import PYTHON, Candidate, ResolverRequirement

__all__ = ["ProgressReporter"]

Progress = Callable[[int, int, str], None]


class ProgressReporter(BaseReporter[ResolverRequirement, Candidate, str]):
    """Counts rounds, pins and backtracks; reports progress after each round."""

    def __init__(self, progress: Progress | None = None) -> None:
        self.progress = progress
        self.rounds = 0
        self.pins = 0
        self.backtracks = 0
        self.rejected = 0
        self._last = ""

    def starting_round(self, index: int) -> None:
        self.rounds = index + 1

    def pinning(self, candidate: Candidate) -> None:
        self.pins += 1
        self._last = candidate.identifier

    def rejecting_candidate(self, criterion: object, candidate: Candidate) -> None:
        self.rejected += 1

    def resolving_conflicts(self, causes: Collection[RequirementInformation[ResolverRequirement, Candidate]]) -> None:
        self.backtracks += 1

    def ending_round(self, index: int, state: State[ResolverRequirement, Candidate, str]) -> None:
        if self.progress is not None:
            done = sum(1 for k in state.mapping if "[" not in k and k != PYTHON)
            total = sum(1 for k in state.criteria if "[" not in k and k != PYTHON)
            self.progress(done, total, self._last.split("[", 1)[0])

    def ending(self, state: State[ResolverRequirement, Candidate, str]) -> None:
        if self.progress is not None:
            done = sum(1 for k in state.mapping if "[" not in k and k != PYTHON)
            self.progress(done, done, "")
