"""Round trips: every registered layer through to_yaml/from_yaml, trained nets through save/load."""

from __future__ import annotations

import re

import pytest
import torch
import yaml

from netgraph.layers import REGISTRY
from netgraph import (DotLayer, ElementwiseLayer, LinearLayer, NetArrayLayer, NetChain, NetGraph, NetPort,
                      NetSharedArray, SpecError, TorchLayer)
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


def test_a_chain_reads_back_as_a_chain_equal_and_of_one_topology_hash(tmp_path):
    """== holds between a NetChain and the same NetGraph (graph.py's __eq__), so the class is checked too: a chain
    saved, or written to YAML, at the top, in a graph or in an operator reads back a NetChain."""
    from netgraph import NetChain, NetMapOperator, load, net_initialize, save
    chain = net_initialize(NetChain({"enc": LinearLayer(3), "act": "Tanh"}, Input=4), seed=0)
    graph = NetGraph({"c": chain, "t": "Ramp"}, [("c", "t")])
    mapped = NetChain([NetMapOperator(NetChain([LinearLayer(3), "Tanh"]))], Input=(5, 4))
    for net, inner in ((chain, lambda n: n), (graph, lambda n: n.layers["c"]), (mapped, lambda n: n.layers["1"].net)):
        save(net, tmp_path / "net.yaml")
        for back in (NetGraph.from_yaml(net.to_yaml()), load(tmp_path / "net.yaml")):
            assert type(inner(back)) is NetChain and back == net
            assert back.information("TopologyHash") == net.information("TopologyHash")


def test_graph_ports_named_like_layers_round_trip():
    """A graph port named like a layer was refused ('has the name of layer'): an edge names the port by the bare
    name and the layer as layer.Port, which the reader reads back so."""
    from netgraph import LinearLayer, NetPort
    net = NetGraph({"a": LinearLayer(2), "b": LinearLayer(2)}, [("a", NetPort("b")), (NetPort("a", "Output"), "b")], Input=2)
    text = net.to_yaml()
    assert "  - a -> b\n  - a -> b.Input\n" in text  # the graph port b, then the layer b
    back = NetGraph.from_yaml(text)
    assert back == net and back.output_ports == net.output_ports == ("Output", "b") and back.to_yaml() == text


def test_a_graph_port_renamed_like_a_layer_round_trips_nested_too(tmp_path):
    """net_rename(net, {NetPort("Input"): NetPort("l1")}) gives a net that computes as before (NetGraph takes such
    ports too), but no spec could write it ('graph port 'l1' has the name of layer 'l1''); its spec names the port
    'l1' and the layer 'l1.Input', alone and nested, and saved and loaded it computes the same."""
    import torch
    from netgraph import LinearLayer, NetPort, load, net_initialize, net_rename, save
    net = net_initialize(NetGraph({"l1": LinearLayer(3), "l2": LinearLayer(2)}, [("l1", "l2")], Input=4), seed=0)
    renamed = net_rename(net, {NetPort("Input"): NetPort("l1")})
    x = torch.randn(5, 4, generator=torch.Generator().manual_seed(0))
    assert renamed.input_ports == ("l1",) and torch.equal(renamed(l1=x), net(x))
    for value in (renamed, NetGraph({"enc": renamed}, [])):
        text = value.to_yaml()
        assert "- l1 -> l1.Input\n" in text and "- l1.Output -> l2\n" in text
        back = NetGraph.from_yaml(text)
        assert back.input_ports == value.input_ports and back.to_yaml() == text
        loaded = load(save(value, tmp_path / f"{len(value.layers)}.yaml"))
        assert loaded == value and torch.equal(loaded(l1=x) if value is renamed else loaded(x), renamed(l1=x))


def test_a_graph_port_named_like_a_layer_and_like_another_layer_s_port_is_still_refused():
    """Then a declared port connects to that layer port by name and a bare name in an edge is the layer: no edge
    could name the graph port."""
    from netgraph import FunctionLayer, NetPort
    net = NetGraph({"x": FunctionLayer("#a + 1"), "f": FunctionLayer("#x * #b")},
                   [(NetPort("x"), NetPort("x", "a")), ("x", NetPort("f", "b"))], x=3)
    with pytest.raises(SpecError) as info:
        net.to_yaml()
    assert str(info.value).startswith("graph port 'x' has the name of layer 'x' (FunctionLayer), and layer 'f' has a "
                                      "port 'x', so an edge in a spec could not tell the graph port from the layer")
    d = info.value.diagnostics[0]
    assert (d.kind, d.port, d.layer, d.found) == ("name-clash", "x", ("x",), "x")


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


def test_a_written_spec_names_a_graph_port_shared_with_a_layer_by_its_bare_name():
    """Was two errors: the declared port 'dense' unused (the bare name read as the layer) and a cycle."""
    net = NetGraph.from_yaml("netgraph: 1\nlayers:\n  dense: {type: LinearLayer, output: 2}\ninputs:\n  dense: 3\n"
                             "edges:\n  - dense -> dense.Input\n")
    assert net.input_ports == ("dense",) and net.port_types["dense"].shape == (3,)
    assert [(str(s), str(d)) for s, d in net.explicit_edges()] == [("NetPort('dense')", "NetPort('dense', 'Input')")]


