"""Round trips: every registered layer through to_yaml/from_yaml, trained nets through save/load."""

from __future__ import annotations

import re

import pytest
import torch

from netgraph.layers import REGISTRY
from netgraph import DotLayer, ElementwiseLayer, LinearLayer, NetGraph, NetPort, SpecError, TorchLayer
from tests.layer_families.test_registry import SAMPLES

CONTAINERS = {"NetGraph", "NetChain"}
CODE_HOLDING = {"TorchLayer"}  # wraps a Python module: a spec cannot hold it


def _sample(name: str):
    if name in SAMPLES:
        return SAMPLES[name]
    return REGISTRY[name]()  # a layer without required options; fails loudly if it has some


@pytest.mark.parametrize("name", sorted(set(REGISTRY) - CONTAINERS - CODE_HOLDING))
def test_every_layer_type_round_trips_through_yaml(name):
    layer = _sample(name)
    net = NetGraph({"x": layer}, [])
    text = net.to_yaml()
    back = NetGraph.from_yaml(text)
    assert back == net, text
    assert back.layers["x"].options().keys() == layer.options().keys()
    assert back.to_yaml() == text  # a fixed point: writing again gives the same text


def test_the_samples_cover_the_registry():
    """Every registered type is exercised: a sample from the layer catalogue's tests, or its defaults."""
    for name in set(REGISTRY) - CONTAINERS:
        assert isinstance(_sample(name), REGISTRY[name])


def test_a_torch_layer_cannot_be_written():
    net = NetGraph({"t": TorchLayer(torch.nn.Linear(3, 2))}, [])
    with pytest.raises(SpecError, match=r"layer 't' option module= is a Python torch module \(Linear\), which a "
                                        r"spec cannot hold"):
        net.to_yaml()


def test_containers_round_trip():
    from netgraph import ElementwiseLayer, LinearLayer, NetChain, NetPort
    chain = NetChain({"enc": [4, "Tanh"], "dec": LinearLayer(3)}, input=5)
    assert NetGraph.from_yaml(chain.to_yaml()) == chain
    numbered = NetChain([LinearLayer(8), "Ramp", 2], Input=3)
    text = numbered.to_yaml()
    assert "type: NetChain" in text and NetGraph.from_yaml(text) == numbered
    graph = NetGraph({"inner": NetGraph({"a": ElementwiseLayer("Exp"), "b": "Tanh"},
                                        [(NetPort("x"), "a"), ("a", NetPort("y")), ("a", "b")], x=2),
                      "tail": NetChain({"enc": [4, "Tanh"], "dec": LinearLayer(2)}), "c": "Plus"},
                     [("inner", "c"), (NetPort("inner", "Output"), "tail"), ("tail", "c")], x=2)
    assert NetGraph.from_yaml(graph.to_yaml()) == graph


def test_graph_ports_named_like_layers_are_refused_clearly():
    from netgraph import LinearLayer, NetPort
    net = NetGraph({"a": LinearLayer(2), "b": LinearLayer(2)}, [("a", NetPort("b")), (NetPort("a", "Output"), "b")], Input=2)
    with pytest.raises(SpecError, match="graph port 'b' has the name of layer 'b'"):
        net.to_yaml()


def test_a_graph_port_renamed_like_a_layer_works_and_its_spec_names_both():
    """net_rename(net, {NetPort("Input"): NetPort("l1")}) gives a net that computes as before (NetGraph takes such
    ports too), but no spec can write it: an edge names the port and the layer by one name. It said "has the name of
    a layer (or None)", naming neither the layer nor, in its Diagnostic, the port."""
    import torch
    from netgraph import LinearLayer, NetPort, net_initialize, net_rename
    net = net_initialize(NetGraph({"l1": LinearLayer(3), "l2": LinearLayer(2)}, [("l1", "l2")], Input=4), seed=0)
    renamed = net_rename(net, {NetPort("Input"): NetPort("l1")})
    x = torch.randn(5, 4, generator=torch.Generator().manual_seed(0))
    assert renamed.input_ports == ("l1",) and torch.equal(renamed(l1=x), net(x))
    nested = NetGraph({"enc": renamed}, [])
    for value, layer in ((renamed, ("l1",)), (nested, ("enc", "l1"))):
        with pytest.raises(SpecError) as info:
            value.to_yaml()
        assert str(info.value).startswith("graph port 'l1' has the name of layer 'l1' (LinearLayer)")
        assert "(or None)" not in str(info.value)
        d = info.value.diagnostics[0]
        assert (d.kind, d.port, d.layer, d.found) == ("name-clash", "l1", layer, "l1")


