"""Whether a port's size is a guess: known only after inference's defaults (a LinearLayer's Input guessed from its
weights), told apart from a size the net gives by solving the net again, watching the port before the defaults."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import torch

from netgraph.core.conflicts import Conflict
from netgraph.core.errors import NetGraphError
from netgraph.core.inference import solve
from netgraph.core.inference_defaults import held_stand_ins
from netgraph.core.types import UNKNOWN

__all__ = ["sized_by_guess"]


def sized_by_guess(net: Any, at: tuple, arrays: Mapping[str, tuple]) -> bool:
    """Whether a port of the layer at ``at`` in ``net`` is sized only by a guess (unknown before the defaults) of
    the size the layer guesses holding ``arrays`` (stand-ins of these shapes, by array name): a refused shared value
    sizing its own user."""
    layer, types = net.layer_at(at), net.layer_types(at)
    held = held_stand_ins(layer, {name: torch.zeros(()).expand(shape) for name, shape in arrays.items()})
    guess = getattr(held, "default_types", None) if held is not layer else None
    try:
        guesses = guess(dict.fromkeys(types, UNKNOWN)) if guess is not None else {}
    except (NetGraphError, Conflict):
        return False
    if not (ports := [p for p, t in guesses.items() if t.shape is not None and t.shape == types[p].shape]):
        return False
    problem = net._problem()
    problem.watch = tuple((at, port) for port in ports)
    solve(problem)  # solved once already: it raises nothing
    return any(problem.before_defaults.get((at, port), types[port]).shape is None for port in ports)
