"""Each variable of Function[{x, y}, body] is a port, used in the body or not, as Wolfram's Function takes each of
its arguments (QA tester V: Function[{x, y}, y] had the one port Input2, Input1 dropped silently). A port the body
does not use is a port as any other: unconnected in a graph, it is a graph input."""

from __future__ import annotations

import pytest
import torch

from netgraph import DataError, FunctionLayer, NetGraph, NetPort, ThreadingLayer, interpret


@pytest.mark.parametrize("text, ports", [
    ("Function[{x, y}, y]", ("Input1", "Input2")), ("Function[{x, y, z}, z - x]", ("Input1", "Input2", "Input3")),
    ("Function[{x, y}, x + y]", ("Input1", "Input2")), ("Function[x, x^2]", ("Input",))])
def test_every_declared_variable_is_a_port(text, ports):
    assert FunctionLayer(text).input_ports == ports


def test_the_unused_port_takes_its_input_and_the_used_one_gives_the_value():
    net = NetGraph([FunctionLayer("Function[{x, y, z}, z - x]")], [], Input1=2, Input2=2, Input3=2)
    inputs = {"Input1": torch.tensor([[1.0, 2.0]]), "Input2": torch.tensor([[5.0, 5.0]]),
              "Input3": torch.tensor([[10.0, 20.0]])}
    module = net.compile()
    for value in (net(**inputs), module(**inputs), interpret(net, module, **inputs)):
        torch.testing.assert_close(value, torch.tensor([[9.0, 18.0]]))


def test_threading_layer_wires_the_second_input_to_the_second_variable():
    net = NetGraph({"t": ThreadingLayer("Function[{x, y}, y]")}, [([NetPort("a"), NetPort("b")], "t")], a=2, b=2)
    torch.testing.assert_close(net(a=torch.ones(1, 2), b=torch.full((1, 2), 3.0)), torch.full((1, 2), 3.0))


def test_an_unconnected_unused_port_is_a_graph_input_that_needs_data():
    net = NetGraph({"f": FunctionLayer("Function[{x, y}, y]")}, [(NetPort("b"), NetPort("f", "Input2"))], b=2)
    assert set(net.input_ports) == {"b", "Input1"}
    with pytest.raises(DataError, match="missing input port 'Input1'"):
        net(b=torch.ones(1, 2))


@pytest.mark.parametrize("text, ports", [
    ("#2 &", ("Input1", "Input2")), ("Apply[#2 &]", ("Input1", "Input2")),
    ("#3 - #1 &", ("Input1", "Input2", "Input3")),
    ("#1 + #2 &", ("Input1", "Input2")), ("#x + #y", ("x", "y"))])
def test_a_pure_function_takes_every_argument_up_to_its_highest_numbered_slot(text, ports):
    """Wolfram's #2 & takes at least two arguments (#2 & alone had the one port Input2, as Function[{x, y}, y] had)."""
    assert FunctionLayer(text).input_ports == ThreadingLayer(text).input_ports == ports


def test_threading_layer_wires_the_second_input_to_the_second_slot():
    net = NetGraph({"t": ThreadingLayer("#2 &")}, [([NetPort("a"), NetPort("b")], "t")], a=2, b=2)
    torch.testing.assert_close(net(a=torch.ones(1, 2), b=torch.full((1, 2), 3.0)), torch.full((1, 2), 3.0))
