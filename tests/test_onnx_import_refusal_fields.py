"""Every refusal of an ONNX node by a converter (an ``Unsupported``) says what would map (``expected``) and what the
node has (``found``), beside the attribute when it is about one, so import_onnx's Diagnostic carries them (its layer
names the node, its message the op): a few refusals through import_onnx, and an ast walk over netgraph/export that
finds any Unsupported made without them."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

from netgraph import SpecError, import_onnx
from tests.diagnostic_helpers import calls_without_fields
from tests.onnx_helpers import pinned_model

EXPORT = Path(__file__).resolve().parent.parent / "netgraph" / "export"


def _value(name, shape=None):
    return helper.make_tensor_value_info(name, TensorProto.FLOAT, shape)


def _problem(tmp_path, nodes, inputs, initializers=()):
    path = tmp_path / "model.onnx"
    onnx.save(pinned_model(helper.make_graph(nodes, "g", inputs, [_value("y")], list(initializers))), str(path))
    with pytest.raises(SpecError) as info:
        import_onnx(path)
    (problem,) = info.value.diagnostics
    hash(problem)  # a Diagnostic is a value
    return problem


def test_a_matmul_by_a_constant_of_rank_three_names_its_shape(tmp_path):
    w = numpy_helper.from_array(np.ones((2, 3, 4), np.float32), "w")
    problem = _problem(tmp_path, [helper.make_node("MatMul", ["x", "w"], ["y"], name="mm")],
                       [_value("x", ["b", 3])], [w])
    assert (problem.kind, problem.layer, problem.option) == ("unsupported-node", ("mm",), None)
    assert (problem.expected, problem.found) == ("a matrix or a vector", (2, 3, 4))


def test_a_matmul_of_a_constant_by_a_computed_tensor_names_the_constant_and_its_shape(tmp_path):
    # it was "a product of two computed tensors ... found None and ('b', 3, 4, 5)"
    w = numpy_helper.from_array(np.ones((2, 4), np.float32), "W")
    problem = _problem(tmp_path, [helper.make_node("MatMul", ["W", "x"], ["y"], name="mm")],
                       [_value("x", ["b", 3, 4, 5])], [w])
    assert (problem.kind, problem.layer, problem.expected, problem.found) == (
        "unsupported-node", ("mm",), "a constant right operand", (2, 4))
    assert "MatMul of the constant 'W' of shape (2, 4) by a computed tensor of shape ('b', 3, 4, 5): a constant " \
           "maps to LinearLayer only as the right operand (x W)" in problem.message


def test_a_tile_along_two_axes_names_its_repeats(tmp_path):
    repeats = numpy_helper.from_array(np.array([1, 2, 2], np.int64), "r")
    problem = _problem(tmp_path, [helper.make_node("Tile", ["x", "r"], ["y"], name="tile")],
                       [_value("x", ["b", 3, 4])], [repeats])
    assert (problem.layer, problem.expected, problem.found) == (
        ("tile",), "copies along one non-batch axis", (1, 2, 2))


def test_a_gemm_with_a_computed_bias_says_so(tmp_path):
    w = numpy_helper.from_array(np.ones((2, 3), np.float32), "w")
    problem = _problem(tmp_path, [helper.make_node("Gemm", ["x", "w", "bias"], ["y"], name="gemm")],
                       [_value("x", ["b", 2]), _value("bias", [3])], [w])
    assert (problem.layer, problem.option, problem.expected, problem.found) == (
        ("gemm",), None, "a constant bias", "a computed bias")
    assert "(Gemm)" in problem.message


def test_a_gather_elements_along_the_batch_axis_names_the_axis(tmp_path):
    index = helper.make_tensor_value_info("i", TensorProto.INT64, ["b", 3])
    node = helper.make_node("GatherElements", ["x", "i"], ["y"], name="pick", axis=0)
    problem = _problem(tmp_path, [node], [_value("x", ["b", 3]), index])
    assert (problem.layer, problem.option, problem.expected, problem.found) == (("pick",), "axis", "an axis from 1 to 1",
                                                                               0)


@pytest.mark.parametrize("axes", [[0], [-2], None])
def test_a_squeeze_of_the_batch_axis_is_refused_naming_it(tmp_path, axes):
    # a model traced at batch 1 that drops it: a ReshapeLayer of its (4) to (), a ShapeError naming no node
    inputs = ["x"] if axes is None else ["x", "axes"]
    initializers = [] if axes is None else [numpy_helper.from_array(np.array(axes, np.int64), "axes")]
    problem = _problem(tmp_path, [helper.make_node("Squeeze", inputs, ["y"], name="sq")], [_value("x", [1, 4])],
                       initializers)
    assert (problem.kind, problem.layer, problem.option, problem.found) == ("unsupported-node", ("sq",), "axes", 0)
    assert "squeezes axis 0, the batch dim" in problem.message


def _unsupported_without_fields(source: str, filename: str) -> list[str]:
    """``file:line`` of each ``Unsupported(...)`` call in ``source`` that does not name both ``expected=`` and
    ``found=``."""
    return calls_without_fields(source, filename, lambda name: name == "Unsupported")


def test_the_walk_finds_a_refusal_without_its_values():
    source = ("raise Unsupported('a')\nraise Unsupported('b', expected=1)\nraise ops.Unsupported('c', **fields)\n"
              "raise Unsupported('d', expected=1, found=2)\nraise Unsupported.joined([], 'e')\n")
    assert _unsupported_without_fields(source, "x.py") == ["x.py:1", "x.py:2", "x.py:3"]


def test_every_refusal_of_a_node_names_what_maps_and_what_it_found():
    missing = [site for path in sorted(EXPORT.rglob("*.py"))
               for site in _unsupported_without_fields(path.read_text(encoding="utf-8"), path.name)]
    assert not missing, f"Unsupported(...) without expected= and found=: {missing}"


def test_an_unsupported_keeps_its_values_frozen_as_a_diagnostic_does():
    """Unsupported froze lists with a copy of its own that left a dict unhashable; it now freezes as Diagnostic does
    (frozen_value), an array by its values."""
    from netgraph.core.errors import Diagnostic
    from netgraph.export.onnx_ops import Unsupported
    refusal = Unsupported("x", attribute="pads", expected=np.array([[0, 1]]), found={"pads": [1, 2]})
    assert (refusal.expected, refusal.found) == (((0, 1),), (("pads", (1, 2)),))
    assert hash(refusal.found) == hash(Diagnostic("x", found={"pads": [1, 2]}).found)
