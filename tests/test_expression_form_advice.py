"""Refusals of forms Wolfram has and expressions do not read name what was written and say how to write it (QA
tester V): a nested Function's variable was named by its internal slot '_s_', an empty pure function "&" was
'constant None', a trailing comma in <|...|> was read as none (in {...} refused), and Equal, Greater, ..., Slot were
a bare 'unknown function' where And and Xor get their operator form."""

from __future__ import annotations

import pytest

from netgraph import FunctionLayer
from netgraph.layers.expression import ExpressionError


def _refusal(text: str) -> str:
    with pytest.raises(ExpressionError) as info:
        FunctionLayer(text)
    return str(info.value).splitlines()[0]


@pytest.mark.parametrize("text, message", [
    ("Function[x, Function[x, x]]", "at column 22: Function's variable 'x' is a variable of the Function around it "
                                    "already"),
    ("Function[#x, #x]", "Function's variable '#x' is a slot"),
    ("Function[{x, y}, Function[{z, y}, z]]", "at column 27: Function's variable 'y' is a variable of the Function "
                                              "around it already"),  # was: unknown symbol 'z'
    ("Function[x, 2]", "is the constant 2.0: the body of Function uses none of its variables"),  # was: If conditions
    ("Function[{x, y}, 2]", "the body of Function uses none of its variables"),
    ("Function[x, 1]", "is the constant 1.0: the body of Function uses none of its variables"),  # review R5
    ("If[1, 2, #x]", "is the constant 2.0 once its constant If conditions pick their branches"),
    ("&", "at column 1: a pure function with an empty body (nothing before &) is not allowed: write a formula "
          "before &"),
    ("  &  ", "a pure function with an empty body (nothing before &) is not allowed"),
    ('<|"a" -> #x, |>', "at column 12: a ',' with no argument after it"),
    ('<|"a" -> #x,|>', "at column 12: a ',' with no argument after it"),
    ("{#x, }", "at column 4: a ',' with no argument after it"),
    ("Equal[#x, 1]", "at column 1: Equal is written as its operator: Equal[#x, #y] is #x == #y"),
    ("Unequal[#x, 1]", "Unequal[#x, #y] is #x != #y"), ("Greater[#x, 1]", "Greater[#x, #y] is #x > #y"),
    ("GreaterEqual[#x, 1]", "GreaterEqual[#x, #y] is #x >= #y"), ("Less[#x, 1]", "Less[#x, #y] is #x < #y"),
    ("LessEqual[#x, 1]", "LessEqual[#x, #y] is #x <= #y"),
    ("Slot[1] + 1", "at column 1: Slot is written #: Slot[1] is #1"),
])
def test_the_refusal_names_what_was_written_and_the_form_to_write(text, message):
    refusal = _refusal(text)
    assert message in refusal and "_s_" not in refusal and "None" not in refusal


@pytest.mark.parametrize("text", ["{#x, #y}", '<|"a" -> #x, "b" -> #y|>', "#x == 1", "#x >= #y"])
def test_the_forms_advised_are_read(text):
    FunctionLayer(text)
