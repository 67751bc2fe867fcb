"""YAML traps get a hint at their position: an unquoted group edge, an expression read as a comment."""

from __future__ import annotations

import pytest

from netgraph import NetGraph, SpecError
from netgraph.cli import main
from tests.spec_refusals import spec_problems

_EDGES = "netgraph: 1\nlayers:\n  a: 3\n  b: 3\n  p: Plus\ninputs: {Input: 3}\nedges:\n  - Input -> [a, b]\n"


def _error(text: str) -> str:
    with pytest.raises(SpecError) as info:
        NetGraph.from_yaml(text)
    return str(info.value)


@pytest.mark.parametrize("line", ["  - [a, b] -> p\n", "  - [a, b] -> p   # the sum\n"])
def test_unquoted_group_edge_says_to_quote_it(line, yaml_loader):
    assert _error(_EDGES + line) == ("<string>:9:5: an edge that starts with '[' must be quoted, or YAML reads the "
                                     "group as a list: - \"[a, b] -> p\"")


@pytest.mark.parametrize("edges, at, edge", [
    ("[Input -> [a, b], '[a, b] -> p']", 9, "Input -> [a, b]"),     # a fan-out
    ("[Input -> a, Input -> b, [a, b] -> p]", 33, "[a, b] -> p"),   # a group feeding one
    ("[ [a, b] -> p]", 10, "[a, b] -> p"),
    ("[Input -> a, Input -> [a, b] -> p]", 21, "Input -> [a, b] -> p"),  # the whole edge, past its group
    ("[Input -> [a, b] -> p -> [a, b], p -> a]", 9, "Input -> [a, b] -> p -> [a, b]"),
    ("[Input -> a, [a, b] -> p -> a]", 21, "[a, b] -> p -> a"),
])
def test_unquoted_group_edge_in_a_flow_list_says_to_quote_it(edges, at, edge, yaml_loader):
    """Found by QA: the parser's words alone ("expected ',' or ']', but got '['")."""
    text = "netgraph: 1\nlayers: {a: 3, b: 3, p: Plus}\ninputs: {Input: 3}\nedges: " + edges + "\n"
    assert _error(text) == (f"<string>:4:{at}: an edge holding a group '[...]' inside a flow list must be quoted, or "
                            f"YAML reads the group as a list: \"{edge}\"")


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


@pytest.mark.parametrize("line, at, words", [
    ("  a: {type: LinearLayer, output: 3}}", 36, "found '}'"),
    ("  a: 3: 4", 7, "mapping values are not allowed here"),
    ("  a: @3", 6, "'@' that cannot start any token"),
])
def test_a_syntax_error_on_the_first_line_of_a_block_gets_the_parser_s_words_not_an_indentation_hint(line, at, words,
                                                                                                      yaml_loader):
    """The first key under 'layers:' is indented further than every line above, as it must be: it was told
    'YAML indentation: this line is indented 2 spaces, which lines up with no line above it' at its column 3."""
    message = _error(f"netgraph: 1\nlayers:   # all of them\n{line}\ninputs: {{Input: 2}}\n")
    assert message.startswith(f"<string>:3:{at}: invalid YAML: ") and words in message and "indentation" not in message


@pytest.mark.parametrize("text, at", [
    ("layers:\n  - type: LinearLayer\n    output: 3: 4\n", None),  # a list item's keys line up after its '- '
    ("layers:\n  - type: LinearLayer\n   output: 3\n", "4:4"),
])
def test_keys_of_a_list_item_line_up_after_its_dash(text, at, yaml_loader):
    message = _error("netgraph: 1\n" + text)
    assert ("YAML indentation" in message) == (at is not None)
    assert at is None or message.startswith(f"<string>:{at}: YAML indentation: this line is indented 3 spaces")


@pytest.mark.parametrize("edges, at, dst", [("edges: {? [a, b] : p, Input: [a, b]}\n", "7:11", "p"),
                                            ("edges:\n  ? [a, b]\n  : p\n", "8:5", "dst"),
                                            ("edges: {[a, b]: p}\n", "7:9", "p")])
