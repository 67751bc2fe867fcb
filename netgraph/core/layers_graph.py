"""``information("LayersGraph")``: a networkx DiGraph whose nodes are layer paths, found by their joined names too.

networkx is imported only when that property is read (an optional, slow import).
"""

from __future__ import annotations

import functools
from typing import Any

from netgraph.core.by_path import ByPath
from netgraph.core.naming_scope import quoted

__all__ = ["layers_graph"]


@functools.cache
def _graph_class() -> type:
    """A DiGraph of leaf layers by path, ``("enc", "l1")``; ``"enc/l1"`` (the node names before) finds a node too
    (``in``, ``graph.nodes[...]``, ``graph[...]``, ``successors``)."""
    import networkx as nx  # optional networkx: its 0.4 s import slowed every start-up

    return type("LayersGraph", (nx.DiGraph,), {"node_dict_factory": ByPath, "adjlist_outer_dict_factory": ByPath,
                                                "__doc__": _graph_class.__doc__, "__module__": __name__})


def __getattr__(name: str) -> Any:
    """The class by its name, as pickle finds a class (made on first use, as networkx is imported then)."""
    if name == "LayersGraph":
        return _graph_class()
    raise AttributeError(f"module {__name__!r} has no attribute {quoted(name)}")


def layers_graph(net: Any) -> Any:
    """Leaf layers by path (``("enc", "lin")``, found by ``"enc/lin"`` too) with an edge from each producer to
    each consumer."""
    g = _graph_class()()
    for node in net.ir.nodes:
        g.add_node(node.path, layer=node.layer)
        g.add_edges_from((v.node, node.path) for v in node.inputs.values() if v.node is not None)
    return g
