"""Surgery on many layers, counted (not timed). net_drop looked for the next end to drop by scanning every edge
for every layer still to drop (k layers: k^2 scans); one pass per layer dropped now. The ends take one rebuild
together, the interior ones left another (tests/test_drop_batch.py). net_replace listed every layer name for each
item it placed."""

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


def test_rules_for_many_layers_do_not_list_every_layer_per_rule(monkeypatch):
    """net_replace by type (one item per matching layer) asked, for each item, whether it goes into an operator,
    and made a list of all the layer names each time: quadratic (8,000 layers: 0.26 s, now 0.05 s)."""
    from collections.abc import Mapping

    from netgraph import net_replace

    iterations, real = [0], NetGraph.layers

    class Counted(Mapping):
        def __init__(self, layers):
            self.layers = layers

        def __getitem__(self, name):
            return self.layers[name]

        def __len__(self):
            return len(self.layers)

        def __iter__(self):
            iterations[0] += 1
            return iter(self.layers)
    net = line()
    monkeypatch.setattr(NetGraph, "layers", property(lambda self: Counted(real.fget(self))))
    replaced = net_replace(net, {ElementwiseLayer: ElementwiseLayer("Ramp")})
    assert iterations[0] <= 10, iterations
    assert replaced.layers["l1"] == ElementwiseLayer("Ramp")
