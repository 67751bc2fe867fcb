"""Spec errors: every problem in a file reported at once, each as file:line:col: message."""

from __future__ import annotations

import re

import pytest

from netgraph import NetGraph, SpecError


@pytest.fixture(autouse=True)
def _each_yaml_loader(yaml_loader):
    """Every test here runs with each YAML loader."""


def errors_of(text: str, tmp_path=None, name: str = "net.yaml") -> list[str]:
    source = text
    if tmp_path is not None:
        (tmp_path / name).write_text(text)
        source = tmp_path / name
    with pytest.raises(SpecError) as info:
        NetGraph.from_yaml(source)
    return info.value.errors


def positions(errors: list[str]) -> list[str]:
    return [re.match(r"^(.*?:\d+:\d+):", e).group(1) for e in errors]


#: a shape conflict between two layers that one list edge joins (the error sits on line 9, that edge)
SHAPE_JOINED = """\
netgraph: 1
layers:
  mu: {type: LinearLayer, output: 2}
  noise: {type: RandomArrayLayer, distribution: {type: NormalDistribution, args: [0, 1]}, output: 5}
  f: {type: FunctionLayer, function: "#a + #b", input: {a: 3}}
inputs: {Input: 4}
edges:
  - Input -> mu
  - "[mu, noise] -> f"
"""
#: a port fed by two edges, one written with NetPort ports (lines 11 and 12)
FED_TWICE = """\
netgraph: 1
layers:
  a: {type: LinearLayer, output: 2}
  b: {type: LinearLayer, output: 2}
  t: Tanh
outputs: {Out: null}
inputs: {Input: 3}
edges:
  - Input -> a
  - Input -> b
  - a.Output -> t
  - b.Output -> t.Input
  - t.Output -> Out
"""
#: an output declared that nothing gives (line 6), and a shape error after it (line 7)
EXTRA_OUTPUT = """\
netgraph: 1
layers:
  mu: {type: LinearLayer, output: 2}
  f: {type: FunctionLayer, function: "#a + #b", input: {a: 3}}
inputs: {Input: 4}
outputs: {Extra: null}
edges: [Input -> mu, mu -> f.a]
"""

BROKEN = """\
netgraph: 1
name: Broken
layers:
  enc: {type: LinearLayr, output: 8}
  mu: {type: LinearLayer, outptu: 2}
  sig: {type: LinearLayer, output: two}
  f: {type: FunctionLayer, function: "#a +* 2"}
  r: {type: RandomArrayLayer, distribution: {type: NormalDistribution, args: ["#mu", 1, 2]}}
  ok: {type: LinearLayer, output: 3}
  d: {type: RandomArrayLayer, distribution: {type: NormalDistributon, args: [0, 1]}}
inputs: {Input: 4}
edges:
  - Input -> enc
  - ok -> sgi
  - ok.Outptu -> None
  - None -> ok
  - ok -> [mu, ]
  - ok
edgs: []
"""


def test_all_problems_of_a_file_are_reported_together_in_file_order(tmp_path):
    errors = errors_of(BROKEN, tmp_path)
    path = str(tmp_path / "net.yaml")
    assert positions(errors) == [f"{path}:{p}" for p in (
        "4:15", "5:27", "6:36", "7:43", "8:78", "10:52", "14:11", "15:8", "16:5", "17:16", "18:5", "19:1")]
    text = "\n".join(errors)
    for fragment in (
        "layer 'enc': unknown layer type 'LinearLayr' (did you mean 'LinearLayer'?)",
        ("layer 'mu' (LinearLayer) has no option 'outptu' (did you mean 'output'?); its options are output, input, "
         "weights, biases"),
        "layer 'sig': LinearLayer option output= must be an int or a list of ints, found 'two'",
        "layer 'f': expression '#a +* 2' at column 5: syntax error",
        "layer 'r' option distribution: NormalDistribution takes",
        "unknown type 'NormalDistributon' (did you mean 'NormalDistribution'?)",
        "'sgi' is not a layer or declared graph port (Input) (did you mean 'sig'?)",
        "layer 'ok' (LinearLayer) has no port 'Outptu' (did you mean 'Output'?)",
        "None can only end an edge",
        "cannot read endpoint '' in '[mu, ]'",
        "edge 'ok' has no '->'",
        "a spec has no key 'edgs' (did you mean 'edges'?)",
    ):
        assert fragment in text, fragment


