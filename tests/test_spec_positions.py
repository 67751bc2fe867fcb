"""Positions inside scalars whose text is not their value column by column: block and folded scalars,
escapes, single-quoted quotes, edges over several lines; and expression columns (leading spaces, lines)."""

from __future__ import annotations

import pytest

from netgraph import NetGraph, SpecError
from netgraph.layers.expression import parse
from netgraph.layers.expression_errors import ExpressionError

_F = "netgraph: 1\nlayers:\n  f:\n    type: FunctionLayer\n    function: {}\ninputs: {{x: 2}}\n"
_E = "netgraph: 1\nlayers:\n  a: 3\ninputs: {{Input: 2}}\nedges:\n  - {}\n"


def _at(text: str) -> tuple[int, int]:
    with pytest.raises(SpecError) as info:
        NetGraph.from_yaml(text)
    return tuple(int(x) for x in str(info.value).split(":")[1:3])


@pytest.mark.parametrize("value, where", [
    ("|-\n      #x +\n        +* 2", (7, 10)),             # literal block: a line break is a space in an expression
    (">-\n      #x + 1 +\n      * 2", (7, 7)),              # folded block
    ('"#x\\u0020\\u0020+* 2"', (5, 31)),                    # escapes
    ("'#x + ''a'' +* 2'", (5, 21)),                        # '' is one quote
    ('"#x +\n      +* 2"', (6, 8)),                         # a quoted scalar over two lines
])
def test_expression_error_at_its_character(value, where, yaml_loader):
    assert _at(_F.format(value)) == where


@pytest.mark.parametrize("edge, where", [
    ("Input -> a\n    -> b", (7, 8)),
    (">-\n    Input -> a\n    -> a.Foo", (8, 10)),
    ('"Input -> a\n    -> b"', (7, 8)),
])
def test_edge_endpoint_error_at_its_character(edge, where, yaml_loader):
    assert _at(_E.format(edge)) == where


@pytest.mark.parametrize("text, char", [("   #x + foo", "f"), ("#x +\n  foo", "f"), ("  #x +* 2", "*")])
def test_expression_columns_count_leading_spaces_and_lines(text, char):
    with pytest.raises(ExpressionError) as info:
        parse(text)
    assert text[info.value.column] == char



@pytest.mark.parametrize("text", ["#x + #y * ", "#x +", "  -  ", "Exp[#x] +\n  "])
def test_an_expression_that_ends_too_early_is_reported_at_its_last_character(text):
    """Python gives no column (0) for an unexpected end: it was shown as column 1, the start of the expression."""
    with pytest.raises(ExpressionError, match="ends before it is complete") as info:
        parse(text)
    assert info.value.column == len(text.rstrip()) - 1


def test_an_expression_that_ends_too_early_in_a_spec_is_reported_at_its_last_character(yaml_loader):
    assert _at(_F.format('"#x + #y * "')) == (5, 24)  # the '*'
    assert _at(_F.format("|-\n      #x +\n        2 *")) == (7, 11)

def test_line_break_in_an_expression_is_a_space():
    assert parse("#x +\n  1").tree == parse("#x + 1").tree



@pytest.mark.parametrize("value", ["&o -3", "&o !!int -3", "!!int -3"])
def test_a_value_after_an_anchor_or_tag_is_located_at_its_first_character(value, yaml_loader):
    """A value's position was its node's start, the '&' of its anchor (or '!' of its tag), not the value at fault."""
    line = f"  a: {{type: LinearLayer, output: {value}}}"
    assert _at(f"netgraph: 1\nlayers:\n{line}\n") == (3, line.index("-3") + 1)


@pytest.mark.parametrize("text", ["#x +\n  foo", "#x\t+* 2", "#x +\r\n  2 *"])
def test_the_caret_under_an_expression_over_several_lines_stands_under_its_character(text):
    """The excerpt kept the line breaks (and tabs), so the caret landed under nothing of the expression."""
    with pytest.raises(ExpressionError) as info:
        parse(text)
    shown, caret = str(info.value).splitlines()[-2:]
    assert "\n" not in shown[4:] and caret.index("^") == 4 + info.value.column
    assert shown[4 + info.value.column] == text[info.value.column]


_TWICE = "netgraph: 1\nlayers:\n  a: {{type: LinearLayer, output: 3}}\n  b: 2\ninputs: {{Input: 2}}\nedges:{}\n"


@pytest.mark.parametrize("edges, message", [
    ("\n  - Input -> a\n  - a -> b\n  - a -> b", "9:5: edge a -> b is given twice (edges at 8:5 and at 9:5): "),
    (" [Input -> a -> b, Input -> a]", "6:26: edge Input -> a repeats edge Input -> a (in chain Input -> a -> b) "
                                       "(edges at 6:9 and at 6:26): "),
])
def test_a_duplicate_edge_is_told_by_the_places_of_both(edges, message, yaml_loader):
    """The YAML message numbered the two edges from 0 ("edges 1 and 2" for its second and third); everything else a
    spec's reader sees is a file:line:col."""
    with pytest.raises(SpecError) as info:
        NetGraph.from_yaml(_TWICE.format(edges))
    assert str(info.value).split(":", 1)[1].startswith(message), str(info.value)


@pytest.mark.parametrize("text, where", [
    ("netgraph: 1\nlayers:\n  a: 3\n  b: Frobnicate\ninputs: {Input: 2}\n", (4, 6)),     # a layer's shorthand value
    ("netgraph: 1\nlayers:\n  a: 3\n  b:   LeakyReLU\ninputs: {Input: 2}\n", (4, 8)),
    ("netgraph: 1\nlayers:\n  c: [3, Frobnicate]\ninputs: {Input: 2}\n", (3, 10)),      # an item of a chain shorthand
    ("netgraph: 1\nnets:\n  enc: 3\nlayers:\n  b:  enc\ninputs: {Input: 2}\n", (5, 7)),  # a net used without ref:
])
def test_an_unknown_shorthand_is_placed_at_its_value_not_its_layers_name(text, where, yaml_loader):
    """README: "the position is that of the value at fault"; `b: Frobnicate` was placed at `b`."""
    assert _at(text) == where


@pytest.mark.parametrize("text, part", [("#a + 10^400", "10^400"), ("#a + Exp[1000]", "Exp[1000]"),
                                        ("#a + Sqrt[-1]", "Sqrt[-1]"), ("#a + 1/0", "1/0"),
                                        ("#a * (2 + Gamma[0])", "Gamma[0]"), ("Sin[#a] - 2^(3 * 10^3)", "2^(3")])
def test_a_constant_folded_past_a_real_number_is_placed_at_its_part(text, part):
    """Folding's errors (overflow, not real, divides by 0, a pole) had no column, though 1e400's had."""
    with pytest.raises(ExpressionError) as info:
        parse(text)
    assert info.value.column == text.index(part)
    assert f"at column {text.index(part) + 1}:" in str(info.value)


@pytest.mark.parametrize("value, where", [
    ('"#x + 10^400"', (5, 21)),
    (">-\n      #x +\n      Sqrt[-1]", (7, 7)),
    ("|\n      #x +\n        1/0", (7, 9)),
])
def test_a_constant_folded_past_a_real_number_in_a_spec_is_placed_at_its_part(value, where, yaml_loader):
    assert _at(_F.format(value)) == where
