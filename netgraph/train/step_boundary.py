"""Ctrl-C or SIGTERM during a training step, held until the step ends, so an interrupted run stops between steps.

A step changes the arrays, the optimizer state, batch-norm statistics and the round's running sums; stopped halfway,
none of these is the state after any step, and no checkpoint could be written. ``StepBoundary.installed`` wraps the
handlers of SIGINT and SIGTERM that raise (Python's KeyboardInterrupt, ``netgraph train``'s ``Terminated``): inside
``with boundary:`` the first such signal waits until the block ends and is then handled as it would have been; a
second one is handled at once (a step that hangs can still be stopped). Outside the block they act at once, as before.

>>> with StepBoundary.installed(active=False) as boundary:
...     with boundary:
...         boundary.inside
True
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterator
from types import FrameType
from typing import Any

__all__ = ["StepBoundary"]

_SIGNALS = (signal.SIGINT, signal.SIGTERM)


class StepBoundary:
    """Signals held while ``inside`` (a ``with`` block); ``previous``: the handlers wrapped, by signal number;
    ``forced``: whether a second signal stopped a block halfway."""

    def __init__(self) -> None:
        self.inside = False
        self.forced = False  # a second signal was handled at once, inside the block
        self.pending: list[int] = []
        self.previous: dict[int, Any] = {}

    @classmethod
    @contextlib.contextmanager
    def installed(cls, active: bool = True) -> Iterator[StepBoundary]:
        """A StepBoundary whose handlers hold the signals (when ``active``, on the main thread, for each signal whose
        handler is a Python function); the handlers before are put back on leaving."""
        boundary = cls()
        if active and threading.current_thread() is threading.main_thread():
            for number in _SIGNALS:
                handler = signal.getsignal(number)
                if callable(handler):  # not the default action (SIGTERM ends the process) or ignoring it
                    boundary.previous[number] = handler
                    signal.signal(number, boundary._heard)
        try:
            yield boundary
        finally:
            for number, handler in boundary.previous.items():
                signal.signal(number, handler)

    def _heard(self, number: int, frame: FrameType | None) -> None:
        if self.inside and not self.pending:
            self.pending.append(number)
            return
        self.pending.clear()
        self.forced = self.inside
        self.previous[number](number, frame)  # between steps, or a second signal: at once

    def __enter__(self) -> StepBoundary:
        self.inside = True
        return self

    def __exit__(self, kind: Any, error: Any, trace: Any) -> None:
        self.inside = False
        if self.pending:
            number = self.pending.pop()
            if kind is None:  # an error on its way ends the run anyway
                self.previous[number](number, None)
