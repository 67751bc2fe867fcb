"""import_onnx's refusal of a big model: the nodes refused for one reason are one line of the message, with their
count and the first few names, and the message lists at most ``MAX_LISTED`` lines; every node keeps its Diagnostic."""

from __future__ import annotations

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

from netgraph import SpecError, import_onnx
from netgraph.core.errors import MAX_LISTED
from tests.onnx_helpers import pinned_model


def refused(tmp_path, nodes, outputs):
    value = lambda name: helper.make_tensor_value_info(name, TensorProto.FLOAT, None)  # noqa: E731
    graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["b", 4])],
                              [value(o) for o in outputs], [numpy_helper.from_array(np.array(1, np.int64), "one")])
    path = tmp_path / "big.onnx"
    onnx.save(pinned_model(graph, 17, ("my.ops", 1)), str(path))
    with pytest.raises(SpecError) as info:
        import_onnx(path)
    return info.value


def test_many_nodes_of_an_op_without_a_layer_are_one_line(tmp_path):
    n = 150
    nodes = [helper.make_node("Hardmax", [f"c{i - 1}" if i else "x"], [f"c{i}"], name=f"max{i}") for i in range(n)]
    nodes += [helper.make_node("Frob", ["x"], [f"f{i}"], name=f"frob{i}", domain="my.ops") for i in range(3)]
    error = refused(tmp_path, nodes, [f"c{n - 1}", "f0", "f1", "f2"])
    assert sorted(d.layer[0] for d in error.diagnostics if d.found == "Hardmax") == sorted(f"max{i}" for i in range(n))
    message = str(error)
    assert f"{n} nodes (Hardmax): no layer for this op: 'max0', 'max1', 'max2', ... and {n - 3} more" in message
    assert "3 nodes (Frob): " in message and "'frob0', 'frob1', 'frob2'" in message and "more" not in \
        message.split("(Frob)")[1].split("\n")[0]
    assert "max149" not in message and message.count("\n  - ") == 2


def test_many_different_refusals_list_the_first_few(tmp_path):
    n = 3 * MAX_LISTED  # each node of its own custom op: no two alike
    nodes = [helper.make_node(f"Frob{i}", ["x"], [f"f{i}"], name=f"frob{i}", domain="my.ops") for i in range(n)]
    error = refused(tmp_path, nodes, [f"f{i}" for i in range(n)])
    assert len(error.diagnostics) == n
    assert str(error).count("\n  - ") == MAX_LISTED and f"... and {n - MAX_LISTED} more" in str(error)


def imported_warning(tmp_path, nodes, inputs, outputs):
    values = [helper.make_tensor_value_info(k, TensorProto.FLOAT, v) for k, v in inputs.items()]
    graph = helper.make_graph(nodes, "g", values, [helper.make_tensor_value_info(o, TensorProto.FLOAT, None)
                                                   for o in outputs])
    path = tmp_path / "wide.onnx"
    onnx.save(pinned_model(graph, 17), str(path))
    with pytest.warns(UserWarning) as caught:
        import_onnx(path)
    (warning,) = caught
    return str(warning.message)


def test_many_dims_joined_are_one_bounded_warning(tmp_path):
    n = 3 * MAX_LISTED  # x0 + x1, x0 + x2, ...: each Add joins another input's own length to the first's
    nodes = [helper.make_node("Add", ["x0", f"x{i}"], [f"s{i}"], name=f"add{i}") for i in range(1, n)]
    inputs = {f"x{i}": ["b", f"n{i}", 4] for i in range(n)}
    message = imported_warning(tmp_path, nodes, inputs, [f"s{i}" for i in range(1, n)])
    assert message.count("needs dims") == MAX_LISTED and f"... ({n - 1} in all)" in message
    assert "node 'add1' (Add) needs dims 'n0' and 'n1' equal" in message


def test_many_graph_inputs_feeding_no_output_are_one_bounded_warning(tmp_path):
    n = 3 * MAX_LISTED
    inputs = {"x": ["b", 4], **{f"u{i}": ["b", 4] for i in range(n)}}
    message = imported_warning(tmp_path, [helper.make_node("Relu", ["x"], ["z"])], inputs, ["z"])
    assert "graph inputs 'u0', 'u1'," in message and f"... ({n} in all) feed no output" in message
    assert f"'u{n - 1}'" not in message


def test_the_ops_with_a_layer_are_sorted_once_for_every_node_without_one(tmp_path):
    """Each refused node's ``expected`` and hint list the ops with a layer: they were sorted anew for every node."""
    n = 50
    nodes = [helper.make_node("Hardmax", [f"c{i - 1}" if i else "x"], [f"c{i}"], name=f"max{i}") for i in range(n)]
    problems = [d for d in refused(tmp_path, nodes, [f"c{n - 1}"]).diagnostics if d.kind == "unsupported-op"]
    first = problems[0]
    assert len(problems) == n and list(first.expected) == sorted(first.expected) and "Relu" in first.expected
    assert all(p.expected is first.expected and p.hint is first.hint for p in problems)  # one list, made once
    assert first.hint == f"ops with a netgraph layer: {', '.join(first.expected)}"
