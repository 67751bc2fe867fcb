"""net_flatten keeps what a nested graph declared about its ports (the shape of its input), and the ports' order."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from netgraph import (ElementwiseLayer, LinearLayer, NetChain, NetGraph, NetPort, ThreadingLayer, TorchLayer, net_flatten,
                      net_initialize)


def _nested() -> NetGraph:
    inner = NetGraph({"t": ElementwiseLayer("Tanh"), "h": 2}, [("t", "h")], Input=4)
    return NetGraph({"enc": inner, "z": 3}, [("enc", "z")])


@pytest.mark.parametrize("levels", [None, 1])
def test_flatten_keeps_a_nested_declared_input_shape(levels):
    assert net_flatten(_nested(), levels).input_shapes == {"Input": (4,)}  # (no weights to guess it from)
    net = net_initialize(_nested(), seed=0)
    flat = net_flatten(net, levels)
    x = torch.randn(2, 4)
    assert torch.allclose(flat(x), net(x))


def test_flatten_of_nested_chain_and_torch_layer_runs_the_same():
    chain = net_initialize(NetChain([NetChain(["Tanh", 2], input=4), 3]), seed=0)
    x = torch.randn(2, 4)
    assert torch.allclose(net_flatten(chain)(x), chain(x))
    inner = NetGraph({"t": TorchLayer(nn.Linear(4, 4)), "h": 2}, [(NetPort("t", "Output"), "h")], Input=4)
    net = net_initialize(NetGraph({"enc": inner, "z": 3}, [("enc", "z")]), seed=0)
    assert torch.allclose(net_flatten(net)(x), net(x))


@pytest.mark.parametrize("levels", [None, 1])
def test_flatten_keeps_the_order_of_the_graph_ports(levels):
    """The inputs are the compiled module's positional arguments: flattening reordered them (Src, Tgt for Tgt, Src),
    so a positional call of the flat net's module swapped its inputs."""
    enc = NetGraph({"l": LinearLayer(3), "t": "Tanh"}, [("l", "t"), ("l", NetPort("Side"))])
    net = net_initialize(NetGraph({"enc": enc, "sub": ThreadingLayer("Subtract")},
                                  [(NetPort("Src"), "enc"), (NetPort("enc", "Output"), NetPort("sub", "Input1")),
                                   (NetPort("Tgt"), NetPort("sub", "Input2"))], Src=3, Tgt=3), seed=0)
    flat = net_flatten(net, levels=levels)
    assert (flat.input_ports, flat.output_ports) == (net.input_ports, net.output_ports)
    src, tgt = torch.randn(2, 3), torch.randn(2, 3)
    a, b = net.compile()(src, tgt), flat.compile()(src, tgt)
    assert all(torch.equal(a[p], b[p]) for p in net.output_ports)
