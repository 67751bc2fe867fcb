"""torch's nn.GroupNorm export, from either exporter (Reshape -> InstanceNormalization -> Reshape -> Mul -> Add) imports as one
NormalizationLayer(group_number=g) with the module's weight and bias as its Scaling and Biases."""

from __future__ import annotations

import logging
import warnings

import numpy as np
import pytest
import torch
from torch import nn
from torch.nn import functional as F

from netgraph import NormalizationLayer, import_onnx
from tests.onnx_helpers import torch_export


@pytest.mark.parametrize("affine", [True, False])
@pytest.mark.parametrize("shape", [(6, 5, 4), (6, 7)])
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
    logger = logging.getLogger("torch.onnx")
    level, _ = logger.level, logger.setLevel(logging.ERROR)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            torch.onnx.export(module, (torch.randn(2, 4, 5),), str(tmp_path / "gn.onnx"), dynamo=True,
                              dynamic_shapes=({0: torch.export.Dim("b")},))
    finally:
        logger.setLevel(level)
    back = import_onnx(tmp_path / "gn.onnx")
    [layer] = back.layers.values()
    assert isinstance(layer, NormalizationLayer) and layer.group_number == 2
    assert (layer.scaling is not False, layer.biases is not False) == (affine, affine)
    x = torch.randn(3, 4, 5)
    torch.testing.assert_close(back(x), module(x), atol=1e-5, rtol=1e-5)
