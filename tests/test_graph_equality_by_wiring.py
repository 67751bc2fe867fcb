"""Nets compare by value, as Wolfram's canonical nets do: the same layers and the same resolved wiring are equal
whether an edge to a graph port was written or made for a dangling port (and hash alike); other wiring is not."""

from __future__ import annotations

from netgraph import CatenateLayer, LinearLayer, NetGraph, NetPort, ReshapeLayer, net_rename


def _layers():
    return {"a": LinearLayer(3), "b": "Tanh"}


def test_written_and_implicit_graph_port_edges_are_equal():
    implicit = NetGraph(_layers(), [("a", "b")], Input=2)
    written = NetGraph(_layers(), [(NetPort("Input"), "a"), ("a", "b"), ("b", NetPort("Output"))], Input=2)
    assert implicit == written and hash(implicit) == hash(written)


def test_renaming_a_port_and_back_gives_an_equal_net():
    net = NetGraph(_layers(), [("a", "b")], Input=2)
    there = net_rename(net, {NetPort("Output"): NetPort("y")})
    back = net_rename(there, {NetPort("y"): NetPort("Output")})
    assert back == net and hash(back) == hash(net)
    assert there != net


def test_other_wiring_is_not_equal():
    def net(order):
        layers = {"x": LinearLayer(3), "y": LinearLayer(3), "c": CatenateLayer()}
        return NetGraph(layers, [(NetPort("Input"), ["x", "y"]), (order, "c")], Input=2)
    assert net(["x", "y"]) != net(["y", "x"])  # the catenation's order
    assert NetGraph(_layers(), [("a", "b")], Input=2) != NetGraph(_layers(), [], Input=2)
    muted = NetGraph(_layers(), [("a", "b"), (NetPort("a", "Output"), None)], Input=2)
    assert muted != NetGraph(_layers(), [("a", "b")], Input=2)  # the mute keeps a's output unexposed past edits


def test_a_shape_alone_and_a_port_type_of_the_dtype_it_resolves_to_are_equal():
    """``Input=4`` leaves the dtype to inference (Real here); ``PortType(4)`` says Real: the same net. YAML keeps
    what each declared."""
    from netgraph.core.types import PortType
    from netgraph.spec.dump import to_yaml
    shape, typed = (NetGraph(_layers(), [("a", "b")], Input=t, Output=3) for t in (4, PortType(4)))
    assert shape == typed and hash(shape) == hash(typed) and repr(shape) == repr(typed)
    assert "Input: 4" in to_yaml(shape) and "dtype: Real" in to_yaml(typed)
    assert NetGraph(_layers(), [("a", "b")], Input=4, Output=PortType(3)) == shape
    integer = NetGraph({"r": ReshapeLayer((2, 2))}, [], Input=PortType(4, "Integer"))
    assert integer != NetGraph({"r": ReshapeLayer((2, 2))}, [], Input=4)  # a reshape takes either: Real by default
