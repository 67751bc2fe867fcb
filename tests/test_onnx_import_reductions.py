"""import_onnx of reductions beyond ReduceSum/Mean/Max/Min: ReduceProd (``x.prod(k)``) as
``AggregationLayer("Times")``, over fixed sizes and a variable length; a Median node (no ONNX op: torch's exporters
refuse ``aten::median``) refused naming it; ``x.std(dim)`` and ``x.var(dim)`` (over a dynamic length too) as one
AggregationLayer; each imported net computes what onnxruntime and torch compute."""

from __future__ import annotations

import numpy as np
import onnx
import pytest
import torch
from onnx import TensorProto, helper

from netgraph import AggregationLayer, NetChain, SpecError, export_onnx, import_onnx, net_initialize
from tests.onnx_helpers import Op, pinned_model, run_onnx, torch_export
from tests.test_onnx_import_ops import kinds

#: name -> (forward, x's shape after the batch, its dynamic axes)
PRODUCTS = {
    "rows": (lambda x: x.prod(1), (3, 4), {0: "b"}),
    "last_kept": (lambda x: x.prod(-1, keepdim=True), (3, 4), {0: "b"}),
    "variable_length": (lambda x: x.prod(1), (5, 3), {0: "b", 1: "n"}),
    "within_variable_length": (lambda x: x.prod(-1), (5, 3), {0: "b", 1: "n"}),
}


@pytest.mark.parametrize("name", sorted(PRODUCTS))
@torch.no_grad()
def test_a_reduce_prod_imports_as_a_times_aggregation(name, tmp_path):
    forward, shape, axes = PRODUCTS[name]
    path = torch_export(Op(forward), torch.randn(2, *shape), tmp_path / f"{name}.onnx", "x", axes={"x": axes})
    assert "ReduceProd" in {node.op_type for node in onnx.load(str(path)).graph.node}
    net = import_onnx(path)
    assert "AggregationLayer" in kinds(net)
    for length in (shape[0], shape[0] + 2) if 1 in axes else (shape[0],):
        x = 0.5 + torch.rand(3, length, *shape[1:], generator=torch.Generator().manual_seed(length))
        want = torch.from_numpy(run_onnx(path, {"x": x})[0])
        torch.testing.assert_close(net(x), want, atol=1e-6, rtol=1e-5)
        torch.testing.assert_close(want, forward(x), atol=1e-6, rtol=1e-5)


def test_a_median_node_is_refused_naming_its_op(tmp_path):
    """ONNX has no Median op (torch refuses to export aten::median); a graph holding one is refused as an op
    without a layer, the node and its op named, the ops that map listed."""
    graph = helper.make_graph([helper.make_node("Median", ["x"], ["y"], name="middle", axes=[1])], "g",
                              [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["b", 3, 4])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["b", 4])])
    path = tmp_path / "median.onnx"
    onnx.save(pinned_model(graph), str(path))
    with pytest.raises(SpecError, match=r"node 'middle' \(Median\): no layer for this op") as info:
        import_onnx(path)
    (problem,) = info.value.diagnostics
    assert (problem.kind, problem.layer, problem.found) == ("unsupported-op", ("middle",), "Median")
    assert "ReduceProd" in problem.expected


#: name -> (forward, its dynamic axes, the AggregationLayer's function)
SPREADS = {
    "std_variable_length": (lambda x: x.std(dim=1), {0: "b", 1: "n"}, "StandardDeviation"),
    "var_variable_length": (lambda x: x.var(dim=1), {0: "b", 1: "n"}, "Variance"),
    "std_kept": (lambda x: x.std(dim=1, keepdim=True), {0: "b", 1: "n"}, "StandardDeviation"),
    "std_within": (lambda x: x.std(dim=-1), {0: "b", 1: "n"}, "StandardDeviation"),
    "std_fixed": (lambda x: torch.tanh(x).std(dim=1), {0: "b"}, "StandardDeviation"),
}


def _functions(net) -> list:
    found = []
    for layer in net.layers.values():
        inner = layer.layers.values() if hasattr(layer, "layers") else [layer]
        found += [part.function for part in inner if part.type_name == "AggregationLayer"]
    return found


