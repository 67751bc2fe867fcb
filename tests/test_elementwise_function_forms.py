"""Wolfram's pure functions with named variables, ``Function[x, body]`` and ``Function[{x, y}, body]``, as
ElementwiseLayer's and ThreadingLayer's function, as FunctionLayer takes them: having no ``#``, they were read as a
function's name ("unknown function 'Function[x, Max[x, 0]]'")."""

from __future__ import annotations

import torch

from netgraph import ElementwiseLayer, FunctionLayer, NetChain, NetGraph, ThreadingLayer


def test_elementwise_layer_takes_a_function_of_a_named_variable():
    x = torch.tensor([[-2.0, 0.5, 3.0]])
    net = NetChain([ElementwiseLayer("Function[x, Max[x, 0] + x^2]")], input=3)
    want = torch.tensor([[4.0, 0.75, 12.0]])  # Max of numbers, elementwise: Ramp[x] + x^2
    assert torch.equal(net(x), want) and torch.equal(net.compile()(x), want)
    assert net.layers["1"].input_ports == ("Input",)


def test_threading_layer_takes_a_function_of_named_variables():
    a, b = torch.tensor([[1.0, -4.0]]), torch.tensor([[3.0, 2.0]])
    net = NetGraph([ThreadingLayer("Function[{x, y}, Max[x, y] - y]")], [], Input1=2, Input2=2)
    want = torch.tensor([[0.0, 0.0]])
    assert torch.equal(net(Input1=a, Input2=b), want)
    assert torch.equal(net.compile()(Input1=a, Input2=b), want)
    same = NetGraph([FunctionLayer("Function[{x, y}, x y]")], [], Input1=2, Input2=2)(Input1=a, Input2=b)
    assert torch.equal(same, a * b)
