"""Pickling nets nested hundreds of levels deep without deep recursion.

Python's pickler recurses into an object's state after its ``__reduce_ex__`` returns, several C and
Python frames per nesting level, so ``pickle.dumps`` of a net nested past ~100 levels raised
RecursionError, and no ``recursion_room`` can wrap that recursion from inside the net. A net nested
deeper than ``PLAIN_DEPTH`` levels therefore pickles in a flat form: every graph nested in it (through
graph layers), innermost first, each as its class and ``__getstate__`` state with its nested graphs
replaced by their index in that list. Each entry's state holds no nested graph, so the pickler's
recursion stays shallow, and loading rebuilds the graphs in list order. Nets up to ``PLAIN_DEPTH``
levels pickle as before (the plain form). Nested graphs keep their sharing within the net; a deep
net's nested graph pickled in the same stream outside the net loads as a separate, equal graph.

>>> import pickle
>>> from netgraph import NetChain, LinearLayer
>>> net = LinearLayer(3)
>>> for _ in range(300):
...     net = NetChain([net])
>>> pickle.loads(pickle.dumps(net)) == net
True
"""

from __future__ import annotations

from typing import Any

from netgraph.core.shared import keeps_own

__all__ = ["PLAIN_DEPTH", "flat_form", "from_levels"]

PLAIN_DEPTH = 50  # nets nested at most this deep pickle in the plain form (well within Python's default limit)


def _nested(net: Any) -> list[Any]:
    """The graphs among ``net``'s layers, in layer order."""
    return [layer for layer in net._layers.values() if keeps_own(layer, "_inference")]


def flat_form(net: Any) -> tuple[Any, tuple[list[tuple[type, dict[str, Any]]]]]:
    """``__reduce_ex__``'s value for a deep net: ``from_levels`` and the nested graphs, innermost first."""
    index: dict[int, int] = {}
    levels: list[tuple[type, dict[str, Any]]] = []
    stack = [(net, iter(_nested(net)))]
    while stack:  # depth first, each graph listed after every graph it holds: a loop, not recursion
        graph, inner = stack[-1]
        child = next(inner, None)
        if child is not None:
            if id(child) not in index:
                stack.append((child, iter(_nested(child))))
            continue
        stack.pop()
        state = {k: v for k, v in graph.__getstate__().items() if k != "_specialised"}  # a cache of whole graphs
        state["_layers"] = {name: index[id(layer)] if id(layer) in index else layer
                            for name, layer in graph._layers.items()}
        index[id(graph)] = len(levels)
        levels.append((type(graph), state))
    return from_levels, (levels,)


def from_levels(levels: list[tuple[type, dict[str, Any]]]) -> Any:
    """The net ``flat_form`` listed (the last graph), each nested graph rebuilt before the graphs holding it."""
    built: list[Any] = []
    for cls, state in levels:
        graph = object.__new__(cls)
        layers = {name: built[layer] if type(layer) is int else layer for name, layer in state["_layers"].items()}
        graph.__dict__.update({**state, "_layers": layers})
        built.append(graph)
    return built[-1]
