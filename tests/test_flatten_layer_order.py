"""net_flatten keeps the order the layers were given in, each nested graph's layers in its place: flattening every
level put them in the order they compute in, so a graph with nothing nested changed (net[i] named other layers,
net_flatten(g) != g) and net_flatten(net) differed from net_flatten(net, levels=1) on a net nested one level."""

from __future__ import annotations

import pickle

import torch

from netgraph import LinearLayer, NetChain, NetGraph, net_flatten, net_initialize
from netgraph.core import nesting
from tests.test_net_take_nested_reads import skip_net


def test_a_nested_graphs_layers_take_its_place_in_the_given_order():
    net = skip_net()
    flat = net_flatten(net)
    assert list(flat.layers) == ["enc/l1", "enc/act", "enc/l2", "head", "add", "skip"]
    assert flat == net_flatten(net, levels=1)
    x = torch.randn(2, 3, generator=torch.Generator().manual_seed(0))
    torch.testing.assert_close(flat(x), net(x), rtol=0, atol=0)


def test_a_flat_graph_is_flattened_to_itself():
    graph = NetGraph({"add": "Plus", "a": LinearLayer(3), "b": LinearLayer(3)}, [(["a", "b"], "add")], Input=4)
    assert net_flatten(graph) == graph and list(net_flatten(graph).layers) == ["add", "a", "b"]


def test_a_line_given_out_of_order_still_becomes_a_chain_as_wolfram_s_does():
    graph = NetGraph({"b": LinearLayer(2), "y": NetChain({"a": LinearLayer(3)})}, [("y", "b")], Input=4)
    for flat in (net_flatten(graph), net_flatten(graph, levels=1)):
        assert isinstance(flat, NetChain) and list(flat.layers) == ["y/a", "b"]


def test_two_levels_flatten_alike_by_levels_or_all_at_once():
    inner = NetGraph({"q": LinearLayer(2), "p": LinearLayer(3)}, [("p", "q")])
    net = NetGraph({"y": LinearLayer(2), "mid": NetChain({"in": inner, "t": "Tanh"})}, [], Input=4)  # two branches
    assert list(net_flatten(net).layers) == ["y", "mid/in/q", "mid/in/p", "mid/t"]
    assert net_flatten(net) == net_flatten(net, levels=2)


def test_flattening_a_chain_builds_the_flat_chain_once(monkeypatch):
    """The flat layers were built as a NetGraph, then built again as a NetChain to see they were a line: each net
    built is one inference of its types."""
    net = net_initialize(NetChain({"enc": NetChain({"l1": LinearLayer(4), "act": "Tanh"}), "head": LinearLayer(2)},
                                  input=3), seed=0)
    calls, real = [], nesting.infer_net
    monkeypatch.setattr("netgraph.core.graph.infer_net", lambda built: calls.append(type(built)) or real(built))
    flat = net_flatten(net)
    assert isinstance(flat, NetChain) and list(flat.layers) == ["enc/l1", "enc/act", "head"]
    assert calls == [NetGraph]  # was [NetGraph, NetChain]
    built = NetChain(dict(flat.layers), input=3)
    assert flat == built and [str(e) for e in flat.edges] == [str(e) for e in built.edges] and flat.port_types == \
        built.port_types
    x = torch.randn(2, 3, generator=torch.Generator().manual_seed(0))
    torch.testing.assert_close(flat(x), net(x), rtol=0, atol=0)


def test_a_chain_flattened_from_a_graph_numbers_its_layers_in_the_chain_s_order():
    """The chain copied the graph's cached layer positions, so it described 'a' as its layer 2 and pickled them."""
    graph = NetGraph({"b": LinearLayer(3), "a": LinearLayer(4)}, [("a", "b")], Input=2)
    assert dict(graph.layer_positions) == {"b": 0, "a": 1}
    flat, built = net_flatten(graph), NetChain({"a": LinearLayer(4), "b": LinearLayer(3)}, input=2)
    assert isinstance(flat, NetChain) and list(flat.layers) == ["a", "b"]
    assert dict(flat.layer_positions) == {"a": 0, "b": 1}
    assert flat.describe((("a",), None)) == built.describe((("a",), None)) == "layer 1 'a' (LinearLayer)"
    assert dict(pickle.loads(pickle.dumps(flat)).layer_positions) == {"a": 0, "b": 1}
