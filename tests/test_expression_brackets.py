"""Brackets that do not match are named as written: the parser reads the Python form of an expression, where
``f[x]`` is ``f(x)`` and ``{a, b}`` a tuple, so its errors named parentheses the user never wrote."""

from __future__ import annotations

import pytest

from netgraph.layers import FunctionLayer
from netgraph.layers.expression import ExpressionError


@pytest.mark.parametrize("text, message", [
    # these said "at column 4: syntax error ('(' was never closed)"
    ("Max[#x, #y", "at column 4: syntax error ('[' is never closed)"),
    ("{#x, #y", "at column 1: syntax error ('{' is never closed)"),
    # it said "at column 9: ... ('(' was never closed)": the '[' there is closed, the '(' after it is not
    ("#x + Sin[(#y]", "at column 13: syntax error ('(' at column 10 is closed by ']', not ')')"),
    # these said "syntax error (unmatched ')')"
    ("#x + #y]", "at column 8: syntax error (']' closes no bracket)"),
    ("#x + Sin[#y))", "at column 12: syntax error ('[' at column 9 is closed by ')', not ']')"),
    # these were read as Exp[#x] + 1, #x, Sin[#x] and #x * 2: the translation to Python made their brackets match
    ("Exp[#x} + 1", "at column 7: syntax error ('[' at column 4 is closed by '}', not ']')"),
    ("{#x]", "at column 4: syntax error ('{' at column 1 is closed by ']', not '}')"),
    ("Sin[#x)", "at column 7: syntax error ('[' at column 4 is closed by ')', not ']')"),
    ("(#x]*2", "at column 4: syntax error ('(' at column 1 is closed by ']', not ')')"),
])
def test_a_bracket_that_does_not_match_is_named_as_written(text, message):
    with pytest.raises(ExpressionError) as info:
        FunctionLayer(text)
    assert message in str(info.value), str(info.value)


@pytest.mark.parametrize("text", ["#x[[1]] + #y[[2]]", "Max[(#x + 1) * 2, Sin[#y]]", "{#x, (#y)}", "<|\"a\" -> Sin[#x]|>"])
def test_matched_brackets_of_every_kind_still_parse(text):
    assert FunctionLayer(text).input_ports
