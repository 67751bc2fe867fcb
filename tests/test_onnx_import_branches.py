"""import_onnx of an If whose condition is a size compared, as torch's TorchScript exporter writes a squeeze of a dim
it did not size (nn.LocalResponseNorm does): the branch taken, in the If's place; other Ifs are refused naming why."""

from __future__ import annotations

import numpy as np
import onnx
import pytest
import torch
from onnx import TensorProto, helper, numpy_helper
from torch import nn

from netgraph import SpecError, import_onnx
from tests.onnx_helpers import pinned_model, run_onnx, torch_export


@pytest.mark.parametrize("opset", [11, 17])
@pytest.mark.parametrize("size, shape, dynamic", [
    (3, (2, 5, 6, 6), {}), (3, (2, 5, 6, 6), {0: "b", 2: "h", 3: "w"}), (2, (2, 5, 7), {0: "b"}),
    (4, (2, 6, 3, 4, 2), {0: "b"}), (3, (2, 6, 3, 4, 2), {0: "b", 4: "w"}),
    (4, (2, 6, 3, 4, 2), {0: "b", 2: "d", 3: "h", 4: "w"})],
    ids=["static", "dynamic_hw", "1d_even", "3d", "3d_dynamic_w", "3d_dynamic_dhw"])
@torch.no_grad()
def test_torchscripts_local_response_norm_imports(size, shape, dynamic, opset, tmp_path):
    # its If(Equal(Gather(Shape(pooled), 1), 1), Squeeze, Identity) was refused ('no layer for this op'), and the
    # Shape named as 'used as data'
    module, path = nn.LocalResponseNorm(size, alpha=0.1, beta=0.7, k=1.5), tmp_path / "lrn.onnx"
    torch_export(module, torch.randn(*shape), path, "x", axes={"x": dynamic} if dynamic else {}, opset_version=opset)
    assert "If" in {n.op_type for n in onnx.load(str(path)).graph.node}
    net = import_onnx(path)
    grown = tuple(d + 2 if k in dynamic else d for k, d in enumerate(shape))
    for size_now in (shape, grown):
        x = torch.randn(*size_now)
        torch.testing.assert_close(net(x), module(x))
        np.testing.assert_allclose(net(x).numpy(), run_onnx(path, {"x": x})[0], atol=1e-6, rtol=1e-5)


def _if_model(path, condition_nodes: list, then_nodes: list, else_nodes: list, shape: list) -> None:
    """y = Tanh(If(cond, then, else)), each branch's last node writing its output 'branch_out'."""
    def branch(name: str, nodes: list):
        out = helper.make_tensor_value_info(nodes[-1].output[0], TensorProto.FLOAT, None)
        return helper.make_graph(nodes, name, [], [out])
    nodes = [*condition_nodes,
             helper.make_node("If", ["cond"], ["chosen"], name="choose", then_branch=branch("then", then_nodes),
                              else_branch=branch("else", else_nodes)),
             helper.make_node("Tanh", ["chosen"], ["y"], name="tanh")]
    graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, shape)],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)])
    onnx.save(pinned_model(graph, 17), str(path))


def _size_is(axis: int, size: int) -> list:
    """cond = (x.shape[axis] == size), as torch writes it."""
    return [helper.make_node("Shape", ["x"], ["shape"], name="shape"),
            helper.make_node("Constant", [], ["axis"], value=numpy_helper.from_array(np.array(axis, np.int64))),
            helper.make_node("Gather", ["shape", "axis"], ["dim"], name="dim", axis=0),
            helper.make_node("Constant", [], ["one"], value=numpy_helper.from_array(np.array(size, np.int64))),
            helper.make_node("Equal", ["dim", "one"], ["cond"], name="equal")]


SQUEEZE = [helper.make_node("Constant", [], ["axes"], value=numpy_helper.from_array(np.array([1], np.int64))),
           helper.make_node("Squeeze", ["x", "axes"], ["squeezed"], name="squeeze")]
IDENTITY = [helper.make_node("Identity", ["x"], ["same"], name="same")]


NEGATE = [helper.make_node("Neg", ["x"], ["negated"], name="negated")]


@pytest.mark.parametrize("shape, then, expected", [
    (["b", 1, "n"], SQUEEZE, lambda x: torch.tanh(x.squeeze(1))),  # dim 1 is 1: then
    (["b", 4, "n"], NEGATE, torch.tanh)], ids=["then", "else"])  # (onnxruntime checks the other branch's Squeeze)
def test_an_if_on_a_size_takes_its_branch(shape, then, expected, tmp_path):
    path = tmp_path / "if.onnx"
    _if_model(path, _size_is(1, 1), then, IDENTITY, shape)
    net = import_onnx(path)
    for batch, n in ((3, 5), (1, 2)):
        x = torch.randn(batch, shape[1], n)
        torch.testing.assert_close(net(x), expected(x))
        np.testing.assert_allclose(net(x).numpy(), run_onnx(path, {"x": x})[0], rtol=1e-6)


def test_an_if_on_data_is_refused_naming_it(tmp_path):
    path = tmp_path / "if.onnx"
    condition = [helper.make_node("ReduceSum", ["x"], ["total"], name="total", keepdims=0),
                 helper.make_node("Constant", [], ["zero"], value=numpy_helper.from_array(np.array(0, np.float32))),
                 helper.make_node("Greater", ["total", "zero"], ["cond"], name="positive")]
    _if_model(path, condition, IDENTITY, NEGATE, ["b", 4])
    with pytest.raises(SpecError, match=r"node 'choose' \(If\): its condition is computed from data"):
        import_onnx(path)


def test_an_if_whose_branch_has_several_nodes_is_refused_naming_it(tmp_path):
    path = tmp_path / "if.onnx"
    two = [helper.make_node("Neg", ["x"], ["negated"], name="negated"),
           helper.make_node("Exp", ["negated"], ["exp"], name="exp")]
    _if_model(path, _size_is(1, 4), two, IDENTITY, ["b", 4])
    with pytest.raises(SpecError, match=r"node 'choose' \(If\): its then_branch \(taken\) has 2 computing nodes"):
        import_onnx(path)
