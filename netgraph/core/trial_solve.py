"""Whether a net's shapes would solve with some of its fields changed: a trial on a shallow copy, inferred alone
(never a NetGraph made again, no types built). The batch-dim guess (``batch_dim``) and the swap of a group of
edges (``swapped_group``) each ask it."""

from __future__ import annotations

import copy
from typing import Any

from netgraph.core.errors import ShapeError
from netgraph.core.inference import solve

__all__ = ["solves_with"]


def solves_with(net: Any, **fields: Any) -> bool:
    """Whether ``net``'s shapes solve with its private ``fields`` (``_declared=``, ``_edges=``) replaced."""
    trial = copy.copy(net)
    for name, value in fields.items():
        setattr(trial, name, value)
    try:
        solve(trial._problem())  # only whether it solves: no types built
    except ShapeError:
        return False
    return True
