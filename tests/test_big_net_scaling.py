"""Big nets with many problems: the work of explaining them grows linearly with the net (counted, not timed)."""

from __future__ import annotations

import pytest

from netgraph import LinearLayer, NetGraph, ShapeError
from netgraph.core.inference_problem import Problem


def conflicting_pairs(n: int) -> NetGraph:
    """``n`` edges, each joining a LinearLayer(input=2)'s output (3) to one taking 5: ``n`` shape conflicts."""
    layers = {**{f"a{i}": LinearLayer(3, input=2) for i in range(n)}, **{f"b{i}": LinearLayer(3, input=5)
                                                                          for i in range(n)}}
    return NetGraph(layers, [(f"a{i}", f"b{i}") for i in range(n)])


def test_explaining_many_shape_conflicts_reads_the_edges_a_few_times(monkeypatch):
    """Each conflict's joining edge was found by building the whole net's adjacency again: 5,000 conflicts took
    minutes."""
    reads, real = [0], Problem.each_equality

    def counted(self):
        reads[0] += 1
        return real(self)
    monkeypatch.setattr(Problem, "each_equality", counted)
    n = 60
    with pytest.raises(ShapeError) as info:
        conflicting_pairs(n)
    assert len(info.value.diagnostics) == n
    assert [d.edge for d in info.value.diagnostics] == list(range(n))  # each names its own edge, as before
    assert reads[0] <= 3

