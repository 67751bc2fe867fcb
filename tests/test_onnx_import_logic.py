"""Comparisons, logic ops and Where at import: FunctionLayer expressions over ONNX's booleans as 0 and 1."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

import onnx
from onnx import TensorProto, helper, numpy_helper

from netgraph import FunctionLayer, NetChain, NetGraph, SpecError, export_onnx, import_onnx, net_initialize
from tests.onnx_helpers import pinned_model, run_onnx, torch_export


@pytest.mark.parametrize("expression", ["If[# > 0.5, #, 0]", "If[# == 0, 1, #]", "If[# >= -0.25, #, 0.1 * #]",
                                        "If[# < 1, Exp[#], #]", "If[# <= 0, 0, 2]"])
def test_a_function_layer_choosing_by_a_comparison_round_trips(expression, tmp_path):
    """Our FunctionLayer exports If[test, a, b] as a comparison, Cast, Equal, Not and Where, none of which imported
    (Greater only as a leaky ramp's test): the net exported but did not import back."""
    net = net_initialize(NetChain([FunctionLayer(expression)], input=5), seed=0)
    back = import_onnx(export_onnx(net, tmp_path / "if.onnx"))
    x = torch.tensor([[-1.0, -0.25, 0.0, 0.5, 2.0], [0.75, 1.0, -3.0, 0.25, float("nan")]])
    torch.testing.assert_close(back(x), net(x), equal_nan=True)


class _Where(nn.Module):
    def __init__(self, combined: bool):
        super().__init__()
        self.combined = combined

    def forward(self, x):
        if self.combined:
            return torch.where((x > 0) & ~(x > 1) | (x < -2), x, x.exp() - 1)
        return torch.where(x >= 1, x, 0.3 * x)  # a leaky ramp's form, tested at 1: no ParametricRampLayer


@pytest.mark.parametrize("module", [nn.Hardshrink(0.5), nn.Softshrink(0.5), _Where(True), _Where(False)],
                         ids=["hardshrink", "softshrink", "where", "where at 1"])
def test_torch_choices_by_comparisons_import(module, tmp_path):
    """nn.Hardshrink and nn.Softshrink (Greater, Less, Or, Where) and torch.where of combined tests (And, Not) were
    refused: a comparison imported only as a leaky ramp's test x >= 0."""
    path = torch_export(module, torch.randn(2, 6), tmp_path / "m.onnx", "x")
    x = torch.linspace(-3, 3, 18).reshape(3, 6)
    torch.testing.assert_close(import_onnx(path)(x), module(x))


class _Threshold(nn.Module):
    def __init__(self):
        super().__init__()
        self.register_buffer("edges", torch.tensor([0.0, 1.0, 2.0]))

    def forward(self, x):
        return torch.where(x > self.edges, x, 0.0)


def test_a_comparison_with_a_constant_of_several_values_is_refused_naming_it(tmp_path):
    path = torch_export(_Threshold(), torch.randn(2, 3), tmp_path / "m.onnx", "x")
    with pytest.raises(SpecError, match=r"\(Greater\): .*constant operand of shape \[3\]"):
        import_onnx(path)


def _where_of_a_filled_constant(path, width: int):
    """Where(x > 0, x, c) of x (batch, width) and c (1, 6) full of 0.3: torch's dynamo exporter folds
    ``torch.where(x > 0, x, torch.zeros_like(x) + 0.3)`` so."""
    nodes = [helper.make_node("Greater", ["x", "zero"], ["test"]), helper.make_node("Where", ["test", "x", "c"], ["y"])]
    graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["b", width])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["b", 6])],
                              [numpy_helper.from_array(np.float32(0.0), "zero"),
                               numpy_helper.from_array(np.full((1, 6), 0.3, np.float32), "c")])
    onnx.save(pinned_model(graph), str(path))
    return path


def test_a_choice_of_a_constant_of_one_repeated_value_imports(tmp_path):
    """A constant of several elements all alike was refused as several values: it is the one number."""
    path = _where_of_a_filled_constant(tmp_path / "m.onnx", 6)
    x = torch.linspace(-3, 3, 18).reshape(3, 6)
    torch.testing.assert_close(import_onnx(path)(x), torch.from_numpy(run_onnx(path, {"x": x})[0]))