def test_the_message_lists_each_problem_on_its_own_line(tmp_path):
    with pytest.raises(SpecError) as info:
        NetGraph.from_yaml(tmp_path / "net.yaml" if (tmp_path / "net.yaml").write_text(BROKEN) else None)
    lines = str(info.value).splitlines()
    assert lines[0] == f"12 problems in {tmp_path / 'net.yaml'}:"
    assert sum(1 for line in lines if line.startswith(str(tmp_path / "net.yaml") + ":")) == 12


def test_expression_errors_point_at_the_column_inside_the_expression():
    quoted = errors_of('netgraph: 1\nlayers:\n  f: {type: FunctionLayer, function: "#a + #b.__class__"}\n')
    assert quoted[0].startswith("<string>:3:47: layer 'f': expression '#a + #b.__class__' at column 9")
    plain = errors_of("netgraph: 1\nlayers:\n  f:\n    type: FunctionLayer\n    function: Exp[#a] + Foo[#b]\n")
    assert plain[0].startswith("<string>:5:25: layer 'f': expression 'Exp[#a] + Foo[#b]' at column "
                               "11: unknown function 'Foo'")


def test_shape_conflicts_point_at_the_edge_that_joins_them():
    errors = errors_of(SHAPE_JOINED)
    assert len(errors) == 1
    assert errors[0].startswith("<string>:9:5: layer 3 'f' (FunctionLayer) port 'a' (from its options): expected "
                                "shape (3), found (2)")
    assert "joined by edge [mu, noise] -> f" in errors[0]


def test_wiring_errors_show_the_edge_as_written_in_yaml():
    errors = errors_of(FED_TWICE)
    assert positions(errors) == ["<string>:11:5"] or positions(errors) == ["<string>:12:5"]
    assert "a.Output -> t" in errors[0] or "b.Output -> t.Input" in errors[0]
    assert "NetPort(" not in errors[0]


def test_cycles_point_at_the_edge_that_closes_them():
    errors = errors_of("netgraph: 1\nlayers:\n  a: Tanh\n  b: Tanh\nedges: [a -> b, b -> a]\n")
    assert positions(errors) == ["<string>:5:17"]
    assert "cycle" in errors[0] and "closed by edge b -> a" in errors[0]



@pytest.mark.parametrize("text, edge", [
    ("layers: {a: 3, b: 4, p: Plus}\ninputs: {Input: 2}\nedges:\n  - [[a, b], p]\n", "edge [a, b] -> p"),
    ("type: NetChain\nlayers: [3, {type: LinearLayer, input: 4}]\ninput: 2\n", "edge 1 -> 2"),
    ("layers:\n  c: {type: NetChain, layers: [3, {type: LinearLayer, input: 4}]}\ninputs: {Input: 2}\n", "edge 1 -> 2"),
])
def test_edges_written_as_yaml_lists_and_chain_links_are_quoted_as_yaml_not_python(text, edge):
    """A list edge was shown as Python's ['a', 'b'] -> p, a NetChain written as a list as '1' -> '2'."""
    errors = errors_of("netgraph: 1\n" + text)
    assert len(errors) == 1 and edge in errors[0] and "['a'" not in errors[0] and "'1' ->" not in errors[0]

def test_declared_ports_that_do_not_exist_still_let_shape_errors_through():
    errors = errors_of(EXTRA_OUTPUT)
    assert positions(errors) == ["<string>:6:11", "<string>:7:22"]
    assert "'Extra' is declared under outputs: but no edge uses it and no layer has a port of that name" in errors[0]
    assert "expected shape (3), found (2)" in errors[1]



