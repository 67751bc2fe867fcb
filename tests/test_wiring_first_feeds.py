"""A layer's first feed is made as its Edge(s) while the edges are read (netgraph.core.wiring): the Edges must be
those threading makes when more feeds, a NetPort edge into one of its inputs, or a group come to the same layer."""

from __future__ import annotations

import pytest

from netgraph import ElementwiseLayer, FunctionLayer, NetPort, TotalLayer
from netgraph.core.errors import WiringError
from netgraph.core.ports import Edge, PortRef
from netgraph.core.wiring import normalize


def layers(sum_inputs: int = 2) -> dict:
    return {"a": ElementwiseLayer("Tanh"), "b": ElementwiseLayer("Tanh"), "d": ElementwiseLayer("Tanh"),
            "c": FunctionLayer(" + ".join(f"#{p}" for p in "xyz"[:sum_inputs]))}


def wired(edges: list, sum_inputs: int = 2) -> list[tuple]:
    """The edges between layers, every field, in order."""
    w = normalize(["a", "b", "d", "c"], layers(sum_inputs), edges)
    return [(str(e.src), str(e.dst), e.text, e.index, e.hop, e.link) for e in w.edges if not e.implicit]


def test_a_second_feed_threads_both_onto_the_inputs_in_order():
    assert wired([("a", "c"), ("b", "c")]) == [("a.Output", "c.x", "a -> c", 0, None, ""),
                                               ("b.Output", "c.y", "b -> c", 1, None, "")]


def test_a_netport_edge_after_the_first_feed_moves_it_to_the_free_input():
    assert wired([("a", "c"), ("b", NetPort("c", "x"))]) == [("a.Output", "c.y", "a -> c", 0, None, ""),
                                                             ("b.Output", "c.x", "b -> NetPort('c', 'x')", 1, None, "")]


def test_a_group_then_another_feed_threads_all_three_in_order():
    assert wired([(["a", "b"], "c"), ("d", "c")], sum_inputs=3) == [
        ("a.Output", "c.x", "[a, b] -> c", 0, None, ""), ("b.Output", "c.y", "[a, b] -> c", 0, None, ""),
        ("d.Output", "c.z", "d -> c", 1, None, "")]


def test_a_chain_link_then_a_group_keeps_each_edges_link():
    assert wired([("d", "a", "c"), (["b"], "c")]) == [
        ("d.Output", "a.Input", "d -> a -> c", 0, 0, "d -> a"), ("a.Output", "c.x", "d -> a -> c", 0, 1, "a -> c"),
        ("b.Output", "c.y", "[b] -> c", 1, None, "")]


def test_a_group_into_a_variadic_layer_sets_its_input_count():
    w = normalize(["a", "b", "t"], {"a": ElementwiseLayer("Tanh"), "b": ElementwiseLayer("Tanh"), "t": TotalLayer()},
                  [(["a", "b"], "t")])
    assert w.layers["t"].input_ports == ("Input1", "Input2")
    assert [e for e in w.edges if not e.implicit] == [Edge(PortRef("a", "Output"), PortRef("t", "Input1"), "[a, b] -> t"),
                                                      Edge(PortRef("b", "Output"), PortRef("t", "Input2"), "[a, b] -> t")]


def test_a_third_feed_after_a_made_group_is_one_too_many():
    with pytest.raises(WiringError) as err:
        wired([(["a", "b"], "c"), ("d", "c")])
    assert [(d.kind, d.layer, d.edge) for d in err.value.diagnostics] == [("too-many-feeds", ("c",), 1)]
    assert "but 3 sources (2 edges) feed it: [a, b] -> c, d -> c" in str(err.value)


def test_sources_of_edges_refused_as_too_many_feeds_stay_unread():
    """``used`` is noted as edges are sorted, before threading: an edge ``thread`` refuses (its layer fed too often)
    reads nothing, so its source's output is still a dangling graph output (Output1..3, not one Output)."""
    from netgraph.core.wiring import _Normalizer
    layers = {"x": ElementwiseLayer("Tanh"), "a": ElementwiseLayer("Tanh"), "c": ElementwiseLayer("Tanh")}
    normalizer = _Normalizer(list(layers), layers)
    wiring = normalizer.run([("x", "c"), ("a", "c")])
    assert [d.kind for d in normalizer.errors] == ["too-many-feeds"]
    assert wiring.outputs == ["Output1", "Output2", "Output3"]
    assert [(e.src.layer, e.dst.port) for e in wiring.edges if e.dst.layer is None] == [
        ("x", "Output1"), ("a", "Output2"), ("c", "Output3")]
