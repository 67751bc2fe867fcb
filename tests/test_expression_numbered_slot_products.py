"""A numbered slot ends at its digits (QA tester V): Wolfram reads ``#2E`` as ``#2 E`` and ``#1Pi`` as ``#1 Pi``,
implicit products; they were read as one port named ``2E`` (wired to the first input) and ``#1`` alone."""

from __future__ import annotations

import math

import pytest
import torch

from netgraph import ElementwiseLayer, FunctionLayer, NetGraph, NetPort, ThreadingLayer
from netgraph.layers.expression import ExpressionError, parse

A, B = torch.tensor([[1.0]]), torch.tensor([[10.0]])


@pytest.mark.parametrize("text, explicit", [
    ("2 #2E - #1", "2 #2 * E - #1"), ("#1Pi + #2", "#1 * Pi + #2"), ("#1 2 + #2", "#1 * 2 + #2"),
    ("#2Sin[#1]", "#2 * Sin[#1]"), ("#12", "#12"),
])
def test_letters_after_a_numbered_slot_are_a_product(text, explicit):
    assert parse(text).tree == parse(explicit).tree and parse(text).slots == parse(explicit).slots


def test_threading_layer_wires_the_numbered_slot_before_a_constant():
    net = NetGraph({"t": ThreadingLayer("2 #2E - #1")}, [([NetPort("a"), NetPort("b")], "t")], a=1, b=1)
    torch.testing.assert_close(net(a=A, b=B), torch.tensor([[2 * 10 * math.e - 1]]))


def test_function_layer_multiplies_by_the_constant_after_the_slot():
    layer = FunctionLayer("2 #1Pi")
    assert layer.input_ports == ("Input1",)
    torch.testing.assert_close(layer(torch.tensor([[1.0, 3.0]])), torch.tensor([[2 * math.pi, 6 * math.pi]]))


def test_elementwise_layer_reads_the_product():
    torch.testing.assert_close(ElementwiseLayer("#1Pi")(torch.tensor([1.0, 2.0])), torch.tensor([math.pi, 2 * math.pi]))


def test_slot_digits_and_named_slots_keep_their_reading():
    assert FunctionLayer("#12").input_ports == tuple(f"Input{i}" for i in range(1, 13))  # slot 12 of 12, not #1 2
    assert FunctionLayer("#x1").input_ports == ("x1",)


@pytest.mark.parametrize("text, column, message", [
    ("#1x + 1", 3, "unknown name 'x'"), ("#1_a", 3, "names may not start with '_'")])
def test_an_unknown_symbol_after_a_numbered_slot_is_refused_by_name(text, column, message):
    with pytest.raises(ExpressionError) as info:
        FunctionLayer(text)
    assert f"at column {column}: {message}" in str(info.value)


SPEC = """netgraph: 1
inputs: {x: [3]}
layers:
  f: {type: FunctionLayer, function: "#1x + 1"}
edges: [[x, f]]
"""


def test_netgraph_check_refuses_an_unknown_symbol_after_a_slot(cli):
    cli.spec(SPEC)
    ran = cli("check", "s.yaml")
    assert ran.code != 0 and "unknown name 'x'" in ran.out + ran.err


def test_netgraph_check_accepts_a_constant_after_a_slot(cli):
    cli.spec(SPEC.replace("#1x + 1", "2 #1Pi"))
    assert cli("check", "s.yaml").code == 0
