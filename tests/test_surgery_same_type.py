"""Replacing a layer by one of its own type whose options give other port types: the graph is inferred again.

``net_replace_part`` (and ``replace_layers``) kept the old inferred types whenever the new layer had the same class,
ports and declared port types: a ``PartLayer(1)`` replaced by ``PartLayer("1;;2")`` still claimed its old output
shape, while the call computed the new one."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from netgraph import (AggregationLayer, FunctionLayer, LinearLayer, NetChain, NetGraph, NetMapOperator, PartLayer,
                      ReshapeLayer, TorchLayer, net_initialize, net_replace_part)


@pytest.mark.parametrize("old, new, input_shape, shape", [
    (PartLayer(1), PartLayer("1;;2"), (3, 4), (2, 4)),
    (ReshapeLayer([3, 2]), ReshapeLayer([2, 3]), (6,), (2, 3)),
    (AggregationLayer("Mean"), AggregationLayer("Mean", levels=[1, 2]), (3, 4), ()),
    (TorchLayer(nn.AdaptiveAvgPool1d(4)), TorchLayer(nn.AdaptiveAvgPool1d(2)), (2, 8), (2, 2)),
])
def test_a_replaced_layer_of_the_same_type_gives_its_own_output_type(old, new, input_shape, shape):
    net = NetGraph({"f": old, "t": "Tanh"}, [("f", "t")], Input=input_shape)
    replaced = net_replace_part(net, {"f": new})
    assert replaced.output_shapes == {"Output": shape}
    assert replaced.layer_types("t")["Input"].shape == shape
    assert tuple(replaced(torch.ones(2, *input_shape)).shape) == (2, *shape)


def test_a_replaced_function_layer_gives_its_new_expression_type():
    net = NetGraph({"f": FunctionLayer("#x + 1"), "t": "Tanh"}, [("f", "t")], x=3)
    replaced = net_replace_part(net, {"f": FunctionLayer("Total[#x]")})
    assert replaced.output_shapes == {"Output": ()}
    assert replaced(torch.ones(2, 3)).tolist() == pytest.approx([torch.tanh(torch.tensor(3.0)).item()] * 2)


def test_weights_of_another_shape_give_the_linear_layer_their_size():
    chain = NetChain([LinearLayer(weights=torch.ones(4, 3)), "Tanh"])
    replaced = net_replace_part(chain, {1: LinearLayer(weights=torch.ones(2, 3), biases=torch.zeros(2))})
    assert replaced.output_shapes == {"Output": (2,)} and replaced.input_shapes == {"Input": (3,)}
    assert replaced(torch.ones(1, 3))[0].tolist() == pytest.approx([torch.tanh(torch.tensor(3.0)).item()] * 2)


def test_new_arrays_of_the_same_shapes_keep_the_inferred_types():
    """The shortcut stays for what it is for: arrays changed, every option kept (as net_initialize and to_net do)."""
    net = net_initialize(NetGraph({"a": LinearLayer(3), "b": PartLayer(1)}, [("a", "b")], Input=4), seed=0)
    replaced = net_replace_part(net, {("a", "Weights"): torch.zeros(3, 4)})
    assert replaced._same_ports(net) and replaced(torch.ones(1, 4)).tolist() == pytest.approx([0.0])


def test_inside_a_nested_chain_and_an_operators_inner_net_too():
    chain = NetChain({"p": PartLayer(1), "t": "Tanh"})
    nested = net_replace_part(NetGraph({"enc": chain, "h": "Ramp"}, [("enc", "h")], Input=(3, 4)),
                              {("enc", "p"): PartLayer("1;;2")})
    assert nested.output_shapes == {"Output": (2, 4)}
    mapped = net_replace_part(NetGraph({"map": NetMapOperator(chain)}, [], Input=("n", 3, 4)),
                              {("map", "net", "p"): PartLayer("1;;2")})
    assert mapped.output_shapes == {"Output": ("n", 2, 4)}
    assert tuple(mapped(torch.ones(1, 5, 3, 4)).shape) == (1, 5, 2, 4)  # main: the inner net refused its types
