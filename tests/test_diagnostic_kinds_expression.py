"""A FunctionLayer expression that does not parse, or uses what the allowlist leaves out, is of kind
"expression-syntax" (it had the default kind "error"), called and in a spec."""

from __future__ import annotations

import pytest

from netgraph import FunctionLayer, NetGraph, OptionError, SpecError

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
