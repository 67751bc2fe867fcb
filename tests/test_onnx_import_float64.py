"""import_onnx of a float64 model keeps every real constant in float64 (a class token concatenated, torch.full's
ConstantOfShape fill, a positional table's rows, MultiheadAttention's projections, recurrent and PReLU weights, LRN
windows, an index input's lookups, CumSum's triangle of ones, GatherElements' one-hot table): the imported net
computes what onnxruntime (or, for ops onnxruntime has no double kernel of, the torch module) computes in float64,
to rounding; the same model in float32 imports with float32 arrays."""

from __future__ import annotations


import numpy as np
import onnx
import pytest
import torch
from onnx import TensorProto, helper
from torch import nn

from netgraph import import_onnx
from netgraph.export.onnx_names import real_dtype
from tests.onnx_helpers import Op, pinned_model, run_onnx, torch_export
from tests.test_onnx_import_extra import _lrn_as_specified
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


class _Recurrent(nn.Module):
    """A recurrent layer's outputs at each step (LSTM, GRU or RNN of 4 -> 3, batch first)."""

    def __init__(self, kind: type):
        super().__init__()
        self.recurrent = kind(4, 3, batch_first=True)

    def forward(self, x):
        return self.recurrent(x)[0]


class _Prelu(nn.Module):
    """A slope for each of 4 channels (x's last dim moved to dim 1, where PReLU's channels are)."""

    def __init__(self):
        super().__init__()
        self.ramp = nn.PReLU(4)

    def forward(self, x):
        return self.ramp(x.transpose(1, 2))


MODELS = {"class token": _ClassToken, "torch.full": _Filled, "(1, T, d) table": LearnedPositions,
          "(T, d) table": PositionRows, "rows at arange(n)": EmbeddedPositions,
          "attention": lambda: _Attention("plain", size=4), "LSTM": lambda: _Recurrent(nn.LSTM),
          "GRU": lambda: _Recurrent(nn.GRU), "RNN": lambda: _Recurrent(nn.RNN), "PReLU": _Prelu}
#: onnxruntime has no double kernel of these: compared with the torch module, its weights drawn in float64
TORCH_CHECKED = ("LSTM", "GRU", "RNN", "PReLU")


def _model(name: str, dtype: torch.dtype, tmp_path):
    torch.manual_seed(0)
    module = MODELS[name]().to(dtype).eval()
    if name in TORCH_CHECKED:
        with torch.no_grad():  # not float32's values widened: rounding them to float32 changes them
            for weights in module.parameters():
                weights.copy_(torch.randn(weights.shape, dtype=dtype))
    x = torch.randn(2, 5, 8 if name in ("class token", "torch.full") else 4, dtype=dtype)
    with torch.enable_grad():  # under no_grad, attention's fused fast path: torch's ONNX exporter refuses it
        path = torch_export(module, x, tmp_path / "m.onnx", "x", axes={"x": {0: "b", 1: "n"}})
    # another batch; the length exported (torch wrote it into attention's Reshapes: the ONNX model needs it)
    return path, torch.randn(3, 5, x.shape[2], dtype=dtype, generator=torch.Generator().manual_seed(1)), module


def _expected(name: str, module: nn.Module, path, x: torch.Tensor) -> torch.Tensor:
    return module(x) if name in TORCH_CHECKED else torch.from_numpy(run_onnx(path, {"x": x})[0])


def _arrays(net) -> set:
    """The dtypes of the imported net's real arrays."""
    return {array.dtype for array in net.arrays.values() if array is not None and array.is_floating_point()}


@pytest.mark.parametrize("name", MODELS)
@torch.no_grad()
def test_a_float64_model_imports_computing_as_onnxruntime_in_float64(name, tmp_path):
    path, x, module = _model(name, torch.float64, tmp_path)
    net = import_onnx(path)
    assert _arrays(net) == {torch.float64}
    want = _expected(name, module, path, x)
    assert want.dtype == torch.float64
    torch.testing.assert_close(net(x, precision="float64"), want, atol=1e-12, rtol=1e-12)


@pytest.mark.parametrize("name", MODELS)
@torch.no_grad()
def test_a_float32_model_imports_with_float32_arrays(name, tmp_path):
    path, x, module = _model(name, torch.float32, tmp_path)
    net = import_onnx(path)
    assert _arrays(net) == {torch.float32}
    torch.testing.assert_close(net(x), _expected(name, module, path, x), atol=1e-5, rtol=1e-4)


class _MaskedEmbedding(nn.Module):
    """Embeddings of an index input weighted by the index (a Cast to double) and masked at 0 (a comparison): both
    lookups in tables of the index's 10 values."""

    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(10, 4)

    def forward(self, idx):
        return self.emb(idx) * (idx.to(self.emb.weight.dtype) + (idx > 0).to(self.emb.weight.dtype)).unsqueeze(-1)