def test_a_group_as_an_edge_key_says_to_quote_it(edges, at, dst, yaml_loader):
    """Found by review: the hint said 'dst' where the key's line shows the real value (p)."""
    text = _EDGES.split("edges:")[0] + edges
    assert _error(text) == (f"<string>:{at}: a mapping key must be a plain name, not a list or mapping; a group of "
                            f"sources as an edge's key is quoted, or YAML reads it as a list: \"[a, b]\": {dst} (or "
                            f"the list item - \"[a, b] -> {dst}\")")
    fixed = text.replace("? [a, b] :", "\"[a, b]\":").replace("? [a, b]\n  :", "\"[a, b]\":").replace("{[a, b]:",
                                                                                                       "{\"[a, b]\":")
    assert "mapping key" not in _catch(fixed)


@pytest.mark.parametrize("text, at", [
    ("layers:\n  [a, b]: Tanh\n", "3:3"),                                     # a layer's name
    ("layers: {a: {[p]: 1, type: LinearLayer, output: 2}}\n", "2:14"),        # a layer's option
    ("layers: {a: Tanh}\nnets: {[n]: {type: NetChain, layers: [Tanh]}}\n", "3:8"),
])
def test_a_list_as_a_key_outside_edges_gets_no_edge_hint(text, at, yaml_loader):
    """Found by review: the edge-group hint was given for any list key, under 'layers:' too."""
    told = f"<string>:{at}: a mapping key must be a plain name, not a list or mapping"
    assert told in _error("netgraph: 1\n" + text).splitlines()



def _catch(text: str) -> str:
    try:
        NetGraph.from_yaml(text)
    except SpecError as exc:
        return str(exc)
    return ""


@pytest.mark.parametrize("opened, closer", [("{type: LinearLayer, output: 16", "}"), ("[16, Ramp", "]")])
@pytest.mark.parametrize("after", ["  act: Ramp\n", ""])
def test_an_unclosed_bracket_is_reported_where_it_opens(opened, closer, after, yaml_loader):
    message = _error(f"netgraph: 1\nlayers:\n  fc1: {opened}\n{after}")
    assert message.startswith(f"<string>:3:8: invalid YAML: the {opened[0]!r} here is not closed: a missing "
                              f"{closer!r}? (YAML read on to line 4, column {6 if after else 1}: expected ',' or "
                              f"{closer!r}, but got ")


@pytest.mark.parametrize("text, where, words", [
    # a key without ':' above another key: the parser's position was the next line (5:3, 5:1)
    ("netgraph: 1\nlayers:\n  fc1: {type: LinearLayer, output: 16}\n  act Ramp\n  fc2: 3\ninputs:\n  Input: 4\n",
     (4, 3), "no ':' after this key? (YAML read on to line 5, column 3"),
    ("netgraph: 1\nlayers:\n  fc1: 3\n  act Ramp\ninputs:\n  Input: 4\n", (4, 3), "no ':' after this key?"),
    # read as one text with the line below, whose ':' the parser then refused there (4:6, 2:7)
    ("netgraph: 1\nlayers:\n  fc1\n  fc2: 3\n", (3, 3), "no ':' after the key on this line?"),
    ("netgraph 1\nlayers:\n  fc1: 3\n", (1, 1), "no ':' after the key on this line?"),
])
def test_a_key_without_its_colon_is_reported_on_its_own_line(text, where, words, yaml_loader):
    message = _error(text)
    assert message.startswith(f"<string>:{where[0]}:{where[1]}: invalid YAML: ") and words in message


def test_a_colon_the_line_itself_misplaces_gets_the_parsers_words():
    assert _error("netgraph: 1\nlayers:\n  a: b: 3\n") == "<string>:3:7: invalid YAML: mapping values are not allowed here"


def test_the_colon_hint_reads_the_errors_class_and_marks_not_its_wording():
    """colon_hint matched the start of the parser's problem text ('mapping values are not allowed', which libyaml
    words otherwise); it now reads the error's class, its marks, and the ':' its mark points at in the text."""
    import yaml
    from yaml.parser import ParserError
    from yaml.scanner import ScannerError
    from netgraph.spec.yaml_hints import colon_hint
    text = "netgraph: 1\nlayers:\n  fc1\n  fc2: 3\n"
    at = yaml.Mark("<string>", text.index("fc2:") + 3, 3, 5, None, None)  # the ':' of 'fc2:'
    for problem in ("mapping values are not allowed here", "a value is not allowed here"):
        hint = colon_hint(text, ScannerError(None, None, problem, at))
        assert hint is not None and hint[:2] == (3, 3) and hint[2].endswith(f"column 6: {problem})"), (problem, hint)
    assert colon_hint(text, ParserError(None, None, "mapping values are not allowed here", at)) is None
    before = yaml.Mark("<string>", at.index - 1, 3, 4, None, None)  # not at a ':': another problem
    assert colon_hint(text, ScannerError(None, None, "mapping values are not allowed here", before)) is None


