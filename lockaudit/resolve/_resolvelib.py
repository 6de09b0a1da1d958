"""Run resolvelib, with one measured shortcut.

resolvelib re-checks, every round, whether each pinned candidate still
satisfies every requirement on it: for a 270-package resolution that is about
230,000 provider calls, half the resolver's time. The answer only changes when
the pin or the criterion changes, and resolvelib never mutates a criterion in
place (its documented contract: "externally immutable"; every change makes a
new one). So the answer is remembered per identifier, keyed by the identity of
the criterion and the pin.

That reaches into resolvelib's ``Resolution`` class, which is not public API.
When the installed resolvelib does not look as expected, the plain public
``Resolver`` runs instead: slower, same answers.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from resolvelib import BaseReporter, Resolver
from resolvelib.providers import AbstractProvider

try:  # pragma: no cover - exercised by whichever resolvelib is installed
    from resolvelib.resolvers import resolution as _internals

    _Base: Any = _internals.Resolution
    _build_result: Any = _internals._build_result
    _FAST = callable(getattr(_Base, "_is_current_pin_satisfying", None)) and hasattr(_Base, "_push_new_state")
except (ImportError, AttributeError):  # pragma: no cover
    _FAST = False

__all__ = ["run_resolver"]


if _FAST:

    class _Resolution(_Base):  # type: ignore[misc,valid-type]
        def __init__(self, provider: AbstractProvider, reporter: BaseReporter) -> None:
            super().__init__(provider, reporter)
            self._satisfying: dict[Any, tuple[Any, Any, bool]] = {}

        def _is_current_pin_satisfying(self, name: Any, criterion: Any) -> bool:
            pin = self._states[-1].mapping.get(name)
            if pin is None:
                return False
            hit = self._satisfying.get(name)
            if hit is not None and hit[0] is criterion and hit[1] is pin:
                return hit[2]
            satisfied = all(
                self._p.is_satisfied_by(requirement=r, candidate=pin) for r in criterion.iter_requirement()
            )
            self._satisfying[name] = (criterion, pin, satisfied)
            return satisfied


def run_resolver(provider: AbstractProvider, reporter: BaseReporter, requirements: Iterable[Any], max_rounds: int) -> Any:
    """``Resolver(provider, reporter).resolve(requirements, max_rounds)``, faster."""
    if not _FAST:
        return Resolver(provider, reporter).resolve(requirements, max_rounds=max_rounds)
    state = _Resolution(provider, reporter).resolve(requirements, max_rounds=max_rounds)
    return _build_result(state)
