"""The path of the layer a net file's reader is making, so that a warning the layer's constructor gives names the
layer (``layer 'f'``) as the reader's errors do; outside a reader, None (a layer made in Python has no name yet).

>>> with reading_layer(("enc", "f")):
...     layer_being_read()
('enc', 'f')
>>> layer_being_read() is None
True
"""

from __future__ import annotations

import contextvars
from contextlib import AbstractContextManager

from netgraph.core.scoped_values import scoped

__all__ = ["reading_layer", "layer_being_read", "reading_again", "read_before"]

_READING: contextvars.ContextVar[tuple | None] = contextvars.ContextVar("layer_being_read", default=None)
_AGAIN: contextvars.ContextVar[bool] = contextvars.ContextVar("reading_again", default=False)


def reading_layer(path: tuple) -> AbstractContextManager:
    """Inside the block, ``layer_being_read()`` is ``path``."""
    return scoped(_READING, path)


def layer_being_read() -> tuple | None:
    """The path of the layer a net file's reader is making, else None."""
    return _READING.get()


def reading_again() -> AbstractContextManager:
    """Inside the block, ``read_before()`` is True: the reader makes layers it warned of already (a second
    ``{ref: name}`` use of a net) or that are in no net (a ``nets:`` definition no ``ref:`` uses), so their
    constructors do not warn (again)."""
    return scoped(_AGAIN, True)


def read_before() -> bool:
    """Whether the layers being made were warned of already, or are in no net (see ``reading_again``)."""
    return _AGAIN.get()
