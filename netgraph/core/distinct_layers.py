"""Surgery on arguments with one layer object per position, so that its result says which position each layer came
from. A net may hold one layer object at several positions (``l`` in ``NetChain([l, "Tanh", l, l])``): as values
they are different layers, but ``carry_multipliers`` follows layers to their new paths by object, and would take
one for another. ``positions_kept`` runs a surgery function on its arguments with a later position's object
replaced by an equal copy (``distinct_layers``; only when there are stored learning-rate multipliers to carry), and
puts the caller's objects back in its result (``restored``), so a surgery still keeps the layer objects it keeps.

>>> from netgraph import LinearLayer, NetChain, net_set_learning_rate_multipliers
>>> l = LinearLayer(4)
>>> chain = net_set_learning_rate_multipliers(NetChain([l, "Tanh", l], input=3), {3: 0.1})
>>> (new,), originals = distinct_layers(chain)
>>> new.layers["1"] is l, new.layers["3"] is l, new.layers["3"] == l, new.learning_rate_multipliers
(True, False, True, {'3': 0.1})
>>> restored(new, originals) is chain
True
"""

from __future__ import annotations

import copy
import dataclasses
import functools
import inspect
from collections.abc import Callable, Mapping
from typing import Any

from netgraph.core.graph import NetGraph
from netgraph.core.layer import Layer
from netgraph.core.multiplier_rates import stored_multipliers
from netgraph.core.operator import NetOperator

__all__ = ["distinct_layers", "positions_kept", "restored"]


def positions_kept(*names: str) -> Callable:
    """Decorator: the surgery function runs on its arguments ``names`` (nets, layers, lists or dicts of them) as
    ``distinct_layers`` gives them, and its result holds the caller's objects where it holds the copies."""
    def decorate(function: Callable) -> Callable:
        signature = inspect.signature(function)

        @functools.wraps(function)
        def run(*args: Any, **kwargs: Any) -> Any:
            try:
                bound = signature.bind(*args, **kwargs)
            except TypeError:
                return function(*args, **kwargs)  # Python's own error for the call
            given = [name for name in names if name in bound.arguments]
            values, originals = distinct_layers(*(bound.arguments[name] for name in given))
            if not originals:
                return function(*args, **kwargs)
            bound.arguments.update(zip(given, values))
            return restored(function(*bound.args, **bound.kwargs), originals)
        return run
    return decorate


def distinct_layers(*values: Any) -> tuple[tuple, dict[int, tuple]]:
    """``values`` (nets, layers, lists, tuples or dicts of them, other values as given) with every layer object that
    sits at more than one position among them (at any depth, across all of them) copied at all positions but its
    first, and ``{id(new object): (new object, the caller's)}`` for every object made (none: no stored rules)."""
    if not any(stored_multipliers(net) for net in _graphs(values)):
        return values, {}
    seen: set[int] = set()
    originals: dict[int, tuple] = {}
    return tuple(_distinct_value(value, seen, originals) for value in values), originals


def restored(value: Any, originals: dict[int, tuple]) -> Any:
    """``value`` (a surgery's result) holding the caller's object wherever it holds one ``distinct_layers`` made
    (a graph around such a place is rebuilt with ``replace_layers``, keeping its rules)."""
    if id(value) in originals:
        return originals[id(value)][1]
    if isinstance(value, NetGraph):
        changes = {name: new for name, inner in value.layers.items()
                   if (new := restored(inner, originals)) is not inner}
        return value.replace_layers(changes) if changes else value
    if isinstance(value, NetOperator):
        nets = {field: restored(getattr(value, field), originals) for field in value.NETS}
        changed = {field: inner for field, inner in nets.items() if inner is not getattr(value, field)}
        return dataclasses.replace(value, **changed) if changed else value
    return value


def _graphs(values: Any) -> list[NetGraph]:
    """The graphs among ``values`` (as ``distinct_layers`` takes them), for the check that any stores rules."""
    out = []
    for value in values:
        if isinstance(value, NetGraph):
            out.append(value)
        elif isinstance(value, (list, tuple)):
            out += _graphs(value)
        elif isinstance(value, Mapping):
            out += _graphs(list(value.values()))
    return out


def _distinct_value(value: Any, seen: set[int], originals: dict[int, tuple]) -> Any:
    if isinstance(value, (Layer, NetGraph)):
        return _distinct(value, seen, originals)
    if isinstance(value, (list, tuple)):
        return type(value)(_distinct_value(v, seen, originals) for v in value)
    if isinstance(value, Mapping):
        return {k: _distinct_value(v, seen, originals) for k, v in value.items()}
    return value


def _distinct(layer: Any, seen: set[int], originals: dict[int, tuple]) -> Any:
    """``layer`` with its inner layers distinct from those in ``seen`` (their ids), and itself a copy if it is seen;
    every object it holds is added to ``seen``, every object made to ``originals``."""
    fresh = layer
    if isinstance(layer, NetGraph):
        changes = {name: new for name, inner in layer.layers.items()
                   if (new := _distinct(inner, seen, originals)) is not inner}
        fresh = layer.replace_layers(changes) if changes else layer
    elif isinstance(layer, NetOperator):
        nets = {field: _distinct(getattr(layer, field), seen, originals) for field in layer.NETS}
        changed = {field: inner for field, inner in nets.items() if inner is not getattr(layer, field)}
        fresh = dataclasses.replace(layer, **changed) if changed else layer
    if id(fresh) in seen:
        fresh = copy.copy(fresh)
    seen.add(id(fresh))
    if fresh is not layer:
        originals[id(fresh)] = (fresh, layer)
    return fresh
