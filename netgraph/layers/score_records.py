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

__all__ = ["ScoreRecord", "HELD_RECORDS", "records_here", "held_here", "pending_here", "take_here", "drawn_elsewhere"]

#: Records of integer draws (class indices: no autograd graph keeps them) a layer holds until surrogate_loss.
HELD_RECORDS = 16


class ScoreRecord:
    """One forward call's draws of a score-function layer: ``logp`` (B,) with grad to the parameters (the
    per-example log-probability, or a zero-valued ``score_handle`` with the same gradient)."""

    __slots__ = ("owner", "logp", "used", "__weakref__")

    def __init__(self, owner: nn.Module, logp: Any):
        self.owner, self.logp, self.used = owner, logp, False


def _this_thread() -> weakref.ref:
    """The key of the calling thread's records (a weak reference: a finished thread's entry does not keep it)."""
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
    return _by_thread(owner, "_pending").setdefault(_this_thread(), [])


def held_here(owner: nn.Module) -> collections.deque:
    """The calling thread's records of integer draws, which ``owner`` holds (the last ``HELD_RECORDS``)."""
    return _by_thread(owner, "_held").setdefault(_this_thread(), collections.deque(maxlen=HELD_RECORDS))


def pending_here(sub: nn.Module) -> list[weakref.ref]:
    """The records (weak references) that layer ``sub`` holds of draws made in this thread, not yet taken.

    Records are kept per thread, so that threads drawing from one module and each taking ``surrogate_loss`` score their
    own draws against their own losses (one thread took every thread's before): a draw's term is taken in its thread.
    """
    return sub.__dict__.get("_pending", {}).get(_this_thread(), [])


def take_here(sub: nn.Module) -> tuple[list[weakref.ref], Any]:
    """Layer ``sub``'s records of this thread's draws, removed from it: the weak references, and the held integer
    draws' records (their only holder: keep it until the references are read)."""
    here = _this_thread()
    return sub.__dict__.get("_pending", {}).pop(here, None) or [], sub.__dict__.get("_held", {}).pop(here, None)


def _unused(refs: list[weakref.ref]) -> bool:
    return any((record := ref()) is not None and not record.used for ref in refs)


def drawn_elsewhere(module: nn.Module) -> Iterator[nn.Module]:
    """The layers inside ``module`` holding live records not yet taken of draws made in another thread than this."""
    here = _this_thread()
    for sub in module.modules():
        if any(key != here and _unused(refs) for key, refs in list(sub.__dict__.get("_pending", {}).items())):
            yield sub
