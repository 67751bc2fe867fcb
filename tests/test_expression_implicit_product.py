"""Wolfram's implicit multiplication (``2 #x``, ``#a #b``, ``(#+1)(#-1)``) and named-variable functions
(``Function[x, x^2]``) in FunctionLayer expressions (found by QA, qa-wolfram follow-up: both were refused, and
``#x#y`` made one port named 'x_s_y')."""

from __future__ import annotations

import time

import pytest
import torch

from netgraph import FunctionLayer, OptionError
from netgraph.layers.expression import ExpressionError, evaluate, parse


@pytest.mark.parametrize("implicit, explicit", [
    ("2 #x", "2 * #x"), ("2#x", "2*#x"), ("2 Sin[#]", "2 * Sin[#]"), ("#a #b", "#a * #b"),
    ("(#+1)(#-1)", "(#+1)*(#-1)"), ("#x#y", "#x*#y"), ("#1#2", "#1*#2"), ("#x 2", "#x * 2"),
    ("Pi  #r^2", "Pi * #r^2"), ("2Pi + #x", "2*Pi + #x"), ("Sin[Pi/2 #x]", "Sin[Pi/2 * #x]"),
    ("#a/#b #c", "#a/#b * #c"), ("#x^2 #y", "#x^2 * #y"), ("Sin[#x] (#y + 1)", "Sin[#x] * (#y + 1)"),
    ("Sin[#x](#y)", "Sin[#x]*(#y)"), ("#x (#y)", "#x * (#y)"), ("#x[[1]] 2", "#x[[1]] * 2"), ("Exp[1]#x", "Exp[1]*#x"),
    ("(#x + 1)#y", "(#x + 1)*#y"), ("1.5*^3 #x", "1.5*^3 * #x"), ("2.5*^-3#x", "2.5*^-3*#x"), ("#x 1.5*^3", "#x * 1.5*^3"),
    ("2 -3 #x", "2 - 3 * #x"), ("#x^(-2) #y", "#x^(-2) * #y"), ("If[#x > 0, 2 #x, -#x]", "If[#x > 0, 2 * #x, -#x]"),
    ("{2 #x, #y #y}", "{2 * #x, #y * #y}"), ('<|"a" -> 2 #x|>', '<|"a" -> 2 * #x|>'),
    ("Sin[#x\n#y]", "Sin[#x * #y]"), ("#x +\n 2 #y", "#x + 2 * #y"),  # in brackets, or after an operator: one line
])
def test_juxtaposed_operands_are_a_product(implicit, explicit):
    assert parse(implicit).tree == parse(explicit).tree
    assert parse(implicit).slots == parse(explicit).slots


def test_a_product_binds_as_times_does():
    x, y = torch.tensor(3.0), torch.tensor(2.0)
    assert evaluate(parse("2 #x^2").tree, {"x": x}).item() == 18.0  # 2 (x^2), not (2 x)^2
    assert evaluate(parse("#x/#y #x").tree, {"x": x, "y": y}).item() == 4.5  # (x/y) x, as Wolfram's Times
    assert evaluate(parse("#x - #y #y").tree, {"x": x, "y": y}).item() == -1.0
    layer = FunctionLayer("(#+1)(#-1)")
    torch.testing.assert_close(layer(torch.tensor([[2.0, 3.0]])), torch.tensor([[3.0, 8.0]]))
    assert FunctionLayer("#x#y").input_ports == ("x", "y")  # it made one port 'x_s_y'


@pytest.mark.parametrize("text, message", [
    ("#x\n2", "at column 4: #x and 2 are on two lines: Wolfram ends an expression at a line break; write #x * 2"),
    ("{#x, #y} 2", "at column 10: a list beside a value ({#x, #y} 2) is not read: a list {e1, e2} or <|...|> is the "
                   "whole expression"),
    ("2 {#x}", "at column 3: a list beside a value (2 {...}) is not read"),
    ('<|"a" -> #x|> 2', "a list beside a value (<|...|> 2) is not read"),
    ("#x^-2 #y", "at column 7: a product after a signed exponent (-2 #y) is not read: write (...^-2) * #y or "
                 "...^(-2 * #y)"),  # the sign kept: (...^2) * #y would square, not divide
    ("#x^+2 #y", "a product after a signed exponent (+2 #y) is not read: write (...^+2) * #y"),
    ("#x^2^-1 #y", "a product after a signed exponent (-1 #y)"),
    ("Sin[#x]^-1 #y", "a product after a signed exponent (-1 #y)"),
    ("Sin (#x)", "at column 1: Sin is a function: call it on its arguments, as Sin[#x]"),
    ("0x10 * #x", "unknown name 'x10'"),  # Wolfram's 0 x10; Python's hexadecimal 16 was read
    ("1_000 * #x", "unknown name '_000'"),  # Python's 1000 was read
])
def test_juxtapositions_wolfram_may_read_otherwise_are_refused(text, message):
    with pytest.raises(ExpressionError) as info:
        FunctionLayer(text)
    assert message in str(info.value)


