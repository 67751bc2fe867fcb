"""SIGTERM (``timeout``, a job scheduler's stop, ``kill``) during ``netgraph train``: handled as Ctrl-C is.

Python's default leaves SIGTERM to the system, which ends the process at once: training wrote nothing after its
last checkpoint. ``sigterm_as_interrupt`` raises ``Terminated`` (a KeyboardInterrupt) instead, so net_train abandons
the step in progress and stops as after Ctrl-C (``ManualStop``): its checkpoints stay as the last round that ended
wrote them, and the command writes the net trained so far and ends with ``TERMINATED_STATUS``.

>>> with sigterm_as_interrupt() as received:
...     received
[]
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterator

__all__ = ["TERMINATED_STATUS", "Terminated", "sigterm_as_interrupt"]

#: the exit status after SIGTERM: a shell's for a process ended by it (128 + 15)
TERMINATED_STATUS = 128 + signal.SIGTERM


class Terminated(KeyboardInterrupt):
    """SIGTERM arrived: raised where Ctrl-C raises KeyboardInterrupt, so whatever stops cleanly on one stops on it."""


@contextlib.contextmanager
def sigterm_as_interrupt(active: bool = True) -> Iterator[list[int]]:
    """Inside, SIGTERM raises ``Terminated``; the list given is the signals received (empty: none). Not ``active``, or
    outside the main thread (where no handler can be set), SIGTERM is left as it is. The handler before is put back
    on leaving."""
    received: list[int] = []
    if not active or threading.current_thread() is not threading.main_thread():
        yield received
        return

    def terminate(number: int, frame: object) -> None:
        received.append(number)
        raise Terminated

    previous = signal.signal(signal.SIGTERM, terminate)
    try:
        yield received
    finally:
        signal.signal(signal.SIGTERM, previous)
