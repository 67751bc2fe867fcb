"""net_drop of many layers: the loop that drops them one by one looked for the next end by scanning every edge for
every layer still to drop (k layers: k^2 scans of the edges); it finds them in one pass per layer dropped now
(counted, not timed). Each drop still rebuilds the net once, so k drops from n layers cost k rebuilds."""

from __future__ import annotations

import pytest

from netgraph import ElementwiseLayer, LinearLayer, NetGraph, TotalLayer, net_drop

K = 80  # layers dropped


def wide() -> NetGraph:
    named = {f"b{i}": ElementwiseLayer("Tanh") for i in range(2 * K)}
    return NetGraph({**named, "m": TotalLayer()}, [(list(named), "m")], Input=4)


def line() -> NetGraph:
    named = {f"l{i}": LinearLayer(4) if i % 2 == 0 else ElementwiseLayer("Tanh") for i in range(2 * K + 1)}
    return NetGraph(named, [tuple(named)], Input=4)


@pytest.mark.parametrize("make, prefix, first", [(wide, "b", 0), (line, "l", 1)])
def test_dropping_many_layers_reads_the_edges_a_few_times_per_layer(monkeypatch, make, prefix, first):
    net, reads, real = make(), [0], NetGraph.edges

    def counted(self):
        reads[0] += 1
        return real.fget(self)
    monkeypatch.setattr(NetGraph, "edges", property(counted))
    dropped = net_drop(net, [f"{prefix}{i}" for i in range(first, 2 * K, 2)])
    assert reads[0] <= 8 * K
    assert len(dropped.layers) == len(net.layers) - K
    assert all(int(name[1:]) % 2 != first for name in dropped.layers if name.startswith(prefix))
