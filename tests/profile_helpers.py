"""What the call-counting tests share: how many Python calls (cProfile's count) a function makes, all of them or
those of the functions a filter picks (``solves``: the inference problems solved); the aten ops run (``OpCounts``)."""

from __future__ import annotations

import collections
import cProfile
from collections.abc import Callable
from types import CodeType
from typing import Any

from torch.utils._python_dispatch import TorchDispatchMode


def calls(function: Callable[..., Any], *args: Any, counted: Callable[[CodeType], bool] = lambda code: True) -> int:
    """Python function calls (cProfile's count) ``function(*args)`` makes, itself included, of the functions whose code
    ``counted`` picks (a built-in's "code" is its name, a str: counted only by the default): each profiled
    function's own count summed (``getstats``). pstats' table keys functions by file, line and name and keeps one of
    those alike (every dataclass's generated ``__init__`` is ``<string>:2``), the last by its code's address: the
    total moved with the interpreter's memory layout (the import order), a PortRef's inits kept adding 2 a chain's
    layer and 3 a wide graph's over a PortType's (3 in all)."""
    profile = cProfile.Profile()
    profile.enable()
    try:
        function(*args)
    finally:
        profile.disable()
    return sum(entry.callcount for entry in profile.getstats() if counted(entry.code))


def _is_solve(code: Any) -> bool:
    """Whether ``code`` is ``netgraph.core.inference.solve``'s."""
    return getattr(code, "co_name", "") == "solve" and code.co_filename.endswith("inference.py")


def solves(function: Callable[..., Any], *args: Any) -> int:
    """How many inference problems ``function(*args)`` solves (``netgraph.core.inference.solve``'s calls)."""
    return calls(function, *args, counted=_is_solve)


class OpCounts(TorchDispatchMode):
    """Counts the aten ops run (forward and backward) while active, by name."""

    def __init__(self):
        super().__init__()
        self.ops: collections.Counter = collections.Counter()

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        self.ops[str(func.overloadpacket)] += 1
        return func(*args, **(kwargs or {}))
