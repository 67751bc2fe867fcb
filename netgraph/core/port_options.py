"""A net with other graph port options (types, encoders, decoders), the rest as it was: a chain stays a chain, a
numbered one numbered, stored learning-rate rules kept. Needs no networkx (``netgraph train`` reaches it).

>>> from netgraph import NetChain, LinearLayer
>>> with_port_options(NetChain([LinearLayer(2)]), {"Input": 3}).input_shapes
{'Input': (3,)}
"""

from __future__ import annotations

from typing import Any

from netgraph.core.chain import NetChain
from netgraph.core.graph import NetGraph
from netgraph.core.multipliers import carry_multipliers
from netgraph.core.names import numbered as numbered_names

__all__ = ["numbered", "option_form", "with_port_options"]


def numbered(chain: NetGraph) -> bool:
    """Whether the layers are named by their positions ("1", "2", ...), as a list builds them."""
    return numbered_names(chain.layers)


def option_form(net: NetGraph, port: str, value: str) -> str:
    """How ``net``'s kind gives graph port ``port`` an option (a shape, a coder), for messages.

    >>> from netgraph import LinearLayer
    >>> c = NetChain([LinearLayer(2)])
    >>> option_form(c, "Input", "3"), option_form(c, "Output", "3"), option_form(NetGraph(c.layers, []), "Input", "3")
    ('NetChain(layers, input=3)', 'NetChain(layers, output=3)', 'NetGraph(layers, edges, Input=3)')
    """
    if isinstance(net, NetChain):
        alias = "input" if net.input_ports[:1] == (port,) else "output" if net.output_ports[:1] == (port,) else port
        return f"NetChain(layers, {alias}={value})"
    return f"NetGraph(layers, edges, {port}={value})"


def with_port_options(net: NetGraph, declared: dict[str, Any]) -> NetGraph:
    """``net`` with the graph port options ``declared`` in place of its own."""
    if isinstance(net, NetChain):
        return carry_multipliers([net], NetChain(list(net.layers.values()) if numbered(net) else dict(net.layers),
                                                 **declared))
    return carry_multipliers([net], NetGraph(dict(net.layers), net.explicit_edges(), **declared))