def test_duplicate_keys_are_errors_not_last_wins():
    errors = errors_of("netgraph: 1\nlayers:\n  a: {type: LinearLayer, output: 2}\n  a: Tanh\n")
    assert errors == ["<string>:4:3: duplicate key 'a' (first given at line 3); YAML would silently keep the last one"]
    errors = errors_of("netgraph: 1\nlayers:\n  a: {type: LinearLayer, output: 2, output: 3}\n")
    assert positions(errors) == ["<string>:3:37"]


def test_version_and_structure_errors():
    assert errors_of("layers: {a: Tanh}\n")[0].startswith("<string>:1:1: a spec starts with 'netgraph: 1'")
    assert "unsupported format version 2" in errors_of("netgraph: 2\nlayers: {a: Tanh}\n")[0]
    assert "a NetGraph needs 'layers:'" in errors_of("netgraph: 1\nlayers: []\n")[0]
    assert errors_of("- just\n- a list\n")[0].startswith("<string>:1:1: a spec is a mapping")
    assert errors_of("")[0].startswith("<string>:1:1: the file is empty")
    assert errors_of("\n  # only a note\n")[0].startswith("<string>:2:3: the file holds only comments; a spec starts")
    assert "invalid YAML" in errors_of("netgraph: 1\nlayers: {a: [1, 2}\n")[0]


def test_missing_or_empty_layers_are_worded_in_yaml_terms():
    """A spec with no 'layers:' key, or one with nothing after it, was told 'found None' (Python's word)."""
    assert errors_of("netgraph: 1\n") == ["<string>:1:1: a NetGraph needs 'layers:', a mapping of names to layers or "
                                          "a list (numbered from 1); it has none"]
    assert errors_of("netgraph: 1\nlayers:\n")[0].endswith("; found nothing after 'layers:' (null)")
    assert errors_of("netgraph: 1\ntype: NetChain\nlayers: {}\n")[0].endswith("; found {}")


def test_wrong_value_types():
    errors = errors_of("""\
netgraph: 1
layers:
  a: {type: LinearLayer, output: 0}
  b: {type: RandomArrayLayer, distribution: {type: NormalDistribution, args: 3}}
  c: {type: FunctionLayer, function: 3}
  d: 3.5
  e: {file: 7}
inputs: {Input: [0]}
edges: 5
""")
    assert positions(errors) == ["<string>:3:34", "<string>:4:78", "<string>:5:38", "<string>:6:6", "<string>:7:13",
                                 "<string>:8:18", "<string>:9:8"]
    text = "\n".join(errors)
    assert "args: is a list of parameters" in text
    assert "layer 'c': FunctionLayer needs a slot expression string" in text
    assert "3.5 is not a layer" in text
    assert "'file:' takes a path to another spec" in text
    assert "input 'Input': a port shape" in text
    assert "'edges:' is a list of edges" in text


def test_a_quoted_number_is_told_to_lose_its_quotes_at_its_value():
    errors = errors_of("""\
netgraph: 1
layers:
  enc: {type: LinearLayer, output: "8"}
  drop: {type: DropoutLayer, p: '0.5'}
  noise: {type: RandomArrayLayer, distribution: {type: NormalDistribution, args: [0, "1e-3"]}, output: 8}
  name: {type: LinearLayer, output: "eight"}
inputs: {Input: "3"}
edges:
  - Input -> enc -> drop
""")
    assert positions(errors) == ["<string>:3:36", "<string>:4:33", "<string>:5:86", "<string>:6:37", "<string>:7:17"]
    quoted = [" ('8' is quoted, so it is text: write 8 without quotes)",
              " ('0.5' is quoted, so it is text: write 0.5 without quotes)",
              " ('1e-3' is quoted, so it is text: write 1e-3 without quotes)", "",
              " ('3' is quoted, so it is text: write 3 without quotes)"]
    assert [e.endswith(q) for e, q in zip(errors, quoted)] == [True] * 4 + [True] and "quoted" not in errors[3]


