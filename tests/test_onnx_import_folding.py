"""import_onnx computes constant nodes at import: an Expand of a constant broadcasts as ONNX's does, and a constant
too large to compute (a tiny file declaring a huge ConstantOfShape or broadcast) is refused before it is allocated."""

from __future__ import annotations

import time

import numpy as np
import pytest
import torch
from torch import nn

import onnx
from onnx import TensorProto, helper, numpy_helper

from netgraph import SpecError, import_onnx, limits
from netgraph.core.limits import Limits
from tests.onnx_helpers import pinned_model, run_onnx, torch_export

RANGE_ELEMENTS = Limits().range_elements  # the default limit on an integer Range of constant bounds

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")  # torch's TorchScript exporter


class ExpandedWeights(nn.Module):
    """A parameter expanded to a static shape before a product: torch exports Expand(w, [4, 3])."""

    def __init__(self):
        super().__init__()
        self.w = nn.Parameter(torch.randn(4, 1, generator=torch.Generator().manual_seed(0)))

    def forward(self, x):
        return x @ self.w.expand(4, 3)


@torch.no_grad()
def test_an_expand_of_a_constant_to_a_static_shape_is_broadcast(tmp_path):
    # the constant was kept unexpanded: the imported net gave (batch, 1) where the model gives (batch, 3)
    path = tmp_path / "expand.onnx"
    torch_export(ExpandedWeights().eval(), torch.randn(2, 4), path, "x")
    x = torch.randn(5, 4, generator=torch.Generator().manual_seed(1))
    want = torch.from_numpy(run_onnx(path, {"x": x})[0])
    assert want.shape == (5, 3)
    torch.testing.assert_close(import_onnx(path)(x), want, atol=1e-5, rtol=1e-4)


def _constant_model(path, nodes, initializers, shape=("b", 4)):
    graph = helper.make_graph(nodes + [helper.make_node("Add", ["x", "c"], ["y"], name="add")], "g",
                              [helper.make_tensor_value_info("x", TensorProto.FLOAT, list(shape))],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)], initializers)
    onnx.save(pinned_model(graph, 17), str(path))
    return path


def _int64(name, values):
    return numpy_helper.from_array(np.array(values, dtype=np.int64), name)


BOMBS = {  # each a file of a few hundred bytes whose constant would take 64 GiB or more
    "ConstantOfShape": ([helper.make_node("ConstantOfShape", ["s"], ["c"], name="bomb",
                                          value=helper.make_tensor("v", TensorProto.FLOAT, [1], [1.0]))],
                        [_int64("s", [1 << 17, 1 << 17])]),
    "Range": ([helper.make_node("Range", ["a", "l", "d"], ["c"], name="bomb")],
              [numpy_helper.from_array(np.array(v, np.float32), n) for n, v in (("a", 0), ("l", 1e11), ("d", 1))]),
    "Expand": ([helper.make_node("Expand", ["k", "s"], ["c"], name="bomb")],
               [numpy_helper.from_array(np.ones(1, np.float32), "k"), _int64("s", [1 << 17, 1 << 17])]),
    "Add": ([helper.make_node("Add", ["u", "v"], ["c"], name="bomb")],
            [numpy_helper.from_array(np.ones((1 << 16, 1), np.float32), "u"),
             numpy_helper.from_array(np.ones((1, 1 << 16), np.float32), "v")]),
}


@pytest.mark.parametrize("op", sorted(BOMBS))
def test_a_huge_constant_is_refused_before_it_is_computed(op, tmp_path):
    # the reference evaluator allocated it (tens of GiB) or, failing, the node was reported as an op without layer
    nodes, initializers = BOMBS[op]
    with limits(port_elements=2**20), pytest.raises(SpecError, match=rf"node 'bomb' \({op}\) computes a constant"
                                                                   r".*port_elements limit \(1,048,576") as info:
        import_onnx(path := _constant_model(tmp_path / f"{op}.onnx", nodes, initializers))
    (problem,) = info.value.diagnostics
    size = {"Range": 99999997952}.get(op, (1 << 17, 1 << 17) if op != "Add" else (1 << 16, 1 << 16))
    # its size and the limit, as a sparse tensor's (found was the op, which the message names)
    assert (problem.kind, problem.layer, problem.found, problem.expected, problem.file) == \
        ("constant-too-large", ("bomb",), size, 1 << 20, str(path))


def test_a_constant_within_the_limit_is_still_computed(tmp_path):
    nodes = [helper.make_node("ConstantOfShape", ["s"], ["c"], value=helper.make_tensor("v", TensorProto.FLOAT, [1], [2.0]))]
    path = _constant_model(tmp_path / "small.onnx", nodes, [_int64("s", [4])])
    x = torch.randn(3, 4)
    torch.testing.assert_close(import_onnx(path)(x), x + 2)


