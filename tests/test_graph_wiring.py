"""A NetGraph's wiring (graph_wiring: chain_wiring's one pass for edges written as one chain through every layer in
order) is what normalize makes of the same edges, to every field of every Edge, and its errors are normalize's."""

import pytest

from netgraph import (CatenateLayer, ElementwiseLayer, GatedRecurrentLayer, LinearLayer, MeanSquaredLossLayer,
                      NetArrayLayer, NetChain, NetGraph, NetPort, TotalLayer)
from netgraph.core.errors import WiringError
from netgraph.core.graph_wiring import graph_wiring, whole_chain
from netgraph.core.layer_table import named_layers
from netgraph.core.wiring import normalize
from tests.test_chain_wiring import _every_field


def _wired(wire, layers, edges):
    """``wire``'s Wiring of ``layers`` (its own table) and ``edges``, or its WiringError's message and diagnostics."""
    try:
        return wire(*named_layers(layers), edges)
    except WiringError as error:
        return str(error), error.diagnostics


def _same(layers, edges):
    made, given = _wired(graph_wiring, layers, edges), _wired(lambda *a: normalize(*a, copy=False), layers, edges)
    if isinstance(given, tuple):
        assert made == given
        return None
    assert made.edges == given.edges and _every_field(made.edges) == _every_field(given.edges)
    assert (made.inputs, made.outputs, made.muted, made.forward) == (given.inputs, given.outputs, given.muted,
                                                                      given.forward)
    assert made.layers == given.layers and list(made.layers) == list(given.layers)
    return made


NAMED = {"a b": LinearLayer(3), "x": ElementwiseLayer("Tanh"), "1": LinearLayer(4), "é": MeanSquaredLossLayer()}


@pytest.mark.parametrize("edges", [
    [tuple(NAMED)], [list(NAMED)], (tuple(NAMED),), [(1, 2, 3, 4)],  # one chain through every layer, in order
    [("a b", "x", "1")], [("a b", "1", "x", "é")], [("a b", "x"), ("x", "1", "é")],  # others: normalize's
    [(1, 2, 3, True)], [("a b", "x", "1", "é", "a b")],
])
def test_graph_wiring_is_normalize(edges):
    _same(NAMED, edges)


def test_a_chain_through_every_layer_is_wired_in_one_pass_with_its_hops():
    made = _same(NAMED, [tuple(NAMED)])
    inner = [e for e in made.edges if not e.implicit]
    assert [(e.text, e.index, e.hop, e.link) for e in inner] == [
        ("'a b' -> x -> '1' -> é", 0, hop, link) for hop, link in enumerate(["'a b' -> x", "x -> '1'", "'1' -> é"])]
    assert made.inputs == ["Input", "Target"] and made.outputs == ["Loss"] and made.forward


@pytest.mark.parametrize("middle", [
    TotalLayer(), CatenateLayer(),  # variadic: threaded by normalize
    GatedRecurrentLayer(3, state_output=True),  # two outputs: the second a graph output (a chain mutes it)
    NetArrayLayer(array=[1.0, 2.0]),  # no input: normalize's error
])
def test_a_chain_through_a_layer_not_plain_is_normalize(middle):
    layers = {"a": LinearLayer(3), "m": middle, "c": ElementwiseLayer("Tanh")}
    assert (_same(layers, [("a", "m", "c")]) is None) == isinstance(middle, NetArrayLayer)


def test_a_graph_input_and_output_of_one_name_is_the_same_error():
    first, last = NetGraph({"t": "Tanh"}, [(NetPort("X"), "t")]), NetGraph({"t": "Tanh"}, [("t", NetPort("X"))])
    assert (first.input_ports, last.output_ports) == (("X",), ("X",))
    assert _same({"a": first, "b": "Tanh", "c": last}, [("a", "b", "c")]) is None


def test_whole_chain_needs_every_layer_once_in_order():
    names = ["a", "b", "c"]
    assert whole_chain(names, [("a", "b", "c")]) == ("a", "b", "c")
    assert whole_chain(names, [(1, 2, 3)]) == (1, 2, 3)
    for edges in ([("a", "b")], [("a", "b", "c", "a")], [("a", "b"), ("b", "c")], [(1, 2, 3.0)], [(True, 2, 3)],
                  {"a": "b"}, [("a", ["b"], "c")], "a -> b -> c"):
        assert whole_chain(names, edges) is None


