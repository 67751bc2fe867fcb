"""A leading None in a graph input's shape, as Keras's ``batch_shape`` writes it (``input=(None, 8)``): shapes here
exclude the batch dimension, so the None is read as a dimension of each example. The hint names the shape meant,
for an input left of unknown shape (``batch_dim_hint``) and for a shape conflict that the shape without the None
resolves (``batch_dim_error``: called only on the error path, where the net is inferred again without it)."""

from __future__ import annotations

import copy
import dataclasses
from typing import Any

from netgraph.core.errors import ShapeError, raise_all
from netgraph.core.inference import infer_types
from netgraph.core.port_forms import option_form

__all__ = ["MAX_NONE_TRIALS", "batch_dim_hint", "batch_dim_error"]

MAX_NONE_TRIALS = 5  # inputs tried without their leading None (each a whole inference again): a net may have thousands


def batch_dim_hint(net: Any, name: str, shape: tuple | None) -> str:
    """For graph input ``name`` of a shape whose first dim alone is unknown: the shape meant, as ``net``'s kind gives
    it; '' for another shape.

    >>> from netgraph import NetChain, LinearLayer
    >>> batch_dim_hint(NetChain([LinearLayer(2)]), "Input", (None, "n", 3))
    "a leading None, as Keras's batch dimension? shapes exclude the batch dimension: NetChain(layers, input=('n', 3))"
    """
    if not shape or len(shape) < 2 or shape[0] is not None or None in shape[1:]:
        return ""
    meant = repr(shape[1]) if len(shape) == 2 else repr(tuple(shape[1:]))
    return (f"a leading None, as Keras's batch dimension? shapes exclude the batch dimension: "
            f"{option_form(net, name, meant)}")


def batch_dim_error(net: Any, exc: ShapeError) -> ShapeError | None:
    """``exc`` with its first problem ending with ``batch_dim_hint`` when a graph input of ``net`` declared with a
    leading None makes it, and the net's shapes agree without that None (tried for the first ``MAX_NONE_TRIALS`` such
    inputs); None otherwise."""
    candidates = [(name, t, hint) for name, t in net._declared.items()
                  if name in net._inputs and (hint := batch_dim_hint(net, name, t.shape))]
    for name, t, hint in candidates[:MAX_NONE_TRIALS]:
        if _fits_without(net, name, t):
            first = exc.diagnostics[0]
            problems = [dataclasses.replace(first, message=f"{first.message}; {hint}", hint=hint,
                                            parts=(*(first.parts or (first.message,)), f"; {hint}")),
                        *exc.diagnostics[1:]]
            try:
                raise_all(problems, ShapeError, "shape conflict")
            except ShapeError as hinted:
                return hinted
    return None


def _fits_without(net: Any, name: str, t: Any) -> bool:
    trial = copy.copy(net)  # a shallow copy with other declared shapes, inferred alone (never a NetGraph made again)
    trial._declared = {**net._declared, name: dataclasses.replace(t, shape=t.shape[1:])}
    try:
        infer_types(trial._problem())
    except ShapeError:
        return False
    return True
