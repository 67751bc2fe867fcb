"""A NetMapOperator whose inner net declares an output its layers do not give (``Output: 5`` after a Tanh fed 3) named
the inner net's port 'Input' (the declared output's shape reaches the input through the Tanh), and a spec placed it at
the outer ``inputs:``: it names the declared output, and a spec places it at that output's line."""

from __future__ import annotations

import pytest

from netgraph import ElementwiseLayer, LinearLayer, NetChain, NetGraph, NetMapOperator, ShapeError, SpecError

SPEC = """netgraph: 1
layers:
  map:
    type: NetMapOperator
    net:
      type: NetGraph
      layers:
        t: Tanh
      outputs:
        Output: 5
inputs:
  Input: [n, 3]
"""


@pytest.mark.parametrize("inner", [NetGraph({"t": ElementwiseLayer("Tanh")}, [], Output=5),
                                   NetChain({"t": ElementwiseLayer("Tanh")}, output=5)])
def test_a_map_whose_inner_net_declares_another_output_names_that_output(inner):
    with pytest.raises(ShapeError, match=r"inner net's declared output 'Output': expected shape \(3\), found \(5\)"):
        NetGraph({"map": NetMapOperator(inner)}, [], Input=("n", 3))
    with pytest.raises(ShapeError) as info:
        NetGraph({"map": NetMapOperator(inner)}, [], Input=("n", 3))
    (d,) = info.value.diagnostics
    assert (d.kind, d.layer, d.port, d.expected, d.found) == ("shape", ("map", "net"), "Output", (3,), (5,))


def test_a_spec_places_it_at_the_declared_output():
    with pytest.raises(SpecError) as info:
        NetGraph.from_yaml(SPEC)
    (d,) = info.value.diagnostics
    assert (d.port, d.line, d.column) == ("Output", 10, 9)  # "Output: 5" of the inner net, not the outer "inputs:"


@pytest.mark.parametrize("inner", [NetGraph({"l": LinearLayer(5)}, [], Input=4, Output=5),
                                   NetGraph({"t": ElementwiseLayer("Tanh")}, [], Input=4, Output=4)])
def test_a_clash_at_a_declared_input_still_names_the_input(inner):
    with pytest.raises(ShapeError) as info:
        NetGraph({"map": NetMapOperator(inner)}, [], Input=("n", 3))
    assert info.value.diagnostics[0].port == "Input" and "declared output" not in str(info.value)
    assert NetGraph({"map": NetMapOperator(inner)}, [], Input=("n", 4)).output_shapes["Output"][0] == "n"


def test_both_sides_of_the_declared_output_name_lengths_as_the_inner_net_does():
    inner = NetGraph({"t": ElementwiseLayer("Tanh")}, [], Output=("n", 5))
    with pytest.raises(ShapeError) as info:
        NetGraph({"map": NetMapOperator(inner)}, [], Input=(4, "w", 3))
    (d,) = info.value.diagnostics
    assert "declared output 'Output': expected shape (n, 3), found (n, 5)" in str(info.value)
    assert (d.port, d.expected, d.found) == ("Output", ("n", 3), ("n", 5))
