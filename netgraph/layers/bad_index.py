"""Where a bad value lies in the data given to a port, as the user sees that data through NetMapOperators.

A map folds its sequence into the batch (``(B, n, ...)`` to ``B*n``), so a layer inside it sees example ``b``'s
element ``i`` at batch index ``b*n + i``. A DataError that names such an index carries it as ``Where`` values and a
way to write its message again (``relocate``); each map it passes out of splits the index into example and element,
and a batch run in parts (length groups of ragged data, slices of ``batch_size``) renumbers the example as the user's.

>>> w = Where(6, (0,))
>>> str(w), str(w.unfolded(4)), str(w.unfolded(4).unfolded(1))
('index (6, 0)', 'example 1, sequence element 2, index (0,)', 'example 1, sequence element (0, 2), index (0,)')
>>> w.by_example(), Where(6, ()).unfolded(4).by_example()
('example 6, index (0,)', 'example 1, sequence element 2')
"""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import torch

from netgraph.core.error_places import Where, located_error
from netgraph.core.errors import DataError
from netgraph.core.walk import nested_nodes

__all__ = ["Where", "located_error", "unfolded_error", "raise_unfolded", "examples_at", "checks_values", "first_bad",
           "bad_text", "first_bad_at", "first_unordered", "first_unordered_pair", "Piece", "piece", "piece_text",
           "name_layer"]


#: A message whose index can be written again outside a map: (text before, where, text after).
Piece = tuple[str, Where, str]


def piece(before: str, index: tuple[int, ...] | None, after: str) -> str | Piece:
    """``before + 'index (2, 0)' + after`` as a ``Piece`` (its first dim the batch), or ``before + after`` where
    ``index`` is None (no index to name)."""
    return before + after if index is None else (before, Where(index[0], index[1:]), after)


def piece_text(problem: str | Piece) -> str:
    """A problem's message, its index written as inside the layer."""
    return problem if isinstance(problem, str) else f"{problem[0]}{problem[1]}{problem[2]}"


_FACTS = ("option", "expected", "found")  # a bad value's parameter, what it must be and what it is: kept when moved


def _moved(error: BaseException, move: Callable[[Where], Where],
           kept: tuple[str, ...] = ("kind", "port", "layer", *_FACTS)) -> DataError | None:
    """``error`` with each place it names moved by ``move`` (keeping its Diagnostic's ``kept`` fields); None when it
    names none."""
    located = getattr(error, "relocate", None)
    if located is None:
        return None
    wheres, render = located
    diagnostic = error.diagnostics[0]
    fields = {f: getattr(diagnostic, f) for f in kept if getattr(diagnostic, f) is not None}
    return located_error([move(w) for w in wheres], render, **fields)


def unfolded_error(error: BaseException, length: int, step: bool = False) -> DataError | None:
    """``error`` as seen outside a map over sequences of ``length`` elements (``step``: outside a fold, at its step
    ``length``); None when it names no index."""
    if not (length or step):
        return None
    move = (lambda w: w.stepped(length)) if step else (lambda w: w.unfolded(length))
    return _moved(error, move, ("kind", "port", "layer", *_FACTS))  # the layer's whole path (label_inner_layers)


def raise_unfolded(error: BaseException, length: int, step: bool = False) -> None:
    """Raise ``unfolded_error(error, length, step)`` where ``error`` names an index; else return (the caller raises
    it as it is)."""
    unfolded = unfolded_error(error, length, step)
    if unfolded is not None:
        raise unfolded from None


@contextlib.contextmanager
def examples_at(examples: Sequence[int] | Callable[[], Sequence[int]]) -> Iterator[None]:
    """Run one part of a batch (a length group, a slice of ``batch_size``) whose example ``i`` is the batch's
    ``examples[i]``: a DataError raised inside that names an index names the batch's example. ``examples`` may be
    a function giving them, called only then (reading them from a device costs a sync)."""
    try:
        yield
    except DataError as error:
        known = examples() if callable(examples) else examples
        renumbered = _moved(error, lambda w: w.renumbered(known))
        if renumbered is None:
            raise
        raise renumbered from None


