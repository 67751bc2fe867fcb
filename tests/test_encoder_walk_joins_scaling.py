"""The encoder walk over stacked joins, counted (not timed): a join of a value with itself, Catenate(x, x), sent on a
step per way in, so each level doubled the steps below it (twelve levels took 3.3 s). Each value is now walked on
once, with the places of every way in united."""

from __future__ import annotations

import pytest

from netgraph import CatenateLayer, EmbeddingLayer, NetGraph, NetPort, Restricted
from netgraph.core.ir import GraphIR


def _stacked_joins(levels: int) -> NetGraph:
    layers = {f"c{i}": CatenateLayer() for i in range(levels)}
    edges = [(NetPort("R"), NetPort("c0", "Input1")), (NetPort("R"), NetPort("c0", "Input2"))]
    for i in range(1, levels):
        edges += [(f"c{i - 1}", NetPort(f"c{i}", "Input1")), (f"c{i - 1}", NetPort(f"c{i}", "Input2"))]
    return NetGraph({**layers, "emb": EmbeddingLayer(2)}, [*edges, (f"c{levels - 1}", "emb")],
                    R=Restricted("Integer", (0, 4), shape=(1,)))


def _walked_values(monkeypatch, levels: int) -> int:
    """How many values the walks over the net built with ``levels`` joins went on from (consumers looked up)."""
    calls = []
    consumers = GraphIR.consumers
    monkeypatch.setattr(GraphIR, "consumers", lambda ir, value: calls.append(value) or consumers(ir, value))
    net = _stacked_joins(levels)
    assert net.layer_at("emb").n == 5  # the range reaches the embedding through every join
    monkeypatch.setattr(GraphIR, "consumers", consumers)
    return len(calls)


@pytest.mark.parametrize("levels", [6, 12])
def test_the_walk_over_stacked_joins_grows_linearly(monkeypatch, levels):
    twice = _walked_values(monkeypatch, 2 * levels)
    once = _walked_values(monkeypatch, levels)
    assert twice <= 2 * once + 8, (once, twice)