def test_graph_input_order_survives_when_edges_mix_ports_and_threading():
    from netgraph import ElementwiseLayer, FunctionLayer, NetPort
    net = NetGraph({"a": ElementwiseLayer("Exp"), "f": FunctionLayer("#p * #q")},
                   [(NetPort("x"), NetPort("a", "Input")), (NetPort("y"), NetPort("f", "q")), ("a", "f")], x=2, y=2)
    assert net.input_ports == ("x", "y")
    back = NetGraph.from_yaml(net.to_yaml())
    assert back == net and back.input_ports == ("x", "y")


@pytest.mark.parametrize("name", ["None", " sp", "sp "])
def test_layer_names_an_edge_cannot_carry_are_refused_when_written(name):
    # Python accepts them; to_yaml and save wrote specs that failed to load (found by QA)
    net = NetGraph({name: LinearLayer(3), "z": ElementwiseLayer("Tanh")}, [(name, "z")], Input=2)
    with pytest.raises(SpecError, match=rf"layer {re.escape(repr(name))} is wired by an edge, which a spec could not read "
                                        r"back: .*rename it first \(net_rename\)"):
        net.to_yaml()


@pytest.mark.parametrize("name", ["a->b", "p,q", "[x]", "h[0]", "[", "]", "[a, b"])
def test_layer_names_with_brackets_commas_or_arrows_round_trip(name):
    """The reader reads an endpoint naming a layer exactly as that layer, so to_yaml writes these names too (it
    refused '[', ']' and ',')."""
    net = NetGraph({name: LinearLayer(3), "z": ElementwiseLayer("Tanh")}, [(name, "z")], Input=2)
    back = NetGraph.from_yaml(net.to_yaml())
    assert back == net and back.explicit_edges() == net.explicit_edges()


@pytest.mark.parametrize("name", ["a - b", "- x", "p -q - r"])
def test_layer_names_holding_a_yaml_item_dash_round_trip(name):
    """'a - b.Output' was refused as a '- ' YAML had joined to the edge above it, though 'a - b' names a layer."""
    net = NetGraph({name: LinearLayer(3), "z": ElementwiseLayer("Tanh")}, [(name, "z"), ("z", NetPort("Out"))],
                   Input=2)
    back = NetGraph.from_yaml(net.to_yaml())
    assert back == net and back.explicit_edges() == net.explicit_edges()


def test_a_layer_named_like_a_group_of_other_layers_round_trips():
    """Layers 'a', 'b' and '[a, b]' with a and b feeding a DotLayer: the two edges into it were written as the group
    '[a, b] -> d', which the reader reads as the layer '[a, b]' (an exact name wins); they are written one by one."""
    chain = ["[a, b]", "h[0]", "x, y", "[", "]"]
    layers = {"a": LinearLayer(2), "b": LinearLayer(2), **{n: LinearLayer(2) for n in chain}, "d": DotLayer()}
    edges = [(NetPort("Input"), NetPort(n, "Input")) for n in ("a", "b", chain[0])] + list(zip(chain, chain[1:])) + [
        ("a", NetPort("d", "Input1")), ("b", NetPort("d", "Input2")), ("]", NetPort("Chained")), ("d", NetPort("Dot"))]
    net = NetGraph(layers, edges, Input=2)
    back = NetGraph.from_yaml(net.to_yaml())
    assert back == net and back.explicit_edges() == net.explicit_edges()
    assert back.layers["d"].input_ports == ("Input1", "Input2") and "'[a, b] -> d'" not in net.to_yaml()


def test_floats_with_an_exponent_are_written_as_plain_yaml_floats():
    from netgraph import NetArrayLayer
    net = NetGraph({"a": NetArrayLayer(array=torch.tensor([1e-45, 1e20, 0.1, 3e-8]))}, [])
    text = net.to_yaml()
    assert "!!float" not in text and "[1.0e-45, 1.0e+20, 0.1, 3.0e-08]" in text  # it wrote !!float '1e-45'
    assert NetGraph.from_yaml(text) == net
