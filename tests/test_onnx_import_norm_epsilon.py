"""A norm's epsilon from an ONNX file as the number written: ONNX keeps it as a float32 attribute (1e-5 as
9.99999974738e-06), and a float64 import that read that value was ~1e-8 relative off torch's float64 module where
the variance is near epsilon (the group norm's own test: test_onnx_import_group_norm)."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from netgraph import import_onnx
from tests.onnx_helpers import torch_export


def _batch_norm() -> nn.Module:
    module = nn.BatchNorm1d(6, eps=1e-5)
    module.running_mean.normal_(0, 1e-3), module.running_var.uniform_(5e-7, 2e-6)  # variance near epsilon
    return module


def _layer_norm_over_two_axes() -> nn.Module:
    """LayerNormalization whose scale and bias (made not 1 and 0) span two trailing axes (a NormalizationLayer)."""
    module = nn.LayerNorm((6, 4), eps=1e-5)
    module.weight.data.normal_(), module.bias.data.normal_()
    return module


class _LayerNormThenAffine(nn.Module):
    """A LayerNormalization over two axes, no affine of its own, then a Mul and an Add: the norm-chain fold."""
    def __init__(self):
        super().__init__()
        self.scale, self.shift = nn.Parameter(torch.randn(6, 4)), nn.Parameter(torch.randn(6, 4))

    def forward(self, x):
        return nn.functional.layer_norm(x, (6, 4), eps=1e-5) * self.scale + self.shift


@pytest.mark.parametrize("make", [_batch_norm, lambda: nn.InstanceNorm1d(6, eps=1e-5, affine=True),
                                  lambda: nn.LayerNorm(4, eps=1e-5), _layer_norm_over_two_axes, _LayerNormThenAffine],
                         ids=["BatchNorm", "InstanceNorm", "LayerNorm", "LayerNorm-2-axes", "norm-chain-fold"])
@torch.no_grad()
def test_a_float64_norm_imports_with_the_epsilon_written(make, tmp_path):
    torch.manual_seed(0)
    module = make().double().eval()
    x = 1e-3 * torch.randn(5, 6, 4, dtype=torch.float64)  # variance ~1e-6: epsilon weighs
    back = import_onnx(torch_export(module, x, tmp_path / "norm.onnx"))
    assert [layer.epsilon for layer in back.layers.values() if hasattr(layer, "epsilon")] == [1e-5]
    torch.testing.assert_close(back(x, precision="float64"), module(x), atol=0, rtol=1e-12)
