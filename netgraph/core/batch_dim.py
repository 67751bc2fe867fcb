"""A leading None in a graph input's shape, as Keras's ``batch_shape`` writes it (``input=(None, 8)``): shapes here
exclude the batch dimension, so the None is read as a dimension of each example. The hint names the shape meant,
for an input left of unknown shape (``batch_dim_hint``) and for a shape conflict that the shape without the None
resolves (``batch_dim_error``: called only on the error path, where the net is inferred again without it)."""

from __future__ import annotations

import dataclasses
from typing import Any

from netgraph.core.errors import ShapeError
from netgraph.core.inference import conflict_error
from netgraph.core.trial_solve import solves_with
from netgraph.core.port_forms import options_form

__all__ = ["MAX_NONE_TRIALS", "batch_dim_hint", "batch_dim_error"]

MAX_NONE_TRIALS = 5  # tries without leading Nones (each a whole inference again): a net may have thousands of inputs


def batch_dim_hint(net: Any, name: str, shape: tuple | None) -> str:
    """For graph input ``name`` of a shape whose first dim alone is unknown: the shape meant, as ``net``'s kind gives
    it; '' for another shape.

    >>> from netgraph import NetChain, LinearLayer
    >>> batch_dim_hint(NetChain([LinearLayer(2)]), "Input", (None, "n", 3))
    "a leading None, as Keras's batch dimension? shapes exclude the batch dimension: NetChain(layers, input=('n', 3))"
    """
    meant = _shape_meant(shape)
    return _hint(net, {name: meant}) if meant else ""


def batch_dim_error(net: Any, exc: ShapeError) -> ShapeError | None:
    """``exc`` with its first problem ending with a hint naming the graph inputs of ``net`` declared with a leading
    None, when the net's shapes agree without those Nones: all of them at once, else each alone (a whole inference
    each: ``MAX_NONE_TRIALS`` tries in all); None otherwise."""
    candidates = {name: t for name, t in net.declared_port_types.items()
                  if name in net.input_ports and _shape_meant(t.shape)}
    trials = [candidates] if candidates else []
    if len(candidates) > 1:
        trials += [{name: t} for name, t in list(candidates.items())[:MAX_NONE_TRIALS - 1]]
    for trial in trials:
        if _fits_without(net, trial):
            return _hinted(exc, _hint(net, {name: _shape_meant(t.shape) for name, t in trial.items()}))
    return None


def _shape_meant(shape: tuple | None) -> str:
    """The shape meant by ``shape`` written with a leading None (Keras's batch dimension), as an option's value; ''
    for another shape."""
    if not shape or len(shape) < 2 or shape[0] is not None or None in shape[1:]:
        return ""
    return repr(shape[1]) if len(shape) == 2 else repr(tuple(shape[1:]))


def _hint(net: Any, meant: dict[str, str]) -> str:
    return (f"a leading None, as Keras's batch dimension? shapes exclude the batch dimension: "
            f"{options_form(net, meant)}")


def _hinted(exc: ShapeError, hint: str) -> ShapeError | None:
    """``exc`` with its first problem ending with ``hint`` (None: never, ``exc`` has a problem)."""
    first = exc.diagnostics[0]
    return conflict_error([dataclasses.replace(first, message=f"{first.message}; {hint}", hint=hint,
                                               parts=(*(first.parts or (first.message,)), f"; {hint}")),
                           *exc.diagnostics[1:]])


def _fits_without(net: Any, declared: dict[str, Any]) -> bool:
    """Whether ``net``'s shapes agree with each of the ``declared`` inputs' leading None dropped."""
    dropped = {name: dataclasses.replace(t, shape=t.shape[1:]) for name, t in declared.items()}
    return solves_with(net, _declared={**net.declared_port_types, **dropped})
