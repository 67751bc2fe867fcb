"""Python's scientific notation in expressions: ``1.5e3`` (lowercase) has no other reading, since ``e3`` is no name
of an expression, and is read as 1500 as Wolfram's ``1.5*^3``; an uppercase ``E`` after a number is refused, since
Wolfram reads ``2E-3`` as ``2 E - 3`` (E = 2.718...), and netgraph read it as 0.002 (Wolfram-parity follow-up)."""

from __future__ import annotations

import pytest
import torch

from netgraph import FunctionLayer
from netgraph.layers.expression import ExpressionError

X = torch.tensor([[1.0, -2.0]])


@pytest.mark.parametrize("text, wolfram", [
    ("1.5e3 * #", "1.5*^3 * #"), ("# + 1e-2", "# + 1*^-2"), ("2.5e+1 #", "2.5*^+1 #"), (".5e1 + #", ".5*^1 + #"),
])
def test_a_lowercase_exponent_is_wolframs_star_caret(text, wolfram):
    torch.testing.assert_close(FunctionLayer(text, input=2)(X), FunctionLayer(wolfram, input=2)(X), rtol=0, atol=0)


@pytest.mark.parametrize("text, column, number", [
    ("2E-3 + #", 1, "2E-3"), ("# + 4.5E+2", 5, "4.5E+2"),
])
def test_an_uppercase_exponent_is_refused_as_wolframs_constant_e(text, column, number):
    with pytest.raises(ExpressionError) as info:
        FunctionLayer(text, input=2)
    message = str(info.value)
    assert message.startswith(f"expression {text!r} at column {column}: ")
    mantissa, exponent = number.split("E")
    assert (f"{number} is ambiguous: Wolfram reads E after a number as the constant E (2.718...), so {mantissa}E{exponent}"
            f" is {mantissa} E {exponent[0]} {exponent.lstrip('+-')}; write {mantissa}*^{exponent} or {mantissa}e{exponent}"
            f" for {mantissa} times 10^{exponent.lstrip('+')}, or {mantissa} E {exponent[0]} {exponent.lstrip('+-')} for"
            f" Wolfram's reading") in message


def test_an_unsigned_uppercase_exponent_is_refused_as_a_product_with_a_name():
    with pytest.raises(ExpressionError, match=r"expression '# \* 1.5E3' at column 5: 1.5E3 is ambiguous: Wolfram reads E "
                                              r"after a number as the constant E \(2.718...\), and 1.5E3 as 1.5 times a "
                                              r"name E3; write 1.5\*\^3 or 1.5e3 for 1.5 times 10\^3\n"):
        FunctionLayer("# * 1.5E3", input=2)


def test_the_constant_e_beside_a_number_is_still_a_product():
    torch.testing.assert_close(FunctionLayer("2E + #", input=2)(X), X + 2 * torch.e)
    torch.testing.assert_close(FunctionLayer("2 E - 3 + #", input=2)(X), X + 2 * torch.e - 3)
