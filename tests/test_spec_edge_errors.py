"""Spec errors in edges and wiring: each placed at file:line:col, advice given as YAML edges."""

from __future__ import annotations

import json
import re

import pytest

from netgraph import NetGraph, NetPort, SpecError
from tests.test_spec_errors import errors_of


@pytest.fixture(autouse=True)
def _each_yaml_loader(yaml_loader):
    """Every test here runs with each YAML loader."""


@pytest.mark.parametrize("edge, where", [("Input -> a -> -> b", "7:19: edge 'Input -> a -> -> b' has two '->' with "
                                          "nothing between them"),
                                         ("Input -> a ->", "7:16: edge 'Input -> a ->' ends with '->'"),
                                         ("-> a", "7:5: edge '-> a' starts with '->'")])
def test_an_edge_missing_an_endpoint_between_arrows_is_quoted_as_written(edge, where):
    errors = errors_of("netgraph: 1\nlayers:\n  a: {type: LinearLayer, output: 3}\n  b: {type: LinearLayer, output: "
                       f"3}}\ninputs: {{Input: 2}}\nedges:\n  - {edge}\n")
    assert errors == [f"<string>:{where}: an endpoint is missing there"]


@pytest.mark.parametrize("edge, where", [
    ("Input => a", "7:11: edge 'Input => a': '=>' is not an arrow; write 'Input -> a'"),
    ("Input \u2192 a", "7:11: edge 'Input \u2192 a': '\u2192' is not an arrow; write 'Input -> a'"),
    ("Input --> a -> b", "7:11: edge 'Input --> a -> b': '-->' is not an arrow; write 'Input -> a -> b'"),
    ("Input - > a", "7:11: edge 'Input - > a': '- >' is not an arrow; write 'Input -> a'"),
    ("b <- a <- Input", "7:7: edge 'b <- a <- Input': '<-' is not an arrow; write 'Input -> a -> b'"),
    ("Input -> a <- b", "7:16: edge 'Input -> a <- b': '<-' is not an arrow; an edge runs from source to "
                        "destination, each link written '->'")])
def test_an_arrow_look_alike_is_placed_at_it_with_the_edge_rewritten(edge, where):
    errors = errors_of("netgraph: 1\nlayers:\n  a: {type: LinearLayer, output: 3}\n  b: {type: LinearLayer, output: "
                       f"3}}\ninputs: {{Input: 2}}\nedges:\n  - {edge}\n")
    assert errors == [f"<string>:{where}"]


_NAMES = [
    "embedding_lookup", "first_linear_projection", "hyperbolic_tangent", "second_linear_projection", "final_output",
]


@pytest.mark.parametrize("link, found", [(" -> -> ", "has two '->' with nothing between them"),
                                         (" => ", "'=>' is not an arrow; write 'Input -> embedding_lookup")])
def test_an_edge_up_to_400_characters_is_quoted_whole(link, found):
    """A 118-character edge was cut at 80 characters, its bad arrow and the suggested fix with it."""
    layers = "".join(f"  {name}: {{type: ElementwiseLayer, function: Tanh}}\n" for name in _NAMES)
    edge = "Input -> " + " -> ".join(_NAMES[:3]) + link + " -> ".join(_NAMES[3:])
    (error,) = errors_of(f"netgraph: 1\nlayers:\n{layers}inputs: {{Input: [3]}}\nedges:\n  - {edge}\n")
    assert f"edge {edge!r}" in error and found in error and "…" not in error, error
    if "=>" in link:
        assert error.endswith(f"write {edge.replace(' => ', ' -> ')!r}")


@pytest.mark.parametrize("spec, advice", [
    ("layers: {a: 3, b: 3}\ninputs: {Input: 3}\noutputs: {Output: null}\nedges: [Input -> a -> Output, Input -> b]\n",
     "mute one with 'b -> None' or name the graph port differently"),
    ("layers: {a: {type: GatedRecurrentLayer, output: 3, state_output: true}, last: SequenceLastLayer, b: 3}\n"
     "inputs: {Input: [n, 2]}\noutputs: {State: null}\nedges: [Input -> a -> last -> b -> State]\n",
     "mute one with 'a.State -> None' or name"),  # 'a -> None' mutes a's first output, Output: it changed nothing
    ("layers: {a: 3}\ninputs: {Input: 3}\nedges: [Input -> a, a -> Input]\n",
     "name the output differently, e.g. 'InputOut' or 'Output'"),
    ("layers: {a: {type: LinearLayer, input: 2, output: 3}, b: {type: LinearLayer, input: 3, output: 4}}\nedges: []\n",
     "give one its own, e.g. the edge 'Input2 -> b.Input')")])