@pytest.mark.parametrize("name", sorted(SPREADS))
@torch.no_grad()
def test_torchs_std_over_a_dim_imports_as_one_aggregation(name, tmp_path):
    """x.std(dim=1) of a dynamic length counts n from Shape(x) (a size used as data): it was refused; the whole
    chain is one AggregationLayer, which counts each call's elements."""
    forward, axes, function = SPREADS[name]
    path = torch_export(Op(forward), torch.randn(2, 5, 3), tmp_path / f"{name}.onnx", "x", axes={"x": axes})
    net = import_onnx(path)
    assert _functions(net) == [function]
    for length in (5, 8) if 1 in axes else (5,):
        x = torch.randn(3, length, 3, generator=torch.Generator().manual_seed(length))
        want = torch.from_numpy(run_onnx(path, {"x": x})[0])
        torch.testing.assert_close(net(x), want, atol=1e-5, rtol=1e-4)
        torch.testing.assert_close(want, forward(x), atol=1e-5, rtol=1e-4)


@pytest.mark.parametrize("function", ["Variance", "StandardDeviation", "MeanDeviation"])
@pytest.mark.parametrize("shape", [("n", 5, 4), ("n", "m", 4)], ids=["length", "lengths"])
def test_a_spread_over_several_levels_of_a_variable_length_imports_back(function, shape, tmp_path):
    """export_onnx merges the levels into one (a Reshape of Concat(Slice(Shape(t), 0, -2), [-1])) before the
    statistic, and no layer reshapes a variable length: the import raised an internal ShapeError naming its own
    layers; the chain is now one AggregationLayer over those levels, at any length."""
    net = net_initialize(NetChain([AggregationLayer(function, [1, 2])], input=shape), seed=0)
    export_onnx(net, tmp_path / "m.onnx")
    back = import_onnx(tmp_path / "m.onnx")
    assert _functions(back) == [function]
    for sizes in ((3, 5, 4), (1, 5, 4)) if shape[1] == 5 else ((3, 5, 4), (6, 2, 4)):
        x = torch.randn(2, *sizes, generator=torch.Generator().manual_seed(sizes[0]))
        want = torch.from_numpy(run_onnx(tmp_path / "m.onnx", {"Input": x})[0])
        torch.testing.assert_close(back(x), want, atol=1e-5, rtol=1e-5)
        torch.testing.assert_close(net(x), want, atol=1e-5, rtol=1e-5)


def test_layers_that_do_not_fit_together_are_a_spec_error_naming_the_node(tmp_path):
    """A NetGraph error while assembling the imported layers (a Flatten of a variable length) named the import's
    own layers in an internal ShapeError: it is a SpecError naming the file, the ONNX node and its op."""
    graph = helper.make_graph([helper.make_node("Flatten", ["x"], ["f"], name="merge", axis=1),
                               helper.make_node("Relu", ["f"], ["y"], name="ramp")], "g",
                              [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["b", "n", 3])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["b", None])])
    path = tmp_path / "flat.onnx"
    onnx.save(pinned_model(graph), str(path))
    with pytest.raises(SpecError, match=r"flat\.onnx: cannot import the model, the layers of its nodes do not fit "
                                        r"together: node 'merge' \(Flatten\): as FlattenLayer, cannot flatten") as info:
        import_onnx(path)
    (problem,) = info.value.diagnostics
    assert (problem.kind, problem.layer) == ("unassembled-import", ("merge",))


def _merged_mean_deviation(path, front: list, x_dims: list, y_dims: list | None = None,
                           others: dict | None = None) -> None:
    """MeanDeviation over x's last levels merged by Reshape(x, Concat(<front>, [-1])), ``front`` computing 'front'
    (from ``others``' inputs too, each name: dims)."""
    nodes = [*front, helper.make_node("Constant", [], ["last"],
                                      value=helper.make_tensor("l", TensorProto.INT64, [1], [-1])),
             helper.make_node("Concat", ["front", "last"], ["target"], axis=0),
             helper.make_node("Reshape", ["x", "target"], ["r"]),
             helper.make_node("ReduceMean", ["r"], ["mean"], axes=[-1], keepdims=1),
             helper.make_node("Sub", ["r", "mean"], ["centred"]), helper.make_node("Abs", ["centred"], ["size"]),
             helper.make_node("ReduceMean", ["size"], ["y"], axes=[-1], keepdims=0)]
    inputs = [helper.make_tensor_value_info(name, TensorProto.FLOAT, dims)
              for name, dims in {"x": x_dims, **(others or {})}.items()]
    graph = helper.make_graph(nodes, "g", inputs, [helper.make_tensor_value_info("y", TensorProto.FLOAT, y_dims)],
                              [onnx.numpy_helper.from_array(np.array([0], np.int64), "start"),
                               onnx.numpy_helper.from_array(np.array([2], np.int64), "end"),
                               onnx.numpy_helper.from_array(np.array([0, 2], np.int64), "swapped")])
    onnx.save(pinned_model(graph), str(path))


