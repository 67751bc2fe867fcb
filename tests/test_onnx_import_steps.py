"""import_onnx of a Slice with a step (``x[:, ::2]``, ``x[:, 1:-1:3]``): a PartLayer span with Wolfram's step
(``"1;;-1;;2"``), over fixed sizes and over a variable length ``n`` (of length ``n_over_2``); each imported net
computes what onnxruntime and the torch module compute. A negative step (``torch.flip``, or any ``s:e:-k`` ONNX
writes) reverses the axis first (a SequenceReverseLayer, between TransposeLayers for another axis than 1), then takes
the span of the reversed axis."""

from __future__ import annotations

import numpy as np
import onnx
import pytest
import torch
from onnx import TensorProto, helper, numpy_helper

from netgraph import NetGraph, OptionError, PartLayer, SpecError, import_onnx
from tests.onnx_helpers import Op, pinned_model, run_onnx, torch_export

#: name -> (x -> its strided part, x's shape after the batch, its dynamic axes, the PartLayer's part)
STEPS = {
    "every_second": (lambda x: x[:, ::2], (5, 3), {0: "b"}, ["1;;-1;;2"]),
    "inner_axis": (lambda x: x[:, :, 1:6:3], (2, 7), {0: "b"}, ["All", "2;;6;;3"]),
    "from_the_end": (lambda x: x[:, -5::2], (6,), {0: "b"}, ["-5;;-1;;2"]),
    "variable_length": (lambda x: x[:, ::2], (5, 3), {0: "b", 1: "n"}, ["1;;-1;;2"]),
    "variable_cut": (lambda x: x[:, 1:-1:3], (8, 2), {0: "b", 1: "n"}, ["2;;-2;;3"]),
}


def _parts(net) -> list:
    return [layer.part for layer in net.layers.values() if layer.type_name == "PartLayer"]


@pytest.mark.parametrize("name", sorted(STEPS))
@torch.no_grad()
def test_a_slice_with_a_step_imports_as_a_part_layer_span_with_that_step(name, tmp_path):
    pick, shape, axes, part = STEPS[name]
    path = torch_export(Op(pick), torch.randn(2, *shape), tmp_path / f"{name}.onnx", "x", axes={"x": axes})
    assert "Slice" in {node.op_type for node in onnx.load(str(path)).graph.node}
    net = import_onnx(path)
    assert _parts(net) == [part]
    for length in (shape[0], shape[0] + 3) if 1 in axes else (shape[0],):
        x = torch.randn(3, length, *shape[1:], generator=torch.Generator().manual_seed(length))
        got = net(x)
        np.testing.assert_array_equal(got.numpy(), pick(x).numpy())
        np.testing.assert_array_equal(got.numpy(), run_onnx(path, {"x": x})[0])


def test_a_strided_variable_length_is_named_after_it(tmp_path):
    path = torch_export(Op(lambda x: x[:, 1:-1:3]), torch.randn(2, 8, 2), tmp_path / "cut.onnx", "x",
                        axes={"x": {0: "b", 1: "n"}})
    assert list(import_onnx(path).output_shapes.values()) == [("n_minus_2_over_3", 2)]


@pytest.mark.parametrize("part", ["1;;-1;;0", "1;;-1;;-2", "1;;;;x"])
def test_a_span_step_must_be_a_positive_integer(part):
    with pytest.raises(OptionError, match="positive step"):
        PartLayer(part)


@pytest.mark.parametrize("part, shape, out, hand", [
    ("1;;-1;;2", (5, 3), (3, 3), lambda x: x[:, ::2]),
    ("2;;5;;2", (6,), (2,), lambda x: x[:, 1:5:2]),
    (["All", "-4;;-1;;3"], (2, 4), (2, 2), lambda x: x[:, :, -4::3]),
    ("1;;-1;;2", ("n", 3), ("n_over_2", 3), lambda x: x[:, ::2]),
    ("2;;-1;;2", ("n",), ("n_minus_1_over_2",), lambda x: x[:, 1::2]),
    ("1;;4;;2", ("n",), (2,), lambda x: x[:, 0:4:2]),
])
def test_a_part_layer_span_with_a_step_takes_every_kth_element(part, shape, out, hand):
    net = NetGraph([PartLayer(part)], [], Input=shape)
    assert net.output_shapes == {"Output": out}
    for length in (5, 6, 7):
        x = torch.randn(2, *(length if d == "n" else d for d in shape))
        torch.testing.assert_close(net(x), hand(x), rtol=0, atol=0)
        torch.testing.assert_close(net.compile()(x), hand(x), rtol=0, atol=0)


