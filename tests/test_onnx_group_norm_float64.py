"""A float64 group NormalizationLayer exports as a model onnxruntime runs (it has no InstanceNormalization of double:
the groups are cast to float32 and back) and imports back as one layer; a layer export_onnx wrote as a chain of
nodes imports named as the exported layer, where a plain torch export keeps its node names."""

from __future__ import annotations

import onnx
import pytest
import torch
from torch import nn

from netgraph import NetChain, NormalizationLayer, export_onnx, import_onnx, net_initialize
from tests.onnx_helpers import assert_same_outputs, torch_export
from tests.test_onnx_round_trip_float64 import float64  # noqa: F401 - the fixture: torch's default dtype float64


def _group_net(shape: list[int]):
    net = net_initialize(NetChain({"grouped": NormalizationLayer(group_number=2)}, input=shape), seed=0)
    generator = torch.Generator().manual_seed(0)
    for array in net.layers["grouped"].arrays.values():  # not the starting ones and zeros
        array.copy_(torch.randn(array.shape, generator=generator, dtype=array.dtype))
    return net


@pytest.mark.parametrize("shape", [[4, 5], [6, 3, 2]])
def test_a_float64_group_norm_runs_in_onnxruntime_and_imports_as_one_layer(float64, shape, tmp_path):
    net = _group_net(shape)
    path = export_onnx(net, tmp_path / "m.onnx")
    x = torch.randn(3, *shape, generator=torch.Generator().manual_seed(1))
    assert_same_outputs(path, net, {"Input": x}, atol=1e-5)  # onnxruntime refused the double InstanceNormalization
    back = import_onnx(path)
    [(name, layer)] = back.layers.items()
    assert (name, type(layer), layer.group_number) == ("grouped", NormalizationLayer, 2)
    got = back(x)
    assert got.dtype == torch.float64
    torch.testing.assert_close(got, net(x))


def test_group_norm_between_other_casts_is_not_taken_as_one_layer(float64, tmp_path):
    """A Cast to double (not float) before the InstanceNormalization is no export_onnx form: its nodes one by one."""
    net = _group_net([4, 5])
    model = onnx.load(export_onnx(net, tmp_path / "m.onnx"))
    [cast_in, _] = [node for node in model.graph.node if node.op_type == "Cast"]
    cast_in.attribute[0].i = onnx.TensorProto.DOUBLE
    onnx.save(model, tmp_path / "near.onnx")
    back = import_onnx(tmp_path / "near.onnx")
    assert len(back.layers) > 1 and "grouped" not in back.layers
    x = torch.randn(3, 4, 5, generator=torch.Generator().manual_seed(1))
    torch.testing.assert_close(back(x), net(x))


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
