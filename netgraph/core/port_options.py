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
from netgraph.core.port_forms import option_form

__all__ = ["numbered", "option_form", "with_port_options"]


def numbered(chain: NetGraph) -> bool:
    """Whether the layers are named by their positions ("1", "2", ...), as a list builds them."""
    return numbered_names(chain.layers)


def with_port_options(net: NetGraph, declared: dict[str, Any]) -> NetGraph:
    """``net`` with the graph port options ``declared`` in place of its own."""
    if isinstance(net, NetChain):
        return carry_multipliers([net], NetChain(list(net.layers.values()) if numbered(net) else dict(net.layers),
                                                 **declared))
    return carry_multipliers([net], NetGraph(dict(net.layers), net.explicit_edges(), **declared))