def test_a_block_mapping_whose_first_key_is_a_list_gets_no_unclosed_bracket_hint(yaml_loader):
    """Its error starts at that '[' too; the error's context (a block mapping, not a flow sequence) tells them apart."""
    message = _error("netgraph: 1\nedges:\n  [a, b]: c\n  - d\n")
    assert message.startswith("<string>:4:3: invalid YAML: a list item ('- ...') among the keys of 'edges:'") and \
        "not closed" not in message


@pytest.mark.parametrize("layer, column", [("  f: {type: FunctionLayer, function: #x + 1}\n", 38),
                                           ("  f: [{type: FunctionLayer, function: #x + 1}]\n", 39)])
def test_a_bracket_cut_short_by_a_comment_names_the_comment(layer, column, yaml_loader):
    """In a flow mapping an unquoted expression's '#' starts a comment that hides the closing bracket: this said
    only 'the { here is not closed: a missing }?', of a line that has its '}'."""
    message = _error(f"netgraph: 1\nlayers:\n{layer}inputs:\n  x: 3\n")
    assert message.startswith(f"<string>:3:{column}: invalid YAML: the '#' here starts a comment (after a space it "
                              f"does), which hides the rest of the line, its closing ")
    assert "quote a value that holds '#': \"#x + 1\"" in message


@pytest.mark.parametrize("second", ["---\nnetgraph: 1\nlayers: {b: 4}\n", "--- # the trained one\nnetgraph: 1\n"])
def test_a_second_document_is_one_spec_too_many_at_its_start(second, yaml_loader):
    text = "netgraph: 1\nlayers: {a: 3}\ninputs: {Input: 2}\n" + second
    assert _error(text) == ("<string>:4:1: a spec file holds one YAML document, and a second one starts here ('---'): "
                            "put each spec in a file of its own, or remove this line")


def test_an_edge_item_indented_under_the_one_above_is_told_yaml_joined_them(yaml_loader):
    text = ("netgraph: 1\nlayers:\n  a: 3\n  b: 3\n  p: Plus\ninputs: {Input: 3}\nedges:\n- Input -> [a, b]\n"
            "- a -> p.Input1\n  - b -> p.Input2\n")
    assert _error(text) == (
        "<string>:10:3: 'p.Input1 - b' is not an endpoint: this '- ' starts a line that YAML joined to the edge "
        "above it, as the line is indented further than that edge's '- '; start each edge's '- ' in the same column")


_SLIPPED = ("netgraph: 1\nlayers:\n  enc:\n      type: LinearLayer\n  {option}\n  act: Tanh\ninputs: {{Input: 3}}\n"
            "edges:\n  - enc -> act\n")


@pytest.mark.parametrize("option", ["output: 8", "biases: None"])
def test_an_option_indented_as_a_layer_is_a_problem_at_its_key(option, yaml_loader):
    """'output: 8' under-indented below enc's options was a layer LinearLayer(8) in no edge: check said ok (with a
    note 'is in no edge'), and enc's output had no shape."""
    name, _, value = option.partition(": ")
    problem = "is in no edge" if value == "8" else f"{value!r} is not a layer"
    assert _error(_SLIPPED.format(option=option)) == (
        f"<string>:5:3: layer {name!r}{':' * (value != '8')} {problem}: an option of the layer 'enc' above, indented "
        f"too little? (LinearLayer has an option {name!r}; the options of 'enc' start in column 7)")


@pytest.mark.parametrize("text", [
    _SLIPPED.format(option="output: 8").replace("enc -> act", "enc -> act\n  - act -> output"),  # in an edge
    _SLIPPED.format(option="output: 8").replace("enc:\n      type: LinearLayer", "enc: {type: LinearLayer}"),
    _SLIPPED.format(option="dense: 8"),  # no option of any layer
    _SLIPPED.format(option="output: {type: LinearLayer, output: 8}"),  # a layer written as one
])
def test_a_layer_named_like_an_option_is_kept_when_wired_written_in_full_or_after_a_flow_mapping(text):
    assert "indented too little" not in str(NetGraph.from_yaml(text).layers)


