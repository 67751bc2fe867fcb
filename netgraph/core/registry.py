"""Name -> class tables (layer types, distributions) that refuse a silent overwrite, and a scope for tests.

>>> table = Registry("layer type")
>>> class A: pass
>>> class B: pass
>>> _ = table.add(A, "X")
>>> table.add(B, "X")
Traceback (most recent call last):
...
netgraph.core.errors.OptionError: layer type name 'X' is taken by netgraph.core.registry.A; netgraph.core.registry.B cannot take it too (register it under another name, or pass replace=True to replace it on purpose)
>>> table.add(B, "X", replace=True) is B and table["X"] is B
True
"""

from __future__ import annotations

import contextlib
import weakref
from collections.abc import Iterator

from netgraph.core.errors import OptionError

__all__ = ["Registry", "registry_scope"]

_ALL: "weakref.WeakSet[Registry]" = weakref.WeakSet()


def _qualified(cls: type) -> str:
    return f"{cls.__module__}.{cls.__qualname__}"


class Registry(dict):
    """A dict of name -> class whose ``add`` raises OptionError on a name clash (naming both classes).

    Defining a class again under the same module and qualified name (re-running a notebook cell or
    a module) replaces the old definition: that is the same class, not a clash.
    """

    def __init__(self, kind: str):
        super().__init__()
        self.kind = kind
        _ALL.add(self)

    __hash__ = object.__hash__  # a WeakSet member (dicts are unhashable)

    def add(self, cls: type, name: str | None = None, replace: bool = False) -> type:
        """Make ``cls`` known as ``name`` (default: its class name); returns ``cls``."""
        name = name or cls.__name__
        old = self.get(name)
        if old is not None and old is not cls and not replace and _qualified(old) != _qualified(cls):
            raise OptionError(f"{self.kind} name {name!r} is taken by {_qualified(old)}; {_qualified(cls)} cannot "
                              f"take it too (register it under another name, or pass replace=True to replace it on "
                              f"purpose)", option="name")
        self[name] = cls
        return cls


@contextlib.contextmanager
def registry_scope() -> Iterator[None]:
    """Undo, on exit, every registration made inside (layer types and distributions defined by tests).

    >>> from netgraph.core.layer import REGISTRY
    >>> with registry_scope():
    ...     _ = REGISTRY.add(int, "Scoped")
    >>> "Scoped" in REGISTRY
    False
    """
    saved = [(table, dict(table)) for table in list(_ALL)]
    try:
        yield
    finally:
        for table, contents in saved:
            table.clear()
            table.update(contents)
