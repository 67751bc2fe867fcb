"""``information("LayersGraph")``'s networkx DiGraph: nodes are layer paths, and the joined names find them.

Imported only when that property is read (networkx is an optional, slow import).
"""

from __future__ import annotations

import networkx as nx

from netgraph.core.information import ByPath

__all__ = ["LayersGraph"]


class LayersGraph(nx.DiGraph):
    """A DiGraph of leaf layers by path, ``("enc", "l1")``; ``"enc/l1"`` (the node names before) finds a node too
    (``in``, ``graph.nodes[...]``, ``graph[...]``, ``successors``)."""

    node_dict_factory = ByPath
    adjlist_outer_dict_factory = ByPath