def test_an_option_of_another_layer_type_or_in_a_graph_without_edges_is_caught_too():
    message = _error(_SLIPPED.format(option="function: Tanh"))
    assert message.startswith("<string>:5:3: layer 'function' is in no edge: an option of the layer 'enc' above, "
                              "indented too little? (") and "has an option 'function';" in message
    no_edges = "netgraph: 1\nlayers:\n  enc:\n    type: LinearLayer\n  output: 8\ninputs: {Input: 3}\n"
    assert _error(no_edges) == ("<string>:5:3: layer 'output' is in no edge: an option of the layer 'enc' above, "
                                "indented too little? (LinearLayer has an option 'output'; the options of 'enc' start "
                                "in column 5)")


@pytest.mark.parametrize("text, at, hint", [
    ("netgraph: 1\nlayers: {z: 2}\ninputs:\n  Input: (4, 3)\n", "<string>:4:10: ",
     " ('(4, 3)' is text: YAML has no tuples; write a list, [4, 3])"),
    ("netgraph: 1\nlayers:\n  c:\n    type: ConvolutionLayer\n    output: 2\n    kernel: (3, 3)\n"
     "inputs: {Input: [1, 8, 8]}\n", "<string>:6:13: ",
     " ('(3, 3)' is text: YAML has no tuples; write a list, [3, 3])"),
    ("netgraph: 1\nlayers:\n  z:\n    type: LinearLayer\n    output: (2,)\ninputs: {Input: 4}\n", "<string>:5:13: ",
     " ('(2,)' is text: YAML has no tuples; write a list, [2])")])
def test_a_python_tuple_in_a_spec_is_told_to_be_a_list_at_its_value(text, at, hint):
    """A shape written as Python writes it, `Input: (4, 3)`, is text in YAML: it was refused as 'must be an int or a
    list of ints, found '(4, 3)'' with no word on how to write it."""
    error = _error(text)
    assert error.startswith(at) and error.endswith(hint), error


@pytest.mark.parametrize("block, found, fix", [
    ("  a: {type: LinearLayer, output: 4}\n  - enc: {type: LinearLayer, output: 4}\n",
     "a list item ('- ...') among the keys of 'layers:'",
     "layers are named in a mapping: remove the '- ' before each name"),
    ("  - {type: LinearLayer, output: 4}\n  out: {type: LinearLayer, output: 4}\n",
     "a key ('name: ...') among the list items of 'layers:'",
     "a list of layers (a NetChain) is written all as '- layer' items: write this one as a '- ' item too")])
def test_layers_mixing_keys_with_list_items_is_one_clear_error_at_the_odd_entry(yaml_loader, block, found, fix):
    """A list of layers is a valid NetChain: a key among its items was told to 'remove the '- '', which broke it."""
    text = f"netgraph: 1\ninputs: {{Input: 4}}\nlayers:\n{block}"
    assert spec_problems(text, ("line", "column", "kind", "message")) == [(5, 3, "yaml-syntax", (
        f"invalid YAML: {found} (a block is a mapping or a list, not both); {fix}"))]


def test_the_advice_for_a_list_of_layers_makes_a_spec_that_loads(yaml_loader):
    text = ("netgraph: 1\ninputs: {Input: 4}\nlayers:\n  - {type: LinearLayer, output: 4}\n"
            "  - {type: LinearLayer, output: 2}\n")
    assert NetGraph.from_yaml(text) is not None


def test_a_spec_key_indented_under_edges_is_told_to_move_out(yaml_loader):
    """`outputs:` indented under `edges:` was told to write the edges as a mapping."""
    text = "netgraph: 1\nlayers:\n  a: Tanh\ninputs: {X: 3}\nedges:\n  - X -> a\n  outputs: {Output: 3}\n"
    assert spec_problems(text, ("line", "column", "message")) == [(7, 3, (
        "invalid YAML: a key ('name: ...') among the list items of 'edges:' (a block is a mapping or a list, not "
        "both); 'outputs:' is a key of the spec, indented under 'edges:': move it out to the column of 'edges:'"))]


def test_another_block_mixing_keys_with_list_items_is_told_how_to_write_it(yaml_loader):
    text = "netgraph: 1\nlayers:\n  a: {type: LinearLayer, output: 4}\nedges:\n  - Input -> a\n  x: y\n"
    assert spec_problems(text, ("line", "column", "message")) == [(6, 3, (
        "invalid YAML: a key ('name: ...') among the list items of 'edges:' (a block is a mapping or a "
        "list, not both); write its entries all as 'name: value' (a mapping) or all as '- value' (a list)"))]