def test_graph_advice_written_as_python_edges_is_given_as_yaml_edges(spec, advice):
    """`netgraph check` advised "mute one with ('b', None)", "NetPort('Result')" and "the edge (NetPort('Input2'),
    NetPort('b', 'Input'))": Python a spec cannot hold (found by QA writing specs from the README)."""
    (error,) = errors_of("netgraph: 1\n" + spec)
    assert advice in error and "NetPort" not in error and "None)" not in error, error


def test_an_undeclared_graph_port_used_in_several_edges_is_one_problem():
    """A residual block's nested graph without 'inputs:' got the same advice once per edge naming its 'Input' (found
    by QA writing specs from the README): one declaration fixes them all, so it is one problem, at the first use."""
    errors = errors_of("netgraph: 1\nlayers:\n  block:\n    type: NetGraph\n    layers: {a: 3, b: 3, p: Plus}\n"
                       "    edges:\n      - Input -> a\n      - Input -> b\n      - '[a, b] -> p'\n"
                       "inputs: {Input: 3}\nedges: [Input -> block]\n")
    assert errors == ["<string>:7:9: 'Input' is not a layer; a graph port used in an edge is declared under 'inputs:' "
                      "or 'outputs:' (here 'inputs: {Input: null}')"]
    typos = errors_of("netgraph: 1\nlayers: {a: 3, b: 3}\ninputs: {Input: 3}\nedges: [Inptu -> a, Inptu -> b]\n")
    assert len(typos) == 2  # a misspelt name is fixed where it stands: each is told


def test_wiring_advice_in_a_spec_is_given_in_yaml_and_a_group_too_large_is_named_once():
    head = "netgraph: 1\nlayers:\n  a: 3\n  b: 3\ninputs: {Input: 3}\nedges:\n  - Input -> a\n"
    (error,) = errors_of(head + "  - a -> b.Output\n")
    assert "write 'layer.Output -> Name' and declare 'outputs: {Name: null}'" in error and "NetPort" not in error
    (error,) = errors_of(head + '  - "[Input, a] -> b"\n')
    assert error.startswith("<string>:8:5: layer 2 'b' (LinearLayer) takes 1 input ['Input'], but the group "
                            "[Input, a] -> b has 2 members (each feeds one input, in order). An input port takes "
                            "exactly one edge."), error
    assert "{type: FunctionLayer, function: '#a + #b'}" in error and "FunctionLayer('" not in error


def test_an_edge_into_a_layer_inside_a_nested_graph_says_to_feed_the_graphs_input():
    text = ("netgraph: 1\nlayers:\n  enc: {type: NetGraph, layers: {l1: 4, act: Tanh}, edges: [l1 -> act]}\n  x: 4\n"
            "inputs: {Input: 3}\nedges: [Input -> x -> enc.act.Input]\n")  # it said "has no output port 'Input'"
    errors = errors_of(text)
    assert errors == ["<string>:6:23: endpoint 'enc.act.Input': an edge cannot feed a layer inside the nested graph "
                      "'enc'; feed one of its input ports (enc.Input), which its own edges pass on"]


BRACKETED = "netgraph: 1\nlayers:\n  'h[0]': {type: LinearLayer, output: 3}\n  b: {type: LinearLayer, output: 2}\n" \
            "inputs: {Input: 2}\nedges:\n"


@pytest.mark.parametrize("edges", ["  - Input -> h[0] -> b\n", "  - Input -> h[0].Input\n  - h[0].Output -> b\n",
                                   "  - [Input, 'h[0]', b]\n"])
def test_a_layer_named_with_a_bracket_is_read_as_that_layer(edges):
    """'h[0]' in an edge was read as a badly written group ("a group is written [a, b]") though a layer of that
    exact name exists: an endpoint naming a layer (or a layer's port) exactly is now read as it."""
    from netgraph import NetGraph, NetPort
    net = NetGraph.from_yaml(BRACKETED + edges)
    assert net.explicit_edges() == [(NetPort("Input"), NetPort("h[0]", "Input")), (NetPort("h[0]", "Output"),
                                                                                   NetPort("b", "Input"))]


