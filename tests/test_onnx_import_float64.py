"""import_onnx of a float64 model keeps every real constant in float64 (a class token concatenated, torch.full's
ConstantOfShape fill, a positional table's rows, MultiheadAttention's projections): the imported net computes what
onnxruntime computes in float64, to rounding; the same model in float32 imports with float32 arrays."""

from __future__ import annotations


import pytest
import torch
from torch import nn

from netgraph import import_onnx
from tests.onnx_helpers import run_onnx, torch_export
from tests.test_onnx_import_mha import _Attention
from tests.test_onnx_import_positions import EmbeddedPositions, LearnedPositions, PositionRows
from tests.test_onnx_import_sequences import _ClassToken


class _Filled(nn.Module):
    """torch.full of (batch, 2) with a value float32 rounds (0.1), catenated to a projection of x: ConstantOfShape."""

    def __init__(self):
        super().__init__()
        self.project = nn.Linear(8, 3)

    def forward(self, x):
        h = self.project(x[:, 0])
        return torch.cat([h, torch.full((x.shape[0], 2), 0.1, dtype=h.dtype)], 1)


MODELS = {"class token": _ClassToken, "torch.full": _Filled, "(1, T, d) table": LearnedPositions,
          "(T, d) table": PositionRows, "rows at arange(n)": EmbeddedPositions,
          "attention": lambda: _Attention("plain", size=4)}


def _model(name: str, dtype: torch.dtype, tmp_path):
    torch.manual_seed(0)
    module = MODELS[name]().to(dtype).eval()
    x = torch.randn(2, 5, 8 if name in ("class token", "torch.full") else 4, dtype=dtype)
    with torch.enable_grad():  # under no_grad, attention's fused fast path: torch's ONNX exporter refuses it
        path = torch_export(module, x, tmp_path / "m.onnx", "x", axes={"x": {0: "b", 1: "n"}})
    # another batch; the length exported (torch wrote it into attention's Reshapes: the ONNX model needs it)
    return path, torch.randn(3, 5, x.shape[2], dtype=dtype, generator=torch.Generator().manual_seed(1))


def _arrays(net) -> set:
    """The dtypes of the imported net's real arrays."""
    return {array.dtype for array in net.arrays.values() if array is not None and array.is_floating_point()}


@pytest.mark.parametrize("name", MODELS)
@torch.no_grad()
def test_a_float64_model_imports_computing_as_onnxruntime_in_float64(name, tmp_path):
    path, x = _model(name, torch.float64, tmp_path)
    net = import_onnx(path)
    assert _arrays(net) == {torch.float64}
    want = torch.from_numpy(run_onnx(path, {"x": x})[0])
    assert want.dtype == torch.float64
    torch.testing.assert_close(net(x, precision="float64"), want, atol=1e-12, rtol=1e-12)


@pytest.mark.parametrize("name", MODELS)
@torch.no_grad()
def test_a_float32_model_imports_with_float32_arrays(name, tmp_path):
    path, x = _model(name, torch.float32, tmp_path)
    net = import_onnx(path)
    assert _arrays(net) == {torch.float32}
    torch.testing.assert_close(net(x), torch.from_numpy(run_onnx(path, {"x": x})[0]), atol=1e-5, rtol=1e-4)
