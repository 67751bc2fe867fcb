"""Every bad dim of a shape given as a list, each its own problem at its item (``[3, -1, 0]``: two), as a layer's
shape option, a graph port's declared shape and a spec's port shape report them.

>>> [(c.item, c.found) for c in bad_dims([3, -1, "n", 0], "shape")]
[(1, -1), (3, 0)]
>>> str(shape_error(NetGraphError, [3, -1, 0], "shape", option="output")).split("; ")
['shape dims must be positive ints (or None for unknown), found -1', 'shape dims must be positive ints (or None \
for unknown), found 0']
"""

from __future__ import annotations

from typing import Any

from netgraph.core.conflicts import Conflict
from netgraph.core.errors import Diagnostic, NetGraphError
from netgraph.core.types import as_shape

__all__ = ["bad_dims", "shape_error"]


def bad_dims(value: Any, what: str, first: Conflict | None = None) -> list[Conflict]:
    """The Conflicts ``as_shape(value, what)`` raises: ``first`` (its own, worked out when not given) and, where that
    is about a list's item, each later item it refuses, at that item; [] where ``value`` is a shape."""
    if first is None:
        try:
            as_shape(value, what)
            return []
        except Conflict as exc:
            first = exc
    found = [first]
    for item in range(first.item + 1, len(value)) if first.item is not None else ():
        try:
            as_shape(value[item:item + 1], what)
        except Conflict as exc:
            found.append(Conflict(str(exc), expected=exc.expected, found=exc.found, item=item))
    return found


def shape_error(cls: type[NetGraphError], value: Any, what: str, first: Conflict | None = None, *,
                expected: object = None, found: object = None, **fields: Any) -> NetGraphError:
    """A ``cls`` naming every bad dim of ``value`` (``bad_dims``) in one message, a Diagnostic each with ``fields``,
    its own item and values (``expected``/``found`` where given: the same for each)."""
    conflicts = bad_dims(value, what, first)
    return cls("; ".join(map(str, conflicts)), diagnostics=[
        Diagnostic(str(c), expected=c.expected if expected is None else expected, found=c.found if found is None
                   else found, item=c.item, **fields) for c in conflicts])