@pytest.mark.parametrize("edge, col", [("Input -> h[1] -> b", 14), ("Input -> h[0 -> b", 14)])
def test_a_bracket_naming_no_layer_is_still_a_badly_written_group(edge, col):
    errors = errors_of(BRACKETED + f"  - {edge}\n")
    assert errors == [f"<string>:7:{col}: cannot read endpoint {edge.split(' -> ')[1]!r}: a group is written [a, b]"]



@pytest.mark.parametrize("layer", ["Plus", "{type: CatenateLayer, inputs: 2}"])
def test_an_input_numbered_0_is_placed_at_it_and_told_inputs_count_from_1(layer):
    """Found by QA: `Input -> p.0` into a Plus was placed at the edge's start (6:5) and said only "has no port '0'"."""
    assert errors_of(f"netgraph: 1\nlayers:\n  p: {layer}\ninputs: {{Input: 2}}\nedges:\n  - Input -> p.0\n") == [
        "<string>:6:16: layer 'p' (" + ("ThreadingLayer" if layer == "Plus" else "CatenateLayer") + ") has no port "
        "'0': numbered inputs count from 1 (p.1 is p.Input1, as in Wolfram)"]


@pytest.mark.parametrize("layer", ["Plus", "{type: CatenateLayer, inputs: 2}"])
def test_a_source_port_numbered_0_is_not_told_that_inputs_count_from_1(layer):
    """Found by review: `p.0 -> x` (a source end, an output) was told "numbered inputs count from 1"."""
    (error,) = errors_of(f"netgraph: 1\nlayers:\n  p: {layer}\n  x: Tanh\ninputs: {{a: 2, b: 2}}\n"
                         "edges:\n  - [a, p.1]\n  - [b, p.2]\n  - p.0 -> x\n")
    assert "has no port '0'" in error and "count from 1" not in error and "outputs ['Output']" in error, error


def test_a_layer_inside_a_nested_graph_named_as_its_port_is_told_its_output_path():
    """Found by QA: `enc.l1 -> d`, meant as the inner layer l1's output, was told only that enc has no port 'l1'."""
    text = ("netgraph: 1\nlayers:\n  enc:\n    type: NetGraph\n    layers: {l1: 3, l2: Tanh}\n    inputs: {X: 3}\n"
            "    edges: [X -> l1 -> l2]\n  d: 2\ninputs: {Input: 3}\nedges: [Input -> enc.X, enc.l1 -> d]\n")
    with pytest.raises(SpecError) as info:
        NetGraph.from_yaml(text)
    assert str(info.value) == ("<string>:10:29: layer 'enc' (NetGraph) has no port 'l1' ('l1' is a layer inside it: "
                               "its output is enc.l1.Output); its inputs are ['X'] and outputs ['Output']")
    fixed = NetGraph.from_yaml(text.replace("enc.l1 -> d", "enc.l1.Output -> d"))  # enc's output stays one too
    assert fixed.output_shapes == {"Output1": (3,), "Output2": (2,)}


@pytest.mark.parametrize("layer", ["x -> y", "None"])
def test_advice_naming_a_layer_an_edge_string_cannot_name_is_an_edge_the_spec_reads_back(layer):
    """Found by review-a of yaml-advice12: a layer named 'x -> y' or 'None' was advised as 'Input2 -> x -> y.Input' or
    'None -> None', which the reader refuses or reads as another edge; the advice written back into the spec loads."""
    name = json.dumps(layer)
    clash = (f"layers: {{a: 3, {name}: 3}}\ninputs: {{Input: 3}}\noutputs: {{Output: null}}\n"
             f"edges: [Input -> a -> Output, [Input, '{layer}.Input']")
    (error,) = errors_of(f"netgraph: 1\n{clash}]\n")
    muting = re.search(r"mute one with (.+) or name the graph port differently", error).group(1)
    net = NetGraph.from_yaml(f"netgraph: 1\n{clash}, {muting}]\n")
    assert (NetPort(layer, "Output"), None) in net.explicit_edges()
    merge = f"layers: {{a: {{type: LinearLayer, input: 2, output: 3}}, {name}: {{type: LinearLayer, input: 3}}}}\n"
    (error,) = errors_of(f"netgraph: 1\n{merge}edges: []\n")
    feeding = re.search(r"e\.g\. the edge (.+)\)$", error).group(1)
    net = NetGraph.from_yaml(f"netgraph: 1\n{merge}inputs: {{Input: 2, Input2: 3}}\nedges: [{feeding}]\n")
    assert (NetPort("Input2"), NetPort(layer, "Input")) in net.explicit_edges()