@pytest.mark.parametrize("attribute, value, op, want", [
    ("value_float", 2.0, "Mul", lambda x: x * 2),
    ("value_floats", [1.0, 2.0, 3.0, 4.0], "Mul", lambda x: x * torch.arange(1.0, 5.0)),
    ("value_int", 3, "Pow", lambda x: x ** 3)])
def test_constant_nodes_of_every_numeric_kind_are_read(attribute, value, op, want, tmp_path):
    # only Constant(value=tensor) was read: value_float(s)/value_int(s), as onnxscript writes them, left the
    # consumer "neither a graph input nor computed by a supported node"
    graph = helper.make_graph([helper.make_node("Constant", [], ["k"], name="k", **{attribute: value}),
                               helper.make_node(op, ["x", "k"], ["y"], name="op")], "g",
                              [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["b", 4])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)])
    onnx.save(pinned_model(graph, 17), str(tmp_path / "c.onnx"))
    x = torch.randn(3, 4, generator=torch.Generator().manual_seed(0))
    torch.testing.assert_close(import_onnx(tmp_path / "c.onnx")(x), want(x), atol=1e-5, rtol=1e-5)


def test_an_integer_range_too_long_is_refused_before_shape_inference(tmp_path):
    # onnx's data propagation computed an int64 Range whole: Range(0, 2**40, 1), a 200-byte file, took all memory
    nodes = [helper.make_node("Range", ["a", "l", "d"], ["c"], name="bomb")]
    path = _constant_model(tmp_path / "range.onnx", nodes, [_int64("a", 0), _int64("l", 1 << 24), _int64("d", 1)])
    with limits(port_elements=2**20), pytest.raises(SpecError, match=r"node 'bomb' \(Range\) computes a constant of "
                                                                   r"16,777,216 elements.*limit \(1,048,576") as info:
        import_onnx(path)
    (problem,) = info.value.diagnostics
    # its count and the limit, as a sparse tensor's (found was the op, which the message names)
    assert (problem.kind, problem.layer, problem.found, problem.expected, problem.file) == \
        ("constant-too-large", ("bomb",), 1 << 24, 1 << 20, str(path))


def _integer_range_model(path, end):
    """x + x, and Shape(Range(0, end, 1)) as a second output: a file of ~200 bytes."""
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, ["b", 3])
    nodes = [helper.make_node("Add", ["x", "x"], ["y"]), helper.make_node("Range", ["z", "end", "one"], ["r"], name="r"),
             helper.make_node("Shape", ["r"], ["rs"])]
    graph = helper.make_graph(nodes, "g", [x], [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["b", 3]),
                                                helper.make_tensor_value_info("rs", TensorProto.INT64, None)],
                              [_int64("z", 0), _int64("end", end), _int64("one", 1)])
    onnx.save(pinned_model(graph, 17), str(path))
    return path


@pytest.mark.parametrize("end", [(1 << 28) - 1, RANGE_ELEMENTS])
def test_an_integer_range_of_constant_bounds_is_sized_as_a_shape_constant(tmp_path, end):
    # just under port_elements it took a minute and 6 GiB: a Python tuple of every element, for every node input
    start = time.process_time()
    with pytest.raises(SpecError) as info:
        import_onnx(_integer_range_model(tmp_path / "r.onnx", end))
    assert time.process_time() - start < 2.0
    problem = info.value.diagnostics[0]
    if end > RANGE_ELEMENTS:  # refused before it is computed
        assert (problem.kind, problem.found, problem.expected) == ("constant-too-large", end, RANGE_ELEMENTS)
        assert "more than 1,048,576, the most an integer Range (of sizes or indices) holds (the range_elements " \
               "limit; netgraph.limits(range_elements=...) raises it" in str(info.value)
    else:  # computed (a constant output, which no net computes)
        assert problem.kind == "constant-output"


def test_the_integer_range_limit_is_raised_by_the_range_elements_limit(tmp_path):
    """Found by review: the cap had no way to be lifted (its hint was None)."""
    path = _integer_range_model(tmp_path / "r.onnx", RANGE_ELEMENTS + 1)
    with pytest.raises(SpecError) as info:
        import_onnx(path)
    assert info.value.diagnostics[0].hint == "netgraph.limits(range_elements=...) raises it (command line: " \
                                             "--limit range_elements=N)"
    with limits(range_elements=RANGE_ELEMENTS + 1), pytest.raises(SpecError) as info:
        import_onnx(path)
    assert info.value.diagnostics[0].kind == "constant-output"  # computed, not refused
