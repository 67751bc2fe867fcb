"""Constants at an end of a function's real domain fold to the infinity that is its limit there, as Wolfram's
(QA tester V: ArcTanh[1], ArcCoth[1], InverseErf[1], InverseErfc[0] were refused as overflowing to infinity, and
Log2[0], Log10[0] as dividing by 0, while Log[0] folded to -Infinity); a port there gets the same value."""

from __future__ import annotations

import math

import pytest
import torch

from netgraph import FunctionLayer, NetGraph, interpret
from netgraph.layers.expression import ExpressionError, parse

LIMITS = [("ArcTanh[1]", math.inf), ("ArcTanh[-1]", -math.inf), ("ArcCoth[1]", math.inf), ("ArcCoth[-1]", -math.inf),
          ("InverseErf[1]", math.inf), ("InverseErf[-1]", -math.inf), ("InverseErfc[0]", math.inf),
          ("InverseErfc[2]", -math.inf), ("Log[0]", -math.inf), ("Log2[0]", -math.inf), ("Log10[0]", -math.inf)]


@pytest.mark.parametrize("text, limit", LIMITS)
def test_a_constant_at_a_domain_end_is_its_limit(text, limit):
    assert parse(text).tree == ("const", limit)


@pytest.mark.parametrize("text, limit", LIMITS)
def test_a_port_there_gets_the_same_value_compiled_and_interpreted(text, limit):
    name, argument = text[:-1].split("[")
    net = NetGraph([FunctionLayer(f"{name}[#x] + {text}")], [], x=())
    x = torch.tensor([float(argument)])
    module = net.compile()
    for value in (net(x=x), module(x=x), interpret(net, module, x=x)):
        assert value.tolist() == [2 * limit]


@pytest.mark.parametrize("text, message", [
    ("ArcTanh[1.5]", "not a real number"), ("InverseErf[2]", "not a real number"), ("#x * Exp[1000]", "overflows"),
    ("Log[10^400]", "overflows"), ("1 / 0", "divides by 0")])
def test_other_infinite_constants_stay_refused(text, message):
    with pytest.raises(ExpressionError, match=message):
        parse(text)


@pytest.mark.parametrize("name", ["Cot", "Csc", "Coth", "Csch", "ArcCsc", "ArcSec", "ArcCsch", "Gamma"])
@pytest.mark.parametrize("zero", ["0", "-0."])
def test_a_constant_whose_wolfram_value_is_complex_infinity_is_refused_as_1_over_0(name, zero):
    """Wolfram's value at 0 of each is ComplexInfinity, as 1/0's; ArcCsch[0] folded to Infinity (-Infinity at -0.)."""
    with pytest.raises(ExpressionError, match="ComplexInfinity") as caught:
        parse(f"{name}[{zero}] + #x")
    assert caught.value.kind == "expression-syntax"
