"""The generated forwards' source lines in ``linecache`` (so tracebacks, pdb and ``inspect`` show them), released
when their module's class is collected (each code's class, shared by the modules of that code).

A code's file is named after a hash of it: CPython keeps every file name given to ``compile()`` for good, so a fresh
name per compile grew the process by one name each; the same code compiled again reuses its name. Classes alive
with one code (nested at other depths) share the entry, which leaves when the last of them is collected.

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

import collections
import hashlib
import linecache
import weakref
from typing import Any

__all__ = ["register", "release_with", "release_collected"]

_collected: list[str] = []  # names of collected classes' entries, taken out at the next registration
_registered: collections.Counter[str] = collections.Counter()  # name -> classes registered with it not yet released


def register(code: str, lines: list[str]) -> str:
    """``code``'s file name (its hash's), its ``lines`` (``code.splitlines(True)``) in ``linecache`` until each
    registration of it is released."""
    release_collected()
    digest = hashlib.blake2b(code.encode("utf-8", "surrogatepass"), digest_size=8).hexdigest()
    filename = f"<netgraph-compiled-{digest}>"
    _registered[filename] += 1
    linecache.cache[filename] = (len(code), None, lines, filename)
    return filename


def release_with(owner: Any, filename: str) -> Any:
    """``owner``, ``filename``'s lines released after it is collected."""
    weakref.finalize(owner, _collected.append, filename)
    return owner


def release_collected() -> None:
    """Take the entries of the classes collected so far out of ``linecache``, each once no class alive has it."""
    while _collected:
        filename = _collected.pop()
        _registered[filename] -= 1
        if _registered[filename] <= 0:
            del _registered[filename]
            linecache.cache.pop(filename, None)
