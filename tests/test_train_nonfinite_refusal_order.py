"""The replay that names why a loss went non-finite: a layer refusing values whose draw is still finite (a negative
Normal sigma, drawn unchecked in the compiled forward) ended the search, so a later layer that went non-finite, the
loss's true cause, was not named. The refusal is named where it is the cause: it feeds the non-finite layer."""

import pytest
import torch

from netgraph import (ElementwiseLayer, LinearLayer, NetChain, NetGraph, NetMapOperator, NetPort, RandomArrayLayer,
                      SequenceLastLayer, ThreadingLayer, TrainingError, net_train, set_distribution_checks)
from netgraph.layers.distributions import NormalDistribution

N = 16


def noise() -> RandomArrayLayer:
    return RandomArrayLayer(NormalDistribution(0.0, "#s"))  # pathwise: drawn inline, unchecked


def data(bad_log_example: int | None) -> dict[str, torch.Tensor]:
    """Sigma -1 in example 5 (refused, its draws finite), x of 1 but -1 in ``bad_log_example`` (log: NaN)."""
    s, x = torch.ones(N, 3), torch.ones(N, 3)
    s[5, 0] = -1.0
    if bad_log_example is not None:
        x[bad_log_example, 1] = -1.0
    return {"s": s, "x": x, "Target": torch.zeros(N, 1)}


def trained(net: NetGraph, bad_log_example: int | None) -> TrainingError:
    with pytest.raises(TrainingError) as info:
        net_train(net, data(bad_log_example), batch_size=N, random_seed=0, progress=False)
    return info.value


@pytest.mark.parametrize("refusal_first", [True, False])
def test_a_layer_gone_non_finite_beside_a_finite_refusal_is_named(refusal_first):
    layers = {"g": noise(), "log": ElementwiseLayer("Log")}
    layers = layers if refusal_first else dict(reversed(layers.items()))
    net = NetGraph({**layers, "plus": ThreadingLayer("Plus"), "l": LinearLayer(1)},
                   [(NetPort("x"), "log"), ("g", "plus"), ("log", "plus"), ("plus", "l")], s=3, x=3)
    error = trained(net, 9)
    d = error.diagnostics[0]
    assert (d.kind, d.layer, d.port, d.example) == ("nonfinite-loss", ("log",), "Output", 9), str(error)
    assert "the first layer whose output went non-finite is layer" in str(error) and "'log'" in str(error)


def test_a_refusal_upstream_of_the_layer_gone_non_finite_is_named_first_in_data_flow():
    net = NetGraph({"g": noise(), "log": ElementwiseLayer("Log"), "l": LinearLayer(1)}, [("g", "log", "l")], s=3)
    batch = data(None)
    del batch["x"]
    with pytest.raises(TrainingError) as info:
        net_train(net, batch, batch_size=N, random_seed=0, progress=False)
    error = info.value
    d = error.diagnostics[0]
    assert (d.kind, d.layer, d.port, d.example) == ("nonfinite-loss", ("g",), "s", 5), str(error)
    assert "the first layer that refuses its values is layer" in str(error), str(error)




@pytest.mark.parametrize("checks", ["auto", True])
def test_a_draw_inside_a_map_is_named_by_the_layer_inside(checks):
    """The replay ran an operator as one layer: an unchecked pathwise draw inside a NetMapOperator was named only as
    the map's port 'Output'; it is the layer inside, with its port and the example, as with the checks on."""
    inner = NetGraph({"g": RandomArrayLayer(NormalDistribution("#m", 1.0))}, [], m=3)
    net = NetChain([NetMapOperator(inner), SequenceLastLayer(), LinearLayer(1)], input=(5, 3))
    m = torch.zeros(N, 5, 3)
    m[13, 4, 1] = float("inf")
    previous = set_distribution_checks(checks)
    try:
        with pytest.raises(TrainingError) as info:
            net_train(net, {"m": m, "Target": torch.zeros(N, 1)}, batch_size=8, random_seed=0, progress=False)
    finally:
        set_distribution_checks(previous)
    d = info.value.diagnostics[0]
    assert (d.layer, d.port, d.example) == (("1", "net", "g"), "m", 13), str(info.value)


def test_a_layer_gone_non_finite_inside_a_map_is_named_with_its_example():
    inner = NetGraph({"log": ElementwiseLayer("Log"), "l": LinearLayer(2)}, [(NetPort("x"), "log", "l")], x=3)
    net = NetChain([NetMapOperator(inner), SequenceLastLayer(), LinearLayer(1)], input=(4, 3))
    x = torch.ones(N, 4, 3)
    x[6, 2, 0] = -1.0
    with pytest.raises(TrainingError) as info:
        net_train(net, {"x": x, "Target": torch.zeros(N, 1)}, batch_size=N, random_seed=0, progress=False)
    d = info.value.diagnostics[0]
    assert (d.layer, d.port, d.example) == (("1", "net", "log"), "Output", 6), str(info.value)
    assert "layer 1 (NetMapOperator) > inner net 'net' > layer 1 'log' (ElementwiseLayer) port 'Output'" in \
        str(info.value)
