"""Squeeze/Unsqueeze axes at import: one reader (``squeeze_axes``) for the attribute (before opset 13) and the
axes input (opset 13 on), negative axes and a Squeeze without axes, used by every importer that reads them; Flatten's
negative axis."""

from __future__ import annotations

import numpy as np
import onnx
import pytest
import torch
from onnx import helper, numpy_helper
from torch import nn

from netgraph import CrossEntropyLossLayer, NetGraph, SpecError, export_onnx, import_onnx
from netgraph.export.onnx_ops import Context, squeeze_axes
from tests.onnx_helpers import pinned_model, run_onnx, torch_export


def _node(op: str, axes: list[int] | None, opset: int, ctx: Context):
    """A Squeeze/Unsqueeze of 'x' with ``axes`` written as ``opset`` writes them (None: no axes)."""
    if axes is None:
        return helper.make_node(op, ["x"], ["y"])
    if opset >= 13:
        ctx.constants["axes"] = np.array(axes, dtype=np.int64)
        return helper.make_node(op, ["x", "axes"], ["y"])
    return helper.make_node(op, ["x"], ["y"], axes=axes)


def _context(shape) -> Context:
    return Context(constants={}, shapes={"x": shape}, consumers={},
                   attributes=lambda n: {a.name: helper.get_attribute_value(a) for a in n.attribute})


@pytest.mark.parametrize("opset", [11, 13])
@pytest.mark.parametrize("op, shape, axes, want", [
    ("Squeeze", ("b", 1, 5, 1), [1], [1]), ("Squeeze", ("b", 1, 5, 1), [-3], [1]),
    ("Squeeze", ("b", 1, 5, 1), [-1, 1], [1, 3]), ("Unsqueeze", ("b", 5), [-1], [2]),
    ("Unsqueeze", ("b", 5), [-1, 1], [1, 3]), ("Unsqueeze", ("b", 5), [2], [2]),
    ("Squeeze", None, [-1], None), ("Unsqueeze", None, [1], [1])])
def test_axes_read_alike_from_the_attribute_and_the_input_negative_ones_counted_from_the_end(op, shape, axes, want,
                                                                                               opset):
    ctx = _context(shape)
    assert squeeze_axes(_node(op, axes, opset, ctx), ctx) == want


@pytest.mark.parametrize("shape, want", [((2, 1, 5, 1), [1, 3]), (("b", 1, 5), None), ((2, 3), [])])
def test_a_squeeze_without_axes_removes_the_dims_known_to_be_1(shape, want):
    ctx = _context(shape)
    assert squeeze_axes(_node("Squeeze", None, 13, ctx), ctx) == want


def test_axes_computed_at_run_time_are_not_known():
    ctx = _context(("b", 1, 5))
    assert squeeze_axes(helper.make_node("Squeeze", ["x", "computed"], ["y"]), ctx) is None


class _Sequence(nn.Module):
    def __init__(self):
        super().__init__()
        self.rnn = nn.LSTM(3, 4, batch_first=True)

    def forward(self, x):
        return self.rnn(x)[0]


def _negative_axes(model: onnx.ModelProto, op: str) -> onnx.ModelProto:
    """Each ``op`` node's axes written as negative ones (as some exporters write them), in the opset's form."""
    ranks = {v.name: len(v.type.tensor_type.shape.dim) for v in onnx.shape_inference.infer_shapes(model).graph.value_info}
    ranks.update({v.name: len(v.type.tensor_type.shape.dim) for v in model.graph.input})
    constants = {n.output[0]: n for n in model.graph.node if n.op_type == "Constant"}
    for node in [n for n in model.graph.node if n.op_type == op]:
        rank = ranks[node.input[0]] + (op == "Unsqueeze")
        if len(node.input) > 1:
            axes = numpy_helper.to_array(constants[node.input[1]].attribute[0].t)
            name = f"{node.name}_negative_axes"
            model.graph.initializer.append(numpy_helper.from_array(np.array([a - rank * (a >= 0) for a in axes]), name))
            node.input[1] = name
        else:
            (attribute,) = [a for a in node.attribute if a.name == "axes"]
            attribute.ints[:] = [a - rank * (a >= 0) for a in attribute.ints]
    return model


@pytest.mark.parametrize("opset", [11, 13, 17])
def test_a_recurrence_whose_squeeze_axes_are_negative_imports(opset, tmp_path):
    """The recurrent glue compared its Squeeze's axes to [1] as written: Squeeze(axes=[-3]) of Y (time, 1, batch,
    hidden), the same op, was not recognised and the LSTM was refused."""
    module, path = _Sequence().eval(), tmp_path / "lstm.onnx"
    torch_export(module, torch.randn(2, 5, 3), path, "x", axes={"x": {0: "batch", 1: "time"}}, opset_version=opset)
    onnx.save(_negative_axes(onnx.load(path), "Squeeze"), path)
    x = torch.randn(3, 7, 3)
    with torch.no_grad():
        torch.testing.assert_close(import_onnx(path)(x), module(x), atol=1e-5, rtol=1e-4)


