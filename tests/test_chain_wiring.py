"""A NetChain's wiring (made directly by chain_wiring) is what normalize makes of its edges (1, 2), (2, 3), ..."""

from dataclasses import fields, is_dataclass

import pytest

from netgraph import (CatenateLayer, ElementwiseLayer, LinearLayer, MeanSquaredLossLayer, NetChain, NetGraph,
                      TotalLayer)
from netgraph.core.chain_wiring import chain_wiring
from netgraph.core.layer_table import named_layers
from netgraph.core.wiring import normalize


def _every_field(items):
    """Each item's type and every field's value, those equality leaves out (index, hop, link) too, nested PortRefs
    as their own fields: chain_wiring sets the slots of what it makes directly."""
    return [(type(x), *(_every_field([v])[0] if is_dataclass(v) else v for v in (getattr(x, f.name) for f in fields(x))))
            for x in items]


def _same(layers, refs):
    names, table = named_layers(layers, "NetChain")
    made, given = chain_wiring(names, table, refs), normalize(names, table, list(zip(refs, refs[1:])))
    assert made.edges == given.edges and _every_field(made.edges) == _every_field(given.edges)
    assert (made.inputs, made.outputs, made.muted) == (given.inputs, given.outputs, given.muted)
    assert made.layers == given.layers and list(made.layers) == list(given.layers)
    return made


@pytest.mark.parametrize("layers", [
    [LinearLayer(3), "Tanh", LinearLayer(2)],
    [LinearLayer(3)],
    [LinearLayer(3), TotalLayer(), CatenateLayer(), "Ramp"],  # variadic: given one input each
    [LinearLayer(3), TotalLayer(inputs=2)],  # its second input a graph input
    [LinearLayer(3), MeanSquaredLossLayer()],  # the loss's Target a graph input
    [LinearLayer(3), NetChain(["Tanh", LinearLayer(2)])],
])
def test_numbered_chain_wiring_is_normalize(layers):
    _same(layers, list(range(1, len(layers) + 1)))
    _same(layers, range(1, len(layers) + 1))  # as NetChain gives them (no list of numbers)


def test_chain_wiring_changes_no_layer_of_the_table_given():
    """The wiring holds the table given (no copy of every layer's entry) unless it gives a variadic layer its
    input count: then it holds a copy, and the table given is as it was (the fallback to normalize reads it)."""
    names, table = named_layers([LinearLayer(3), "Tanh"], "NetChain")
    assert chain_wiring(names, table, range(1, 3)).layers is table
    names, table = named_layers([LinearLayer(3), TotalLayer(), "Ramp"], "NetChain")
    before = dict(table)
    made = chain_wiring(names, table, range(1, 4))
    assert all(table[name] is before[name] for name in names) and len(table) == len(before)
    assert made.layers["2"] != table["2"] and made.layers["2"].input_ports == ("Input1",)


def test_named_chain_wiring_is_normalize_with_edge_texts():
    layers = {"a b": LinearLayer(3), "x": ElementwiseLayer("Tanh"), "1": TotalLayer(), "é": LinearLayer(2)}
    made = _same(layers, list(layers))
    assert [e.text for e in made.edges if not e.implicit] == ["'a b' -> x", "x -> '1'", "'1' -> é"]


def test_chain_edges_as_the_equivalent_graph():
    layers = [LinearLayer(3), TotalLayer(inputs=2), "Tanh", MeanSquaredLossLayer()]
    chain = NetChain(layers, input=4)
    graph = NetGraph(layers, [(1, 2), (2, 3), (3, 4)], Input=4)
    assert chain.edges == graph.edges and [e.index for e in chain.edges] == [e.index for e in graph.edges]
    assert (chain.input_ports, chain.output_ports) == (graph.input_ports, graph.output_ports)
