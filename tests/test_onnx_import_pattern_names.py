"""A layer export_onnx wrote as a chain of nodes that imports as one layer (a group NormalizationLayer's) is named
as the exported layer (the module scope its nodes share), where a plain torch export keeps its node names."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from netgraph import NetChain, NormalizationLayer, export_onnx, import_onnx, net_initialize
from tests.onnx_helpers import torch_export


@pytest.mark.parametrize("layer_name", ["grouped", "norm_1"])
def test_an_exported_group_norm_imports_under_the_layer_name(layer_name, tmp_path):
    net = net_initialize(NetChain({layer_name: NormalizationLayer(group_number=2)}, input=[4, 5]), seed=0)
    back = import_onnx(export_onnx(net, tmp_path / "m.onnx"))
    assert list(back.layers) == [layer_name]  # was f"{layer_name}_Add", the chain's last node


@torch.no_grad()
def test_a_plain_torch_group_norm_keeps_its_node_name(tmp_path):
    module = nn.Sequential()
    module.add_module("norm", nn.GroupNorm(2, 4))
    back = import_onnx(torch_export(module, torch.randn(2, 4, 5), tmp_path / "gn.onnx"))
    assert list(back.layers) == ["norm_Add"]