def test_a_repeated_value_that_would_widen_the_output_is_still_refused(tmp_path):
    # x (batch, 1) against c (1, 6): written in as one number, the output would keep x's one column
    with pytest.raises(SpecError, match=r"\(Where\): its constant operand of shape \[1, 6\]"):
        import_onnx(_where_of_a_filled_constant(tmp_path / "m.onnx", 1))


def test_arctan_of_a_point_round_trips_with_its_nan_at_the_origin(tmp_path):
    """ArcTan[x, y] exports its Indeterminate at the origin as a NaN constant of shape [] (Infinity - Infinity
    folded), which the importer refused: only finite constants were written into the FunctionLayer."""
    net = net_initialize(NetGraph({"f": FunctionLayer("ArcTan[#x, #y]")}, [], x=6, y=6))
    back = import_onnx(export_onnx(net, tmp_path / "a.onnx"))
    x = torch.tensor([[-1.0, 0.0, -0.0, 3.0, 0.0, -2.0], [1.0, -0.0, 0.0, 0.5, -1.0, -2.0]])
    y = torch.tensor([[-0.0, 0.0, -0.0, -4.0, 1.0, 0.0], [1.0, 0.0, 0.0, 0.0, -0.0, -2.0]])
    want = net(x=x, y=y)
    assert torch.isnan(want).sum() == 4  # the origin, every sign of zero
    torch.testing.assert_close(back(x=x, y=y), want, equal_nan=True)


class _Infinities(nn.Module):
    def forward(self, x):
        return torch.where(x > 1, float("-inf"), torch.where(x < -1, float("inf"), x))


def test_a_choice_of_an_infinity_imports(tmp_path):
    """A constant operand of +-Infinity (a mask's fill) was refused with the NaN: only finite ones were written in."""
    path = torch_export(_Infinities(), torch.randn(2, 6), tmp_path / "m.onnx", "x")
    x = torch.linspace(-3, 3, 18).reshape(3, 6)
    torch.testing.assert_close(import_onnx(path)(x), _Infinities()(x))


class _CountedMask(nn.Module):
    def __init__(self, real: bool = True):
        super().__init__()
        self.real = real

    def forward(self, idx):
        count = (idx != 0).sum(1)  # Equal, Not, a Cast to int64, ReduceSum
        return count.float() if self.real else count


class _IndexedByTest(nn.Module):
    def __init__(self):
        super().__init__()
        self.table = nn.Embedding(2, 3)

    def forward(self, idx):
        return self.table((idx != 0).long())  # the Cast feeds indices: an Integer port our tests cannot give


def test_a_counted_mask_imports_and_counts_as_torch(tmp_path):
    """The Cast of the test to int64 was refused ("only a Cast to float32"); 0 and 1 are exact as reals, so it passes
    them to the sum, which counts them as torch does."""
    path = torch_export(_CountedMask(), torch.tensor([[1, 0, 2, 0]]), tmp_path / "m.onnx", "idx")
    idx = torch.tensor([[1, 0, 2, 0], [0, 0, 0, 0], [5, 7, 1, 3]])
    assert import_onnx(path)(idx).tolist() == _CountedMask()(idx).tolist() == [2, 0, 4]


def test_a_counted_mask_that_is_an_integer_output_is_refused_naming_the_cast_and_the_output(tmp_path):
    """It imported as a Real output where ONNX says int64: no layer gives an Integer port from reals."""
    path = torch_export(_CountedMask(real=False), torch.tensor([[1, 0, 2, 0]]), tmp_path / "m.onnx", "idx",
                        output_names=["count"])
    with pytest.raises(SpecError, match=r"node '/Cast' \(Cast\): its integer value \(a count of a test\) is graph "
                                        r"output 'count' of an integer type, and no layer gives an Integer port"):
        import_onnx(path)


def test_a_test_cast_to_indices_is_still_refused_naming_the_cast(tmp_path):
    path = torch_export(_IndexedByTest(), torch.tensor([[1, 0, 2]]), tmp_path / "m.onnx", "idx")
    with pytest.raises(SpecError, match=r"\(Cast\): its integer value .* reaches node '/table/Gather' \(Gather\), "
                                        r"which reads it as integers"):
        import_onnx(path)


