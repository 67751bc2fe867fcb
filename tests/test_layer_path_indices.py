"""Naming layers: 1-based indices in layer_types and layer_at paths (as in NetPort paths), a class for a layer."""

from __future__ import annotations

import pytest

from netgraph import (LinearLayer, NetChain, NetPort, WiringError, net_delete, net_extract, net_initialize, net_rename,
                      net_set_learning_rate_multipliers)


def _chain() -> NetChain:
    return NetChain([NetChain([4, "Tanh", NetChain([3, "Ramp"])]), 2], input=5)


def test_integer_path_parts_name_layers_by_position():
    net = _chain()
    assert net.layer_types((1, 3, 1)) == net.layer_types(("1", "3", "1"))
    assert net.layer_types(1) == net.layer_types("1")
    assert net.layer_at((1, 3, 2)) == net.layer_at(("1", "3", "2"))
    edited = net.replace_layers({(1, 3, 1): LinearLayer(6)})
    assert edited.layer_types((1, 3, 1))["Output"].shape == (6,)


def test_an_index_out_of_range_names_the_layers_there():
    with pytest.raises(WiringError, match=r"no layer at '1/9': layer '1' \(NetChain\) has no layer 9"):
        _chain().layer_types((1, 9))


def test_a_layer_class_given_for_a_layer_says_to_make_an_instance():
    from torch import nn

    from netgraph import NetGraphError
    for cls in (nn.ReLU, LinearLayer):
        with pytest.raises(NetGraphError, match=rf"a torch.nn.Module\): found .*{cls.__name__}'> \(a class: give an "
                                                rf"instance, {cls.__name__}\(...\)\)"):
            NetChain([cls], input=3)


def test_a_path_through_a_leaf_layer_says_it_holds_no_layers():
    net = NetChain([NetChain([LinearLayer(3), "Tanh"])], input=2)
    with pytest.raises(WiringError, match=r"no layer at '1/1/x': layer '1/1' \(LinearLayer\) holds no layers"):
        net.layer_types(("1", "1", "x"))


def test_integer_path_parts_name_layers_inside_an_operators_inner_chain():
    from netgraph import NetGraph, NetMapOperator, net_extract
    net = NetGraph({"map": NetMapOperator(NetChain([4, "Tanh", NetChain([3, "Ramp"])]))}, [], Input=("n", 5))
    assert net.layer_at(("map", "net", 3, 1)) == net.layer_at(("map", "net", "3", "1")) == LinearLayer(3)
    assert net_extract(net, ("map", "net", 3, 1)) == LinearLayer(3, input=4)  # the input it has there
    assert net.layer_types((1, "net", 2))["Output"].shape == (4,)
    with pytest.raises(WiringError, match=r"no layer at 'map/net/4': layer 'map/net' \(NetChain\) has no layer 4"):
        net.layer_at(("map", "net", 4))


def test_negative_indices_count_from_the_end_in_surgery_paths():
    """As Wolfram's Part (net[[-1]]) and the learning-rate keys ({-1: 0}) already did; surgery refused -1."""
    inner = NetChain([LinearLayer(4), "Tanh", LinearLayer(4)])
    net = net_initialize(NetChain([inner, "Ramp", LinearLayer(2)], input=3), seed=0)
    assert net_extract(net, -1) is net.layers["3"]
    assert net_extract(net, (1, -1, "Weights")) is inner_weights(net)
    assert list(net_delete(net, (1, -1)).layers["1"].layers) == ["1", "2"]
    assert list(net_rename(net, {-2: "r"}).layers) == ["1", "r", "3"]
    assert net.layer_at((-3, -1)) is net.layers["1"].layers["3"]
    frozen = net_set_learning_rate_multipliers(net, {-1: 0, (1, 3): 0.5})  # -1 picks the last layer there too
    assert net_rename(frozen, {-1: "head"}).learning_rate_multipliers == {"head": 0.0, "1/3": 0.5}
    assert net_extract(frozen, -3).learning_rate_multipliers == {"3": 0.5}
    with pytest.raises(WiringError, match=r"no layer -4 in the net \(layers are numbered 1 to 3, or -1 for the last"):
        net_extract(net, -4)


def inner_weights(net):
    return net.layers["1"].layers["3"].arrays["Weights"]


def test_a_spec_of_the_wrong_kind_is_shown_once():
    """It read "found NetPort('Input') in NetPort('Input')" when the whole spec was the bad part."""
    with pytest.raises(WiringError, match=r"tuple path of those; found NetPort\('Input'\)$"):
        net_extract(NetChain([LinearLayer(2)], input=3), NetPort("Input"))


def test_layer_at_takes_a_name_or_index_alone():
    """A bare name was split into its characters ('enc' -> 'e/n/c') and a bare index was a TypeError."""
    net = NetChain({"enc": NetChain({"l1": LinearLayer(3)}), "act": "Tanh"}, input=4)
    assert net.layer_at("enc") is net.layers["enc"] and net.layer_at(1) is net.layers["enc"]
    assert net.layer_at(-1) is net.layers["act"] and net.layer_at([1, 1]) is net.layers["enc"].layers["l1"]
    with pytest.raises(WiringError, match="a layer path is a name, a 1-based index or a tuple of them, found float"):
        net.layer_at(1.5)