def test_layers_written_as_a_list_of_named_items_is_one_error_and_the_edges_still_find_them():
    errors = errors_of("netgraph: 1\nlayers:\n  - enc: {type: LinearLayer, output: 8}\n  - act: Tahn\n"
                       "inputs: {Input: 3}\nedges:\n  - Input -> enc -> act\n")
    assert errors == [
        "<string>:3:5: 'layers:' is a list of one-key mappings ('- enc: ...'); layers are named in a mapping: "
        "remove the '- ' before each name (a list of layers, numbered from 1, has no names)",
        "<string>:4:10: layer 'act': 'Tahn' is not a layer (did you mean 'Tanh'?); write a mapping such as "
        "{type: LinearLayer, output: 3}, or a shorthand (an int for LinearLayer, a function name such as Tanh, a list "
        "for a NetChain)"]


def test_a_layers_options_written_as_list_items_is_one_error_read_as_one_mapping():
    errors = errors_of("netgraph: 1\nlayers:\n  enc:\n    - type: LinearLayer\n    - outptu: 8\ninputs: {Input: 3}\n")
    assert errors == [
        "<string>:4:7: layer 'enc': its options are written as list items ('- type: ...', '- outptu: ...'); "
        "the options of one layer are one mapping: remove the '- ' before each",
        "<string>:5:7: layer 'enc' (LinearLayer) has no option 'outptu' (did you mean 'output'?); its options are "
        "output, input, weights, biases"]


def test_a_chain_item_missing_its_type_is_still_told_so():
    errors = errors_of("netgraph: 1\ntype: NetChain\nlayers:\n  - output: 8\n  - Tanh\ninputs: {Input: 3}\n")
    assert errors == ["<string>:4:5: layer '1' needs 'type:' (a layer type such as LinearLayer, or NetGraph)"]


def test_missing_required_option():
    errors = errors_of("netgraph: 1\nlayers:\n  f: {type: FunctionLayer, output: 2}\n")
    assert errors == [("<string>:3:3: layer 'f' (FunctionLayer) needs option 'function' (in Python its first "
                       "argument: FunctionLayer(...))")]


def test_errors_in_referenced_files_name_that_file(tmp_path):
    (tmp_path / "part.yaml").write_text("netgraph: 1\nlayers:\n  x: {type: LinearLayer, output: 2, bias: 1}\n")
    (tmp_path / "missing.yaml").write_text("")
    errors = errors_of("netgraph: 1\nlayers:\n  p: {file: part.yaml}\n  q: {file: nowhere.yaml}\n", tmp_path)
    part, main = str(tmp_path / "part.yaml"), str(tmp_path / "net.yaml")
    assert positions(errors) == [f"{main}:4:13", f"{part}:3:37"]
    assert "no spec file" in errors[0]
    assert "has no option 'bias' (torch's bias=False is netgraph's biases=False" in errors[1]


def test_a_torch_option_name_says_what_it_is_here():
    """Found by QA with torch habits: {type: SoftmaxLayer, dim: -1} got no hint that dim is level."""
    errors = errors_of("netgraph: 1\nlayers:\n  sm: {type: SoftmaxLayer, dim: -1}\ninputs: {Input: 4}\n")
    assert "layer 'sm' (SoftmaxLayer) has no option 'dim' (torch's dim is netgraph's level" in errors[0]


def test_graph_ports_must_be_declared_and_names_suggested():
    errors = errors_of("netgraph: 1\nlayers:\n  r: Tanh\ninputs: {Input: 2}\nedges: [r -> Prams]\n")
    assert "'Prams' is not a layer or declared graph port (Input)" in errors[0]
    assert "outputs: {Prams: null}" in errors[0]


