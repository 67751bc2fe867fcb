"""The net_layers limit: a net holding nets used many times over is refused by its layer count, counted without
walking the nets it holds (30 levels of ``c = NetChain([c, c])``: 2**30 layers, whose inference would never end)."""

import time

import pytest

from netgraph import LinearLayer, NetChain, NetGraph, NetNestOperator, WiringError, limits


def doubled(levels: int) -> NetChain:
    """A chain using the one below it twice, ``levels`` deep: 2**levels LinearLayers, each net made once."""
    net = NetChain([LinearLayer(2, input=2)])
    for _ in range(levels):
        net = NetChain([net, net])
    return net


def test_a_net_of_shared_nets_past_the_limit_is_refused_at_once_naming_its_count():
    with limits(net_layers=2**30):  # fully typed: each level is inferred on its own, without walking the nets in it
        net = doubled(30)
    assert net._layer_count == 2**30
    start = time.process_time()
    with pytest.raises(WiringError) as caught:
        NetChain([net], input=2)
    assert time.process_time() - start < 1
    d = caught.value.diagnostics[0]
    assert (d.kind, d.expected, d.found) == ("limit", 10**6, 2**30)
    assert "holds 1,073,741,824 layers" in str(caught.value) and "net_layers limit (1,000,000" in str(caught.value)


@pytest.mark.timeout(10)
def test_inferring_a_net_of_shared_untyped_nets_stops_at_the_limit():
    net = NetChain([LinearLayer(2)])  # a type flows into every level: each is inferred flattened
    with limits(net_layers=1000), pytest.raises(WiringError) as caught:
        for _ in range(30):
            net = NetChain([net, net])
    assert (caught.value.diagnostics[0].found, net._layer_count) == (1024, 512)
    assert NetGraph({"a": net, "b": net}, [("a", "b")], Input=2)._layer_count == 1024


def test_layers_are_counted_with_their_nesting():
    inner = NetChain([LinearLayer(3), "Tanh"])
    net = NetGraph({"a": inner, "b": NetChain([inner, LinearLayer(2)]), "c": "Ramp"}, [("a", "b", "c")], Input=4)
    assert (inner._layer_count, net._layer_count) == (2, 6)
    with limits(net_layers=5), pytest.raises(WiringError, match="holds 6 layers"):
        NetGraph({"a": inner, "b": NetChain([inner, LinearLayer(2)]), "c": "Ramp"}, [("a", "b", "c")], Input=4)


@pytest.mark.timeout(10)
def test_the_nets_an_operator_holds_count_toward_the_limit():
    """An operator counted as one layer: 10 levels of two NetNestOperators over the net below made 5,118 submodules
    under net_layers=100, and 30 levels never finished compiling."""
    net = NetChain([LinearLayer(2, input=2)])
    with limits(net_layers=100), pytest.raises(WiringError) as caught:
        for _ in range(10):
            net = NetChain([NetNestOperator(net, 1), NetNestOperator(net, 1)])
    assert caught.value.diagnostics[0].found > 100 and net._layer_count <= 100
    assert NetNestOperator(net, 1)._layer_count == 1 + net._layer_count