@pytest.mark.parametrize("dtype", [torch.float64, torch.float32])
@torch.no_grad()
def test_an_index_inputs_lookups_take_the_models_real_dtype(dtype, tmp_path):
    torch.manual_seed(0)
    path = torch_export(_MaskedEmbedding().to(dtype), torch.tensor([[3, 0, 5]]), tmp_path / "m.onnx", "idx",
                        axes={"idx": {0: "b", 1: "n"}})
    net = import_onnx(path)
    assert _arrays(net) == {dtype}
    idx = torch.tensor([[3, 0, 5, 7], [0, 9, 1, 0]])
    want = torch.from_numpy(run_onnx(path, {"idx": idx})[0])
    assert want.dtype == dtype
    torch.testing.assert_close(net(idx=idx, precision=str(dtype)[6:]), want, atol=0, rtol=0)


@pytest.mark.parametrize("elem_type, dtype", [(TensorProto.DOUBLE, torch.float64), (TensorProto.FLOAT, torch.float32)])
def test_onnx_lrn_windows_and_bias_take_the_models_real_dtype(elem_type, dtype, tmp_path):
    node = helper.make_node("LRN", ["x"], ["y"], size=3, alpha=0.3, beta=0.6, bias=0.1)
    graph = helper.make_graph([node], "g", [helper.make_tensor_value_info("x", elem_type, ["b", 5, 4])],
                              [helper.make_tensor_value_info("y", elem_type, None)])
    onnx.save(pinned_model(graph, 13), str(tmp_path / "lrn.onnx"))
    net = import_onnx(tmp_path / "lrn.onnx")
    assert _arrays(net) == {dtype}
    x = 2 * torch.randn(2, 5, 4, dtype=dtype, generator=torch.Generator().manual_seed(0))
    # as the model computes with them: in float64 the numbers written, in float32 the float32 attributes' values
    alpha, beta, bias = (v if dtype == torch.float64 else float(np.float32(v)) for v in (0.3, 0.6, 0.1))
    want = torch.from_numpy(_lrn_as_specified(x.numpy().astype(np.float64), 3, alpha=alpha, beta=beta, bias=bias))
    tolerance = 1e-12 if dtype == torch.float64 else 1e-5
    torch.testing.assert_close(net(x, precision=str(dtype)[6:]), want.to(dtype), atol=tolerance, rtol=tolerance)


@pytest.mark.parametrize("inputs, outputs, dtype", [
    ([TensorProto.FLOAT, TensorProto.DOUBLE], [TensorProto.FLOAT], np.float64),  # any double input decides
    ([TensorProto.FLOAT16], [TensorProto.DOUBLE], np.float32),  # a real input decides over the outputs
    ([TensorProto.INT64], [TensorProto.DOUBLE], np.float64),  # of integer inputs only, the outputs decide
    ([TensorProto.INT64], [TensorProto.FLOAT, TensorProto.INT64], np.float32),
    ([TensorProto.INT64], [TensorProto.INT64], np.float32)])
def test_the_models_real_dtype_is_its_inputs_else_its_outputs(inputs, outputs, dtype):
    def values(prefix: str, types: list) -> list:
        return [helper.make_tensor_value_info(f"{prefix}{i}", t, [1]) for i, t in enumerate(types)]
    assert real_dtype(helper.make_graph([], "g", values("x", inputs), values("y", outputs))) is dtype


@pytest.mark.parametrize("elem_type, dtype", [(TensorProto.DOUBLE, torch.float64), (TensorProto.FLOAT, torch.float32)])
@pytest.mark.parametrize("exclusive, reverse", [(0, 0), (1, 1)])
def test_a_cumulative_sums_triangle_of_ones_takes_the_models_real_dtype(elem_type, dtype, exclusive, reverse, tmp_path):
    # its LinearLayer's triangle of ones was float32 in a float64 model
    axis = helper.make_tensor("axis", TensorProto.INT64, [], [-1])
    graph = helper.make_graph([helper.make_node("CumSum", ["x", "axis"], ["y"], exclusive=exclusive, reverse=reverse)],
                              "g", [helper.make_tensor_value_info("x", elem_type, ["b", 3, 5])],
                              [helper.make_tensor_value_info("y", elem_type, None)], [axis])
    onnx.save(pinned_model(graph, 14), str(tmp_path / "m.onnx"))
    net = import_onnx(tmp_path / "m.onnx")
    assert _arrays(net) == {dtype}
    x = torch.randn(2, 3, 5, dtype=dtype, generator=torch.Generator().manual_seed(0))
    [want] = run_onnx(tmp_path / "m.onnx", {"x": x})
    tolerance = 1e-12 if dtype == torch.float64 else 1e-5
    torch.testing.assert_close(net(x, precision=str(dtype)[6:]), torch.from_numpy(want), atol=tolerance, rtol=tolerance)