#: torch.flip of these axes of x of this shape after the batch, dynamic axes (it imported for axis 1 alone)
FLIPS = {"channels": ([1], (3, 4, 5), {0: "b"}), "image": ([2, 3], (2, 4, 5), {0: "b", 2: "h", 3: "w"}),
         "last": ([-1], (4, 6), {0: "b", 1: "n"}), "sequence": ([1], (5, 3), {0: "b", 1: "n"})}


@pytest.mark.parametrize("name", sorted(FLIPS))
@torch.no_grad()
def test_a_flip_of_any_non_batch_axis_imports(name, tmp_path):
    dims, shape, axes = FLIPS[name]
    flip = Op(lambda x: torch.flip(x, dims) * 2)
    net = import_onnx(torch_export(flip, torch.randn(2, *shape), tmp_path / "flip.onnx", "x", axes={"x": axes}))
    for grow in (0, 2):
        x = torch.randn(3, *(d + grow * (k + 1 in axes) for k, d in enumerate(shape)))
        torch.testing.assert_close(net(x), flip(x), rtol=0, atol=0)
        torch.testing.assert_close(net.compile()(x), flip(x), rtol=0, atol=0)


_END = 2 ** 63 - 1  # an open end, as torch writes it
#: x's shape after the batch (a name: dynamic), and a Slice's starts, ends, axes, steps of a negative step
NEGATIVE = [((5, 6), [4], [0], [2], [-2]), ((5, 6), [-2], [-6], [2], [-3]), ((5, 6), [10], [-10], [1], [-1]),
            (("n", 6), [-1], [-_END], [1], [-2]), (("n", 6), [-1], [1], [1], [-1]),
            (("n", 6), [_END], [-3], [1], [-2]),
            ((3, "h", "w"), [-1, 1], [-_END, _END], [3, 2], [-1, 2])]


@pytest.mark.parametrize("shape, starts, ends, axes, steps", NEGATIVE)
def test_a_slice_of_a_negative_step_imports_as_onnxruntime_runs_it(shape, starts, ends, axes, steps, tmp_path):
    arrays = [numpy_helper.from_array(np.array(v, np.int64), name)
              for v, name in ((starts, "starts"), (ends, "ends"), (axes, "axes"), (steps, "steps"))]
    node = helper.make_node("Slice", ["x", "starts", "ends", "axes", "steps"], ["y"], name="cut")
    graph = helper.make_graph([node], "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["b", *shape])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)], arrays)
    path = tmp_path / "cut.onnx"
    onnx.save(pinned_model(graph), str(path))
    net = import_onnx(path)
    for size in (5, 8) if any(isinstance(d, str) for d in shape) else (5,):
        x = torch.randn(2, *(size if isinstance(d, str) else d for d in shape))
        np.testing.assert_array_equal(net(x).numpy(), run_onnx(path, {"x": x})[0])


def test_a_negative_step_slice_taking_nothing_is_refused_naming_it(tmp_path):
    arrays = [numpy_helper.from_array(np.array(v, np.int64), name)
              for v, name in (([1], "starts"), ([3], "ends"), ([1], "axes"), ([-1], "steps"))]
    node = helper.make_node("Slice", ["x", "starts", "ends", "axes", "steps"], ["y"], name="cut")
    graph = helper.make_graph([node], "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["b", 5])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)], arrays)
    onnx.save(pinned_model(graph), str(tmp_path / "cut.onnx"))
    with pytest.raises(SpecError) as info:
        import_onnx(tmp_path / "cut.onnx")
    (problem,) = info.value.diagnostics
    assert (problem.layer, problem.found) == (("cut",), "1:3:-1")


@pytest.mark.parametrize("start, end", [(3, -1), (1, 5), (10, -100)])
def test_a_negative_step_slice_over_an_unknown_length_that_may_take_nothing_is_refused_naming_it(start, end, tmp_path):
    # 3:-1 and 1:5 take nothing at any length; 10:-100 takes what depends on it (once a ShapeError or PartLayer's
    # "each level must be a non-zero integer", from the span "1;;0" or "-11;;99" built for it)
    arrays = [numpy_helper.from_array(np.array(v, np.int64), name)
              for v, name in (([start], "starts"), ([end], "ends"), ([1], "axes"), ([-2], "steps"))]
    node = helper.make_node("Slice", ["x", "starts", "ends", "axes", "steps"], ["y"], name="cut")
    graph = helper.make_graph([node], "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["b", "n"])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)], arrays)
    onnx.save(pinned_model(graph), str(tmp_path / "cut.onnx"))
    with pytest.raises(SpecError, match="of an axis of unknown length") as info:
        import_onnx(tmp_path / "cut.onnx")
    (problem,) = info.value.diagnostics
    assert (problem.layer, problem.found) == (("cut",), f"{start}:{end}:-2")
