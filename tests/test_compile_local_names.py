"""The compiled forward's local names for numbered layers ("1" -> x1) and the names they may collide with."""

import torch

from netgraph import ElementwiseLayer, LinearLayer, NetChain, NetGraph, net_initialize
from netgraph.backend.compile import variable_base


def test_variable_base_of_numbers_and_other_digits():
    assert [variable_base(h) for h in ("1", "123", "1a", "a b", "²", "\u0663")] == ["x1", "x123", "x1a", "a_b", "v", "v"]


def test_numbered_layer_beside_a_layer_named_like_its_local():
    layers = {"x1": LinearLayer(3), "1": ElementwiseLayer("Tanh"), "x1_2": ElementwiseLayer("Ramp"),
              "12": ElementwiseLayer("Tanh")}
    net = net_initialize(NetGraph(layers, [("x1", "1", "x1_2", "12")], Input=2), seed=0)
    module = net.compile()
    body = [line.strip() for line in module.code.splitlines()[1:]]
    # names are given in the forward's order: layer "1" takes x1_2 (x1 is taken), so layer "x1_2" takes x1_2_2
    assert body == ["x1 = F.linear(Input, self.x1.Weights, self.x1.Biases)", "x1_2 = torch.tanh(x1);  x1 = None",
                    "x1_2_2 = torch.relu(x1_2);  x1_2 = None", "x12 = torch.tanh(x1_2_2);  x1_2_2 = None", "return x12"]
    x = torch.randn(4, 2)
    lin = net.layers["x1"]
    torch.testing.assert_close(module(x), torch.tanh(torch.relu(torch.tanh(x @ lin.arrays["Weights"].T
                                                                           + lin.arrays["Biases"]))))


def test_chain_locals_and_module_lookups():
    net = net_initialize(NetChain([LinearLayer(3), "Tanh", LinearLayer(2)], input=2), seed=0)
    body = [line.strip() for line in net.compile().code.splitlines()[1:]]
    assert body == ["x1 = F.linear(Input, self._modules['1'].Weights, self._modules['1'].Biases)",
                    "x2 = torch.tanh(x1);  x1 = None",
                    "x3 = F.linear(x2, self._modules['3'].Weights, self._modules['3'].Biases);  x2 = None", "return x3"]
