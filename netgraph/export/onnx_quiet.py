"""Quieting shared by concurrent ``export_onnx`` calls: warnings and torch's ONNX log are process-wide, so each
export's own save-and-restore would break when two exports leave in another order than they entered (the process
left with every warning ignored and the log off for good). One count under a lock: the first to enter saves and
silences, the last to leave restores."""

from __future__ import annotations

import contextlib
import threading
import warnings
from collections.abc import Iterator

from netgraph.export.onnx_torch_private import onnx_log_off

__all__ = ["quiet"]

_LOCK = threading.Lock()
_entered = 0
_saved = contextlib.ExitStack()  # closed by the last to leave: the warnings filters and ONNX log as they were


@contextlib.contextmanager
def quiet() -> Iterator[None]:
    """No warnings and no ONNX log (``onnx_log_off``) in the whole process while any thread is inside."""
    global _entered
    with _LOCK:
        if not _entered:
            _saved.enter_context(onnx_log_off())
            _saved.enter_context(warnings.catch_warnings())
            warnings.simplefilter("ignore")
        _entered += 1
    try:
        yield
    finally:
        with _LOCK:
            _entered -= 1
            if not _entered:
                _saved.close()