def test_a_graph_of_a_chain_edge_is_the_chain_as_a_graph():
    layers = [LinearLayer(3), "Tanh", LinearLayer(2)]
    graph, chain = NetGraph(layers, [(1, 2, 3)], Input=4), NetChain(layers, input=4)
    assert [e.key for e in graph.edges] == [e.key for e in NetGraph(layers, [(1, 2), (2, 3)], Input=4).edges]
    assert graph.output_shapes == chain.output_shapes == {"Output": (2,)} and graph.layers == chain.layers
    assert [(e.text, e.hop, e.link) for e in graph.explicit_edges()] == [("1 -> 2 -> 3", 0, "1 -> 2"),
                                                                          ("1 -> 2 -> 3", 1, "2 -> 3")]


def test_an_output_both_muted_and_wired_to_a_graph_output_is_refused_naming_both_edges():
    """The mute was ignored: the net gave b's output as Q (DESIGN: ``(src, None)`` mutes an output)."""
    with pytest.raises(WiringError) as info:
        NetGraph({"b": LinearLayer(2)}, [(NetPort("x"), "b"), ("b", None), ("b", NetPort("Q"))], x=2)
    (d,) = info.value.diagnostics
    assert (d.kind, d.layer, d.port, d.edge) == ("muted-and-wired", ("b",), "Output", 1)
    assert d.message.startswith("edge b -> None: output 'Output' of layer 1 'b' (LinearLayer) is muted here, but edge "
                                "b -> NetPort('Q') wires it to graph output 'Q'")


def test_muting_a_graph_input_that_an_edge_also_wires_to_a_graph_output_is_refused_as_a_graph_port_mute():
    """It crashed with a bare KeyError (the mute recorded for the graph input, then looked up as a layer)."""
    with pytest.raises(WiringError) as info:
        NetGraph({"a": LinearLayer(3)}, [(NetPort("x"), None), (NetPort("x"), NetPort("Q")), (NetPort("x"), "a")], x=2)
    (d,) = info.value.diagnostics
    assert (d.kind, d.layer, d.port, d.edge) == ("mute-graph-port", (), "x", 0)
    assert "only a layer's output can be muted" in d.message


@pytest.mark.parametrize("edges", [{NetPort("x"): "a", "a": [NetPort("Q"), None]},
                                   [(NetPort("x"), "a"), ("a", [NetPort("Q"), None])]])
def test_one_edge_that_both_mutes_and_wires_an_output_is_named_once(edges):
    """It named the same edge twice: 'edge a -> [...]: ... muted here, but edge a -> [...] wires it'."""
    with pytest.raises(WiringError) as info:
        NetGraph({"a": LinearLayer(2)}, edges, x=2)
    (d,) = info.value.diagnostics
    assert (d.kind, d.edge) == ("muted-and-wired", 1)
    assert d.message.count("a -> [NetPort('Q'), None]") == 1
    assert "is muted here, but the same edge also wires it to graph output 'Q'; keep one of the two targets" \
        in d.message


def test_muting_an_output_that_feeds_a_layer_keeps_it_unexposed_when_its_consumers_are_deleted():
    """Wolfram's ``NetPort[layer, "port"] -> None``: the output does not become a graph output. One that feeds a layer
    is none yet, so the mute says so ahead: it stays unexposed where ``net_delete`` removes its consumers."""
    from netgraph import net_delete
    layers = {"a": LinearLayer(3), "b": LinearLayer(2), "c": LinearLayer(2)}
    wired = [(NetPort("x"), "a"), ("a", "b"), ("a", "c")]
    muted, plain = (NetGraph(layers, wired + extra, x=2) for extra in ([("a", None)], []))
    assert muted.output_ports == plain.output_ports == ("Output1", "Output2")
    assert net_delete(plain, ["b", "c"]).output_ports == ("Output",)
    assert net_delete(muted, ["b", "c"]).output_ports == ()