@pytest.mark.parametrize("elem_type, dtype", [(TensorProto.DOUBLE, torch.float64), (TensorProto.FLOAT, torch.float32)])
@pytest.mark.parametrize("axis", [1, 2])
def test_a_gather_elements_one_hot_takes_the_models_real_dtype(elem_type, dtype, axis, tmp_path):
    # its one-hot EmbeddingLayer's identity was float32 in a float64 model
    index_shape = [2, 4] if axis == 1 else [3, 2]  # x's sizes but along the axis: 2 entries each
    graph = helper.make_graph([helper.make_node("GatherElements", ["x", "i"], ["y"], axis=axis)], "g",
                              [helper.make_tensor_value_info("x", elem_type, ["b", 3, 4]),
                               helper.make_tensor_value_info("i", TensorProto.INT64, ["b", *index_shape])],
                              [helper.make_tensor_value_info("y", elem_type, None)])
    onnx.save(pinned_model(graph, 14), str(tmp_path / "m.onnx"))
    net = import_onnx(tmp_path / "m.onnx")
    assert _arrays(net) == {dtype}
    generator = torch.Generator().manual_seed(0)
    x = torch.randn(2, 3, 4, dtype=dtype, generator=generator)
    i = torch.randint(0, 3 if axis == 1 else 4, (2, *index_shape), generator=generator)
    [want] = run_onnx(tmp_path / "m.onnx", {"x": x, "i": i})
    torch.testing.assert_close(net(x=x, i=i, precision=str(dtype)[6:]), torch.from_numpy(want), atol=0, rtol=0)


ACTIVATIONS = {"ELU": nn.ELU(0.3), "LeakyReLU": nn.LeakyReLU(0.2), "CELU": nn.CELU(0.7),
               "Hardsigmoid": nn.Hardsigmoid(), "Where(x >= 0)": Op(lambda x: torch.where(x >= 0, x, 0.1 * x)),
               "LeakyReLU(0.16666667)": nn.LeakyReLU(0.16666667), "LeakyReLU(0.33333334)": nn.LeakyReLU(0.33333334)}


@pytest.mark.parametrize("name", ACTIVATIONS)
@torch.no_grad()
def test_a_float64_activations_constant_is_the_number_written(name, tmp_path):
    """Its alpha (a FLOAT attribute; Where's slope a double constant) was written as the float32's exact value
    (0.20000000298023224): the imported net computed 1e-8 from torch's float64 module; Hardsigmoid's 1/6 is 1/6, a
    LeakyReLU's 0.16666667 (float32's shortest 1/6) is 0.16666667 (it was read as 1/6)."""
    module = ACTIVATIONS[name]
    x = 3 * torch.randn(4, 6, dtype=torch.float64, generator=torch.Generator().manual_seed(0))
    net = import_onnx(torch_export(module, x, tmp_path / "m.onnx", "x", axes={"x": {0: "b"}}))
    got = net(x, precision="float64")
    assert got.dtype == torch.float64
    torch.testing.assert_close(got, module(x), atol=1e-12, rtol=1e-12)


@pytest.mark.parametrize("dynamic", [{0: "b"}, {0: "b", 2: "d", 3: "h", 4: "w"}], ids=["static", "dynamic_dhw"])
@torch.no_grad()
def test_a_float64_local_response_norm_of_3_spatial_dims_imports_in_float64(dynamic, tmp_path):
    """torch's window mean of x² (Reshape, Pad, AveragePool, Squeeze, Reshape: ``lrn_window_patterns``) and its alpha,
    k and beta (double constants) in float64: the net computes what the float64 module computes."""
    module = nn.LocalResponseNorm(4, alpha=0.3, beta=0.7, k=1.1)
    shape = (2, 6, 3, 4, 2)
    torch_export(module, torch.randn(*shape, dtype=torch.float64), tmp_path / "m.onnx", "x", axes={"x": dynamic})
    net = import_onnx(tmp_path / "m.onnx")
    assert "AveragePool" in {n.op_type for n in onnx.load(str(tmp_path / "m.onnx")).graph.node}
    assert _arrays(net) == {torch.float64}
    grown = tuple(d + 2 if k in dynamic else d for k, d in enumerate(shape))
    for size in (shape, grown):
        x = 2 * torch.randn(*size, dtype=torch.float64, generator=torch.Generator().manual_seed(0))
        torch.testing.assert_close(net(x, precision="float64"), module(x), atol=1e-12, rtol=1e-12)
