"""Ports inside operators: a NetMapOperator's inner ports are probed (and feed edges) as mapped values, one per
element, as the map's own outputs are; other operators run their inner net per step or several times per example,
so a path into them is a WiringError saying so and what to do instead."""

from __future__ import annotations

import pytest
import torch

from netgraph import (BasicRecurrentLayer, CatenateLayer, LinearLayer, NetBidirectionalOperator, NetChain,
                      NetFoldOperator, NetGraph, NetMapOperator, NetNestOperator, NetPort, WiringError, net_extract,
                      net_initialize)


@pytest.fixture
def mapped():
    inner = NetChain({"l": LinearLayer(3), "a": "Tanh"})
    return net_initialize(NetGraph({"map": NetMapOperator(inner), "last": "Sin"}, [("map", "last")], Input=("n", 4)),
                          seed=0)


def _inner_linear(net, x):
    w = net.compile().state_dict()
    return torch.nn.functional.linear(x, w["map.net.l.Weights"], w["map.net.l.Biases"])


def test_a_port_inside_a_map_is_probed_as_its_value_for_each_element(mapped):
    x = torch.randn(2, 5, 4)
    port = NetPort(("map", "net", "l", "Output"))
    probed = mapped(x, outputs=[port, "Output"])
    torch.testing.assert_close(probed[port], _inner_linear(mapped, x))
    torch.testing.assert_close(probed["Output"], torch.sin(torch.tanh(_inner_linear(mapped, x))))


def test_the_inner_nets_own_output_is_the_maps(mapped):
    x = torch.randn(2, 5, 4)
    torch.testing.assert_close(mapped(x, outputs=NetPort(("map", "net", "Output"))),
                               torch.tanh(_inner_linear(mapped, x)))


def test_a_port_inside_a_map_feeds_an_edge(mapped):
    net = NetGraph({"map": mapped.layers["map"], "side": "Sin"},
                   [(NetPort(("map", "net", "l", "Output")), "side"), (NetPort("map", "Output"), None)], Input=("n", 4))
    assert net.output_shapes == {"Output": ("n", 3)}
    x = torch.randn(2, 5, 4)
    torch.testing.assert_close(net(x), torch.sin(_inner_linear(mapped, x)))


def test_a_port_inside_a_map_inside_a_map_is_probed():
    inner = NetGraph({"map": NetMapOperator(NetChain({"l": LinearLayer(3), "a": "Tanh"}))}, [])
    net = net_initialize(NetGraph({"outer": NetMapOperator(inner)}, [], Input=(2, "n", 4)), seed=0)
    x = torch.randn(3, 2, 5, 4)
    w = net.compile().state_dict()
    expected = torch.nn.functional.linear(x, w["outer.net.map.net.l.Weights"], w["outer.net.map.net.l.Biases"])
    torch.testing.assert_close(net(x, outputs=NetPort(("outer", "net", "map", "net", "l", "Output"))), expected)


def _fold():
    cell = NetGraph({"cat": CatenateLayer(), "lin": LinearLayer(3)},
                    [([NetPort("State"), NetPort("Input")], "cat"), ("cat", "lin")])
    return NetGraph({"fold": NetFoldOperator(cell)}, [], Input=("n", 2))


@pytest.mark.parametrize(("net", "path", "why"), [
    (_fold(), ("fold", "net", "lin"), "once per sequence element"),
    (NetGraph({"nest": NetNestOperator(NetChain({"l": LinearLayer(4), "a": "Tanh"}), 2)}, [], Input=4),
     ("nest", "net", "l"), "n times per example"),
    (NetGraph({"bi": NetBidirectionalOperator(NetChain({"r": BasicRecurrentLayer(3)}))}, [], Input=(3, 2)),
     ("bi", "backward_net", "r"), "the other over it reversed"),  # each once, not several times
])
def test_a_port_inside_another_operator_is_refused_saying_why_and_what_to_do(net, path, why):
    with pytest.raises(WiringError) as info:
        net(torch.zeros(1, 4) if "nest" in path else torch.zeros(1, 3, 2), outputs=NetPort((*path, "Output")))
    message = str(info.value)
    assert net.layers[path[0]].type_name in message and "net_extract(net, " + repr(path[:2]) + ")" in message
    assert why in message and "gives out" in message and "cannot be probed or wired" in message
    net_extract(net, path[:2])  # the net it names is there


def test_a_missing_inner_layer_names_what_is_there(mapped):
    with pytest.raises(WiringError, match=r"layer 'map/net' has no layer 'x'.*\['l', 'a'\]"):
        mapped(torch.zeros(1, 2, 4), outputs=NetPort(("map", "net", "x", "Output")))
    with pytest.raises(WiringError, match=r"has no inner net 'nett'.*did you mean 'net'"):
        mapped(torch.zeros(1, 2, 4), outputs=NetPort(("map", "nett", "l", "Output")))


def test_a_fold_inside_a_map_is_named_by_its_path_from_the_net_asked():
    net = NetGraph({"map": NetMapOperator(_fold())}, [], Input=("m", "n", 2))
    path = ("map", "net", "fold", "net", "lin")
    with pytest.raises(WiringError) as info:
        net(torch.zeros(1, 2, 3, 2), outputs=NetPort((*path, "Output")))
    assert "net_extract(net, ('map', 'net', 'fold', 'net'))" in str(info.value)
    assert info.value.diagnostics[0].layer == path
    net_extract(net, path[:4])  # the net it names is there
