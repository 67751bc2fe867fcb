"""A bad item of a shape or kernel list (output, kernel, stride, dims, a port's shape) is placed at that item, not
at the list's '['."""

from __future__ import annotations

import pytest

import torch

from netgraph import (ConvolutionLayer, FunctionLayer, GatedRecurrentLayer, LinearLayer, NetChain, NetGraph,
                      NetPort, OptionError, ReshapeLayer, ShapeError, SpecError, TorchLayer)

from tests.spec_refusals import spec_problems


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


@pytest.mark.parametrize("dims, written, item", [("[-1, 0]", "0]", 1), ("[-1, 2, -1]", "-1]", 2),
                                                  ("[Automatic, -1]", "-1]", 1)])
def test_a_reshape_s_dims_are_placed_at_the_item_the_layer_refuses(dims, written, item):
    text = f"netgraph: 1\nlayers:\n  a: {{type: ReshapeLayer, dims: {dims}}}\n"
    row = text.splitlines()[2]
    assert spec_problems(text, ("line", "column", "option", "item")) == [(3, row.rindex(written) + 1, "dims", item)]


@pytest.mark.parametrize("make, item", [
    (lambda: ReshapeLayer([-1, 0]), 1), (lambda: ReshapeLayer([4, "Inherited", -1, -1]), 3),
    (lambda: ConvolutionLayer(4, kernel=[3, -1]), 1), (lambda: ConvolutionLayer(4, 3, stride=[0, 1]), 0),
    (lambda: LinearLayer([3, 2, -3]), 2)])
def test_the_layer_names_the_refused_item_of_a_list_option_as_data(make, item):
    with pytest.raises(OptionError) as info:
        make()
    assert info.value.diagnostics[0].item == item


def test_a_refused_scalar_option_names_no_item():
    with pytest.raises(OptionError) as info:
        LinearLayer(-3)
    assert info.value.diagnostics[0].item is None


@pytest.mark.parametrize("port, told", [("X: [3, 1.5, -2]", [("1.5", 1), ("-2", 2)]),
                                        ("X: {shape: [0, 4, x y, 2]}", [("0,", 0), ("x y", 2)])])
def test_every_bad_dim_of_a_port_shape_is_told_at_its_own_item_in_file_order(port, told):
    text = f"netgraph: 1\nlayers:\n  a: {{type: ElementwiseLayer, function: Tanh}}\ninputs:\n  {port}\n"
    row = text.splitlines()[4]
    problems = [p[:3] for p in spec_problems(text, ("line", "column", "item", "kind")) if p[3] == "port-shape"]
    assert problems == [(5, row.index(written) + 1, item) for written, item in told]


@pytest.mark.parametrize("layer, told", [
    ("{type: LinearLayer, output: [3, -1, 0]}", [("-1", 1, "output"), ("0]", 2, "output")]),
    ("{type: LinearLayer, output: 2, input: [0, 4, -2]}", [("0,", 0, "input"), ("-2", 2, "input")]),
    ("{type: GatedRecurrentLayer, output: 2, input: [0, -2]}", [("0,", 0, "input"), ("-2", 1, "input")])])
def test_every_bad_dim_of_a_layers_shape_option_is_told_at_its_own_item(layer, told):
    text = f"netgraph: 1\nlayers:\n  a: {layer}\n"
    row = text.splitlines()[2]
    assert spec_problems(text, ("line", "column", "item", "option")) == \
        [(3, row.index(written) + 1, item, option) for written, item, option in told]


@pytest.mark.parametrize("make, error", [
    (lambda: LinearLayer([3, -1, 0]), OptionError), (lambda: LinearLayer(2, input=(3, -1, 0)), OptionError),
    (lambda: GatedRecurrentLayer(2, input=[3, -1, 0]), OptionError),
    (lambda: FunctionLayer(lambda x: x, input=[3, -1, 0]), OptionError),
    (lambda: TorchLayer(torch.nn.Identity(), inputs={"Input": (3, -1, 0)}, outputs=["Output"]), OptionError),
    (lambda: NetChain([LinearLayer(2)], Input=(3, -1, 0)), ShapeError),
    (lambda: NetGraph({"a": LinearLayer(2)}, [(NetPort("x"), "a")], x=[3, -1, 0]), ShapeError)])
def test_python_names_every_bad_dim_of_a_shape_in_one_error(make, error):
    with pytest.raises(error) as info:
        make()
    assert [(d.item, d.found) for d in info.value.diagnostics] == [(1, -1), (2, 0)]
    assert [str(info.value).count(f"found {dim}") for dim in (-1, 0)] == [1, 1]


@pytest.mark.parametrize("layer", ["{type: TorchLayer, module: m, inputs: {x: [3, 1], y: [3, -1, 0]}}",
                                   "{type: FunctionLayer, function: m, input: {x: [3, 1], y: [3, -1, 0]}}"])
def test_a_bad_dim_of_a_ports_shape_in_a_mapping_is_placed_at_its_item_naming_the_port(layer):
    text = f"netgraph: 1\nlayers:\n  a: {layer}\n"
    row = text.splitlines()[2]
    told = [p for p in spec_problems(text, ("line", "column", "item", "port")) if p[2] is not None]
    assert told == [(3, row.index("-1") + 1, 1, "y"), (3, row.index("0]") + 1, 2, "y")]
