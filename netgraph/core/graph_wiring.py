"""A NetGraph's wiring: what ``normalize`` makes of its edges, made as ``chain_wiring`` makes a chain's when the edges
are one chain through every layer in the order given (``NetGraph(named, [tuple(named)])``, how a long chain is
written as a graph): one pass over the layers, with no dict of the layers' feeds and ports to thread them.

>>> from netgraph import LinearLayer
>>> from netgraph.core.layer_table import named_layers
>>> names, table = named_layers({"a": LinearLayer(3), "b": "Tanh", "c": LinearLayer(2)})
>>> edge = graph_wiring(names, table, [("a", "b", "c")]).edges[1]
>>> edge.text, edge.index, edge.hop, edge.link
('a -> b -> c', 0, 1, 'b -> c')
"""

from __future__ import annotations

import operator
from collections.abc import Sequence
from typing import Any

from netgraph.core.chain_wiring import chain_wiring
from netgraph.core.layer import Layer
from netgraph.core.wiring import Wiring, format_endpoint, normalize

__all__ = ["graph_wiring", "whole_chain"]


def graph_wiring(names: list[str], layers: dict[str, Layer], edges: Any) -> Wiring:
    """``normalize(names, layers, edges, copy=False)``: the Wiring holds ``layers`` (named_layers' own table)."""
    refs = whole_chain(names, edges)
    wiring = None if refs is None else chain_wiring(names, layers, refs, (0, _chain_text(refs)))
    return normalize(names, layers, edges, copy=False) if wiring is None else wiring


def whole_chain(names: list[str], edges: Any) -> Sequence[int | str] | None:
    """The chain of ``edges`` when they are one edge written as a chain of three or more layers, every layer once in
    the order given, by name (``[("a", "b", "c")]``) or by number (``[(1, 2, 3)]``); None otherwise.

    >>> whole_chain(["a", "b", "c"], [("a", "b", "c")]), whole_chain(["1", "2", "3"], [[1, 2, 3]])
    (('a', 'b', 'c'), [1, 2, 3])
    >>> whole_chain(["a", "b", "c"], [("a", "c", "b")]), whole_chain(["a", "b"], [("a", "b")])
    (None, None)
    """
    if not isinstance(edges, (list, tuple)) or len(edges) != 1 or len(names) < 3:
        return None
    item = edges[0]
    if type(item) not in (tuple, list) or len(item) != len(names):
        return None
    if all(map(operator.is_, item, names)) or set(map(type, item)) == {str} and list(item) == names:
        return item  # (C loops: no Python step a layer)
    if set(map(type, item)) == {int} and list(item) == list(range(1, len(names) + 1)):
        return item
    return None


def _chain_text(refs: Sequence[int | str]) -> str:
    """The chain's text, as ``normalize`` writes it (``format_endpoint`` of each ref), joined in C where each ref is a
    number or an identifier (written as it is)."""
    if type(refs[0]) is int:
        return " -> ".join(map(str, refs))
    if all(map(str.isidentifier, refs)):
        return " -> ".join(refs)
    return " -> ".join(map(format_endpoint, refs))
