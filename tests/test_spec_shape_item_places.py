"""A bad item of a shape or kernel list (output, kernel, stride, dims, a port's shape) is placed at that item, not
at the list's '['."""

from __future__ import annotations

import pytest

from netgraph import NetGraph, SpecError


@pytest.mark.parametrize("layer, written", [
    ("{type: LinearLayer, output: [3,\n    -3]}", "-3]"),
    ("{type: ConvolutionLayer, output: 4, kernel: [3, -1]}", "-1]"),
    ("{type: ReshapeLayer, dims: [2, 0, x]}", "0,"),
    ("{type: ConvolutionLayer, output: 4, kernel: [3, 3], stride: [1, 0]}", "0]")])
def test_a_bad_item_of_an_option_list_is_placed_at_itself(layer, written):
    text = f"netgraph: 1\nlayers:\n  a: {layer}\n"
    with pytest.raises(SpecError) as info:
        NetGraph.from_yaml(text)
    line = next(i for i, row in enumerate(text.splitlines(), 1) if written in row)
    assert str(info.value).startswith(f"<string>:{line}:{text.splitlines()[line - 1].rindex(written) + 1}: layer 'a'")


def test_several_bad_option_lists_are_each_placed_at_their_item():
    text = "netgraph: 1\nlayers:\n  c: {type: ConvolutionLayer, output: 4, kernel: [3, -1], stride: [1, 0]}\n"
    with pytest.raises(SpecError) as info:
        NetGraph.from_yaml(text)
    row = text.splitlines()[2]
    assert [(d.option, d.column) for d in info.value.diagnostics] == [
        ("kernel", row.index("-1") + 1), ("stride", row.index("0]") + 1)]


@pytest.mark.parametrize("port, written", [("X: [3, -2]", "-2"), ("X: {shape: [3, 0]}", "0]")])
def test_a_bad_dim_of_a_port_shape_is_placed_at_itself(port, written):
    text = f"netgraph: 1\nlayers:\n  a: {{type: ElementwiseLayer, function: Tanh}}\ninputs:\n  {port}\n"
    with pytest.raises(SpecError) as info:
        NetGraph.from_yaml(text)
    problem = next(d for d in info.value.diagnostics if d.kind == "port-shape")
    assert (problem.line, problem.column) == (5, text.splitlines()[4].index(written) + 1)


def test_a_bad_item_of_an_option_shape_is_the_problem_found():
    text = "netgraph: 1\nlayers:\n  b: {type: LinearLayer, output: [3, -3]}\n"
    with pytest.raises(SpecError) as info:
        NetGraph.from_yaml(text)
    problem = info.value.diagnostics[0]
    assert (problem.line, problem.column, problem.option, problem.found) == (3, text.splitlines()[2].index("-3") + 1,
                                                                            "output", -3)
