"""A constant DequantizeLinear (a weight-only quantized model's weights) is computed at import, as the README says
constant subgraphs are: (q - zero point) * scale, per tensor or per axis, as onnxruntime computes it."""

from __future__ import annotations

import numpy as np
import onnx
import onnxruntime as ort
import pytest
import torch
from onnx import TensorProto, helper, numpy_helper

from netgraph import import_onnx
from tests.onnx_helpers import pinned_model

RNG = np.random.default_rng(0)


def _dequantized(tmp_path, dtype, scale, zero, axis, op):
    """x (b, 4) ``op`` DequantizeLinear(q, scale, zero), q a constant of ``dtype`` ((4, 5) for MatMul, (4,) for
    Add), saved at opset 13; and the weights it stands for."""
    info = np.iinfo(dtype)
    q = RNG.integers(info.min, info.max + 1, (4, 5) if op == "MatMul" else (4,)).astype(dtype)
    arrays = [numpy_helper.from_array(q, "q"), numpy_helper.from_array(np.array(scale, np.float32), "s"),
              numpy_helper.from_array(np.array(zero, dtype), "z")]
    axes = {"axis": axis} if axis is not None else {}
    nodes = [helper.make_node("DequantizeLinear", ["q", "s", "z"], ["w"], **axes),
             helper.make_node(op, ["x", "w"], ["y"])]
    graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["b", 4])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)], arrays)
    onnx.save(pinned_model(graph, 13), path := tmp_path / "m.onnx")
    weights = (q.astype(np.float32) - np.array(zero, np.float32)) * np.array(scale, np.float32)
    return path, torch.from_numpy(weights)


def _onnxruntime(path, x):
    """onnxruntime's output without its graph optimisations: they fuse DequantizeLinear and MatMul into a product
    of integers, x quantized too (0.01 off for x of about 1)."""
    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
    return torch.from_numpy(session.run(None, {"x": x.numpy()})[0])


@pytest.mark.parametrize("dtype, scale, zero, axis, op", [
    (np.int8, 0.05, 0, None, "MatMul"), (np.uint8, 0.02, 128, None, "MatMul"), (np.int8, 0.1, -3, None, "Add"),
    (np.uint8, [0.01, 0.02, 0.03, 0.04, 0.05], [120, 125, 128, 130, 135], 1, "MatMul")])
def test_a_constant_dequantize_linear_is_computed_at_import(tmp_path, dtype, scale, zero, axis, op):
    # it was refused: DequantizeLinear was no op that import computes on constants
    path, weights = _dequantized(tmp_path, dtype, scale, zero, axis, op)
    x = torch.randn(3, 4, generator=torch.Generator().manual_seed(0))
    found = import_onnx(path)(x)
    torch.testing.assert_close(found, x @ weights if op == "MatMul" else x + weights)
    torch.testing.assert_close(found, _onnxruntime(path, x))
