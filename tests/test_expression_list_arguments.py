"""Lists as arguments (session 53): Wolfram's Max and Min flatten them (Max[x, {1, 2}] is Max[x, 1, 2]), compiled and
interpreted alike, in float32 and float64, with exact gradients; a list as another function's argument (Plus threads
over it, making a list) is refused at its column, as is a pure function as an argument (Max[#^2 &, 1])."""

from __future__ import annotations

import math
import re

import pytest
import torch

from netgraph import ElementwiseLayer, FunctionLayer, NetGraph, interpret, net_initialize
from netgraph.layers.expression import ExpressionError, parse_definition

X = [3.0, -1.0, 0.5, 1.5]

FLATTENED = [  # (expression, twin of float64 x, the gradient of the value with respect to x)
    ("Max[#x, {1, 2}]", lambda x: torch.cat([x, x.new_tensor([1.0, 2.0])]).amax(), [1.0, 0.0, 0.0, 0.0]),
    ("Min[{#x, 1}]", lambda x: torch.cat([x, x.new_tensor([1.0])]).amin(), [0.0, 1.0, 0.0, 0.0]),
    ("Max[{{#x}, 5}, {}]", lambda x: x.new_tensor(5.0), [0.0, 0.0, 0.0, 0.0]),  # nested lists, an empty one
    ("Min[{-#x, {#x[[2]], 0}}]", lambda x: torch.minimum((-x).amin(), x[1].clamp(max=0)), [-1.0, 0.0, 0.0, 0.0]),
    ("Max[{#x[[3]], #x[[4]]}] * 2", lambda x: 2 * torch.maximum(x[2], x[3]), [0.0, 0.0, 0.0, 2.0]),
]


def _runs(text: str, dtype: torch.dtype, layer=FunctionLayer):
    """The compiled module's and the interpreter's value of ``text`` at X (as ``dtype``) and their gradients."""
    module = net_initialize(NetGraph([layer(text)], [], **{p: len(X) for p in layer(text).input_ports})).compile()
    found = []
    for run in (lambda x: module(x), lambda x: interpret(module.net, module, x)):
        x = torch.tensor([X], dtype=dtype, requires_grad=True)
        value = run(x)
        value.sum().backward()
        found.append((value.detach(), x.grad[0]))
    return found


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize("text, twin, gradient", FLATTENED, ids=[t for t, _, _ in FLATTENED])
def test_max_and_min_flatten_list_arguments_as_wolfram(text, twin, gradient, dtype):
    expected = twin(torch.tensor(X, dtype=dtype)).to(dtype)
    for value, grad in _runs(text, dtype):
        assert value.dtype == dtype
        torch.testing.assert_close(value, expected.expand_as(value))
        assert grad.tolist() == gradient


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_elementwise_max_of_a_list_is_the_elementwise_maximum(dtype):
    """ElementwiseLayer applies f to each element: Max[#, {1, 0}] is max(x, 1) there."""
    for value, grad in _runs("Max[#, {1, 0}]", dtype, ElementwiseLayer):
        assert value[0].tolist() == [3.0, 1.0, 1.0, 1.5]
        assert grad.tolist() == [1.0, 0.0, 0.0, 1.0]


@pytest.mark.parametrize("text, column", [("Plus[#x, {1, 2}]", 9), ("Exp[{#x}]", 4), ("2 + Times[#x, {#x, 1}]", 14)])
def test_a_list_as_another_functions_argument_is_refused_at_its_column(text, column):
    with pytest.raises(ExpressionError) as info:
        FunctionLayer(text)
    name = text.split("[")[0].split()[-1]
    assert f"at column {column + 1}:" in str(info.value)
    assert f"a list as an argument of {name}" in str(info.value) and "Max and Min" in str(info.value)


@pytest.mark.parametrize("text, name, column", [("Max[#^2 &, 1]", "Max", 4), ("Min[1, Sin[#] &]", "Min", 7),
                                                ("Plus[#x, (#y + 1 &)]", "Plus", 9),
                                                ("Max[#x, Function[#^2]]", "Max", 8),
                                                ("Plus[#x, Function[y, y^2]]", "Plus", 9),
                                                ("Sin[Function[#x]] + 1", "Sin", 4),
                                                ("Min[{#x, Function[#y]}]", "Min", 9)])
def test_a_pure_function_as_an_argument_is_refused_naming_the_function(text, name, column):
    """``body &`` and Function[body] alike: an argument of a function taking values, not a new port."""
    with pytest.raises(ExpressionError) as info:
        FunctionLayer(text)
    assert f"at column {column + 1}:" in str(info.value)
    assert f"a pure function (body &) cannot be an argument of {name}" in str(info.value)


@pytest.mark.parametrize("text, hint", [("Select[#x, # > 0 &]", "unknown function 'Select'"),
                                        ("Fold[#1 + #2 &, 0, #x]", "unknown function 'Fold'"),
                                        ("Nest[#^2 &, #x, 2]", "unknown function 'Nest'"),
                                        ("max[#^2 &, 1]", "unknown function 'max' (Wolfram's names are case-sensitive: "
                                                          "did you mean Max?)")])
def test_a_pure_function_given_to_an_unknown_function_names_the_unknown_function(text, hint):
    with pytest.raises(ExpressionError, match=re.escape(hint)) as info:
        FunctionLayer(text)
    assert "pure function" not in str(info.value) and "at column 1:" in str(info.value)


def test_the_pure_function_refusal_suggests_no_rewrite_built_from_the_name():
    with pytest.raises(ExpressionError) as info:
        FunctionLayer("If[#x > 0, #x &, 0]")
    assert "If[#x^2" not in str(info.value) and "write its body on the values" in str(info.value)


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize("text, value", [("Max[{}] + #x", -math.inf), ("Min[{}, {{}}] + #x", math.inf),
                                         ("Max[{}, {{}}] - #x", -math.inf)])
def test_max_and_min_of_only_empty_lists_are_wolframs_infinities(text, value, dtype):
    for found, grad in _runs(text, dtype):
        assert found.dtype == dtype and found.tolist() == [[value] * len(X)]
        assert grad.tolist() == [1.0 if "+" in text else -1.0] * len(X)


def test_max_of_no_arguments_is_still_refused():
    with pytest.raises(ExpressionError, match="Max takes 1 or more arguments, found 0"):
        FunctionLayer("Max[] + #x")


def test_an_internal_max_flattens_its_lists_too():
    assert parse_definition("Max[#, {1, {2}}]").tree == parse_definition("Max[#, 1, 2]").tree


def test_an_empty_list_of_outputs_is_named_so():
    with pytest.raises(ExpressionError, match=r"at column 1: an empty list \{\} of outputs"):
        FunctionLayer("{ }")
