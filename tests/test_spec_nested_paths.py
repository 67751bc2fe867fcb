"""A nested net's problems name its layer by the path from the top net, as the reader's other messages do
(``layer 'inner/b' (ReshapeLayer)``), not by its number inside the nested net ("layer 2 'b'"), which a file with
several nested nets leaves ambiguous; a problem of a nested net's own port names that net."""

import pytest

from netgraph import NetGraph
from netgraph.core.errors import SpecError

GRAPH = "netgraph: 1\nlayers:\n  inner:\n    type: NetGraph\n    layers:\n"


def told(text):
    with pytest.raises(SpecError) as info:
        NetGraph.from_yaml(text)
    return [(d.line, d.column, d.message) for d in info.value.diagnostics]


def test_a_shape_problem_inside_a_nested_graph_names_the_layer_by_path():
    found = told(GRAPH + "      a: {type: LinearLayer, output: 3}\n      b: {type: ReshapeLayer, dims: [5]}\n"
                         "    edges: [a -> b]\ninputs: {Input: 4}\n")
    assert [(line, col) for line, col, _ in found] == [(8, 13)]
    assert found[0][2].startswith("layer 'inner/b' (ReshapeLayer): cannot reshape 3 elements to (5)")


def test_chains_inside_chains_are_named_by_path():
    found = told("netgraph: 1\nlayers:\n  outer:\n    type: NetChain\n    layers:\n"
                 "      - {type: LinearLayer, output: 3}\n      - type: NetChain\n        layers:\n"
                 "          - {type: ReshapeLayer, dims: [5]}\ninputs: {Input: 4}\n")
    assert [(line, col) for line, col, _ in found] == [(9, 13)]
    assert found[0][2].startswith("layer 'outer/2/1' (ReshapeLayer): cannot reshape")


def test_an_unknown_port_in_a_nested_graphs_edge_names_the_layer_by_path():
    found = told(GRAPH + "      a: {type: LinearLayer, output: 3}\n      b: {type: LinearLayer, output: 2}\n"
                         "    edges: [a -> b.Inptu]\ninputs: {Input: 4}\n")
    assert found == [(8, 20, "layer 'inner/b' (LinearLayer) has no port 'Inptu' (did you mean 'Input'?); its inputs "
                             "are ['Input'] and outputs ['Output']")]


def test_a_nested_graphs_own_port_names_the_net():
    found = told(GRAPH + "      a: {type: LinearLayer, output: 3, input: 5}\n    inputs: {Input: 4}\n"
                         "    edges: [Input -> a]\n")
    assert [(line, col) for line, col, _ in found] == [(8, 13)]  # at the edge joining them
    assert found[0][2].startswith("net 'inner': the shape given for graph input 'Input': expected shape (5), found (4)")


def test_a_referenced_files_layer_is_named_from_the_top(tmp_path):
    (tmp_path / "part.yaml").write_text("netgraph: 1\ntype: NetChain\nlayers:\n  - 3\n  - {type: ReshapeLayer, dims: [7]}\n")
    (tmp_path / "top.yaml").write_text("netgraph: 1\nlayers:\n  enc: {file: part.yaml}\ninputs: {Input: 4}\n")
    with pytest.raises(SpecError) as info:
        NetGraph.from_yaml(tmp_path / "top.yaml")
    (problem,) = info.value.diagnostics
    assert (problem.file, problem.line, problem.column) == (str(tmp_path / "part.yaml"), 5, 5)
    assert problem.message.startswith("layer 'enc/2' (ReshapeLayer): cannot reshape 3 elements to (7)")
    assert problem.layer == ("enc", "2")


FED_TWICE = ("{type: NetGraph, layers: {a: Tanh, b: Tanh, c: TotalLayer}, inputs: {Input: 2}, "
             "edges: [Input -> a, Input -> b, a -> c.Input1, b -> c.Input1]}")
CYCLE = ("{type: NetGraph, layers: {a: Tanh, b: Tanh, p: Plus}, inputs: {Input: 2}, "
         "edges: [Input -> p.Input1, b -> p.Input2, p -> a, a -> b]}")
PLACES = {"inline": ("layers:\n  inner: {net}\n", "inner"),
          "ref": ("nets:\n  n: {net}\nlayers:\n  inner: {{ref: n}}\n", "inner"),
          "operator": ("layers:\n  m: {{type: NetMapOperator, net: {net}}}\ninputs: {{Input: [3, 2]}}\n", "m/net")}


@pytest.mark.parametrize("place", PLACES)
def test_a_port_fed_twice_inside_a_nested_net_names_the_layer_by_path(place, yaml_loader):
    """Found by review: messages not starting with 'layer ...' kept the nested net's own numbering ("layer 3 'c'")."""
    text, path = PLACES[place]
    (found,) = told("netgraph: 1\n" + text.format(net=FED_TWICE))
    assert found[2].startswith(f"port 'Input1' of layer '{path}/c' (TotalLayer) is fed by 2 edges (a -> c.Input1; "
                               f"b -> c.Input1): an input port takes exactly one edge")


@pytest.mark.parametrize("place", PLACES)
def test_a_cycle_inside_a_nested_net_names_each_layer_by_path(place, yaml_loader):
    text, path = PLACES[place]
    (found,) = told("netgraph: 1\n" + text.format(net=CYCLE))
    assert found[2] == (f"the connectivity of layers within a NetGraph must be acyclic; found the cycle layer '{path}/b' "
                        f"(ElementwiseLayer) -> layer '{path}/p' (ThreadingLayer) -> layer '{path}/a' (ElementwiseLayer) "
                        f"-> layer '{path}/b' (ElementwiseLayer), closed by edge a -> b")


def test_a_shape_trace_inside_a_nested_net_names_each_layer_by_path(yaml_loader):
    (found,) = told("netgraph: 1\nlayers:\n  inner: {type: NetGraph, layers: {a: 3, '2': 2, p: Plus}, inputs: {Input: 2}, "
                    "edges: [Input -> a, Input -> 2, a -> p.Input1, 2 -> p.Input2]}\n")
    assert found[2].endswith("set by layer 'inner/a' (LinearLayer) port 'Output' (from its options) via edge a -> "
                             "p.Input1; 'Input2' (2) set by layer 'inner/2' (LinearLayer) port 'Output' (from its "
                             "options) via edge 2 -> p.Input2]")


@pytest.mark.parametrize("name", ["a'b", "a\\b"])
def test_a_cycle_through_a_layer_named_with_a_quote_or_backslash_names_it_by_path(name):
    """Found by review: a name repr'd in double quotes, or with a backslash, kept its number (layer 1 "a'b")."""
    quoted = name.replace("'", "''")
    cycle = ("{type: NetGraph, layers: {'%s': Tanh, b: Tanh, p: Plus}, inputs: {Input: 2}, "
             "edges: [Input -> p.Input1, b -> p.Input2, 'p -> %s', '%s -> b']}") % (quoted, quoted, quoted)
    (found,) = told("netgraph: 1\nlayers:\n  inner: " + cycle + "\n")
    assert f"-> layer {'inner/' + name!r} (ElementwiseLayer) -> layer 'inner/b'" in found[2]
