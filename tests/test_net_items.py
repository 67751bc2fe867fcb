"""A net as a container of its layers, as torch's nn.Sequential and Wolfram's ``net[[i]]``: ``len(net)``, ``net[i]``
(from 0), ``net["name"]``, tuple paths, a chain's slices, iteration; and the errors for what a net does not have."""

from __future__ import annotations

import ast

import numpy
import pytest
import torch

from netgraph import (ElementwiseLayer, LinearLayer, NetChain, NetGraph, NetGraphError, NetMapOperator, WiringError,
                      net_drop, net_extract, net_initialize, net_take)


def nested():
    enc = NetChain({"l1": LinearLayer(8), "act": "Ramp"})
    return net_initialize(NetChain({"enc": enc, "head": LinearLayer(2)}, input=4), seed=0)


def chain():
    return net_initialize(NetChain([LinearLayer(8), "Ramp", LinearLayer(3), "Tanh"], input=4), seed=1)


def graph():
    return NetGraph({"a": LinearLayer(3), "b": ElementwiseLayer("Tanh"), "c": ElementwiseLayer("Sin")},
                    [("a", "b"), ("a", "c")], Input=2)


@pytest.mark.parametrize("make", [nested, chain, graph])
def test_len_indexes_and_iteration_follow_the_layers_in_order(make):
    net = make()
    names = list(net.layers)
    assert len(net) == len(names)
    assert list(net) == [net[i] for i in range(len(net))] == [net_extract(net, i + 1) for i in range(len(net))]
    assert [net[name] for name in names] == list(net)
    assert net[-1] == net[len(net) - 1] == net[names[-1]]
    assert net[numpy.int64(0)] == net[0]
    layers = [(net[i], n) for i, n in enumerate(names) if not isinstance(net.layers[n], NetGraph)]
    assert all(layer.replace(input=None) == net.layers[n] for layer, n in layers)  # the layer, with the input it has
    assert all(NetGraph(layer).input_shapes["Input"] == net.layer_types(n)["Input"].shape for layer, n in layers)
    assert list(reversed(net)) == list(net)[::-1]


def test_a_numbered_chain_is_indexed_from_0_and_its_names_from_1():
    net = chain()
    assert net[0] == net["1"] == net_extract(net, 1) == LinearLayer(8, weights=net_extract(net, (1, "Weights")),
                                                                      biases=net_extract(net, (1, "Biases")))
    assert net[1] == ElementwiseLayer("Ramp", input=8) and net[3] == net["4"] == ElementwiseLayer("Tanh", input=3)


def test_a_tuple_is_a_path_into_nested_nets_and_operators():
    net = nested()
    assert net[0, 0] == net[0][0] == net["enc", "l1"] == net_extract(net, ("enc", "l1"))
    assert net[0, -1] == ElementwiseLayer("Ramp", input=8)
    torch.testing.assert_close(net["enc", "l1", "Weights"], net_extract(net, ("enc", "l1", "Weights")))
    assert net["enc", "l1", "Weights"].shape == (8, 4)
    mapped = NetChain({"map": NetMapOperator(NetChain([LinearLayer(3), "Tanh"]))}, input=(5, 2))
    assert mapped["map", "net"] == net_extract(mapped, ("map", "net")) and mapped["map", "net"].input_shapes == {"Input": (2,)}
    assert mapped["map", "net", 1] == ElementwiseLayer("Tanh", input=3)


def test_a_nested_net_taken_out_by_index_runs_on_its_own():
    net = nested()
    x = torch.randn(5, 4)
    torch.testing.assert_close(net[1](net[0](x)), net(x))


def test_a_chains_slice_is_the_chain_of_those_layers():
    net = chain()
    x = torch.randn(6, 4)
    assert net[:] is net
    head, tail = net[:2], net[2:]
    assert list(head) == list(net)[:2] and list(tail) == list(net)[2:]
    assert isinstance(tail, NetChain) and tail.input_shapes == {"Input": (8,)} and list(tail.layers) == ["1", "2"]
    torch.testing.assert_close(tail(head(x)), net(x))
    assert net[1:-1] == net_drop(net_take(net, 3), [1])  # README's "layers m to n" of a chain
    torch.testing.assert_close(net[1:3](net[0](x)), net[:3](x))


