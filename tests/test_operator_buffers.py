"""Running statistics inside operators. An operator's arrays are its inner layers', named ``net.bn.MovingMean``, but
its ``BUFFERS`` was empty: net_initialize filled a batch norm's moving variance inside a NetMapOperator by the method
(-1 from ``method=-1.0``, NaN outputs), took a rule naming it, and the summary counted the statistics as parameters.
An operator's ``BUFFERS`` now names its inner layers' buffers (an inner operator's too), at any depth."""

from __future__ import annotations

import pytest
import torch

from netgraph import (BatchNormalizationLayer, CatenateLayer, LinearLayer, NetBidirectionalOperator, NetChain,
                      NetFoldOperator, NetGraph, NetMapOperator, NetNestOperator, NetPort, OptionError,
                      net_initialize)
from netgraph.core.summary import buffer_count, parameter_count, summary_table


def _cell():
    """A fold's inner net holding a batch norm: Input and State (3 each) -> the next state (3)."""
    return NetGraph({"cat": CatenateLayer(), "lin": LinearLayer(3), "bn": BatchNormalizationLayer()},
                    [([NetPort("Input"), NetPort("State")], "cat"), ("cat", "lin", "bn")])


NETS = {  # name -> (net, the path of one running statistic in it)
    "map of a layer": (NetChain({"m": NetMapOperator(BatchNormalizationLayer())}, input=("n", 3)),
                       ("m", "net", "layer", "MovingVariance")),
    "map of a chain": (NetChain({"m": NetMapOperator(NetChain({"lin": LinearLayer(3),
                                                               "bn": BatchNormalizationLayer()}))}, input=("n", 3)),
                       ("m", "net", "bn", "MovingVariance")),
    "nest of a graph in a chain": (
        NetChain({"nest": NetNestOperator(NetChain({"g": NetGraph({"bn": BatchNormalizationLayer()}, [])}), 2)},
                 input=3), ("nest", "net", "g", "bn", "MovingMean")),
    "map of a fold of a graph": (NetChain({"m": NetMapOperator(NetChain({"f": NetFoldOperator(_cell())}))},
                                          input=("k", "n", 3)), ("m", "net", "f", "net", "bn", "MovingVariance")),
    "bidirectional map": (NetChain({"bi": NetBidirectionalOperator(NetMapOperator(BatchNormalizationLayer()))},
                                   input=("n", 3)), ("bi", "backward_net", "layer", "net", "layer", "MovingMean")),
}


@pytest.mark.parametrize("name", NETS)
@pytest.mark.parametrize("method", [-1.0, {"All": -1.0}, ("Constant", {"value": 0.0})])
def test_running_statistics_inside_operators_keep_their_defaults_whatever_the_method(name, method):
    net, _ = NETS[name]
    module = net_initialize(net, seed=0, method=method).compile()
    statistics = dict(module.named_buffers())
    assert statistics, "each net holds a batch norm"
    value = float(method[1]["value"] if isinstance(method, tuple) else -1.0)
    for key, tensor in statistics.items():
        assert torch.equal(tensor, torch.full_like(tensor, 1.0 if key.endswith("MovingVariance") else 0.0)), key
    for key, tensor in module.named_parameters():  # the learned arrays do follow the constant
        assert torch.equal(tensor, torch.full_like(tensor, value)), key


def test_a_map_of_a_batch_norm_under_a_constant_method_computes_its_scaling_and_biases():
    """(1 - 0) / sqrt(1 + eps) * -1 + -1: the moving variance at -1 made it NaN."""
    net, _ = NETS["map of a layer"]
    out = net_initialize(net, seed=0, method=-1.0)(torch.ones(1, 2, 3))
    torch.testing.assert_close(out, torch.full((1, 2, 3), -1 / (1 + 1e-3) ** 0.5 - 1))


@pytest.mark.parametrize("name", NETS)
def test_a_rule_naming_a_running_statistic_inside_an_operator_is_refused(name):
    net, path = NETS[name]
    with pytest.raises(OptionError, match=rf"names {path[-1]!r} of layer {'/'.join(path[:-1])!r}, a running "
                                          r"statistic, which no method fills") as info:
        net_initialize(net, seed=0, method={path: 0.5})
    assert info.value.kind == "option-value" and info.value.found == path and info.value.option == "method"


@pytest.mark.parametrize("name", NETS)
def test_the_summary_counts_parameters_and_buffers_inside_operators_as_torch_does(name):
    net = net_initialize(NETS[name][0], seed=0)
    module = net.compile()
    torch_counts = (sum(p.numel() for p in module.parameters()), sum(b.numel() for b in module.buffers()))
    assert (parameter_count(net), buffer_count(net)) == torch_counts
    assert summary_table(net).splitlines()[-1].split()[-2:] == [str(n) for n in torch_counts]
    assert str(net.information()).splitlines()[0].endswith(f"{torch_counts[0]} parameters, {torch_counts[1]} buffer "
                                                            f"elements")


def test_a_map_of_a_linear_layer_and_a_batch_norm_has_18_parameters_and_6_buffer_elements():
    net = NetChain([NetMapOperator(NetChain([LinearLayer(3), BatchNormalizationLayer()]))], input=("n", 3))
    assert (parameter_count(net), buffer_count(net)) == (18, 6)  # was (24, 0)
