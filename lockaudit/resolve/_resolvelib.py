"""Run resolvelib, with a measured shortcut for the one version it was checked against.

resolvelib re-checks, every round, whether each pinned candidate still
satisfies every requirement on it: for a 270-package resolution that is about
170,000 checks in 283 rounds, most of the resolver's time. The answer only
changes when the pin or the criterion changes, and resolvelib never mutates a
criterion in place (its documented contract: "externally immutable"; every
change makes a new one). So, with the resolvelib whose main loop is known
(:data:`KNOWN_LOOPS`, the version pyproject.toml pins), that loop runs here
with one change: after a successful pin, only the identifiers whose criterion
object changed and the one just pinned are looked at again; after a backjump
everything is. Same rounds, same pins, same provider answers
(benchmarks/README.md: 181 -> 104 ms for the corpus resolution).

That reaches into resolvelib's ``Resolution`` class, which is not public API.
With any other resolvelib, or one whose internals are not as expected, the
public ``Resolver`` runs instead: slower, same answers (tests/resolve/
test_fast_loop.py runs both on every case). Which one runs is logged at debug
level.
"""

from __future__ import annotations

import itertools
import logging
import operator
from collections.abc import Iterable
from typing import Any

import resolvelib
from resolvelib import BaseReporter, Resolver
from resolvelib.providers import AbstractProvider

__all__ = ["KNOWN_LOOPS", "loop_in_use", "run_resolver"]

logger = logging.getLogger(__name__)

#: resolvelib versions whose ``Resolution.resolve`` is the one copied below
#: (checked line by line against each); pyproject.toml pins this version.
KNOWN_LOOPS = frozenset({"1.2.1"})

#: What the copy uses of resolvelib's ``Resolution`` besides its main loop.
_USED = (
    "_push_new_state",
    "_add_to_criteria",
    "_remove_information_from_criteria",
    "_get_preference",
    "_attempt_to_pin_criterion",
    "_backjump",
    "_extract_causes",
    "_rollback_states",
    "state",
)


def _internals() -> tuple[Any, Any] | None:
    """resolvelib's ``Resolution`` and ``_build_result`` when they are as the copy expects."""
    if getattr(resolvelib, "__version__", None) not in KNOWN_LOOPS:
        return None
    try:
        from resolvelib.resolvers import resolution
    except ImportError:  # pragma: no cover - a resolvelib laid out otherwise
        return None
    base = getattr(resolution, "Resolution", None)
    build = getattr(resolution, "_build_result", None)
    if base is None or not callable(build) or not all(hasattr(base, name) for name in _USED):
        return None
    return base, build


_FOUND = _internals()
#: True when lockaudit's copy of the main loop runs (see the module doc).
_LOOP = _FOUND is not None
_Base: Any = _FOUND[0] if _FOUND is not None else object
_build_result: Any = _FOUND[1] if _FOUND is not None else None


def loop_in_use() -> bool:
    """Whether resolutions run lockaudit's copy of resolvelib's main loop."""
    return _LOOP


