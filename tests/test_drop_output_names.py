"""After net_drop, the automatic output names Output1/Output2 were numbered again, so 'Output1' came to mean another
layer's output and the decoder of an output the same layer still gave was lost, though the README says such an
output keeps it. A graph output whose layer stays keeps its name."""

from __future__ import annotations

import pytest
import torch

from netgraph import (ClassDecoder, LinearLayer, NetGraph, NetPort, WiringError, net_delete, net_drop, net_initialize,
                      net_take)


def _three(**options):
    return NetGraph({"a": LinearLayer(2), "b": LinearLayer(3), "c": LinearLayer(4)}, [], Input=3, **options)


@pytest.mark.parametrize("drop, kept", [
    ("a", {"Output2": (3,), "Output3": (4,)}),
    (["a", "c"], {"Output2": (3,)}),
    ("b", {"Output1": (2,), "Output3": (4,)}),
])
def test_outputs_keep_their_names(drop, kept):
    net = net_drop(_three(), drop)
    assert net.output_shapes == kept


def test_an_output_the_same_layer_gives_keeps_its_decoder():
    net = net_drop(_three(Output2=ClassDecoder(["x", "y", "z"])), "a")
    assert set(net.coders) == {"Output2"} and net.output_shapes["Output2"] == (3,)
    assert set(net_initialize(net, seed=0)(torch.ones(2, 3))["Output2"]) <= {"x", "y", "z"}


def test_a_dropped_tail_leaves_its_producer_output_beside_kept_names():
    net = NetGraph({"a": LinearLayer(2), "b": LinearLayer(3), "t": LinearLayer(5)}, [("b", "t")], Input=3)
    assert net.output_ports == ("Output1", "Output2")  # a's, t's
    dropped = net_drop(net, "t")
    assert dropped.output_shapes["Output1"] == (2,) and set(dropped.output_shapes.values()) == {(2,), (3,)}


def test_a_lone_output_keeps_its_name_beside_a_dropped_tails_producer():
    net = NetGraph({"a": LinearLayer(2), "c": LinearLayer(3), "t": LinearLayer(4)}, [("c", "t"), ("t", NetPort("T"))],
                   Input=3)
    assert net_drop(net, "t").output_shapes["Output"] == (2,)


@pytest.mark.parametrize("take, kept", [
    (["Output2", "Output3"], {"Output2": (3,), "Output3": (4,)}),
    (["b", "c"], {"Output2": (3,), "Output3": (4,)}),
    ("Output2", {"Output2": (3,)}),
    (NetPort("Output3"), {"Output3": (4,)}),
])
def test_net_take_keeps_the_names_of_the_outputs_it_takes(take, kept):
    """Found by QA (qa-wolfram): net_take(net, ["Output2", "Output3"]) numbered them again, Output1 and Output2, so
    'Output2' came to mean another layer's output (net_drop keeps them; so does Wolfram's NetTake)."""
    assert net_take(_three(), take).output_shapes == kept


def test_net_delete_of_graph_output_ports_keeps_the_other_outputs_and_what_computes_them():
    """Found by QA (qa-wolfram): Wolfram's NetDelete[graph, NetPort["Output1"]] (a basic example of its page) was
    "a layer is named by a string, a 1-based index or a tuple path of those; found NetPort('Output1')"."""
    net = _three()
    deleted = net_delete(net, NetPort("Output1"))
    assert list(deleted.layers) == ["b", "c"] and deleted.output_shapes == {"Output2": (3,), "Output3": (4,)}
    both = net_delete(net, [NetPort("Output1"), NetPort("Output3")])
    assert list(both.layers) == ["b"] and both.output_shapes == {"Output2": (3,)}
    shared = NetGraph({"a": LinearLayer(2), "t": "Tanh"}, [("a", "t"), (NetPort("a", "Output"), NetPort("h"))], Input=3)
    kept = net_delete(shared, NetPort("h"))  # a feeds another output: it stays
    assert list(kept.layers) == ["a", "t"] and kept.output_ports == ("Output",)
    with pytest.raises(WiringError, match=r"no output port 'Output9'.*outputs are \['Output1', 'Output2', 'Output3'\]"):
        net_delete(net, NetPort("Output9"))
    with pytest.raises(WiringError, match="would remove every output"):
        net_delete(net, [NetPort("Output1"), NetPort("Output2"), NetPort("Output3")])
    with pytest.raises(WiringError, match=r"layers or graph output ports, not both in one call"):  # NetDelete::nomix
        net_delete(net, [NetPort("Output1"), "b"])


