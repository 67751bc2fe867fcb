"""Surgery's arguments with one layer object per position, so that its result says which position each layer came
from. A net may hold one layer object at several positions (``l`` in ``NetChain([l, "Tanh", l, l])``): as values
they are different layers, but ``carry_multipliers`` follows layers to their new paths by object, and would take
one for another. A later position's object is replaced by an equal copy before the surgery, when there are stored
learning-rate multipliers to carry (else the arguments are returned as they are).

>>> from netgraph import LinearLayer, NetChain, net_set_learning_rate_multipliers
>>> l = LinearLayer(4)
>>> chain = net_set_learning_rate_multipliers(NetChain([l, "Tanh", l], input=3), {3: 0.1})
>>> (new,) = distinct_layers(chain)
>>> new.layers["1"] is l, new.layers["3"] is l, new.layers["3"] == l, new.learning_rate_multipliers
(True, False, True, {'3': 0.1})
"""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Mapping
from typing import Any

from netgraph.core.graph import NetGraph
from netgraph.core.layer import Layer
from netgraph.core.multiplier_rates import stored_multipliers
from netgraph.core.operator import NetOperator

__all__ = ["distinct_layers"]


def distinct_layers(*values: Any) -> tuple:
    """``values`` (nets, layers, lists or dicts of them, other values as given) with every layer object that sits at
    more than one position among them (at any depth, across all of them) copied at all positions but its first."""
    if not any(stored_multipliers(net) for net in _graphs(values)):
        return values
    seen: set[int] = set()
    return tuple(_distinct_value(value, seen) for value in values)


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


def _distinct_value(value: Any, seen: set[int]) -> Any:
    if isinstance(value, (Layer, NetGraph)):
        return _distinct(value, seen)
    if isinstance(value, list):
        return [_distinct_value(v, seen) for v in value]
    if isinstance(value, Mapping):
        return {k: _distinct_value(v, seen) for k, v in value.items()}
    return value


def _distinct(layer: Any, seen: set[int]) -> Any:
    """``layer`` with its inner layers distinct from those in ``seen`` (their ids), and itself a copy if it is seen;
    every object it holds is added to ``seen``."""
    fresh = layer
    if isinstance(layer, NetGraph):
        changes = {name: new for name, inner in layer.layers.items() if (new := _distinct(inner, seen)) is not inner}
        fresh = layer.replace_layers(changes) if changes else layer
    elif isinstance(layer, NetOperator):
        nets = {field: _distinct(getattr(layer, field), seen) for field in layer.NETS}
        changed = {field: inner for field, inner in nets.items() if inner is not getattr(layer, field)}
        fresh = dataclasses.replace(layer, **changed) if changed else layer
    if id(fresh) in seen:
        fresh = copy.copy(fresh)
    seen.add(id(fresh))
    return fresh