if _LOOP:
    from resolvelib.resolvers.exceptions import (
        RequirementsConflicted,
        ResolutionImpossible,
        ResolutionTooDeep,
    )
    from resolvelib.structs import IteratorMapping, State

    class _Satisfied:
        """Which identifiers of the current state lack a pin that satisfies
        their criterion, kept up to date from one round to the next.

        :meth:`refresh` asks again only about the identifiers it is told
        changed (a new pin, a new criterion object); after :meth:`reset` (the
        states were rewound, or every criterion replaced) it asks about all.
        With ``CHECK`` set (the tests do), every answer is compared with
        resolvelib's own full scan.
        """

        CHECK = False

        def __init__(self, resolution: Any) -> None:
            self._resolution = resolution
            self._satisfied_by = resolution._p.is_satisfied_by
            self.unsatisfied: set[Any] = set()
            #: Identifier -> its position in the criteria (their insertion order).
            self.order: dict[Any, int] = {}
            self._full = True

        def reset(self) -> None:
            self._full = True

        def refresh(self, state: Any, changed: Iterable[Any] = ()) -> None:
            criteria = state.criteria
            mapping = state.mapping
            order = self.order
            if self._full:
                self._full = False
                self.unsatisfied = set()
                order.clear()
                changed = criteria
            if len(order) < len(criteria):
                # A state's criteria only ever grow from its parent's, new
                # identifiers at the end: number them in that order.
                for key in itertools.islice(criteria, len(order), None):
                    order[key] = len(order)
            unsatisfied = self.unsatisfied
            satisfied_by = self._satisfied_by
            for key in changed:
                pin = mapping.get(key)
                if pin is not None and all(
                    satisfied_by(requirement=r, candidate=pin) for r in criteria[key].iter_requirement()
                ):
                    unsatisfied.discard(key)
                else:
                    unsatisfied.add(key)
            if self.CHECK:
                full = _Base._is_current_pin_satisfying
                expected = {k for k, c in criteria.items() if not full(self._resolution, k, c)}
                assert unsatisfied == expected, unsatisfied ^ expected
                assert list(order) == list(criteria), "criteria out of order"

        def names(self) -> list[Any]:
            """The unsatisfied identifiers, in the criteria's order (as resolvelib lists them)."""
            return sorted(self.unsatisfied, key=self.order.__getitem__)

    class _LoopResolution(_Base):
        _states: list[Any]  # resolvelib's Resolution sets it

        def __init__(self, provider: AbstractProvider, reporter: BaseReporter) -> None:
            super().__init__(provider, reporter)
            #: The identifiers the last _get_updated_criteria changed.
            self._touched: list[Any] = []

        def _get_updated_criteria(self, candidate: Any) -> Any:
            # resolvelib 1.2.1's, noting which identifiers it changes (*)
            criteria = self.state.criteria.copy()
            touched = []
            for requirement in self._p.get_dependencies(candidate=candidate):
                self._add_to_criteria(criteria, requirement, parent=candidate)
                touched.append(self._p.identify(requirement_or_candidate=requirement))
            self._touched = touched
            return criteria

        def resolve(self, requirements: Iterable[Any], max_rounds: int) -> Any:
            # resolvelib 1.2.1's Resolution.resolve, except where marked (*).
            if self._states:
                raise RuntimeError("already resolved")

            self._r.starting()

            self._states = [
                State(
                    # (*) a dict: the same order, pop, popitem (last) and copy,
                    # and copying one (every round) costs a third
                    mapping={},
                    criteria={},
                    backtrack_causes=[],
                )
            ]
            for r in requirements:
                try:
                    self._add_to_criteria(self.state.criteria, r, parent=None)
                except RequirementsConflicted as e:
                    raise ResolutionImpossible(e.criterion.information) from e

            self._push_new_state()

            optimistic_rounds_cutoff: int | None = None
            optimistic_backjumping_start_round: int | None = None
            tracker = _Satisfied(self)  # (*)

            for round_index in range(max_rounds):
                self._r.starting_round(index=round_index)

                if self._optimistic_backjumping_ratio and self._save_states is not None:
                    if optimistic_backjumping_start_round is None:
                        optimistic_backjumping_start_round = round_index
                        optimistic_rounds_cutoff = int((max_rounds - round_index) * self._optimistic_backjumping_ratio)

                        if optimistic_rounds_cutoff <= 0:
                            self._rollback_states()
                            tracker.reset()  # (*)
                            continue
                    elif (
                        optimistic_rounds_cutoff is not None
                        and round_index - optimistic_backjumping_start_round >= optimistic_rounds_cutoff
                    ):
                        self._rollback_states()
                        tracker.reset()  # (*)
                        continue

                # (*) instead of asking about every criterion every round
                tracker.refresh(self.state)
                unsatisfied_names = tracker.names()

                if not unsatisfied_names:
                    self._r.ending(state=self.state)
                    return self.state

                # (*) instead of satisfied_names: what was known and satisfied now
                known_now = len(self.state.criteria)
                unsatisfied_now = frozenset(unsatisfied_names)

                if len(unsatisfied_names) > 1:
                    narrowed_unstatisfied_names = list(
                        self._p.narrow_requirement_selection(
                            identifiers=unsatisfied_names,
                            resolutions=self.state.mapping,
                            candidates=IteratorMapping(
                                self.state.criteria,
                                operator.attrgetter("candidates"),
                            ),
                            information=IteratorMapping(
                                self.state.criteria,
                                operator.attrgetter("information"),
                            ),
                            backtrack_causes=self.state.backtrack_causes,
                        )
                    )
                else:
                    narrowed_unstatisfied_names = unsatisfied_names

                if not narrowed_unstatisfied_names:
                    raise RuntimeError("narrow_requirement_selection returned 0 names")

                if len(narrowed_unstatisfied_names) > 1:
                    name = min(narrowed_unstatisfied_names, key=self._get_preference)
                else:
                    name = narrowed_unstatisfied_names[0]

                failure_criterion = self._attempt_to_pin_criterion(name)

                if failure_criterion:
                    causes = self._extract_causes(failure_criterion)
                    self._r.resolving_conflicts(causes=causes)
                    tracker.reset()  # (*) the states are rewound

                    try:
                        success = self._backjump(causes)
                    except ResolutionImpossible:
                        if self._optimistic_backjumping_ratio and self._save_states:
                            failed_optimistic_backjumping = True
                        else:
                            raise
                    else:
                        failed_optimistic_backjumping = bool(
                            not success and self._optimistic_backjumping_ratio and self._save_states
                        )

                    if failed_optimistic_backjumping and self._save_states:
                        self._rollback_states()
                    else:
                        self.state.backtrack_causes[:] = causes

                        if not success:
                            raise ResolutionImpossible(self.state.backtrack_causes)
                else:
                    # (*) the pin changed its own identifier and the criteria of
                    # its dependencies; nothing else can have stopped being satisfied
                    changed = {name, *self._touched}
                    tracker.refresh(self.state, changed)
                    order = tracker.order
                    newly_unsatisfied_names = {
                        key
                        for key in changed
                        if order[key] < known_now and key not in unsatisfied_now and key in tracker.unsatisfied
                    }
                    self._remove_information_from_criteria(self.state.criteria, newly_unsatisfied_names)
                    if newly_unsatisfied_names:
                        tracker.reset()  # (*) every criterion was replaced
                    self._push_new_state()

                self._r.ending_round(index=round_index, state=self.state)

            raise ResolutionTooDeep(max_rounds)


def run_resolver(
    provider: AbstractProvider, reporter: BaseReporter, requirements: Iterable[Any], max_rounds: int
) -> Any:
    """``Resolver(provider, reporter).resolve(requirements, max_rounds)``, faster when it can be."""
    if not _LOOP:
        logger.debug(
            "resolvelib %s: its own Resolver runs (lockaudit's faster loop is for resolvelib %s)",
            getattr(resolvelib, "__version__", "?"),
            ", ".join(sorted(KNOWN_LOOPS)),
        )
        return Resolver(provider, reporter).resolve(requirements, max_rounds=max_rounds)
    logger.debug("resolvelib %s: lockaudit's copy of its main loop runs", resolvelib.__version__)
    state = _LoopResolution(provider, reporter).resolve(requirements, max_rounds=max_rounds)
    return _build_result(state)
