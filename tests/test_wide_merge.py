"""A TotalLayer with thousands of inputs compiles: ``a + b + ...`` nests one level per term, past Python's compiler
recursion limit at ~3,000 terms, so many terms are summed by ``sum(...)``: the same left fold, the same values."""

from __future__ import annotations

import torch

from netgraph import ElementwiseLayer, NetGraph, NetPort, TotalLayer, interpret
from netgraph.layers.merge import SUM_TERMS


def wide(n: int) -> NetGraph:
    named = {f"b{i}": ElementwiseLayer("Tanh") for i in range(n)}
    return NetGraph({**named, "m": TotalLayer()}, [(list(named), "m")], Input=3)


def test_a_total_of_thousands_of_inputs_compiles_and_matches_the_reference_fold():
    module = wide(5000).compile()
    x = torch.randn(2, 3)
    assert torch.equal(module(x), interpret(wide(5000), module, Input=x))


def test_few_inputs_keep_the_plain_sum_and_many_give_the_same_bits():
    assert "m = (b0 + b1 + b2)" in wide(3).compile().code  # unchanged small case
    xs = [torch.randn(4) for _ in range(SUM_TERMS + 1)]
    names = [f"x{i}" for i in range(len(xs))]
    net = NetGraph({"m": TotalLayer()}, [([NetPort(n) for n in names], "m")], **{n: 4 for n in names})
    expected = xs[0]
    for x in xs[1:]:
        expected = expected + x
    assert "sum((" in net.compile().code
    assert torch.equal(net.compile()(**{n: x[None] for n, x in zip(names, xs)})[0], expected)