@pytest.mark.parametrize("opset", [11, 13])
def test_a_cross_entropy_pick_whose_unsqueeze_axes_are_negative_imports(opset, tmp_path):
    net = NetGraph([CrossEntropyLossLayer("Index")], [], Input=(2, 3))
    path = export_onnx(net, tmp_path / "ce.onnx", opset=opset)
    onnx.save(_negative_axes(onnx.load(path), "Unsqueeze"), path)
    x = torch.rand(4, 2, 3, generator=torch.Generator().manual_seed(0))
    t = torch.tensor([[0, 2], [1, 1], [2, 0], [1, 0]])
    torch.testing.assert_close(import_onnx(path)(Input=x, Target=t), net(Input=x, Target=t), atol=1e-6, rtol=1e-6)


class _Replicate(nn.Module):
    def forward(self, x):
        return x.unsqueeze(1).expand(-1, 3, -1) * 2


@pytest.mark.parametrize("opset", [11, 13])
def test_a_replication_whose_unsqueeze_axes_are_negative_imports(opset, tmp_path):
    """Expand of an Unsqueeze counted a negative axis from the end of the Unsqueeze's input, not its output:
    unsqueeze(-2) of (batch, 4) read as axis 0 (the batch), and the replication was refused."""
    path = tmp_path / "rep.onnx"
    torch_export(_Replicate(), torch.randn(2, 4), path, "x", axes={"x": {0: "batch"}}, opset_version=opset)
    onnx.save(_negative_axes(onnx.load(path), "Unsqueeze"), path)
    x = torch.randn(5, 4)
    torch.testing.assert_close(import_onnx(path)(x), _Replicate()(x))


@pytest.mark.parametrize("axis", [-1, -2, -3, 1, 2, 3, 4])
def test_flatten_with_a_negative_axis_counts_it_from_the_end(axis, tmp_path):
    # the axis was judged before adding the rank: every negative one was refused as "with axis 0"; the Reshape back
    # ends the model with the batch dim apart, as an imported net needs
    graph = helper.make_graph([helper.make_node("Flatten", ["x"], ["f"], axis=axis),
                               helper.make_node("Relu", ["f"], ["r"]), helper.make_node("Reshape", ["r", "s"], ["y"])],
                              "g", [helper.make_tensor_value_info("x", onnx.TensorProto.FLOAT, ["b", 3, 4, 5])],
                              [helper.make_tensor_value_info("y", onnx.TensorProto.FLOAT, None)],
                              [numpy_helper.from_array(np.array([-1, 3, 4, 5], np.int64), "s")])
    onnx.save(pinned_model(graph, 13), path := tmp_path / "m.onnx")
    x = torch.randn(2, 3, 4, 5, generator=torch.Generator().manual_seed(0))
    [want] = run_onnx(path, {"x": x})
    torch.testing.assert_close(import_onnx(path)(x), torch.from_numpy(want))


@pytest.mark.parametrize("shape", [("b",), ("b", 3), ("b", 3, 4)])
def test_flatten_with_the_axis_at_the_rank_gives_vectors_of_one(shape, tmp_path):
    """Legal ONNX (axis from -r to r): (N * d1 * ..., 1), here times a (1, 2) weight and reshaped back; it was refused
    as 'axis past the last dim'."""
    back = np.array([-1, *shape[1:], 2], np.int64)
    nodes = [helper.make_node("Flatten", ["x"], ["f"], axis=len(shape)), helper.make_node("MatMul", ["f", "w"], ["m"]),
             helper.make_node("Reshape", ["m", "s"], ["y"])]
    graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", onnx.TensorProto.FLOAT, shape)],
                              [helper.make_tensor_value_info("y", onnx.TensorProto.FLOAT, None)],
                              [numpy_helper.from_array(np.array([[0.5, -2.0]], np.float32), "w"),
                               numpy_helper.from_array(back, "s")])
    onnx.save(pinned_model(graph, 13), path := tmp_path / "m.onnx")
    x = torch.randn(2, *shape[1:], generator=torch.Generator().manual_seed(0))
    [want] = run_onnx(path, {"x": x})
    assert want.shape == (2, *shape[1:], 2)
    torch.testing.assert_close(import_onnx(path)(x), torch.from_numpy(want))


@pytest.mark.parametrize("axis", [-4, 0])
def test_flatten_at_the_batch_dim_is_refused_for_that_reason(axis, tmp_path):
    graph = helper.make_graph([helper.make_node("Flatten", ["x"], ["y"], axis=axis)], "g",
                              [helper.make_tensor_value_info("x", onnx.TensorProto.FLOAT, ["b", 3, 4, 5])],
                              [helper.make_tensor_value_info("y", onnx.TensorProto.FLOAT, None)])
    onnx.save(pinned_model(graph, 13), path := tmp_path / "m.onnx")
    with pytest.raises(SpecError, match=rf"Flatten with axis {axis} \(axis 0 of a rank-4 input: merging the batch dim"
                       ) as info:
        import_onnx(path)
    diagnostic = info.value.diagnostics[0]
    assert (diagnostic.option, diagnostic.found) == ("axis", axis)
