"""A SpecError's diagnostics keep the fields of the problem each came from (kind, layer, port, option, expected,
found, hint, ...) and add its place in the YAML (file, line, column), so a user's except or a tool reads them
without parsing the ``file:line:col: message`` lines."""

from __future__ import annotations

import pytest

from netgraph import NetGraph, SpecError
from netgraph.core.naming_scope import shortened

CATENATE = """netgraph: 1
layers:
  cat: CatenateLayer
inputs: {a: [2, 3], b: [4, 5]}
edges: ["[a, b] -> cat"]
"""

CHANNELS = """netgraph: 1
type: NetChain
layers:
  c1: {type: ConvolutionLayer, output: 4, kernel: 3, input: [3, 8, 8]}
inputs: {Input: [2, 8, 8]}
"""

OPTION = """netgraph: 1
layers:
  lin: {type: LinearLayer, output: -3}
  act: Tanh
inputs: {Input: 4}
edges: [lin -> act]
"""

NESTED = """netgraph: 1
layers:
  inner:
    type: NetGraph
    layers:
      cat: CatenateLayer
    inputs: {a: [2, 3], b: [4, 5]}
    edges: ["[a, b] -> cat"]
"""

PORT = """netgraph: 1
layers:
  act: Tanh
inputs: {Input: {shape: 3, dtype: Complex}}
edges: [Input -> act]
"""


def _diagnostics(text: str) -> list:
    with pytest.raises(SpecError) as caught:
        NetGraph.from_yaml(text)
    return caught.value.diagnostics


def test_a_catenate_clash_keeps_its_port_and_the_sizes_compared_at_its_edge():
    (d,) = _diagnostics(CATENATE)
    assert (d.kind, d.layer, d.port, d.expected, d.found) == ("shape", ("cat",), "Input2", 3, 5)
    assert (d.file, d.line, d.column) == ("<string>", 5, 9)  # the edge "[a, b] -> cat"


def test_a_channel_clash_keeps_the_shapes_compared_at_the_graph_input():
    (d,) = _diagnostics(CHANNELS)
    assert (d.kind, d.port, d.expected, d.found) == ("shape", "Input", (3, 8, 8), (2, 8, 8))
    assert (d.file, d.line, d.column) == ("<string>", 5, 10)


def test_a_bad_option_value_keeps_its_option_and_value_and_names_its_layer():
    (d,) = _diagnostics(OPTION)
    assert (d.kind, d.option, d.found, d.layer) == ("option-value", "output", -3, ("lin",))
    assert d.expected is not None
    assert (d.line, d.column) == (3, 36)  # the value -3


def test_a_problem_inside_a_nested_graph_names_its_layer_from_the_top():
    (d,) = _diagnostics(NESTED)
    assert (d.layer, d.port, d.expected, d.found) == (("inner", "cat"), "Input2", 3, 5)
    assert (d.line, d.column) == (8, 13)


def test_a_bad_port_type_keeps_the_value_found():
    (d,) = _diagnostics(PORT)
    assert (d.kind, d.layer, d.port, d.found) == ("port-shape", (), "Input", "Complex")
    assert (d.line, d.column) == (4, 35)


def test_each_line_is_its_diagnostics_place_and_message(tmp_path):
    """Several problems, sorted by place: line i of ``errors`` is diagnostic i's file:line:col and message."""
    path = tmp_path / "net.yaml"
    path.write_text("netgraph: 1\nlayers:\n  a: {type: LinearLayr, output: 3}\n  b: {type: LinearLayer, output: -2}"
                    "\nedges: [a -> c]\n")
    with pytest.raises(SpecError) as caught:
        NetGraph.from_yaml(path)
    error = caught.value
    assert [(d.line, d.column) for d in error.diagnostics] == [(3, 13), (4, 34), (5, 14)]
    assert {d.file for d in error.diagnostics} == {str(path)}
    assert error.errors == [f"{d.file}:{d.line}:{d.column}: {d.message}".replace("\n", "\n    ")
                            for d in error.diagnostics]
    assert [d.option for d in error.diagnostics] == [None, "output", None]


def test_an_inline_array_that_does_not_fit_keeps_its_option_and_sizes():
    (d,) = _diagnostics("netgraph: 1\nlayers:\n  lin: {type: LinearLayer, output: 2, weights: [[1.0, 2.0, 3.0], "
                        "[4.0, 5.0, 6.0]]}\ninputs: {Input: 4}\nedges: [Input -> lin]\n")
    assert (d.kind, d.layer, d.option, d.expected, d.found) == ("array-shape", ("lin",), "weights", (2, 4), (2, 3))
    assert (d.line, d.column) == (3, 48)  # the weights' value


def test_an_output_muted_and_wired_is_placed_at_the_edge_muting_it():
    (d,) = _diagnostics("netgraph: 1\nlayers:\n  b: {type: LinearLayer, output: 2}\ninputs: {x: 2}\noutputs: {Q: 2}\n"
                        "edges:\n  - x -> b\n  - b -> Q\n  - b -> None\n")
    assert (d.kind, d.layer, d.port) == ("muted-and-wired", ("b",), "Output")
    assert (d.file, d.line, d.column) == ("<string>", 9, 5)
    assert "edge b -> Q wires it" in d.message  # the other edge, as the YAML writes it


def test_a_muted_graph_input_also_wired_to_a_graph_output_is_placed_at_its_mute():
    (d,) = _diagnostics("netgraph: 1\nlayers:\n  a: {type: LinearLayer, output: 3}\n"
                        "  b: {type: LinearLayer, output: 2}\ninputs: {x: 2}\noutputs: {Q: 2}\n"
                        "edges: [x -> a -> b, x -> Q, x -> None]\n")
    assert (d.kind, d.layer, d.port) == ("mute-graph-port", (), "x")
    assert (d.line, d.column) == (7, 30)


def test_a_declared_port_a_layer_has_is_not_called_one_no_layer_has_nor_given_a_python_example():
    (d,) = _diagnostics("netgraph: 1\nlayers: {a: {type: LinearLayer, output: 3}}\ninputs: {x: 2, Input: 2}\n"
                        "edges: [x -> a]\n")
    assert d.port == "Input" and "no layer has" not in d.message and "NetPort(" not in d.message
    long = "p" * 1000  # (YAML reads keys of at most 1024 characters)
    (d,) = _diagnostics(f"netgraph: 1\nlayers: {{a: 3}}\ninputs: {{Input: 2, {long}: 2}}\n")
    assert f"connect it (e.g. '{shortened(long)} -> layer')" in d.message and len(d.message) < 600
