"""An inner net (an operator's, a nested graph) with the input shapes it has where it sits declared: alone its ports
may be of unknown shape, which its operator's port types settle. ``net_extract`` hands it out so (it takes the data it
took inside); removals inside an operator judge their fits on it (a producer's shape shown, not '?').

>>> from netgraph import NetGraph, NetMapOperator, LinearLayer
>>> net = NetGraph({"map": NetMapOperator(NetGraph({"lin": LinearLayer(3)}, []))}, [], Input=(5, 4))
>>> inner_as_given(net, ("map",), "net", net.layers["map"].net).port_types["Input"]
PortType(shape=(4,), dtype='Real')
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from netgraph.core.chain import NetChain
from netgraph.core.errors import NetGraphError
from netgraph.core.graph import NetGraph
from netgraph.core.port_options import numbered
from netgraph.core.types import PortType

__all__ = ["inner_as_given", "with_declared_inputs"]


def inner_as_given(net: NetGraph, path: tuple, field: str, inner: NetGraph) -> NetGraph:
    """``inner`` (the operator at ``path``'s inner net ``field``) with the input shapes the operator gives it
    declared, where they say more than it infers alone."""
    return with_declared_inputs(inner, lambda: net.layer_at(path).inner_nets(net.ir.node(path).types)[field].port_types)


def with_declared_inputs(inner: NetGraph, types: Callable[[], Mapping[str, PortType]]) -> NetGraph:
    """``inner`` with the input shapes ``types()`` gives its ports (their types in the net it came from) declared,
    where they say more than it infers alone (a nested decoder's ``Input``): it takes the data it took there;
    ``inner`` itself when they say no more, or cannot be read or declared."""
    try:
        given = types()
    except (NetGraphError, KeyError):
        return inner
    own = inner.port_types
    shapes: dict[str, Any] = {p: given[p].shape for p in inner.input_ports
                              if p in given and given[p].shape != own[p].shape}
    if not shapes:
        return inner
    shapes = {**inner.port_shape_options(), **shapes}
    try:
        if isinstance(inner, NetChain):
            new = NetChain(list(inner.layers.values()) if numbered(inner) else dict(inner.layers), **shapes)
        else:
            new = NetGraph(dict(inner.layers), inner.explicit_edges(), **shapes)
    except NetGraphError:
        return inner
    rules = inner.learning_rate_multipliers
    return new.with_learning_rate_multipliers(tuple(rules.items())) if rules else new
