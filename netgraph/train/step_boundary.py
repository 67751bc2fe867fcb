"""Ctrl-C or SIGTERM during a training step, held until the step ends, so an interrupted run stops between steps.

A step changes the arrays, the optimizer state, batch-norm statistics and the round's running sums; stopped halfway,
none of these is the state after any step, and no checkpoint could be written. ``StepBoundary.installed`` wraps the
handlers of SIGINT and SIGTERM that raise (Python's KeyboardInterrupt, ``netgraph train``'s ``Terminated``): inside
``with boundary:`` the first such signal waits until the block ends and is then handled as it would have been; a
second one is handled at once (a step that hangs can still be stopped). Outside the block they act at once, as before.
Boundaries inside one another (one wrapping another's handler, or each holding its own signals) hold one signal
between them: a second signal while any of them holds one is handled at once by every boundary it passes.

``netgraph train`` holds them from the end of training's rounds through its writes as one step
(``StepBoundary.held_after_rounds``, which ``Trainer.run`` enters by ``rounds_ended``).

>>> with StepBoundary.installed(active=False) as boundary:
...     with boundary:
...         boundary.inside
True
"""

from __future__ import annotations

import contextlib
import signal
import sys
import threading
from collections.abc import Iterator
from contextvars import ContextVar
from types import FrameType
from typing import Any

__all__ = ["StepBoundary", "rounds_ended"]

_SIGNALS = (signal.SIGINT, signal.SIGTERM)


def rounds_ended(reason: str) -> str:
    """``reason`` (why training stopped), once the boundary held after the rounds (if any) is entered."""
    boundary = _AFTER_ROUNDS.get()
    if boundary is not None:
        boundary.__enter__()
    return reason


class StepBoundary:
    """Signals held while ``inside`` (a ``with`` block); ``previous``: the handlers wrapped, by signal number;
    ``forced``: whether a second signal stopped a block halfway; ``unhandled``: a signal held while an error left the
    block (the error ends the run; its caller may end as the signal would)."""

    def __init__(self) -> None:
        self.inside = False
        self.forced = False  # a second signal was handled at once, inside the block
        self.pending: list[int] = []
        self.previous: dict[int, Any] = {}
        self.unhandled: int | None = None

    @classmethod
    @contextlib.contextmanager
    def installed(cls, active: bool = True, signals: tuple[int, ...] = _SIGNALS) -> Iterator[StepBoundary]:
        """A StepBoundary whose handlers hold the ``signals`` (when ``active``, on the main thread, for each one whose
        handler is a Python function); the handlers before are put back on leaving."""
        boundary = cls()
        if active and threading.current_thread() is threading.main_thread():
            for number in signals:
                handler = signal.getsignal(number)
                if callable(handler):  # not the default action (SIGTERM ends the process) or ignoring it
                    boundary.previous[number] = handler
                    signal.signal(number, boundary._heard)
        try:
            yield boundary
        finally:
            for number, handler in boundary.previous.items():
                signal.signal(number, handler)
            if boundary in _HOLDING:  # left with a signal held (its block never ended): nothing holds it now
                _HOLDING.remove(boundary)

    def _heard(self, number: int, frame: FrameType | None) -> None:
        second = bool(_HOLDING) or any(_PASSING)  # another signal is held, or this one is a second passed on
        if self.inside and not second:
            self.pending.append(number)
            _HOLDING.append(self)
            return
        self.pending.clear()
        self.forced = self.inside
        for holding in _HOLDING:  # the first signal, held by another boundary: this one stops its block too
            holding.pending.clear()
            holding.forced = holding.inside  # a block that has ended (its pending signal not yet handled) ran whole
        _HOLDING.clear()
        _PASSING.append(second)  # a boundary whose handler this one wraps does not hold a second signal either
        try:
            self.previous[number](number, frame)  # between steps, or a second signal: at once
        finally:
            _PASSING.pop()

    def __enter__(self) -> StepBoundary:
        self.inside = True
        return self

    def __exit__(self, kind: Any, error: Any, trace: Any) -> None:
        self.inside = False
        if self.pending:
            number = self.pending.pop()
            if self in _HOLDING:
                _HOLDING.remove(self)
            if kind is None:
                self.previous[number](number, None)
            else:  # an error on its way ends the run anyway
                self.unhandled = number

    @contextlib.contextmanager
    def held_after_rounds(self) -> Iterator[StepBoundary]:
        """Inside, this boundary is entered where net_train's rounds end (``rounds_ended``): a signal from then on (as
        the results are made, and whatever the block writes with them) waits for the block's end."""
        token = _AFTER_ROUNDS.set(self)
        try:
            yield self
        except BaseException:
            self.__exit__(*sys.exc_info())
            raise
        else:
            self.__exit__(None, None, None)
        finally:
            _AFTER_ROUNDS.reset(token)


_AFTER_ROUNDS: ContextVar[StepBoundary | None] = ContextVar("netgraph_after_rounds", default=None)
_HOLDING: list[StepBoundary] = []  # the boundary holding a signal now (at most one; signals reach the main thread)
_PASSING: list[bool] = []  # per handler under way: whether it passes on a second signal