def test_a_dropped_tails_producer_takes_the_next_free_number_not_a_name_read_as_twelve():
    """Found by QA (tester P): a's output took 'Output12' ('Output1' and a suffix 2) after dropping b."""
    net = NetGraph({"a": LinearLayer(4), "m": LinearLayer(3), "b": LinearLayer(5)},
                   [(NetPort("x"), "a", "b"), (NetPort("s"), "m")], x=4, s=4)
    assert dict(net.output_shapes) == {"Output1": (3,), "Output2": (5,)}  # m's, b's
    assert dict(net_drop(net, "b").output_shapes) == {"Output1": (3,), "Output2": (4,)}  # m's kept, a's new


@pytest.mark.parametrize("edges, drop, kept", [
    ([("b", "t")], "t", ("Output1", "Output2")),  # b's new output after a's Output1 (it was a's Output1, t's Output2)
    ([("a", NetPort("Output1")), ("b", "t"), ("t", NetPort("Output2"))], "t", ("Output1", "Output")),
    ([("a", NetPort("Output2")), ("b", NetPort("Output1")), ("t", NetPort("Output3"))], "t", ("Output2", "Output1")),
])
def test_the_remaining_outputs_keep_their_order(edges, drop, kept):
    """Wolfram's NetDelete keeps the remaining ports' order; net_drop gave the outputs in layer order (b's first:
    ('Output2', 'Output1') for a net whose outputs were ('Output1', 'Output2')). A new output comes after them."""
    net = NetGraph({"b": LinearLayer(3), "a": LinearLayer(2), "t": LinearLayer(4)}, edges, Input=3,
                   **{kept[0]: ClassDecoder(["x", "y"])})
    dropped = net_drop(net, drop)
    assert dropped.output_ports == kept and list(net.output_ports)[:1] == list(kept)[:1]
    assert dropped.output_shapes[kept[0]] == (2,) and set(dropped.coders) == {kept[0]}  # a's, with its decoder
    values = net_initialize(dropped, seed=0)(torch.ones(2, 3))
    assert list(values) == list(kept) and set(values[kept[0]]) <= {"x", "y"}


@pytest.mark.parametrize("edges, kept", [
    ([("a", NetPort("X")), ("b", NetPort("Y")), ("a", NetPort("Z")), ("c", NetPort("W")), ("d", NetPort("V"))],
     ("X", "Y", "Z", "W")),  # a gives X and Z: X stays first (ranking by source put a's last output's place on both)
    ([(NetPort("Input"), NetPort("P")), ("a", NetPort("X")), (NetPort("Input"), NetPort("Q")), ("d", NetPort("V"))],
     ("P", "X", "Q")),  # the graph input passed to two outputs
])
def test_outputs_sharing_a_source_keep_their_places(edges, kept):
    """net_drop and net_delete keep each remaining output where ``net`` had it, two outputs of one source included."""
    layers = {"a": LinearLayer(2), "b": LinearLayer(3), "c": LinearLayer(4), "d": LinearLayer(5)}
    net = NetGraph({k: v for k, v in layers.items() if any(k == e[0] for e in edges)}, edges, Input=3)
    assert net_drop(net, "d").output_ports == kept
    assert net_delete(net, "d").output_ports == kept
