"""Quieting shared by concurrent ``export_onnx`` calls: warnings filters are process-wide (Python before 3.14 has
no filters per thread or context), so each export's own save-and-restore would break when two exports leave in
another order than they entered (the process left with every warning ignored for good). One count under a lock: the
first to enter saves and silences, the last to leave restores. torch's ONNX log is off in the exporting threads
only (a count per thread, of the thread that entered: a ``quiet`` left on another thread ends its own): another
thread's own ``torch.onnx.export`` still prints its log."""

from __future__ import annotations

import collections
import contextlib
import threading
import warnings
from collections.abc import Iterator

from netgraph.export.onnx_torch_private import onnx_log_off

__all__ = ["quiet"]

_LOCK = threading.Lock()
_entered = 0
_saved = contextlib.ExitStack()  # closed by the last to leave: the warnings filters and ONNX log as they were
_inside: collections.Counter = collections.Counter()  # thread (not its id: ids are reused) -> its depth in ``quiet``


def _exporting() -> bool:
    """Whether the calling thread is inside ``quiet``."""
    return _inside[threading.current_thread()] > 0


@contextlib.contextmanager
def quiet() -> Iterator[None]:
    """No warnings in the whole process while any thread is inside, no ONNX log (``onnx_log_off``) in the threads
    inside."""
    global _entered
    thread = threading.current_thread()
    with _LOCK:
        if not _entered:
            _saved.enter_context(onnx_log_off(_exporting))
            _saved.enter_context(warnings.catch_warnings())
            warnings.simplefilter("ignore")
        _entered += 1
        _inside[thread] += 1
    try:
        yield
    finally:
        with _LOCK:
            _inside[thread] -= 1
            if not _inside[thread]:
                del _inside[thread]  # no entry per thread that ever exported
            _entered -= 1
            if not _entered:
                _saved.close()
