"""YAML traps get a hint at their position: an unquoted group edge, an expression read as a comment."""

from __future__ import annotations

import pytest

from netgraph import NetGraph, SpecError
from netgraph.cli import main

_EDGES = "netgraph: 1\nlayers:\n  a: 3\n  b: 3\n  p: Plus\ninputs: {Input: 3}\nedges:\n  - Input -> [a, b]\n"


def _error(text: str) -> str:
    with pytest.raises(SpecError) as info:
        NetGraph.from_yaml(text)
    return str(info.value)


@pytest.mark.parametrize("line", ["  - [a, b] -> p\n", "  - [a, b] -> p   # the sum\n"])
def test_unquoted_group_edge_says_to_quote_it(line, yaml_loader):
    assert _error(_EDGES + line) == ("<string>:9:5: an edge that starts with '[' must be quoted, or YAML reads the "
                                     "group as a list: - \"[a, b] -> p\"")


def test_expression_read_as_a_comment_says_so(yaml_loader):
    text = "netgraph: 1\nlayers:\n  f:\n    type: FunctionLayer\n    function: #x * 2\ninputs: {x: 2}\n"
    assert _error(text).endswith("(YAML read the value as null: '#x * 2' is a comment, as '#' after a space starts "
                                 "one; quote an expression that starts with '#': \"#x * 2\")")
    assert _error(text).startswith("<string>:5:14: layer 'f': FunctionLayer needs")


def test_a_real_comment_after_a_null_gets_no_hint():
    text = "netgraph: 1\nlayers:\n  f:\n    type: FunctionLayer\n    function: # the expression\ninputs: {x: 2}\n"
    assert "is a comment" not in _error(text)


@pytest.mark.parametrize("text", ["{netgraph: 1, layers: [Tanh]", "[1, 2"])
def test_an_error_on_the_first_line_gets_no_indentation_hint(text, capsys, tmp_path):
    """An unclosed '{...' on line 1 (as `--loss '{KL: 1'` is) was 'indented 0 spaces, which lines up with no line
    above it': there is no line above; the parser's own words name the unclosed mapping."""
    message = _error(text)
    assert "indentation" not in message and "expected ','" in message
    (tmp_path / "s.yaml").write_text("netgraph: 1\nlayers: [Tanh]\ninputs: {Input: 2}\n")
    assert main(["train", str(tmp_path / "s.yaml"), "--data", "d.npz", "--loss", "{Output: 1"]) == 1
    err = capsys.readouterr().err
    assert "indentation" not in err and "flow mapping expected ',' or '}'" in err
