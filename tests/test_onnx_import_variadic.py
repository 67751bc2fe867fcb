"""ONNX's Sum, Mean, Max and Min of any number of inputs import as one ThreadingLayer (Sum and Mean had no
converter, Max and Min of more than 2 inputs were refused); of one input, as that input."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from onnx import TensorProto, helper, numpy_helper

from netgraph import import_onnx
from tests.onnx_helpers import pinned_model, run_onnx

_SHAPE = (4,)
_CONSTANT = np.array([0.5, -1.0, 2.0, 0.25], dtype=np.float32)


def _model(op: str, n: int, path, constant: bool = False, then: str | None = None):
    """``op`` over ``n`` graph inputs x1..xn of (batch, 4), with a constant (4,) operand last where ``constant``,
    its result given to op ``then`` (of one input) where one is named."""
    names = [f"x{k}" for k in range(1, n + 1)]
    inputs = [helper.make_tensor_value_info(x, TensorProto.FLOAT, ["batch", *_SHAPE]) for x in names]
    nodes = [helper.make_node(op, names + (["c"] if constant else []), ["t" if then else "y"])]
    nodes += [helper.make_node(then, ["t"], ["y"])] if then else []
    initializers = [numpy_helper.from_array(_CONSTANT, "c")] if constant else []
    graph = helper.make_graph(nodes, op.lower(), inputs,
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["batch", *_SHAPE])],
                              initializer=initializers)
    path.write_bytes(pinned_model(graph, 13).SerializeToString())
    return path


def _inputs(n: int) -> dict[str, torch.Tensor]:
    generator = torch.Generator().manual_seed(n)
    return {f"x{k}": torch.randn(5, *_SHAPE, generator=generator) for k in range(1, n + 1)}


@pytest.mark.parametrize("constant", [False, True])
@pytest.mark.parametrize("n", [2, 3, 11])
@pytest.mark.parametrize("op", ["Sum", "Mean", "Max", "Min"])
def test_an_n_ary_op_imports_as_one_threading_layer_computing_what_onnxruntime_does(op, n, constant, tmp_path):
    path = _model(op, n, tmp_path / "m.onnx", constant)
    net = import_onnx(path)
    types = sorted(layer.type_name for layer in net.layers.values())
    assert types == sorted(["ThreadingLayer"] + ["ConstantArrayLayer"] * constant), types
    inputs = _inputs(n)
    want = torch.from_numpy(run_onnx(path, inputs)[0])
    torch.testing.assert_close(net(inputs), want, atol=1e-6, rtol=1e-6)


@pytest.mark.parametrize("op, gradient", [("Sum", 1.0), ("Mean", 1 / 3)])
def test_each_input_of_sum_and_mean_gets_its_exact_gradient(op, gradient, tmp_path):
    net = import_onnx(_model(op, 3, tmp_path / "m.onnx"))
    inputs = {k: v.requires_grad_() for k, v in _inputs(3).items()}
    net(inputs).sum().backward()
    for x in inputs.values():
        torch.testing.assert_close(x.grad, torch.full_like(x, gradient), atol=0, rtol=0)


@pytest.mark.parametrize("op", ["Sum", "Mean", "Max", "Min"])
def test_an_op_of_one_input_is_that_input(op, tmp_path):
    net = import_onnx(_model(op, 1, tmp_path / "m.onnx", then="Tanh"))
    x = _inputs(1)["x1"]
    assert [layer.type_name for layer in net.layers.values()] == ["ElementwiseLayer"]  # the op: no layer
    torch.testing.assert_close(net(x), torch.tanh(x), atol=0, rtol=0)
