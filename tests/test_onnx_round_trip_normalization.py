"""A NormalizationLayer whose arrays span other levels than it aggregates (the default's "Complement") exports as
LayerNormalization, then a Mul and an Add by its arrays: it imports back as one NormalizationLayer (it was a
LayerNormalizationLayer, two ThreadingLayers and two ConstantArrayLayers, its arrays fixed in training)."""

from __future__ import annotations

import warnings

import numpy as np
import onnx
import pytest
import torch
from onnx import TensorProto, helper, numpy_helper
from torch import nn

from netgraph import NetChain, NormalizationLayer, export_onnx, import_onnx, net_initialize
from tests.onnx_helpers import assert_same_outputs, pinned_model, quiet_exporter, torch_export


@pytest.mark.parametrize("options, shape", [
    ({}, (3, 4)), ({"aggregation_levels": "3;;"}, (2, 3, 4)), ({"aggregation_levels": "3;;", "scaling_levels": [2]},
                                                              (2, 3, 4)),
    ({"aggregation_levels": "2;;", "scaling_levels": [1, 2]}, (2, 3, 4)), ({"biases": False}, (3, 4, 2)),
    ({"scaling": False}, (3, 4))])
def test_a_normalization_with_arrays_on_other_levels_imports_as_one_layer(options, shape, tmp_path):
    net = net_initialize(NetChain({"norm": NormalizationLayer(**options)}, input=list(shape)), seed=0)
    generator = torch.Generator().manual_seed(0)
    for name, array in net.layers["norm"].arrays.items():  # not the starting ones and zeros
        array.copy_(torch.randn(array.shape, generator=generator))
    export_onnx(net, tmp_path / "m.onnx")
    back = import_onnx(tmp_path / "m.onnx")
    [layer] = back.layers.values()
    original = net.layers["norm"]
    assert (type(layer), layer.aggregation_levels, layer.epsilon) == (NormalizationLayer, original.aggregation_levels,
                                                                      pytest.approx(original.epsilon))
    for name, array in original.arrays.items():
        np.testing.assert_allclose(np.asarray(layer.arrays[name]), array.numpy(), rtol=1e-6)
    assert set(layer.arrays) == set(original.arrays)
    for batch in (1, 3):
        x = torch.randn(batch, *shape, generator=generator)
        torch.testing.assert_close(back(x), net(x), atol=1e-5, rtol=1e-5)
        assert_same_outputs(tmp_path / "m.onnx", net, {"Input": x})


@torch.no_grad()
def test_a_layer_norm_with_its_own_arrays_then_a_constant_stays_as_written(tmp_path):
    """torch's LayerNorm with weights (an initializer, if ones) is no exporter's ones: the Mul after it is its own."""
    module = nn.Sequential(nn.LayerNorm(4)).eval()
    scale = torch.arange(1.0, 4.0).reshape(3, 1)
    back = import_onnx(torch_export(_Then(module, scale), torch.randn(2, 3, 4), tmp_path / "ln.onnx"))
    assert sorted(a.type_name for a in back.layers.values()) == ["ConstantArrayLayer", "LayerNormalizationLayer",
                                                                 "ThreadingLayer"]
    x = torch.randn(5, 3, 4)
    torch.testing.assert_close(back(x), module(x) * scale)


class _Then(nn.Module):
    def __init__(self, inner: nn.Module, scale: torch.Tensor):
        super().__init__()
        self.inner, self.scale = inner, scale

    def forward(self, x):
        return self.inner(x) * self.scale


@torch.no_grad()
def test_a_number_the_code_multiplies_by_stays_fixed(tmp_path):
    """A Constant node (``y * 2.0``) after a LayerNorm without arrays is no learned array: it stays a constant."""
    module = _Then(nn.LayerNorm(4, elementwise_affine=False), torch.tensor(2.0))
    back = import_onnx(torch_export(module, torch.randn(2, 3, 4), tmp_path / "ln.onnx"))
    assert "LayerNormalizationLayer" in [a.type_name for a in back.layers.values()]
    x = torch.randn(5, 3, 4)
    torch.testing.assert_close(back(x), module(x))


class _LayerNormThen(nn.Module):
    """LayerNorm without arrays, then ``y * 2.0 + 1.0``, ``y * buffer`` or ``y * parameter``."""

    def __init__(self, then: str):
        super().__init__()
        self.ln, self.then = nn.LayerNorm(4, elementwise_affine=False), then
        self.register_buffer("buffer", torch.arange(1.0, 5.0))
        self.weight = nn.Parameter(torch.arange(2.0, 6.0))

    def forward(self, x):
        y = self.ln(x)
        return y * 2.0 + 1.0 if self.then == "numbers" else y * (self.buffer if self.then == "buffer" else self.weight)


@pytest.mark.parametrize("then, types", [
    ("numbers", ["ConstantArrayLayer", "ConstantArrayLayer", "LayerNormalizationLayer", "ThreadingLayer",
                 "ThreadingLayer"]),
    ("buffer", ["ConstantArrayLayer", "LayerNormalizationLayer", "ThreadingLayer"]),
    ("parameter", ["NormalizationLayer"])])
@torch.no_grad()
def test_a_dynamo_layer_norm_then_numbers_or_a_buffer_keeps_them_fixed(then, types, tmp_path):
    """The dynamo exporter writes a number the code multiplies by and a buffer as initializers: neither is a learned
    array of a NormalizationLayer (a module's parameter is)."""
    module = _LayerNormThen(then).eval()
    with quiet_exporter(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(module, (torch.randn(2, 3, 4),), str(tmp_path / "ln.onnx"), dynamo=True,
                          dynamic_shapes=({0: torch.export.Dim("b")},))
    back = import_onnx(tmp_path / "ln.onnx")
    assert sorted(a.type_name for a in back.layers.values()) == types
    x = torch.randn(5, 3, 4)
    torch.testing.assert_close(back(x), module(x))


def test_an_array_a_layer_norm_shares_with_another_node_stays_one_array(tmp_path):
    """W read by LayerNormalization -> Mul and by Mul(x, W) stays one array, not a learned copy and a fixed one."""
    weight = numpy_helper.from_array(np.arange(1.0, 5.0, dtype=np.float32), "W")
    ones = helper.make_node("Constant", [], ["ones"], value=numpy_helper.from_array(np.ones(4, np.float32)))
    nodes = [ones, helper.make_node("LayerNormalization", ["x", "ones"], ["y"]),
             helper.make_node("Mul", ["y", "W"], ["scaled"]), helper.make_node("Mul", ["x", "W"], ["z"])]
    outputs = [helper.make_tensor_value_info(name, TensorProto.FLOAT, None) for name in ("scaled", "z")]
    graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["b", 3, 4])],
                              outputs, [weight])
    onnx.save(pinned_model(graph), tmp_path / "shared.onnx")
    back = import_onnx(tmp_path / "shared.onnx")
    assert "NormalizationLayer" not in [a.type_name for a in back.layers.values()]
    x = torch.randn(2, 3, 4)
    got = back(x)
    torch.testing.assert_close(got["z"], x * torch.arange(1.0, 5.0))
