"""A context variable set for the duration of a ``with`` block (Python 3.11's ``ContextVar`` has no such manager).

>>> from contextvars import ContextVar
>>> depth = ContextVar("depth", default=0)
>>> with scoped(depth, 2):
...     depth.get()
2
>>> depth.get()
0
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextvars import ContextVar
from typing import Any

__all__ = ["scoped"]


@contextlib.contextmanager
def scoped(var: ContextVar, value: Any) -> Iterator[Any]:
    """``var`` is ``value`` inside the block (which gets ``value``), and what it was again after, however it ends."""
    token = var.set(value)
    try:
        yield value
    finally:
        var.reset(token)