def test_an_undeclared_source_port_is_suggested_under_inputs_and_a_destination_under_outputs():
    errors = errors_of("netgraph: 1\nlayers:\n  g: {type: NetGraph, layers: {a: 2}, edges: [Extra -> a]}\n"
                       "inputs: {Input: 2}\n")  # it suggested 'outputs: {Extra: null}' for a source
    assert "(here 'inputs: {Extra: null}')" in errors[0]
    errors = errors_of("netgraph: 1\nlayers: {a: 2}\ninputs: {Input: 2}\nedges: [Input -> a -> Out]\n")
    assert "(here 'outputs: {Out: null}')" in errors[0]


def test_a_layer_number_past_a_layer_list_says_how_the_layers_are_numbered():
    errors = errors_of("netgraph: 1\nlayers:\n  - {type: LinearLayer, output: 3}\n  - Tanh\ninputs: {Input: 2}\n"
                       "edges:\n  - Input -> 1 -> 3\n")
    assert errors == ["<string>:7:19: there is no layer 3: the layers are numbered 1 to 2 (in the order of the "
                      "'layers:' list)"]


def test_a_port_given_an_encoder_and_a_shape_names_the_extra_key():
    errors = errors_of("netgraph: 1\nlayers: {a: 3}\ninputs: {Input: {encoder: {type: ClassEncoder, labels: [a, b]}, "
                       "shape: 4}}\n")  # it said "found 'encoder'"; at the extra key
    assert errors == ["<string>:3:65: input 'Input': a port given an encoder takes its type from it: write "
                      "{encoder: {type: ...}} alone, without 'shape'"]


def test_a_coder_written_as_the_port_type_says_under_which_key_it_goes():
    """'Input: {type: TokensEncoder, ...}' was told "a port type has keys shape and dtype, found 'type' (did you mean
    'dtype'?)", leading away from the encoder: key (QA)."""
    errors = errors_of("netgraph: 1\nlayers: {a: 3}\ninputs: {Input: {type: ClassEncoder, labels: [a, b]}}\n"
                       "outputs: {Output: {type: ClassDecoder, labels: [x, y, z]}}\nedges: [Input -> a -> Output]\n")
    assert errors == ["<string>:3:18: input 'Input': a port's encoder goes under the key encoder: write {encoder: "
                      "{type: ClassEncoder, ...}}",
                      "<string>:4:20: output 'Output': a port's decoder goes under the key decoder: write {decoder: "
                      "{type: ClassDecoder, ...}}"]
    errors = errors_of("netgraph: 1\nlayers: {a: 3}\ninputs: {Input: {shap: 2}}\n")
    assert errors[0].endswith("a port type has keys shape, dtype and range (or encoder or decoder), found 'shap' "
                              "(did you mean 'shape'?)")


def test_bad_int_shorthands_are_placed_at_their_values_with_the_other_problems():
    # an int shorthand <= 0 escaped as a bare OptionError: no position, the file's other problems lost
    errors = errors_of("netgraph: 1\nlayers:\n  a: -3\n  c: [2, 0]\n  m: {type: NetMapOperator, net: 0}\n"
                       "  b: {type: LinearLayr, output: 2}\ninputs: {Input: 2}\n")
    assert positions(errors) == ["<string>:3:6", "<string>:4:10", "<string>:5:34", "<string>:6:13"]
    assert "layer 'a': LinearLayer option output= dims must be positive ints" in errors[0] and "found -3" in errors[0]
    assert "layer 'c/2'" in errors[1] and "found 0" in errors[1] and "LinearLayr" in errors[3]


@pytest.mark.parametrize("ports, where", [("input: 2\noutput: 5\n", "<string>:6:9"),
                                          ("inputs: {Input: 2}\noutputs: {Output: 5}\n", "<string>:6:11")])
def test_chain_port_shapes_that_conflict_are_placed_at_their_shapes_or_port_names(ports, where):
    # a NetChain's input:/output: conflicting with its layers was reported at 1:1, then at the key (column 1): the
    # shape is what conflicts, and a graph port's entry is placed at its name
    errors = errors_of(f"netgraph: 1\nname: c\ntype: NetChain\nlayers: [3, 2]\n{ports}")
    assert positions(errors) == [where] and "graph output 'Output': expected shape (2), found (5)" in errors[0]
    errors = errors_of("netgraph: 1\ntype: NetChain\nlayers: [{type: LinearLayer, output: 3, input: 4}, 2]\ninput: 2\n")
    assert positions(errors) == ["<string>:4:8"] and "graph input 'Input': expected shape (4)" in errors[0]