@pytest.mark.parametrize("key, n", [(4, 4), (-5, 4), ((0, 2), 2)])
def test_an_index_out_of_range_names_the_range_and_the_layers(key, n):
    net = chain() if isinstance(key, int) else nested()
    with pytest.raises(IndexError) as info:
        net[key]
    error = info.value
    assert isinstance(error, WiringError)
    names = ["1", "2", "3", "4"] if n == 4 else ["l1", "act"]
    assert f"has {n} layers, at positions 0 to {n - 1} (or -{n} to -1 from the end" in str(error)
    assert f"its layers are {names}" in str(error)
    d = error.diagnostics[0]
    assert (d.kind, d.found, d.expected, d.layer) == ("layer-index", key if n == 4 else 2, (-n, n - 1),
                                                       () if n == 4 else ("enc",))


def test_a_long_nets_names_are_cut_in_the_message():
    net = NetChain([ElementwiseLayer("Tanh")] * 30, input=2)
    with pytest.raises(IndexError, match=r"positions 0 to 29 .* its layers are \['1', .* '20'\] \.\.\. \(30 in all\)"):
        net[30]


def test_an_unknown_name_suggests_one():
    with pytest.raises(WiringError, match=r"net\['hed'\]: the NetChain has no layer 'hed' \(did you mean 'head'\?\); "
                                          r"its layers are \['enc', 'head'\]"):
        nested()["hed"]


@pytest.mark.parametrize("key, words", [
    (1.5, "a layer is named by a layer's position (an int, from 0), its name, a tuple path of those, or a slice of a "
          "NetChain; found float 1.5"),
    (True, "found bool True"),
    ([0, 1], "found list [0, 1]"),
    ((), "names no layer"),
    (("head", 0), "layer 'head' is a LinearLayer, not a net: past it a path names an inner net or an array by its name"),
])
def test_a_key_that_names_no_layer_is_a_type_error_saying_what_does(key, words):
    with pytest.raises(TypeError) as info:
        nested()[key]
    assert isinstance(info.value, NetGraphError) and words in str(info.value)


@pytest.mark.parametrize("key, words", [
    (slice(None, None, -1), "chain[::-1]: a chain's slice takes consecutive layers in order (step 1), found step -1"),
    (slice(None, None, 2), "found step 2"),
])
def test_a_chain_slice_with_a_step_is_refused(key, words):
    with pytest.raises(NetGraphError) as info:
        chain()[key]
    assert words in str(info.value) and isinstance(info.value, TypeError)


def test_an_empty_chain_slice_is_refused():
    with pytest.raises(IndexError, match=r"chain\[3:1\] takes no layer of the chain's 4 \(positions 0 to 3\)"):
        chain()[3:1]


def test_a_netgraphs_layers_are_not_sliced():
    with pytest.raises(NetGraphError, match=r"net\[0:2\]: a NetGraph's layers are wired by edges, not in sequence.* "
                                            r"net_take\(net, outputs\).*net_drop\(net, layers\)"):
        graph()[0:2]


@pytest.mark.parametrize("make", [nested, graph])
def test_in_is_refused_with_what_to_ask_instead(make):
    net = make()
    for item in ("enc", net[0]):
        with pytest.raises(NetGraphError, match=r"`name in net.layers` for a layer's name, `layer in list\(net\)`"):
            item in net
    assert net[0] in list(net) and "a" in graph().layers


@pytest.mark.parametrize("key, layer_ref", [(0, "1"), (-1, "-1"), ("act", "'act'")])
def test_assigning_or_deleting_an_item_as_on_nn_sequential_names_the_surgery(key, layer_ref):
    """Found by QA with torch habits: chain[0] = layer and del chain[0] (nn.Sequential's) were Python's TypeError
    'object does not support item assignment', naming no way to edit the net."""
    from netgraph import net_delete, net_replace_part
    chain = NetChain({"lin": LinearLayer(3), "act": "Tanh"}, input=2)
    with pytest.raises(WiringError) as info:
        chain[key] = "Ramp"
    assert isinstance(info.value, TypeError) and str(info.value) == (
        f"a net is a frozen value, not edited in place: net_replace_part(net, {{{layer_ref}: new_layer}}) returns the "
        f"net with it (surgery counts layers from 1, as Wolfram; net[0] is layer 1)")
    with pytest.raises(WiringError) as info:
        del chain[key]
    assert isinstance(info.value, TypeError) and str(info.value) == (
        f"a net is a frozen value, not edited in place: net_delete(net, {layer_ref}) returns the net without it "
        f"(surgery counts layers from 1, as Wolfram; net[0] is layer 1)")
    ref = ast.literal_eval(layer_ref)  # the reference the message shows does what it says
    assert net_replace_part(chain, {ref: "Ramp"})[key].function == "Ramp"
    assert len(net_delete(chain, ref)) == 1