def name_layer(error: DataError, path: tuple[str, ...] | None) -> None:
    """``error``'s Diagnostics that name no layer name the one at ``path`` (None: not known, left as they are)."""
    if path is not None:
        error.diagnostics = [d if d.layer is not None else dataclasses.replace(d, layer=path)
                             for d in error.diagnostics]


def checks_values(net: object) -> bool:
    """Whether a layer inside ``net`` checks the values it is fed (random and KL layers' parameters, indices of
    layers with ``CHECKS_INDICES``), whose errors name an index in the data."""
    return any(hasattr(node.layer, "distribution") or hasattr(node.layer, "resolved_method")
               or getattr(node.layer, "CHECKS_INDICES", False) for _, node in nested_nodes(net))


def first_bad(t: torch.Tensor, c: Any) -> str:
    """"-1.0 at index (2, 0) (and 3 more bad values)": the first value of ``t`` that breaks the constraint ``c``."""
    return bad_text(t, first_bad_at(t, c))


def bad_text(t: torch.Tensor, found: tuple[float, Where, str] | None) -> str:
    """``first_bad``'s text of ``first_bad_at(t, c)``'s ``found``, for a caller that needs both."""
    if found is None:
        return "values that are not valid together"
    value, at, more = found
    return f"{value!r} at index {(at.example, *at.rest) if t.dim() else ()}{more}"


def first_bad_at(t: torch.Tensor, c: Any) -> tuple[float, Where, str] | None:
    """The first value of ``t`` that breaks ``c``, where it is (its first dim the batch) and '(and 3 more bad
    values)'; None when every value is allowed on its own."""
    flat = t.detach().reshape(-1).tolist()
    bad = [(i, v) for i, v in enumerate(flat) if not c.ok(v)]
    if not bad:
        return None
    i, v = bad[0]
    index = tuple(int(k) for k in torch.unravel_index(torch.tensor(i), t.shape)) if t.dim() else (0,)
    more = f" (and {len(bad) - 1} more bad values)" if len(bad) > 1 else ""
    return v, Where(index[0], index[1:]), more


def first_unordered(lo: Any, hi: Any, names: tuple[str, str], strict: bool) -> str | None:
    """'min 2 and max 2 at index (0, 1) (and 1 more)': the first pair of bounds out of order (``lo < hi`` where
    ``strict``, else ``lo <= hi``), with its index where they are arrays; None when every pair is in order.

    >>> first_unordered(torch.tensor([0.0, 2.0]), torch.tensor([1.0, 2.0]), ("min", "max"), True)
    'min 2 and max 2 at index (1,)'
    """
    if (found := _unordered_at(lo, hi, strict)) is None:
        return None
    low, high, index, count = found
    at = f" at index {index}" if index else ""
    more = f" (and {count - 1} more)" if count > 1 else ""
    return f"{names[0]} {low:g} and {names[1]} {high:g}{at}{more}"


def first_unordered_pair(lo: Any, hi: Any, strict: bool) -> tuple[float, float] | None:
    """The values of ``first_unordered``'s pair of bounds out of order (for a Diagnostic's ``found``), or None.

    >>> first_unordered_pair(torch.tensor([0.0, 3.0]), 2.0, True)
    (3.0, 2.0)
    """
    found = _unordered_at(lo, hi, strict)
    return None if found is None else found[:2]


def _unordered_at(lo: Any, hi: Any, strict: bool) -> tuple[float, float, tuple[int, ...], int] | None:
    """The first pair of bounds out of order (lo's value, hi's, its index in their broadcast shape) and how many
    pairs are; None when every pair is in order."""
    lo, hi = torch.broadcast_tensors(torch.as_tensor(lo).detach(), torch.as_tensor(hi).detach())  # values only
    bad = ~(lo < hi) if strict else ~(lo <= hi)
    flat = bad.reshape(-1).nonzero().reshape(-1)
    if not len(flat):
        return None
    i = int(flat[0])
    index = tuple(int(k) for k in torch.unravel_index(torch.tensor(i), bad.shape))
    return float(lo.reshape(-1)[i]), float(hi.reshape(-1)[i]), index, len(flat)

