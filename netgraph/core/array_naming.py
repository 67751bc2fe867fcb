"""Whether an edit's caller names an array a layer put in gives and the net refuses: ``replace_layers`` names it
once, in its outermost call (its nested calls, and a caller that names the array itself, run inside the scope)."""

from __future__ import annotations

from contextlib import AbstractContextManager
from contextvars import ContextVar

from netgraph.core.scoped_values import scoped

__all__ = ["NAMING", "arrays_named_by_caller"]

NAMING: ContextVar[bool] = ContextVar("naming_a_refused_array", default=False)


def arrays_named_by_caller() -> AbstractContextManager:
    """``replace_layers`` within names no array: a caller outside (or the outermost ``replace_layers``) does."""
    return scoped(NAMING, True)
