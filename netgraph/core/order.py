"""The order layers run in: a topological sort of a graph's layers, or the cycle that prevents one.

>>> from netgraph.core.ports import Edge, PortRef
>>> order(["a", "b"], {}, [Edge(PortRef("b", "Output"), PortRef("a", "Input"), "b -> a", index=0)])
('b', 'a')
"""

from __future__ import annotations

import heapq
import operator
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from netgraph.core.errors import MAX_LISTED, CycleError, Diagnostic, EdgeRef
from netgraph.core.ports import Edge
from netgraph.core.wiring import describe_layer

__all__ = ["order", "closing_cycle", "in_order"]


def order(names: Sequence[str], layers: Mapping[str, Any], edges: Sequence[Edge]) -> tuple[str, ...]:
    """The layer names in an order that runs each after its producers (ties: the order given);
    CycleError at the edge that closes the first cycle."""
    position = {name: i for i, name in enumerate(names)}
    if _forward(position, edges):
        return tuple(names)  # what the sort below gives then, without its lists, counts and heap
    after: list[list[int]] = [[] for _ in names]  # the layers each one feeds, by position (once per edge)
    for e in edges:
        if e.src.layer and e.dst.layer:
            after[position[e.src.layer]].append(position[e.dst.layer])
    waiting = [0] * len(names)  # how many edges from producers each still waits for
    for targets in after:
        for j in targets:
            waiting[j] += 1
    ready = [i for i, w in enumerate(waiting) if not w]  # ascending: already a heap
    result = []
    while ready:  # Kahn's algorithm, taking the earliest given layer among the ready ones
        i = heapq.heappop(ready)
        result.append(names[i])
        for j in after[i]:
            waiting[j] -= 1
            if not waiting[j]:
                heapq.heappush(ready, j)
    if len(result) < len(names):
        problem = closing_cycle(names, layers, edges)
        raise CycleError(problem.message, [problem])
    return tuple(result)


def _forward(position: Mapping[str, int], edges: Sequence[Edge]) -> bool:
    """Whether every edge between layers feeds a later one than it leaves (as most nets are written)."""
    for e in edges:
        src, dst = e.src.layer, e.dst.layer
        if src and dst and position[src] >= position[dst]:
            return False
    return True


def in_order(layers: Mapping[str, Any], names: Sequence[str]) -> Iterable[tuple[str, Any]]:
    """(name, layer) for the ``names`` (the order layers run in), read along ``layers`` when it holds them in that
    order (as given, producers first: looking each name up in a table of 100,000 read its entries in no order)."""
    if len(layers) == len(names) and all(map(operator.is_, layers, names)):
        return layers.items()
    return ((name, layers[name]) for name in names)


def closing_cycle(names: Sequence[str], layers: Mapping[str, Any], edges: Sequence[Edge]) -> Diagnostic:
    """The first cycle the user's edges close, reported at the edge (index) that closes it."""
    import networkx as nx  # optional: only this error path needs it; its 0.4 s import slowed every start-up

    inner = [e for e in edges if e.src.layer and e.dst.layer]
    indices = sorted({e.index for e in inner})

    def cyclic(upto: int) -> bool:
        return not nx.is_directed_acyclic_graph(nx.DiGraph(
            [(e.src.layer, e.dst.layer) for e in inner if e.index <= upto]))
    lo, hi = 0, len(indices) - 1
    while lo < hi:  # the smallest prefix of the edge list that has a cycle
        mid = (lo + hi) // 2
        lo, hi = (lo, mid) if cyclic(indices[mid]) else (mid + 1, hi)
    last = [e for e in inner if e.index <= indices[lo]]
    cycle = list(nx.find_cycle(nx.DiGraph([(e.src.layer, e.dst.layer) for e in last])))
    links: dict[tuple, Edge] = {}  # the closing user's edge's links, by the layers they join
    for e in last:
        if e.index == indices[lo]:
            links.setdefault((e.src.layer, e.dst.layer), e)
    at = max((i for i, (u, v) in enumerate(cycle) if (u, v) in links), key=lambda i: links[cycle[i][:2]].hop or 0)
    cycle = cycle[at + 1:] + cycle[:at + 1]  # the closing edge (a chain's last link in the cycle) last
    closing = links[cycle[-1][:2]]
    shown = _path_text([cycle[0][0], *(v for _, v in cycle)], lambda n: describe_layer(names, layers, n))
    ref = EdgeRef((), closing.index, closing.text, closing.hop, closing.link)
    return Diagnostic.of("cycle", f"the connectivity of layers within a NetGraph must be acyclic; found the cycle "
                         f"{shown}, closed by edge ", ref,
                         layer=(closing.dst.layer,), port=closing.dst.port, edge=closing.index, hop=closing.hop)


def _path_text(path: list[str], describe: Callable[[str], str]) -> str:
    """``path`` (a cycle: its first layer last again) as 'a -> b -> ...', its ends alone when it is long (a cycle
    through thousands of layers), saying how many layers it has.

    >>> _path_text(list("abcdefghijklmnopqrstuvw") + ["a"], str).split(" ... ")[1:]
    ['(23 layers)', '-> o -> p -> q -> r -> s -> t -> u -> v -> w -> a']
    """
    half = MAX_LISTED // 2
    if len(path) <= MAX_LISTED + 1:
        return " -> ".join(map(describe, path))
    return (" -> ".join(map(describe, path[:half])) + f" -> ... ({len(path) - 1} layers) ... -> "
            + " -> ".join(map(describe, path[-half:])))
