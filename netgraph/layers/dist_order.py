"""The order a distribution's two bounds keep (``Distribution.ORDERED``: ``(lo, hi, strict)``, lo < hi where
``strict``, else lo <= hi): the message when a pair breaks it, the Diagnostic's fields, and the check by the
bounds' extremes alone.

>>> order_problem(("min", "max", True), ("min", "max"), [1.0, torch.tensor([2.0, 0.5])])
'needs min < max, found min 1 and max 0.5 at index (1,)'
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import torch

from netgraph.layers.bad_index import first_unordered, first_unordered_pair

__all__ = ["Ordered", "order_text", "order_problem", "in_order_by_extremes", "order_facts"]

#: (lo, hi, strict): the names of two parameters and whether lo < hi (else lo <= hi).
Ordered = tuple[str, str, bool]


def order_text(ordered: Ordered) -> str:
    """'min < max': the order ``ordered`` needs."""
    lo_name, hi_name, strict = ordered
    return f"{lo_name} {'<' if strict else '<='} {hi_name}"


def _pair(ordered: Ordered, names: Sequence[str], params: Sequence[Any]) -> tuple[Any, Any]:
    return params[names.index(ordered[0])], params[names.index(ordered[1])]


def order_problem(ordered: Ordered, names: Sequence[str], params: Sequence[Any]) -> str | None:
    """'needs min < max, found ...' for the first pair out of order among ``params`` (named ``names``); None when
    all are in order or a bound is a '#slot'."""
    lo, hi = _pair(ordered, names, params)
    if isinstance(lo, str) or isinstance(hi, str):
        return None
    found = first_unordered(lo, hi, ordered[:2], ordered[2])
    return None if found is None else f"needs {order_text(ordered)}, found {found}"


def in_order_by_extremes(ordered: Ordered, names: Sequence[str], values: Sequence[Any],
                         extremes: Mapping[str, tuple[float, float]]) -> bool:
    """Whether every pair is in order by the tensors' ``extremes`` alone (the largest lo below the smallest hi), so
    that none need be read elementwise."""
    ends = []
    for name, value, end in zip(ordered[:2], _pair(ordered, names, values), (1, 0)):
        unbounded = isinstance(value, torch.Tensor) and name not in extremes
        if unbounded or not isinstance(value, (torch.Tensor, int, float)):
            return False
        ends.append(extremes[name][end] if isinstance(value, torch.Tensor) else float(value))
    return ends[0] < ends[1] if ordered[2] else ends[0] <= ends[1]


def order_facts(ordered: Ordered, names: Sequence[str], values: Sequence[Any],
                slot_of: Callable[[str], str | None]) -> dict[str, Any]:
    """The Diagnostic's fields of the first pair out of order: its first slot-fed bound (``option``), the order
    needed and the pair found, as {lo: value, hi: value}."""
    pair = first_unordered_pair(*_pair(ordered, names, values), ordered[2])
    return {"option": next((n for n in ordered[:2] if slot_of(n)), ordered[0]), "expected": order_text(ordered),
            "found": dict(zip(ordered[:2], pair))}
