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

from netgraph.core.errors import NetGraphError
from netgraph.core.graph import NetGraph
from netgraph.core.inner_declared import redeclared
from netgraph.core.ports import declared_where_needed
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
    wanted = {p: given[p] for p in inner.input_ports
              if p in given and given[p].shape is not None and given[p] != own[p]}
    if not wanted:
        return inner
    options = inner.port_shape_options()
    try:  # as an edited net declares: a shape alone, its dtype and range too where the net infers others
        new = declared_where_needed(lambda types: redeclared(inner, {**options, **types}), wanted)
    except NetGraphError:
        return inner
    rules = inner.learning_rate_multipliers
    return new.with_learning_rate_multipliers(tuple(rules.items())) if rules else new