@pytest.mark.parametrize("text", ["2 " * 990 + "#x", "#x " * 660, "(#x)" * 490, "Sin[#x]" * 280,
                                  "#x^-" * 400 + "2 #y", "#x" * 666, "#x^2" * 400 + " #y", "9" * 1000 + " #x" * 330,
                                  "2^" * 600 + "#x 2", "(" + "9" * 1000 + ")" + "(#x)" * 240])
def test_long_juxtapositions_are_read_or_refused_at_once(text):
    start = time.process_time()
    try:
        parse(text)
    except ExpressionError:
        pass
    assert time.process_time() - start < 1.0


@pytest.mark.parametrize("function, body", [
    ("Function[x, x^2]", "#^2"), ("Function[{x}, 2 x]", "2 #"), ("Function[x, Exp[x] x] &", "Exp[#] #"),
    ("Function[{x, y}, x + 2 y]", "#1 + 2 #2"), ("Apply[Function[{x, y}, x y]]", "Apply[#1 #2 &]"),
    ('Function[{a, b}, <|"s" -> a + b, "d" -> a - b|>]', '<|"s" -> #1 + #2, "d" -> #1 - #2|>'),
])
def test_a_function_of_named_variables_is_its_pure_function(function, body):
    """Wolfram's FunctionLayer[Function[x, x^2]] has the port Input; several variables are Apply's Input1, Input2."""
    assert parse(function).tree == parse(body).tree and parse(function).slots == parse(body).slots


@pytest.mark.parametrize("text, message", [
    ("Function[x, #x]", "at column 13: a Function[x, body] names its arguments: write them by name in the body, not "
                        "as #slots"),
    ("Function[{x, x}, x]", "Function's variable 'x' is named twice"),
    ("Function[Sin, Sin^2]", "Function's variable 'Sin' is a function or constant of expressions"),
    ("Function[{x, 2}, x]", "at column 10: Function[x, body] names its variables by a name x or a list {x, y}"),
    ("Function[x, x, y]", "Function takes a body, or variables and a body (Function[x, x^2]), found 3 arguments"),
    ("Function[x, y]", "unknown symbol 'y' in the body of Function[x, ...]: it is not one of its variables (x)"),
])
def test_bad_named_variable_functions_are_refused(text, message):
    with pytest.raises(OptionError) as info:
        FunctionLayer(text)
    assert message in str(info.value)


@pytest.mark.parametrize("text, fix", [
    ("exp(#a)", "unknown name 'exp' (did you mean Exp[#a]?"),
    ("Exp(#a)", "Exp is a function: call it on its arguments, as Exp[#a]"),
    ("1 + tanh (#a * (2 + #b))", "(did you mean Tanh[#a * (2 + #b)]?"),
    ("exp + #a", "unknown name 'exp' (did you mean 'Exp'?)"),  # no call: the name alone
])
def test_a_function_called_with_parentheses_is_told_the_whole_fix(text, fix):
    """`exp(#a)` said "did you mean 'Exp'", and then `Exp(#a)` "write Exp[#x]": two rounds for one fix."""
    with pytest.raises(OptionError) as info:
        FunctionLayer(text)
    assert fix in str(info.value), str(info.value)


@pytest.mark.parametrize("text, meant", [("exp[#a]", "Exp"), ("2 relu[#a] + 1", "Ramp"), ("max[#a, 0]", "Max"),
                                         ("Map[sin, #a]", "Sin"), ("logisticSigmoid[#a]", "LogisticSigmoid")])
def test_a_lowercase_function_name_is_unknown_as_in_wolfram_naming_the_capitalised_one(text, meant):
    """Wolfram's names are case-sensitive (exp is an unknown symbol there), as ElementwiseLayer("exp") already said;
    a FunctionLayer read exp[#a] as Exp[#a], so the same name meant a function in one layer and nothing in another."""
    with pytest.raises(OptionError) as info:
        FunctionLayer(text)
    assert info.value.kind == "expression-syntax"
    assert f"case-sensitive: did you mean {meant}?" in str(info.value), str(info.value)
