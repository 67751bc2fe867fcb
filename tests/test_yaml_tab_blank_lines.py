"""A line made only of spaces and tabs is a blank line (YAML 1.2 takes tabs there; PyYAML refuses them): a spec with
one loads as it does without, with both of PyYAML's parsers, and every later error keeps its file:line:col."""

from __future__ import annotations

import pytest

from netgraph.core.errors import SpecError
from netgraph.spec.api import from_yaml
from netgraph.spec.line_breaks import blank_tab_lines

SPEC = "netgraph: 1\nlayers:\n  a: {type: LinearLayer, output: 3}\n{blank}\n  b: Tanh\nedges: [a -> b]\n" \
       "inputs: {Input: 2}\n"
BLANKS = ["\t", "\t\t", " \t", "\t  ", "  \t \t"]




def spec(blank: str) -> str:
    return SPEC.replace("{blank}", blank)


@pytest.mark.parametrize("blank", BLANKS, ids=repr)
def test_a_line_of_spaces_and_tabs_is_blank(blank, yaml_loader):
    net = from_yaml(spec(blank))
    plain = from_yaml(spec(""))
    assert list(net.layers) == list(plain.layers) == ["a", "b"]
    assert net.port_types == plain.port_types


def refusal(text: str) -> str:
    with pytest.raises(SpecError) as info:
        from_yaml(text)
    return str(info.value)


@pytest.mark.parametrize("blank", BLANKS, ids=repr)
@pytest.mark.parametrize("bad, where", [("edges: [a -> b, a -> c]", "<string>:6:22: 'c' is not a layer"),
                                        ("edges: [a -> b\n", "<string>:6:8: invalid YAML: the '[' here is not closed")])
def test_a_later_error_keeps_its_line_and_column(blank, bad, where, yaml_loader):
    """A YAML syntax error, and a spec error, after the line: the message of the line written in spaces."""
    text = spec(blank).replace("edges: [a -> b]", bad)
    assert refusal(text) == refusal(text.replace(blank, " " * len(blank)))
    assert refusal(text).startswith(where)


def test_a_tab_indenting_content_is_still_refused(yaml_loader):
    with pytest.raises(SpecError, match=r"^<string>:5:1: YAML indentation: use spaces, not tabs"):
        from_yaml(spec("\t").replace("  b: Tanh", "\tb: Tanh"))


def test_a_tab_inside_a_block_scalar_is_kept():
    """Text PyYAML takes is read as it is: a literal block's line of a tab keeps its tab."""
    text = "netgraph: 1\ndescription: |\n  a\n  \t\n  b\nlayers: {a: Tanh}\ninputs: {Input: 2}\n"
    assert from_yaml(text).layers["a"] is not None
    assert blank_tab_lines(text) != text  # blanked only where PyYAML refused the text as written


@pytest.mark.parametrize("text, blanked", [
    ("a: 1\n\t\nb: 2", "a: 1\n \nb: 2"), ("\t \r\nb", "  \r\nb"), ("a\r\t", "a\r "), ("a:\t1\n", "a:\t1\n"),
    ("a\u2028\t\u2028b", "a\u2028 \u2028b"), ("a\x0b\t", "a\x0b\t")])
def test_only_lines_of_blanks_change_and_keep_their_length(text, blanked):
    assert blank_tab_lines(text) == blanked and len(blanked) == len(text)
