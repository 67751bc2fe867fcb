"""Where a shape conflict is placed: at the edge that brought the clashing type into that layer, not at another
edge of the same output (a fan-out), and at the option a layer names as the cause (weights=); in Python its
``Diagnostic`` fields, in a spec its line and column."""

from __future__ import annotations

import pytest

from netgraph import (FunctionLayer, GammaDistribution, LinearLayer, NetArrayLayer, NetGraph, NetPort,
                      RandomArrayLayer, ShapeError, SpecError)

_SPEC = """netgraph: 1
layers:
  mu: {type: NetArrayLayer, array: [0.0, 30.0]}
  noise: {type: NetArrayLayer, array: [1.0, 2.0, 3.0]}
  x: Tanh
  sample: {type: FunctionLayer, function: "#mu + #noise"}
edges:
  - mu -> x
  - "[mu, noise] -> sample"
"""


def test_the_conflict_names_the_edge_into_the_layer_not_a_fan_out_sibling():
    layers = {"mu": NetArrayLayer(array=[0.0, 30.0]), "noise": NetArrayLayer(array=[1.0, 2.0, 3.0]), "x": "Tanh",
              "sample": FunctionLayer("#mu + #noise")}
    with pytest.raises(ShapeError) as info:
        NetGraph(layers, [("mu", "x"), (["mu", "noise"], "sample")])
    (problem,) = info.value.diagnostics
    assert problem.layer == ("sample",) and problem.edge == 1


def test_a_spec_reports_the_conflict_at_the_edge_into_the_layer(yaml_loader):
    with pytest.raises(SpecError) as info:
        NetGraph.from_yaml(_SPEC)
    assert str(info.value).startswith("<string>:9:5: layer 4 'sample' (FunctionLayer): input ports 'mu' (2), "
                                      "'noise' (3) do not broadcast together")


@pytest.mark.parametrize("spec, where, words", [
    # weights= against output= of the same layer: the graph input's declaration was blamed (4:10); the array is
    # what was found (not the port, 'expected size 2 (from weights=), found (3,)')
    ("layers:\n  fc: {type: LinearLayer, output: 3, weights: [[1, 2], [3, 4]]}\ninputs: {Input: 2}\n", (3, 47),
     "array 'Weights': expected shape (3, 2), found (2, 2)"),
    # weights= against the size fed by an edge: the edge was blamed, the inline array is what does not fit
    ("layers:\n  a: 16\n  fc:\n    type: LinearLayer\n    weights: [[1, 2], [3, 4]]\ninputs: {Input: 2}\n"
     "edges: [a -> fc]\n", (6, 14), "(from weights=)"),
])
def test_a_linear_layers_weights_of_the_wrong_size_are_reported_at_the_weights(spec, where, words, yaml_loader):
    with pytest.raises(SpecError) as info:
        NetGraph.from_yaml("netgraph: 1\n" + spec)
    assert str(info.value).startswith(f"<string>:{where[0]}:{where[1]}: layer ")
    assert words in str(info.value)


def test_the_python_diagnostic_names_the_weights_option():
    with pytest.raises(ShapeError) as info:
        NetGraph({"a": 16, "fc": LinearLayer(weights=[[1.0, 2.0], [3.0, 4.0]])}, [("a", "fc")], Input=2)
    (problem,) = info.value.diagnostics
    assert problem.layer == ("fc",) and problem.option == "weights"


_CHAIN = {"a": "Tanh", "b": "Tanh", "c": LinearLayer(3), "d": LinearLayer(2, input=4)}


@pytest.mark.parametrize("edge, where", [
    ("Input -> a -> b -> c -> d", "9:24"),  # at the link's source 'c', as a single edge is placed at its source
    ("[Input, a, b, c, d]", "9:19"),  # a list edge: at its item 'c'
])
def test_a_spec_places_a_conflict_in_a_chain_at_its_link_and_quotes_that_link(edge, where, yaml_loader):
    """The 4-hop chain's last link conflicts: it was placed at the chain's start (9:5) quoting the whole chain."""
    spec = ("netgraph: 1\nlayers:\n  a: Tanh\n  b: Tanh\n  c: {type: LinearLayer, output: 3}\n"
            f"  d: {{type: LinearLayer, output: 2, input: 4}}\ninputs: {{Input: 2}}\nedges:\n  - {edge}\n")
    with pytest.raises(SpecError) as info:
        NetGraph.from_yaml(spec)
    (message,) = info.value.errors
    assert message.startswith(f"<string>:{where}: layer 4 'd' (LinearLayer) port 'Input'")
    assert message.endswith("joined by edge c -> d (in chain Input -> a -> b -> c -> d))")


def test_the_python_diagnostic_of_a_chains_conflict_names_its_link():
    with pytest.raises(ShapeError) as info:
        NetGraph(_CHAIN, [("a", "b", "c", "d")], Input=2)
    (problem,) = info.value.diagnostics
    assert (problem.layer, problem.edge, problem.hop) == (("d",), 0, 2)
    assert problem.edges[0].hop == 2 and "joined by edge c -> d (in chain a -> b -> c -> d)" in problem.message


@pytest.mark.parametrize("spec, where", [
    # a parameter layer of the wrong size: at the edge into its port, not the first edge into the random layer (7:5)
    ("layers:\n  m: {type: NetArrayLayer, array: [1.0, 2.0]}\n  s: {type: NetArrayLayer, array: [1.0, 2.0, 3.0]}\n"
     "  g: {type: RandomArrayLayer, distribution: {type: GammaDistribution, args: ['#m', '#s']}, output: 2}\n"
     "edges:\n  - m -> g.m\n  - s -> g.s\n", "<string>:8:5:"),
    # a covariance of the wrong size: at its graph input, not at the mean's (5:3)
    ("layers:\n  g: {type: RandomArrayLayer, distribution: {type: MultinormalDistribution, args: ['#mu', '#S']}}\n"
     "inputs:\n  mu: 3\n  S: [3, 2]\n", "<string>:6:3:"),
], ids=["parameter layer", "graph input"])
def test_a_spec_places_a_random_layers_shape_conflict_at_the_port_at_fault(spec, where, yaml_loader):
    with pytest.raises(SpecError) as info:
        NetGraph.from_yaml("netgraph: 1\n" + spec)
    assert str(info.value).startswith(where)


def test_slot_shapes_that_do_not_broadcast_together_say_so_where_no_output_shape_is_known():
    """Not "do not broadcast to output ?"."""
    with pytest.raises(ShapeError, match=r"GammaDistribution parameter shapes 'a' \(2\), 'b' \(3\) do not broadcast "
                                         r"together \(each parameter"):
        NetGraph([RandomArrayLayer(GammaDistribution("#a", "#b"))], [], a=2, b=3)


def test_a_parameter_layer_of_the_wrong_shape_is_named_in_the_diagnostic_with_its_edge_and_shapes():
    """The port at fault, the edge into it and the shapes compared are fields of the diagnostic, not only text (the
    first edge into the layer, that of a parameter that fits, was named)."""
    net_layers = {"m": NetArrayLayer(array=[1.0, 2.0]), "s": NetArrayLayer(array=[1.0, 2.0, 3.0]),
                  "g": RandomArrayLayer(GammaDistribution("#m", "#s"), output=2)}
    with pytest.raises(ShapeError) as err:
        NetGraph(net_layers, [("m", NetPort("g", "m")), ("s", NetPort("g", "s"))])
    d = err.value.diagnostics[0]
    assert (d.layer, d.port, d.edge, d.expected, d.found) == (("g",), "s", 1, (2,), (3,))