def _counted_then(tail: list, path, output: int = TensorProto.INT64) -> str:
    """x != 0, cast to int64, then ``tail`` (nodes reading "c", the last writing "y" of type ``output``), saved at
    ``path``."""
    zero = numpy_helper.from_array(np.array(0.0, dtype=np.float32), "zero")
    two = numpy_helper.from_array(np.array(2, dtype=np.int64), "two")
    axis = numpy_helper.from_array(np.array([1], dtype=np.int64), "axis")
    nodes = [helper.make_node("Equal", ["x", "zero"], ["e"]), helper.make_node("Not", ["e"], ["ne"]),
             helper.make_node("Cast", ["ne"], ["c"], to=TensorProto.INT64), *tail]
    graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["b", 3])],
                              [helper.make_tensor_value_info("y", output, None)], [zero, two, axis])
    onnx.save(pinned_model(graph), path)
    return path


@pytest.mark.parametrize("tail", [
    [helper.make_node("Div", ["c", "two"], ["y"])],
    [helper.make_node("ReduceSum", ["c", "axis"], ["s"], keepdims=1), helper.make_node("Div", ["s", "two"], ["y"])],
    [helper.make_node("Add", ["c", "c"], ["s"]), helper.make_node("Mod", ["s", "two"], ["y"], fmod=0)]])
def test_a_test_cast_to_integers_reaching_a_truncating_op_is_refused(tail, tmp_path):
    """Div, Mod, Pow, Mean and ReduceMean truncate on integers in ONNX: (x != 0) as int64 over 2 gave 0.5, not 0, also
    read through a sum; only the Cast's own readers were looked at. The refusal names the op and its node."""
    with pytest.raises(SpecError, match=r"\(Cast\): its integer value .* reaches the node computing 'y' \((Div|Mod)\), "
                                        r"which truncates on integers in ONNX") as info:
        import_onnx(_counted_then(tail, tmp_path / "m.onnx"))
    assert "'Sum'" not in info.value.diagnostics[0].expected  # ONNX's Sum takes no integers: no reader to name


def test_a_test_cast_to_integers_summed_then_doubled_imports_as_onnx_computes_it(tmp_path):
    tail = [helper.make_node("ReduceSum", ["c", "axis"], ["s"], keepdims=0), helper.make_node("Add", ["s", "s"], ["d"]),
            helper.make_node("Cast", ["d"], ["y"], to=TensorProto.FLOAT)]
    net = import_onnx(_counted_then(tail, tmp_path / "m.onnx", TensorProto.FLOAT))
    assert net(torch.tensor([[1.0, 0.0, 2.0], [0.0, 0.0, 0.0]])).tolist() == [4.0, 0.0]


def test_constants_written_into_expressions_read_as_one_writes_them(tmp_path):
    """A Clip's bounds and a comparison's constant are written as the expression language writes numbers (0, 6, 2,
    -Infinity), by the one function that writes them: they were 0.0, 6.0 and 2.0 (two copies of it)."""
    numbers = {"low": 0.0, "high": 6.0, "two": 2.0, "floor": -np.inf}
    arrays = [numpy_helper.from_array(np.array(v, np.float32), name) for name, v in numbers.items()]
    nodes = [helper.make_node("Clip", ["x", "low", "high"], ["c"]), helper.make_node("Less", ["x", "two"], ["b"]),
             helper.make_node("Clip", ["c", "floor"], ["m"]), helper.make_node("Where", ["b", "x", "m"], ["y"])]
    graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["n", 3])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["n", 3])], arrays)
    onnx.save(pinned_model(graph), tmp_path / "c.onnx")
    back = import_onnx(tmp_path / "c.onnx")
    written = sorted(a.function for a in back.layers.values() if isinstance(a, FunctionLayer))
    assert written == ["Clip[#, {-Infinity, Infinity}]", "Clip[#, {0, 6}]", "If[#1 != 0, #2, #3]",
                       "If[#1 < (2), 1, 0]"]
    x = torch.tensor([[-1.0, 3.0, 7.0], [2.5, 6.5, -2.0]])
    torch.testing.assert_close(back(x), torch.from_numpy(run_onnx(tmp_path / "c.onnx", {"x": x})[0]))
