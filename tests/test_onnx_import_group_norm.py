"""torch's nn.GroupNorm export, from either exporter (Reshape -> InstanceNormalization -> Reshape -> Mul -> Add) imports as one
NormalizationLayer(group_number=g) with the module's weight and bias as its Scaling and Biases."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch
from torch import nn
from torch.nn import functional as F

import onnx
from onnx import TensorProto, helper, numpy_helper

from netgraph import NetChain, NormalizationLayer, export_onnx, import_onnx, net_initialize
from tests.onnx_helpers import pinned_model, quiet_exporter, run_onnx, torch_export


@pytest.mark.parametrize("affine", [True, False])
@pytest.mark.parametrize("shape", [(6, 5, 4), (6, 7), (6,)])
@torch.no_grad()
def test_torch_group_norm_imports_as_one_normalization_layer_with_groups(affine, shape, tmp_path):
    """It imported as the chain of its ops: ReshapeLayer, NormalizationLayer, ReshapeLayer, ThreadingLayers and
    ConstantArrayLayers of the weight broadcast over every spatial position."""
    torch.manual_seed(0)
    module = nn.GroupNorm(3, 6, affine=affine).eval()
    if affine:
        module.weight.normal_(), module.bias.normal_()
    back = import_onnx(torch_export(module, torch.randn(2, *shape), tmp_path / "gn.onnx"))
    [layer] = back.layers.values()
    assert isinstance(layer, NormalizationLayer) and layer.group_number == 3
    if affine:
        np.testing.assert_allclose(np.asarray(layer.scaling), module.weight.numpy())
        np.testing.assert_allclose(np.asarray(layer.biases), module.bias.numpy())
    else:
        assert layer.scaling is False and layer.biases is False
    x = 3 * torch.randn(5, *shape) + 1  # another batch size than the export's
    torch.testing.assert_close(back(x), module(x), atol=1e-5, rtol=1e-5)


@torch.no_grad()
def test_a_group_norm_between_convolutions_imports_with_its_neighbours(tmp_path):
    torch.manual_seed(0)
    module = nn.Sequential(nn.Conv2d(3, 4, 3), nn.GroupNorm(2, 4), nn.ReLU(), nn.Conv2d(4, 2, 1)).eval()
    module[1].weight.normal_(), module[1].bias.normal_()
    back = import_onnx(torch_export(module, torch.randn(2, 3, 6, 6), tmp_path / "net.onnx"))
    assert [type(a).__name__ for a in back.layers.values()] == ["ConvolutionLayer", "NormalizationLayer",
                                                                 "ElementwiseLayer", "ConvolutionLayer"]
    x = torch.randn(4, 3, 6, 6)
    torch.testing.assert_close(back(x), module(x), atol=1e-5, rtol=1e-5)


class _GroupsWithArrays(nn.Module):
    """GroupNorm's ops, but the instance norm scales each group (not ones): not GroupNorm's pattern."""

    def forward(self, x):
        y = F.instance_norm(x.reshape(x.shape[0], 2, -1), weight=torch.tensor([2.0, 0.5]))
        return y.reshape(x.shape) * torch.tensor([1.0, 2.0, 3.0, 4.0]).reshape(4, 1) + 1.0


@torch.no_grad()
def test_a_chain_like_group_norm_that_is_not_one_imports_as_its_ops(tmp_path):
    back = import_onnx(torch_export(_GroupsWithArrays(), torch.randn(2, 4, 5), tmp_path / "m.onnx"))
    assert not any(getattr(a, "group_number", None) for a in back.layers.values())
    x = torch.randn(3, 4, 5)
    torch.testing.assert_close(back(x), _GroupsWithArrays()(x), atol=1e-5, rtol=1e-5)


@pytest.mark.parametrize("affine, trained", [(True, True), (True, False), (False, False)])
@torch.no_grad()
def test_the_dynamo_exporters_group_norm_imports_as_one_normalization_layer(affine, trained, tmp_path):
    """The dynamo exporter writes the same chain (its Shape with start=0, the weight and bias folded into (C, 1)
    initializers); a module's weight and bias of ones and zeros (folded from its parameters) stay arrays, and
    affine=False's folded ones and zeros give none."""
    torch.manual_seed(0)
    module = nn.GroupNorm(2, 4, affine=affine).eval()
    if trained:
        module.weight.normal_(), module.bias.normal_()
    with quiet_exporter(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(module, (torch.randn(2, 4, 5),), str(tmp_path / "gn.onnx"), dynamo=True,
                          dynamic_shapes=({0: torch.export.Dim("b")},))
    back = import_onnx(tmp_path / "gn.onnx")
    [layer] = back.layers.values()
    assert isinstance(layer, NormalizationLayer) and layer.group_number == 2
    assert (layer.scaling is not False, layer.biases is not False) == (affine, affine)
    x = torch.randn(3, 4, 5)
    torch.testing.assert_close(back(x), module(x), atol=1e-5, rtol=1e-5)


def _group_norm_graph(weight_first: bool, bias_first: bool, weight: np.ndarray, bias: np.ndarray) -> onnx.ModelProto:
    """GroupNorm's chain (2 groups of a (b, 4, 5) input) with the weight and bias as the Mul's and Add's first or
    second operand, as another exporter than torch's may write them."""
    arrays = [numpy_helper.from_array(np.array([0, 2, -1], np.int64), "target")]
    arrays += [numpy_helper.from_array(np.asarray(v, np.float32), n) for n, v in (
        ("ones", np.ones(2)), ("zeros", np.zeros(2)), ("w", weight.reshape(4, 1)), ("b", bias.reshape(4, 1)))]
    nodes = [helper.make_node("Reshape", ["x", "target"], ["r"]),
             helper.make_node("InstanceNormalization", ["r", "ones", "zeros"], ["n"], epsilon=1e-5),
             helper.make_node("Shape", ["x"], ["s"]), helper.make_node("Reshape", ["n", "s"], ["back"]),
             helper.make_node("Mul", ["w", "back"] if weight_first else ["back", "w"], ["scaled"]),
             helper.make_node("Add", ["b", "scaled"] if bias_first else ["scaled", "b"], ["y"])]
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", 4, 5])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, ["batch", 4, 5])
    return pinned_model(helper.make_graph(nodes, "g", [x], [y], arrays))


@pytest.mark.parametrize("weight_first, bias_first", [(True, False), (False, True), (True, True)])
@torch.no_grad()
def test_a_group_norm_with_the_arrays_as_first_operands_imports_as_one_layer(weight_first, bias_first, tmp_path):
    """scale * x and bias + x, not only x * scale and x + bias: it imported as its separate ops."""
    rng = np.random.default_rng(0)
    weight, bias = rng.normal(size=4), rng.normal(size=4)
    onnx.save(_group_norm_graph(weight_first, bias_first, weight, bias), tmp_path / "gn.onnx")
    back = import_onnx(tmp_path / "gn.onnx")
    [layer] = back.layers.values()
    assert isinstance(layer, NormalizationLayer) and layer.group_number == 2
    np.testing.assert_allclose(np.asarray(layer.scaling), weight.astype(np.float32))
    np.testing.assert_allclose(np.asarray(layer.biases), bias.astype(np.float32))
    x = torch.randn(3, 4, 5)
    [want] = run_onnx(tmp_path / "gn.onnx", {"x": x})
    torch.testing.assert_close(back(x), torch.from_numpy(want), atol=1e-5, rtol=1e-5)


class _AffineAfterGroupNorm(nn.Module):
    """F.group_norm without arrays, then the module's own weight * y + bias (arrays first): torch writes its Mul by
    ones and Add of zeros, then the module's Mul and Add."""

    def __init__(self):
        super().__init__()
        self.weight, self.bias = nn.Parameter(torch.randn(4)), nn.Parameter(torch.randn(4))

    def forward(self, x):
        return self.bias.reshape(4, 1) + self.weight.reshape(4, 1) * F.group_norm(x, 2, eps=1e-5)


@torch.no_grad()
def test_a_per_channel_affine_after_a_group_norm_becomes_its_arrays(tmp_path):
    torch.manual_seed(0)
    module = _AffineAfterGroupNorm().eval()
    back = import_onnx(torch_export(module, torch.randn(2, 4, 5), tmp_path / "gn.onnx"))
    [layer] = back.layers.values()
    assert isinstance(layer, NormalizationLayer) and layer.group_number == 2
    np.testing.assert_allclose(np.asarray(layer.scaling), module.weight.numpy())
    np.testing.assert_allclose(np.asarray(layer.biases), module.bias.numpy())
    x = torch.randn(3, 4, 5)
    torch.testing.assert_close(back(x), module(x), atol=1e-5, rtol=1e-5)


@pytest.mark.parametrize("shape", [(4, "n"), (4, "h", "w"), (4,), (4, 3, 5)])
@torch.no_grad()
def test_our_group_normalisation_round_trips_as_one_layer(shape, tmp_path):
    """Its export (view into groups, var_mean, view back) did not import over a variable length (a Reshape to
    (2, -1, n)) nor for a vector (ReduceMean of a shape onnx lost): it now runs as torch's group_norm, whose export
    imports as one NormalizationLayer."""
    net = net_initialize(NetChain([NormalizationLayer(group_number=2, epsilon=1e-5)], input=shape), seed=0)
    [name] = net.layers
    arrays = {"Scaling": torch.rand(4) + 0.5, "Biases": torch.randn(4)}
    net = net.replace_layers({name: net.layers[name].replace(scaling=arrays["Scaling"], biases=arrays["Biases"])})
    back = import_onnx(export_onnx(net, tmp_path / "gn.onnx"))
    [layer] = back.layers.values()
    assert isinstance(layer, NormalizationLayer) and layer.group_number == 2
    for size in (5, 8):
        x = 3 * torch.randn(3, *(size if isinstance(d, str) else d for d in shape)) + 1
        torch.testing.assert_close(back(x), net(x), atol=1e-5, rtol=1e-5)
        torch.testing.assert_close(net(x), F.group_norm(x, 2, arrays["Scaling"], arrays["Biases"], 1e-5),
                                   atol=1e-5, rtol=1e-5)


@torch.no_grad()
def test_a_float64_group_norm_imports_with_torchs_epsilon(tmp_path):
    """ONNX keeps epsilon as a float32 attribute (1e-5 as 9.99999974738e-06) and no runtime has InstanceNormalization
    of double: the import read the float32 value, ~1e-8 relative off torch's float64 module where the groups' variance
    is near epsilon; it reads the number written (1e-5), as the norm formulas' constants are read."""
    torch.manual_seed(0)
    module = nn.GroupNorm(3, 6, eps=1e-5).double().eval()
    module.weight.normal_(), module.bias.normal_()
    x = 1e-3 * torch.randn(5, 6, 4, dtype=torch.float64)  # variance ~1e-6: epsilon weighs
    back = import_onnx(torch_export(module, x, tmp_path / "gn.onnx"))
    [layer] = back.layers.values()
    assert layer.group_number == 3
    torch.testing.assert_close(back(x, precision="float64"), module(x), atol=0, rtol=1e-13)


@pytest.mark.parametrize("opset", [9, 11, 13, 17])
@torch.no_grad()
def test_our_group_norm_symbolic_writes_each_opsets_slice_and_unsqueeze(opset, tmp_path):
    """The symbolic's Slice (attributes before opset 10) and Unsqueeze (attribute before 13) of every opset run in
    onnxruntime as the net computes."""
    net = net_initialize(NetChain([NormalizationLayer(group_number=2, epsilon=1e-5)], input=(4, 3, 5)), seed=0)
    path = export_onnx(net, tmp_path / "gn.onnx", opset=opset)
    x = torch.randn(3, 4, 3, 5, generator=torch.Generator().manual_seed(0))
    torch.testing.assert_close(torch.from_numpy(run_onnx(path, {"Input": x})[0]), net(x), atol=1e-5, rtol=1e-5)
