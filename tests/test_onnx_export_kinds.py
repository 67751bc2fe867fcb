"""export_onnx's and import_onnx's refusals say what they are: a kind, the option or layer, and the values."""

from __future__ import annotations

import pytest

from netgraph import (DataError, EmbeddingLayer, ExtractLayer, GammaDistribution, LinearLayer, NetChain, NetGraph,
                      NetGraphError, NetPort, OptionError, PortType, RandomArrayLayer, ResizeLayer, ShapeError,
                      export_onnx, import_onnx, net_initialize)
from netgraph.export.exporter import OPSETS, check_opset

from tests.diagnostic_helpers import sole_diagnostic
from tests.test_onnx_export import fold


def _net():
    return net_initialize(NetChain([LinearLayer(3)], input=4), seed=0)


@pytest.mark.parametrize("opset, expected", [("17", "an int"), (3, (OPSETS.start, OPSETS.stop - 1))])
def test_a_bad_opset_is_an_option_value(opset, expected):
    problem = sole_diagnostic(lambda: check_opset(opset), OptionError)
    assert (problem.kind, problem.option, problem.expected, problem.found) == ("option-value", "opset", expected, opset)


@pytest.mark.parametrize("call, kind, option, found", [
    (lambda path: export_onnx(3, path / "m.onnx"), "not-a-net", None, "int"),
    (lambda path: export_onnx(_net(), path / "m.yaml"), "output-path", "path", "m.yaml"),
    (lambda path: export_onnx(_net(), path / "m.onnx", name=3), "option-value", "name", 3),
    (lambda path: export_onnx(_net(), path / "no" / "m.onnx"), "unwritable-file", None, "m.onnx"),
    (lambda path: import_onnx(3), "option-value", "path", "int"),
    (lambda path: import_onnx(b"\0onnx"), "option-value", "path", "bytes"),
])
def test_an_export_or_import_refusal_has_its_kind_option_and_found(call, kind, option, found, tmp_path):
    problem = sole_diagnostic(lambda: call(tmp_path), NetGraphError)
    found_here = problem.found.rsplit("/", 1)[-1] if isinstance(problem.found, str) else problem.found
    assert (problem.kind, problem.option, found_here) == (kind, option, found)
    assert problem.expected is not None or problem.detail is not None


def test_a_distribution_without_an_onnx_form_is_unexportable(tmp_path):
    net = NetGraph({"gamma_noise": RandomArrayLayer(GammaDistribution(2.0, 1.0), output=3)}, [])
    problem = sole_diagnostic(lambda: export_onnx(net, tmp_path / "g.onnx"), OptionError)
    assert (problem.kind, problem.layer, problem.option, problem.found) == ("unexportable", ("gamma_noise",),
                                                                            "distribution", "GammaDistribution")
    assert "NormalDistribution" in problem.expected


def test_a_layer_needing_a_higher_opset_says_which(tmp_path):
    net = net_initialize(NetChain({"up": ResizeLayer(scale=2, resampling="Nearest")}, input=[1, 2, 2]))
    problem = sole_diagnostic(lambda: export_onnx(net, tmp_path / "r.onnx", opset=9), OptionError)
    assert (problem.kind, problem.option, problem.expected, problem.found) == ("opset-too-low", "opset", 11, 9)


def test_a_fold_over_a_variable_length_is_a_variable_length_problem(tmp_path):
    problem = sole_diagnostic(lambda: export_onnx(net_initialize(fold(("n", 3)), seed=0), tmp_path / "f.onnx"),
                              ShapeError)
    assert (problem.kind, problem.port, problem.expected, problem.found) == ("variable-length", "Input",
                                                                             "a fixed length", "n")


def test_inputs_valid_for_no_example_are_a_trace_inputs_problem(tmp_path):
    net = NetGraph({"x": ExtractLayer(), "e": EmbeddingLayer(2, 1)},
                   [(NetPort("Position"), ["e", NetPort("x", "Position")])], Input=3, Position=PortType((1,), "Integer"))
    problem = sole_diagnostic(lambda: export_onnx(net_initialize(net, seed=0), tmp_path / "m.onnx"), DataError)
    assert (problem.kind, problem.port) == ("trace-inputs", "Position") and problem.detail
