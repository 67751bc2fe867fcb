"""A name in the body of Wolfram's ``Function[x, body]`` that is none of its variables (a free symbol, which has no
value in a net) is refused as such, naming the symbol, the variables and the expression (found by the Wolfram-parity
follow-up: ``Function[x, y]`` said "unknown name 'y'; ports are written #y", and a Function with variables refuses
#slots)."""

from __future__ import annotations

import pytest

from netgraph import FunctionLayer
from netgraph.layers.expression import ExpressionError
from tests.diagnostic_helpers import sole_diagnostic


@pytest.mark.parametrize("text, column, symbol, variables", [
    ("Function[x, y]", 13, "y", "x"),
    ("Function[x, x + 2 y]", 19, "y", "x"),
    ("Function[{a, b}, a * b + c]", 26, "c", "a, b"),
    ('Function[x, <|"s" -> x, "t" -> z|>]', 32, "z", "x"),
])
def test_a_free_symbol_in_a_function_body_is_named_with_the_variables(text, column, symbol, variables):
    with pytest.raises(ExpressionError) as info:
        FunctionLayer(text)
    message = str(info.value)
    assert message.startswith(f"expression {text!r} at column {column}: ")
    assert (f"unknown symbol {symbol!r} in the body of Function[{variables}, ...]: it is not one of its variables "
            f"({variables})") in message
    assert "ports are written" not in message  # a Function with variables takes no #slots
    assert sole_diagnostic(lambda: FunctionLayer(text)).kind == "expression-syntax"


def test_a_free_symbol_hint_adds_it_to_the_variables():
    with pytest.raises(ExpressionError, match=r"and a free symbol has no value in a net; make it a variable, "
                                              r"Function\[\{x, y\}, \.\.\.\] \(ports Input1, Input2\)"):
        FunctionLayer("Function[x, x y]")


@pytest.mark.parametrize("text", ["Function[x, Sinn[x]]", "Function[x, Sin + x]"])
def test_functions_misnamed_or_uncalled_keep_their_own_errors(text):
    with pytest.raises(ExpressionError) as info:
        FunctionLayer(text)
    assert "not one of its variables" not in str(info.value)


@pytest.mark.parametrize("text", ["Function[x, Pi x + E]", "Function[x, x[[All, 1]]]", "Function[x, Total[x, Infinity]]"])
def test_constants_and_part_specs_are_no_free_symbols(text):
    assert FunctionLayer(text, input=(2, 3)).input_ports == ("Input",)