def test_spec_messages_name_one_problem_once_and_inner_layers_by_path(tmp_path):
    # an unused input was reported twice, suggesting 'layer.Output -> Extra' (an output's wiring)
    errors = errors_of("netgraph: 1\nlayers: {a: 3}\ninputs: {Input: 2, Extra: 5}\n")
    assert len(errors) == 1 and "'Extra' is declared under inputs:" in errors[0] and "'Extra -> layer'" in errors[0]
    # edges: in a NetChain gave "a spec has no key 'edges'" besides the NetChain message
    for text in ("netgraph: 1\ntype: NetChain\nlayers: [3, 2]\ninput: 2\nedges: [a -> b]\n",
                 "netgraph: 1\nlayers: {c: {type: NetChain, layers: [3], edges: []}}\ninputs: {Input: 2}\n"):
        (error,) = errors_of(text)
        assert "a NetChain has no 'edges:'" in error
    # input: with inputs: {Input: ...} was refused in Python's words (input= and Input=)
    (error,) = errors_of("netgraph: 1\ntype: NetChain\nlayers: [3]\ninput: 2\ninputs: {Input: 2}\n")
    assert error == ("<string>:4:1: 'input:' and 'inputs: {Input: ...}' both give the shape of port 'Input'; "
                     "keep one")
    # an error inside an operator's inner net named only "layer '2'"
    (error,) = errors_of("netgraph: 1\nlayers:\n  m:\n    type: NetMapOperator\n    net: [3, {type: LinearLayr, "
                         "output: 3}]\ninputs: {Input: [n, 4]}\n")
    assert error.startswith("<string>:5:21: layer 'm/net/2': unknown layer type 'LinearLayr'")


@pytest.mark.parametrize("layer, near", [
    ("{type: RandomArrayLayer, distribution: NormalDistribution, output: 2, estimator: pathwse}", "pathwise"),
    ("{type: KLDivergenceLayer, p: NormalDistribution, q: NormalDistribution, method: closedform}", "closed_form"),
    ("{type: ThreadingLayer, function: Plus, broadcast: automatic, inputs: 2}", "Automatic"),
])
def test_a_misspelt_option_word_is_told_the_word_it_is_near(layer, near):
    """Found by QA: these three words got no did-you-mean, where other options' words (eval_mode, padding,
    resampling, ...) do."""
    (error,) = errors_of(f"netgraph: 1\nlayers:\n  s: {layer}\n")
    assert error.endswith(f" (did you mean {near!r}?)"), error


@pytest.mark.parametrize("text, extra", [
    ("type: LinearLayr\noutput: 3\ninput: 2\n", []),  # a lone layer's options: not a spec's unknown keys
    ("type: NetChan\nlayers: [3, Tanh]\ninput: 2\n", []),  # a NetChain's input: is its own key
    ("type: NetGrap\nlayers: {a: 3}\nedgs: []\n", ["<string>:4:1: a spec has no key 'edgs' (did you mean 'edges'?)"]),
])
def test_a_misspelt_top_level_type_is_one_problem_not_a_cascade_of_keys(text, extra):
    """Found by QA: `type: LinearLayr` with `output: 3` also said "a spec has no key 'output' (did you mean
    'outputs'?)": its keys were judged as a NetGraph's. Keys are judged only for the net type the typo is near."""
    first, *rest = errors_of(f"netgraph: 1\n{text}")
    assert first.startswith("<string>:2:7: a spec's top-level type is NetGraph, NetChain or a layer type")
    assert [r[:len(e)] for r, e in zip(rest, extra)] == extra and len(rest) == len(extra)
