"""The generated forwards' source lines in ``linecache`` (so tracebacks, pdb and ``inspect`` show them), released
when their module's class is collected (each code's class, shared by the modules of that code).

A collected class's entry is not taken out by its finalizer at once: a finalizer runs wherever the collector
happens to run, also inside ``linecache.checkcache()`` (pdb, doctest, traceback), which lists the cache's keys and
then reads each, and would find one gone (a KeyError). The finalizer notes the name; the next registration takes
the noted entries out, so the cache holds no more than the classes alive plus those collected since.

>>> code = "def forward(self, x):\\n    return x\\n"
>>> name = register(code, code.splitlines(True))
>>> linecache.getline(name, 2)
'    return x\\n'
"""

from __future__ import annotations

import itertools
import linecache
import weakref
from typing import Any

__all__ = ["register", "release_with", "release_collected"]

_counter = itertools.count()
_collected: list[str] = []  # names of collected classes' entries, taken out at the next registration


def register(code: str, lines: list[str]) -> str:
    """A new file name for ``code``, its ``lines`` (``code.splitlines(True)``) in ``linecache``."""
    release_collected()
    filename = f"<netgraph-compiled-{next(_counter)}>"
    linecache.cache[filename] = (len(code), None, lines, filename)
    return filename


def release_with(owner: Any, filename: str) -> Any:
    """``owner``, ``filename``'s lines released after it is collected."""
    weakref.finalize(owner, _collected.append, filename)
    return owner


def release_collected() -> None:
    """Take the entries of the classes collected so far out of ``linecache``."""
    while _collected:
        linecache.cache.pop(_collected.pop(), None)