def test_a_mean_deviation_of_levels_merged_by_a_shape_with_an_end_imports_as_one_aggregation(tmp_path):
    """The merge's target was matched node by node as Concat(Slice(Shape(t), 0, -2), [-1]): the same sizes read as
    Shape(t, end=2) (opset 15's attribute) were not recognised, and the Reshape of the variable length refused."""
    _merged_mean_deviation(tmp_path / "m.onnx", [helper.make_node("Shape", ["x"], ["front"], start=0, end=2)],
                       ["b", "n", 5, 4], y_dims=["b", "n"])
    back = import_onnx(tmp_path / "m.onnx")
    assert _functions(back) == ["MeanDeviation"]
    for length in (3, 7):
        x = torch.randn(2, length, 5, 4, generator=torch.Generator().manual_seed(length))
        want = torch.from_numpy(run_onnx(tmp_path / "m.onnx", {"x": x})[0])
        torch.testing.assert_close(back(x), want, atol=1e-5, rtol=1e-5)


def test_a_merge_whose_target_takes_an_unknown_dim_of_another_tensor_is_not_one_aggregation(tmp_path):
    """The merge's target was matched to t's own sizes with an unknown dim counted equal to any: a target taking
    its second dim from another input (also of unknown size) merged t's last two levels into a length that is not
    t's, yet imported as an AggregationLayer over t's levels (wrong shape and values); it merges only dims known
    equal, and the Reshape to a length of unknown size is refused naming the node."""
    _merged_mean_deviation(tmp_path / "m.onnx", [helper.make_node("Shape", ["z"], ["front"])], ["b", None, 5, 4],
                       y_dims=["b", None], others={"z": ["b", None]})
    with pytest.raises(SpecError, match=r"node 3 \(Reshape\): its target dims after the batch \('\?', -1\) are not "
                                        r"all known sizes"):
        import_onnx(tmp_path / "m.onnx")
    x, z = torch.randn(2, 2, 5, 4, generator=torch.Generator().manual_seed(0)), torch.zeros(2, 4)
    assert run_onnx(tmp_path / "m.onnx", {"x": x, "z": z})[0].shape == (2, 4)  # not a spread over x's (5, 4)


def test_a_merge_whose_target_takes_an_unknown_dim_of_the_merged_tensor_itself_is_one_aggregation(tmp_path):
    """x of dims (b, ?, 5, 4) merged by Concat(Slice(Shape(x), 0, 2), [-1]) was refused once unknown dims stopped
    counting equal ("its target dims after the batch ('?', -1) are not all known sizes"): a dim the target reads from
    x's own shape at its own axis is x's; one read at another axis is not (x's 2nd and 3rd dims swapped)."""
    own = [helper.make_node("Shape", ["x"], ["s"]), helper.make_node("Slice", ["s", "start", "end"], ["front"])]
    _merged_mean_deviation(tmp_path / "m.onnx", own, ["b", None, 5, 4])
    back = import_onnx(tmp_path / "m.onnx")
    assert _functions(back) == ["MeanDeviation"]
    for length in (3, 7):
        x = torch.randn(2, length, 5, 4, generator=torch.Generator().manual_seed(length))
        want = torch.from_numpy(run_onnx(tmp_path / "m.onnx", {"x": x})[0])
        torch.testing.assert_close(back(x), want, atol=1e-5, rtol=1e-5)
    swapped = [helper.make_node("Shape", ["x"], ["s"]), helper.make_node("Gather", ["s", "swapped"], ["front"])]
    _merged_mean_deviation(tmp_path / "w.onnx", swapped, ["b", None, None, 4])
    with pytest.raises(SpecError, match=r"\(Reshape\): its target dims after the batch \('\?', -1\) are not all known"):
        import_onnx(tmp_path / "w.onnx")
