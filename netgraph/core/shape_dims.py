"""Every bad dim of a shape given as a list, each its own problem at its item (``[3, -1, 0]``: two), as a layer's
shape option, a graph port's declared shape and a spec's port shape report them: the shape's subject named once,
each dim by its place, the first ``LISTED_DIMS`` of them and how many more.

>>> [(c.item, c.found) for c in bad_dims([3, -1, "n", 0], "shape")[0]]
[(1, -1), (3, 0)]
>>> print(shape_error(NetGraphError, [3, -1, 0], "shape", option="output"))
shape has 2 bad dims:
  - dim 1: must be positive ints (or None for unknown), found -1
  - dim 2: must be positive ints (or None for unknown), found 0
"""

from __future__ import annotations

import numbers
from collections.abc import Mapping
from typing import Any

from netgraph.core.conflicts import Conflict
from netgraph.core.errors import Diagnostic, NetGraphError, OptionError, listed
from netgraph.core.naming_scope import quoted
from netgraph.core.option_problems import VALUE_KIND, option_problem, options_error
from netgraph.core.shape_values import as_shape, shape_dim

__all__ = ["bad_dims", "shape_error", "shape_option", "port_shape_options", "LISTED_DIMS"]

LISTED_DIMS = 9  # bad dims told each (a line ~100 characters: a message near 1 KB); a last problem counts the rest


def bad_dims(value: Any, what: str, first: Conflict | None = None) -> tuple[list[Conflict], int]:
    """The Conflicts ``as_shape(value, what)`` raises, found in one pass: ``first`` (its own, worked out when not
    given) and, where that is about a list's item, each later bad item at that item, the first ``LISTED_DIMS``; and how
    many more bad items there are. ([], 0) where ``value`` is a shape."""
    if first is None:
        try:
            as_shape(value, what)
            return [], 0
        except Conflict as exc:
            first = exc
    if first.item is None:
        return [first], 0
    found, more = [first], 0
    dims = value.tolist() if type(value).__module__ == "numpy" else value
    for item in range(first.item + 1, len(dims)):
        d = dims[item]
        if type(d) is int and 1 <= d < 2**63:
            continue
        if len(found) == LISTED_DIMS and _surely_bad(d):  # past those listed: counted, no message made
            more += 1
            continue
        try:
            shape_dim(d, what, item)
        except Conflict as exc:
            if len(found) < LISTED_DIMS:
                found.append(exc)
            else:
                more += 1
    return found, more


def _surely_bad(d: object) -> bool:
    """Whether ``d`` (no size from 1 to 2**63) is no dim, seen without wording why: None, an identifier (a length
    name) or an integer of another type than int (numpy's) may still be one."""
    return type(d) is int or not (d is None or isinstance(d, str) and d.isidentifier()
                                  or isinstance(d, numbers.Integral) and not isinstance(d, bool))


def shape_error(cls: type[NetGraphError], value: Any, what: str, first: Conflict | None = None,
                **fields: Any) -> NetGraphError:
    """A ``cls`` naming every bad dim of ``value`` (``bad_dims``): one alone as ``as_shape`` says it, several under
    ``what`` named once, each as ``dim 1: ...``; a Diagnostic each with ``fields`` (and one counting those not
    listed)."""
    conflicts, more = bad_dims(value, what, first)
    if len(conflicts) == 1:
        c = conflicts[0]
        return cls(str(c), diagnostics=[Diagnostic(str(c), expected=c.expected, found=c.found, item=c.item, **fields)])
    parts = [f"dim {c.item}: {_said(c, what)}" for c in conflicts]
    diagnostics = [Diagnostic(f"{what} {part}", expected=c.expected, found=c.found, item=c.item, **fields)
                   for part, c in zip(parts, conflicts)]
    if more:
        diagnostics.append(Diagnostic(f"{what} has {more} more bad dims", count=more, **fields))
    text = listed(parts) + (f"\n  ... and {more} more bad dims" if more else "")
    return cls(f"{what} has {len(conflicts) + more} bad dims:\n{text}", diagnostics=diagnostics)


def shape_option(value: Any, layer: str, option: str, port: str | None = None) -> tuple | None:
    """A layer's shape option (int, list or None; of input ``port`` where given) normalised, else an OptionError
    naming the layer, option and port, each bad dim at its item."""
    what = f"{layer} option {option}{'' if port is None else f'[{quoted(port)}]'}="
    try:
        return as_shape(value, what)
    except Conflict as exc:
        raise shape_error(OptionError, value, what, exc, option=option, port=port, kind=VALUE_KIND) from None


def port_shape_options(shapes: Mapping, layer: str, option: str) -> dict:
    """``{port: shape}`` of a layer's option, each port's shape by ``shape_option``, every port's bad dims in one
    error (noted by ``option_problem`` while the layer's options are checked together: None stands in)."""
    found, refused = {}, []
    for port, value in shapes.items():
        try:
            found[port] = shape_option(value, layer, option, port)
        except OptionError as exc:
            found[port] = None
            refused.append(exc)
    if refused:
        option_problem(refused[0] if len(refused) == 1 else
                       options_error(layer, [d for exc in refused for d in exc.diagnostics]), None)
    return found


def _said(conflict: Conflict, what: str) -> str:
    """``conflict``'s message without its subject ``what`` (and the word 'dims' after it)."""
    text = str(conflict)
    text = text[len(what):].lstrip() if text.startswith(what) else text
    return text[len("dims "):] if text.startswith("dims ") else text
