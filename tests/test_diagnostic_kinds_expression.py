"""A FunctionLayer expression that does not parse, or uses what the allowlist leaves out, is of kind
"expression-syntax" (it had the default kind "error"), called and in a spec."""

from __future__ import annotations

import pytest

from netgraph import ElementwiseLayer, FunctionLayer, NetGraph, NetGraphError, OptionError, SpecError, ThreadingLayer

BAD = ["#a +", "foo(#a)", "import os", "lambda x: x", "#a[1e400]", "#a if #b else #c", "(#a", "#a + 1e999"]


@pytest.mark.parametrize("text", BAD)
def test_a_bad_expression_is_an_expression_syntax_problem(text):
    with pytest.raises(OptionError) as info:
        FunctionLayer(text)
    assert [d.kind for d in info.value.diagnostics] == ["expression-syntax"]


@pytest.mark.parametrize("text", ["#a +", "foo(#a)"])
def test_a_specs_bad_expression_keeps_its_kind(text):
    with pytest.raises(SpecError) as info:
        NetGraph.from_yaml(f"netgraph: 1\nlayers:\n  f: {{type: FunctionLayer, function: '{text}'}}\n")
    assert [d.kind for d in info.value.diagnostics] == ["expression-syntax"]


def test_an_expression_that_is_not_a_string_is_a_bad_value_of_its_option():
    """parse's own check (the layers check first, as FunctionLayer(3) does, with the same fields)."""
    from netgraph.layers.expression import parse
    with pytest.raises(NetGraphError) as info:
        parse(3)
    (diagnostic,) = info.value.diagnostics
    assert (diagnostic.kind, diagnostic.option, diagnostic.found) == ("option-value", "function", 3), diagnostic


def test_a_headed_expression_error_keeps_its_kind_under_the_header():
    """headed (an edit's "does not fit" header) rebuilt the error as type(error)(message, diagnostics=...), which an
    ExpressionError's __init__ (message, text, column) does not take: a TypeError came out instead."""
    from netgraph.core.errors import headed
    with pytest.raises(OptionError) as info:
        FunctionLayer("#a +")
    error = headed(info.value, "net_insert: ")
    assert isinstance(error, OptionError) and str(error) == "net_insert: " + str(info.value)
    assert [(d.kind, d.message) for d in error.diagnostics] == [("expression-syntax", str(error))]


@pytest.mark.parametrize("make", [lambda: FunctionLayer("Index"), lambda: ElementwiseLayer("#+"),
                                  lambda: ThreadingLayer("#a +")])
def test_a_bad_expression_names_its_option(make):
    """It named no option (found by fuzzing every layer type's options), so beside another bad option it was dropped."""
    with pytest.raises(OptionError) as info:
        make()
    assert [(d.kind, d.option) for d in info.value.diagnostics] == [("expression-syntax", "function")]


def test_a_bad_expression_beside_another_bad_option_is_one_of_the_problems():
    with pytest.raises(OptionError) as info:
        FunctionLayer("#a +", output=-1)
    assert sorted(d.option for d in info.value.diagnostics) == ["function", "output"]
