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


#: the inverse trig and hyperbolic functions at their branch points and beyond, as Wolfram gives them: complex
#: (ArcCoth[0] is I Pi/2, ArcCosh[0] I Pi/2, ArcSin[2] Pi/2 - I Log[2 + Sqrt[3]], ArcTanh[Infinity] -I Pi/2) refused
#: as not real, ComplexInfinity (ArcCsc[0], ArcSec[0]) as 1/0, real ones folded
COMPLEX = ["ArcCoth[0]", "ArcCoth[-0.]", "ArcCoth[1/2]", "ArcTanh[2]", "ArcTanh[Infinity]", "ArcSech[2]",
           "ArcSech[-1]", "ArcSech[Infinity]", "ArcCosh[0]", "ArcCosh[-1]", "ArcCosh[1/2]", "ArcSin[2]", "ArcSin[-2]",
           "ArcCos[2]", "ArcCos[-2]", "ArcCsc[1/2]", "ArcSec[1/2]"]
REAL = [("ArcSech[0]", math.inf), ("ArcSech[1]", 0.0), ("ArcCosh[1]", 0.0), ("ArcSin[1]", math.pi / 2),
        ("ArcCos[-1]", math.pi), ("ArcSec[-1]", math.pi), ("ArcCsc[-1]", -math.pi / 2), ("ArcCot[0]", math.pi / 2),
        ("ArcCoth[Infinity]", 0.0), ("ArcSec[Infinity]", math.pi / 2)]


@pytest.mark.parametrize("text", COMPLEX)
def test_a_branch_point_constant_whose_wolfram_value_is_complex_is_refused_as_not_real(text):
    with pytest.raises(ExpressionError, match="not a real number") as caught:
        parse(f"{text} + #x")
    assert "ComplexInfinity" not in str(caught.value) and "divides by 0" not in str(caught.value)


@pytest.mark.parametrize("text, value", REAL)
def test_a_branch_point_constant_whose_wolfram_value_is_real_is_that_value(text, value):
    assert parse(text).tree[0] == "const" and parse(text).tree[1] == pytest.approx(value, rel=1e-12)


@pytest.mark.parametrize("text", ["Quotient[5, 0] + #x", "Quotient[-5, -0.] + #x", "#x * Quotient[Infinity, 0]",
                                  "Quotient[#x, 0]", "Quotient[#x, 0.]", "Quotient[#x, 1 - 1]"])
def test_a_constant_quotient_by_0_is_refused_as_1_over_0(text):
    """Quotient[m, 0] is Wolfram's ComplexInfinity, whatever m: it was NaN with an IndeterminateWarning (m constant)
    or silently (m from a port); a port's 0 stays NaN. The hint is Quotient's, not 1/0's "write Infinity"."""
    with pytest.raises(ExpressionError, match=r"a constant divides by 0 \(Wolfram's ComplexInfinity") as caught:
        parse(text)
    assert caught.value.kind == "expression-syntax"
    assert "Quotient" in str(caught.value) and "write Infinity" not in str(caught.value)
    assert FunctionLayer("Quotient[5, #n]")(n=torch.tensor([0.0, 2.0])).tolist()[1] == 2.0
    assert FunctionLayer("Quotient[5, #n]")(n=torch.tensor([0.0])).isnan().all()
