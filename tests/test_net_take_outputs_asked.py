"""net_take keeps every output asked for: one passing a graph input straight through was silently dropped (session 43:
net_take(net, ["X", "P"]) gave ('X',))."""

from __future__ import annotations

import pytest
import torch

from netgraph import (LinearLayer, NetGraph, NetPort, WiringError, net_delete, net_initialize, net_replace_part,
                      net_take)

X = torch.randn(4, 3, generator=torch.Generator().manual_seed(0))


def passing_through() -> NetGraph:
    """Input -> a -> X, and Input passed straight through to P."""
    return net_initialize(NetGraph({"a": LinearLayer(2)}, [(NetPort("Input"), "a"), ("a", NetPort("X")),
                                                           (NetPort("Input"), NetPort("P"))], Input=3), seed=0)


@pytest.mark.parametrize("asked", [["X", "P"], ["X", NetPort("P")]])
def test_an_output_passing_a_graph_input_through_is_kept_when_asked(asked):
    net = passing_through()
    taken = net_take(net, asked)
    assert taken.output_ports == ("X", "P")
    out, whole = taken(X), net(X)
    torch.testing.assert_close(out["P"], X, rtol=0, atol=0)
    torch.testing.assert_close(out["X"], whole["X"], rtol=0, atol=0)


def test_an_output_passing_a_graph_input_through_goes_when_not_asked():
    assert net_take(passing_through(), "X").output_ports == ("X",)


def test_only_a_passed_through_output_asked_is_a_clear_error():
    with pytest.raises(WiringError) as caught:
        net_take(passing_through(), "P")
    assert (caught.value.kind, caught.value.port, caught.value.layer) == ("empty-net", "P", ())
    assert str(caught.value) == ("net_take: graph output 'P' passes input 'Input' straight through: no layer "
                                 "computes it, so the result would have no layers")  # it said only the last words


def two_heads() -> NetGraph:
    """Input -> a -> X, Input -> b -> Y."""
    return net_initialize(NetGraph({"a": LinearLayer(2), "b": LinearLayer(4)},
                                   [(NetPort("Input"), "a"), ("a", NetPort("X")), (NetPort("Input"), "b"),
                                    ("b", NetPort("Y"))], Input=3), seed=0)


@pytest.mark.parametrize("asked", [["Y", "X"], ["X", "Y"], ["b", "a"], [NetPort("Y"), "a"]])
def test_the_outputs_come_in_the_order_asked(asked):
    net = two_heads()
    taken = net_take(net, asked)
    order = {"Y": "Y", "b": "Y", NetPort("Y"): "Y"}
    assert taken.output_ports == tuple(order.get(spec, "X") for spec in asked)
    out, whole = taken(X), net(X)
    for port in taken.output_ports:
        torch.testing.assert_close(out[port], whole[port], rtol=0, atol=0)


def test_a_passed_through_output_asked_first_comes_first():
    net = passing_through()
    taken = net_take(net, ["P", "X"])
    assert taken.output_ports == ("P", "X")
    torch.testing.assert_close(taken(X)["P"], X, rtol=0, atol=0)


def test_deleting_another_output_keeps_one_passing_a_graph_input_through():
    net = net_initialize(NetGraph({"a": LinearLayer(2), "b": LinearLayer(4)},
                                  [(NetPort("Input"), "a"), ("a", NetPort("X")), (NetPort("Input"), "b"),
                                   ("b", NetPort("Y")), (NetPort("Input"), NetPort("P"))], Input=3), seed=0)
    rest = net_delete(net, NetPort("Y"))  # net_delete of outputs takes the others, as net_take does
    assert rest.output_ports == ("X", "P")
    torch.testing.assert_close(rest(X)["P"], X, rtol=0, atol=0)


def _two_outputs() -> NetGraph:
    return NetGraph({"p": LinearLayer(3), "q": LinearLayer(2)}, [(NetPort("Input"), "p"), (NetPort("Input"), "q")],
                    Input=5)


def _muting() -> NetGraph:
    """'two''s Output2 muted: the net's only output is d's."""
    return NetGraph({"a": LinearLayer(5), "two": _two_outputs(), "d": LinearLayer(4)},
                    [("a", "two"), (NetPort("two", "Output1"), "d"), (NetPort("two", "Output2"), None)], Input=5)


def test_taking_a_layer_keeps_its_muted_output_muted_as_deleting_and_replacing_do():
    # net_take(net, "two") gave Output1 and the muted Output2; net_delete kept the mute
    net = net_initialize(_muting(), seed=0)
    taken = net_take(net, "two")
    assert taken.output_ports == ("Output1",)
    x = torch.randn(2, 5)
    torch.testing.assert_close(taken(x), net.layers["two"](net.layers["a"](x))["Output1"])
    assert net_delete(net, "d").output_ports == ("Output1",)  # two's Output2 stays muted
    for replaced in (net.replace_layers({"two": _two_outputs()}), net_replace_part(net, {"two": _two_outputs()})):
        assert replaced.output_ports == ("Output",) and ("two", "Output2") in {
            (a.layer, a.port) for a, b in replaced.explicit_edges() if b is None}


def test_a_muted_port_named_is_taken_and_a_layer_muted_whole_gives_its_outputs():
    net = _muting()
    assert net_take(net, NetPort("two", "Output2")).output_ports == ("Output2",)  # named: the user asks for it
    alone = NetGraph({"a": LinearLayer(3), "b": LinearLayer(2)}, [("a", "b"), ("a", None)], Input=4)
    assert net_take(alone, "a").output_shapes == {"Output": (3,)}  # all its outputs muted: the layer is what is asked


def test_a_muted_output_stays_muted_beside_other_layers_taken_and_after_a_nested_delete():
    net = _muting()
    assert net_take(net, ["two", "d"]).output_ports == ("two_Output1", "Output")  # it gave two's Output2 too
    assert net_take(net, [NetPort("two", "Output2"), "d"]).output_ports == ("Output2", "Output")
    deleted = net_delete(net, ("two", "p"))  # inside the nested graph: its Output2 stays muted
    assert deleted.output_ports == ("Output",) and [(a.layer, a.port) for a, b in deleted.explicit_edges()
                                                    if b is None] == [("two", "Output2")]
