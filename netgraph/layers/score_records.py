"""Where a score-function layer keeps the records of its draws until ``surrogate_loss`` takes them: per thread.

Each thread scores its own draws against its own losses, so a layer keeps each thread's records apart, under a weak
reference to that thread's ``Thread`` (a thread id is handed on to a later thread, which would take a finished
thread's draws as its own). Entries of threads that have ended are dropped at the layer's next draw.
"""

from __future__ import annotations

import collections
import threading
import weakref
from collections.abc import Iterator
from typing import Any

from torch import nn

__all__ = ["ScoreRecord", "HELD_RECORDS", "RECORD_ATTRIBUTES", "records_here", "held_here", "this_thread", "pending_here", "take_here", "drawn_elsewhere"]

#: Records of integer draws (class indices: no autograd graph keeps them) a layer holds until surrogate_loss.
HELD_RECORDS = 16

#: The attributes holding a layer's records, by thread: a copy or pickle of the layer leaves them (weak references to
#: the original's draws, which pickle cannot write and surrogate_loss of the copy must not take).
RECORD_ATTRIBUTES = ("_pending", "_held")


class ScoreRecord:
    """One forward call's draws of a score-function layer: ``logp`` (B,) with grad to the parameters (the
    per-example log-probability, or a zero-valued ``score_handle`` with the same gradient)."""

    __slots__ = ("owner", "logp", "used", "__weakref__")

    def __init__(self, owner: nn.Module, logp: Any):
        self.owner, self.logp, self.used = owner, logp, False


def this_thread() -> weakref.ref:
    """The key of the calling thread's records (a weak reference: a finished thread's entry does not keep it); a walk
    over many layers computes it once and passes it to ``pending_here`` / ``take_here``."""
    return weakref.ref(threading.current_thread())


def _ended(key: weakref.ref) -> bool:
    thread = key()
    return thread is None or not thread.is_alive()


def _by_thread(owner: nn.Module, kind: str) -> dict[weakref.ref, Any]:
    """``owner``'s records of ``kind`` ("_pending", "_held") by thread, those of threads that have ended dropped
    (each thread adds and takes only its own entry; a plain attribute, kept out of nn.Module's bookkeeping)."""
    by_thread = owner.__dict__.setdefault(kind, {})
    for key in [key for key in list(by_thread) if _ended(key)]:
        by_thread.pop(key, None)
    return by_thread


def records_here(owner: nn.Module) -> list[weakref.ref]:
    """The calling thread's list of weak references to its records at ``owner`` (for record_score to add to)."""
    return _by_thread(owner, "_pending").setdefault(this_thread(), [])


def held_here(owner: nn.Module) -> collections.deque:
    """The calling thread's records of integer draws, which ``owner`` holds (the last ``HELD_RECORDS``)."""
    return _by_thread(owner, "_held").setdefault(this_thread(), collections.deque(maxlen=HELD_RECORDS))


def pending_here(sub: nn.Module, here: weakref.ref | None = None) -> list[weakref.ref]:
    """The records (weak references) that layer ``sub`` holds of draws made in this thread (key ``here``, computed
    when not given), not yet taken.

    Records are kept per thread, so that threads drawing from one module and each taking ``surrogate_loss`` score their
    own draws against their own losses (one thread took every thread's before): a draw's term is taken in its thread.
    """
    pending = sub.__dict__.get("_pending")
    if not pending:  # most layers never draw: no thread key to build (this runs per layer per training step)
        return []
    return pending.get(here if here is not None else this_thread(), [])


def take_here(sub: nn.Module, here: weakref.ref | None = None) -> tuple[list[weakref.ref], Any]:
    """Layer ``sub``'s records of this thread's draws (key ``here``, computed when not given), removed from it: the
    weak references, and the held integer draws' records (their only holder: keep it until the references are read)."""
    pending, held = sub.__dict__.get("_pending"), sub.__dict__.get("_held")
    if not pending and not held:
        return [], None
    here = here if here is not None else this_thread()
    return (pending.pop(here, None) if pending else None) or [], held.pop(here, None) if held else None


def _unused(refs: list[weakref.ref]) -> bool:
    return any((record := ref()) is not None and not record.used for ref in refs)


def drawn_elsewhere(module: nn.Module) -> Iterator[nn.Module]:
    """The layers inside ``module`` holding live records not yet taken of draws made in another thread than this."""
    here = this_thread()
    for sub in module.modules():
        if any(key != here and _unused(refs) for key, refs in list(sub.__dict__.get("_pending", {}).items())):
            yield sub
