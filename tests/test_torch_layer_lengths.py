"""A TorchLayer's output lengths: each variable input length is probed at sizes of its own, and each output dim is
named after the one length it follows, in the forms netgraph's own layers name (a pooling's ``n_minus_1_over_2``)."""

from __future__ import annotations

import onnx
import pytest
import torch
from torch import nn

from netgraph import (NetChain, NetGraph, NetPort, PoolingLayer, ShapeError, TorchLayer, export_onnx,
                      net_initialize)


class Transposed(nn.Module):
    def forward(self, x):
        return x.transpose(2, 3)


@pytest.mark.parametrize("module, shape, expected", [
    (nn.Conv2d(1, 2, 3, padding=1), (1, "h", "w"), (2, "h", "w")),
    (nn.Identity(), ("n", "m", 3), ("n", "m", 3)),
    (Transposed(), (1, "h", "w"), (1, "w", "h")),
    (nn.Conv2d(1, 2, (1, 2)), (1, "h", "w"), (2, "h", "w_minus_1")),
])
def test_each_output_dim_is_named_after_the_input_length_it_follows(module, shape, expected):
    # every variable dim took the first one's name: a Conv2d on (1, h, w) gave (2, h, h)
    assert NetChain([module], input=shape).port_types["Output"].shape == expected


def test_a_residual_sum_around_a_wrapped_block_on_images_of_any_size_builds_and_computes_the_block():
    torch.manual_seed(0)
    block = nn.Sequential(nn.Conv2d(2, 2, 3, padding=1), nn.ReLU(), nn.Conv2d(2, 2, 3, padding=1))
    net = NetGraph({"body": TorchLayer(block), "add": "Plus"},
                   [(NetPort("Input"), ["body"]), ([NetPort("Input"), "body"], "add")], Input=(2, "h", "w"))
    assert net.port_types["Output"].shape == (2, "h", "w")
    x = torch.randn(3, 2, 5, 9)
    assert torch.allclose(net_initialize(net)(x), x + block(x), atol=1e-6)


def test_a_wrapped_max_pooling_names_its_length_as_pooling_layer_does_so_the_two_add_up():
    # MaxPool1d(2) on n gave "n_2_3_at_5_7" where PoolingLayer(2, stride=2) gives "n_minus_1_over_2": a ShapeError
    net = NetGraph({"torch": TorchLayer(nn.MaxPool1d(2)), "own": PoolingLayer(2, stride=2), "add": "Plus"},
                   [(NetPort("Input"), ["torch", "own"]), (["torch", "own"], "add")], Input=(2, "n"))
    assert net.port_types["Output"].shape == (2, "n_minus_1_over_2")
    x = torch.randn(2, 2, 9)
    assert torch.equal(net(x), 2 * nn.functional.max_pool1d(x, 2))


class TablePositions(nn.Module):
    """Adds a learned position table of 16 rows: it refuses sequences longer than 16."""

    def __init__(self):
        super().__init__()
        self.table = nn.Parameter(torch.arange(16.0)[None, :, None].repeat(1, 1, 4))

    def forward(self, x):
        return x + self.table[:, : x.shape[1]]


def test_a_module_that_refuses_long_lengths_is_still_probed_on_short_ones():
    net = NetChain([TablePositions()], input=("n", 4))
    assert net.port_types["Output"].shape == ("n", 4)
    assert torch.equal(net(torch.zeros(1, 3, 4))[0, :, 0], torch.tensor([0.0, 1.0, 2.0]))


def test_an_output_length_of_two_input_lengths_asks_for_the_output_shape_and_takes_one_given():
    with pytest.raises(ShapeError) as info:
        NetChain([nn.Flatten()], input=(2, "h", "w"))
    assert "depends on several input lengths (h, w)" in str(info.value)
    assert "outputs={'Output': shape}" in str(info.value)
    net = NetChain([TorchLayer(nn.Flatten(), outputs={"Output": ("hw",)})], input=(2, "h", "w"))
    assert net.port_types["Output"].shape == ("hw",)
    assert net(torch.ones(1, 2, 3, 5)).shape == (1, 30)


def test_onnx_export_of_a_wrapped_conv_declares_each_length_by_its_own_name(tmp_path):
    net = net_initialize(NetChain([nn.Conv2d(1, 2, 3, padding=1)], input=(1, "h", "w")), seed=0)
    export_onnx(net, tmp_path / "conv.onnx")
    output = onnx.load(str(tmp_path / "conv.onnx")).graph.output[0]
    assert [d.dim_param or d.dim_value for d in output.type.tensor_type.shape.dim] == ["batch", 2, "h", "w"]