def test_a_bare_name_is_the_layer_where_the_declared_port_connects_to_a_layer_port_by_name():
    net = NetGraph.from_yaml("netgraph: 1\nlayers:\n  x: {type: FunctionLayer, function: '#x + 1'}\n"
                             "  y: {type: ElementwiseLayer, function: Tanh}\ninputs:\n  x: 3\nedges:\n  - x -> y\n")
    assert [(str(s), str(d)) for s, d in net.explicit_edges()] == [("NetPort('x', 'Output')", "NetPort('y', 'Input')")]
    assert net.input_ports == ("x",) and NetGraph.from_yaml(net.to_yaml()) == net


def _every_value(dtype: torch.dtype) -> torch.Tensor:
    """Every value of a 16-bit float ``dtype`` but NaN (whose payloads YAML's .nan does not keep), by bit pattern."""
    values = torch.arange(-2**15, 2**15, dtype=torch.int32).to(torch.int16).view(dtype)
    return values[~torch.isnan(values)]


def _same_bits(a: torch.Tensor, b: torch.Tensor) -> bool:
    """Same dtype, shape and bits (-0.0 is not 0.0)."""
    bits = {2: torch.int16, 8: torch.int64}[a.element_size()]
    return a.dtype == b.dtype and a.shape == b.shape and torch.equal(a.view(bits), b.view(bits))


def test_a_float64_net_reads_back_equal_in_float64_and_writes_the_same_text():
    from netgraph import net_initialize
    net = net_initialize(NetChain([LinearLayer(2)], input=3), seed=0).compile().double().to_net()
    text = net.to_yaml()
    back = NetGraph.from_yaml(text)
    assert back == net and back.to_yaml() == text
    for key, array in net.arrays.items():
        assert back.arrays[key].dtype == torch.float64 and torch.equal(back.arrays[key], array)


@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16])
def test_every_16_bit_float_value_reads_back_bit_for_bit(dtype):
    values = _every_value(dtype)
    net = NetGraph({"a": NetArrayLayer(array=values)}, [])
    back = NetGraph.from_yaml(net.to_yaml())
    assert back == net and _same_bits(back.layers["a"].array, values)


def test_float64_values_of_every_magnitude_read_back_exactly():
    generator = torch.Generator().manual_seed(0)
    values = torch.randn(4000, dtype=torch.float64, generator=generator) \
        * 10.0 ** torch.randint(-300, 300, (4000,), generator=generator).double()
    values = torch.cat([values, torch.tensor([5e-324, 1.7976931348623157e308, -0.0, 1 / 3])])  # extremes, -0
    net = NetGraph({"a": NetArrayLayer(array=values)}, [])
    back = NetGraph.from_yaml(net.to_yaml())
    assert back == net and _same_bits(back.layers["a"].array, values)


def test_a_shared_float64_array_reads_back_shared_in_float64():
    weights = torch.tensor([[0.1, 1 / 3], [2 / 3, -1e-300]], dtype=torch.float64)
    net = NetGraph({"a": LinearLayer(2, weights=NetSharedArray("w", weights)), "b": LinearLayer(2, weights=
                    NetSharedArray("w"))}, [("a", "b")], Input=2)
    text = net.to_yaml()
    assert yaml.safe_load(text)["layers"]["a"]["weights"] == {
        "shared": "w", "array": [[0.1, 0.3333333333333333], [0.6666666666666666, -1e-300]], "dtype": "float64"}
    back = NetGraph.from_yaml(text)
    assert back == net and back.to_yaml() == text
    assert back.layers["b"].arrays["Weights"].dtype == torch.float64
    assert torch.equal(back.layers["b"].arrays["Weights"], weights)


def test_a_layer_s_repr_names_an_array_dtype_other_than_float32():
    small, large = torch.tensor([0.5], dtype=torch.float64), torch.zeros(7, dtype=torch.bfloat16)
    assert repr(NetArrayLayer(array=small)) == "NetArrayLayer(array=[0.5] (float64))"
    assert repr(NetArrayLayer(array=[0.5])) == "NetArrayLayer(array=[0.5])"  # a list is read as float32
    assert repr(NetArrayLayer(array=large)) == "NetArrayLayer(array=<array (7,) bfloat16>)"
    assert repr(NetArrayLayer(array=large.float())) == "NetArrayLayer(array=<array (7,)>)"


def test_an_initialised_operator_s_inner_net_shows_the_same_ports_after_yaml_and_save(tmp_path):
    from netgraph import NetMapOperator, load, net_initialize, net_replace_part, save
    net = net_initialize(NetGraph({"map": NetMapOperator(LinearLayer(2))}, [], Input=("n", 3)), seed=0)
    save(net, tmp_path / "m.yaml")
    for back in (NetGraph.from_yaml(net.to_yaml()), load(tmp_path / "m.yaml")):
        assert back == net and repr(back.layers["map"]) == repr(net.layers["map"])
    assert net.layers["map"].net.port_types["Input"].shape == (3,)  # the weights' input size, as built from them
    given = net_replace_part(NetGraph({"l": LinearLayer(2)}, []), {("l", "Weights"): torch.ones(2, 3)})
    assert given.port_types["Input"].shape == (3,)
    nested = net_initialize(NetGraph({"enc": NetGraph({"l": LinearLayer(2)}, [])}, [], Input=3), seed=0)
    assert repr(NetGraph.from_yaml(nested.to_yaml()).layers["enc"]) == repr(nested.layers["enc"])
    assert nested.layers["enc"].port_types["Input"].shape == (3,)
