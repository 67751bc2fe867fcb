"""A net's ``arrays`` are its layers' by path (it answered {}), and ``with_arrays``/``replace`` on a net, or a
layer's ``with_arrays`` given a path or a number, are OptionErrors saying what to use (a raw TypeError, or hints
that named nothing a net has)."""

import pytest
import torch

from netgraph import LinearLayer, NetChain, NetGraph, NetSharedArray, net_initialize, net_replace_part
from netgraph.core.errors import OptionError


def _net():
    torch.manual_seed(0)
    return net_initialize(NetGraph({"n": NetChain({"a": LinearLayer(3)}), "b": LinearLayer(2)}, [("n", "b")],
                                   Input=2))


def test_a_nets_arrays_are_its_layers_by_path():
    net = _net()
    arrays = net.arrays
    assert list(arrays) == [("n", "a", "Weights"), ("n", "a", "Biases"), ("b", "Weights"), ("b", "Biases")]
    assert arrays[("n", "a", "Weights")] is net["n"]["a"].arrays["Weights"]
    assert net_replace_part(net, arrays) == net
    assert NetChain({"a": LinearLayer(3)}, input=2).arrays == {("a", "Weights"): None, ("a", "Biases"): None}


def test_a_nets_with_arrays_points_to_net_replace_part():
    net = _net()
    with pytest.raises(OptionError) as caught:
        net.with_arrays({"n.a.Weights": torch.zeros(3, 2)})
    assert caught.value.kind == "layer-argument" and caught.value.found == "n.a.Weights"
    assert "net_replace_part(net, {('n', 'a', 'Weights'): value})" in str(caught.value)
    assert net.with_arrays({}) is net


def test_a_nets_with_arrays_by_an_array_name_hints_a_path_that_net_replace_part_takes():
    net = net_initialize(NetChain({"a": LinearLayer(3), "b": "Tanh"}, input=4), seed=0)
    with pytest.raises(OptionError) as caught:
        net.with_arrays(Weights=torch.ones(3, 4))
    assert caught.value.hint == "net_replace_part(net, {('a', 'Weights'): value})"
    assert "net_replace_part(net, {('a', 'Weights'): value})" in str(caught.value)
    assert torch.equal(net_replace_part(net, {("a", "Weights"): torch.ones(3, 4)}).arrays[("a", "Weights")],
                       torch.ones(3, 4))


def test_a_nets_replace_points_to_surgery():
    net = _net()
    with pytest.raises(OptionError) as caught:
        net.replace(input=3)
    assert (caught.value.kind, caught.value.option) == ("layer-argument", "input")
    assert "net_replace_part" in str(caught.value) and "its options are []" not in str(caught.value)
    assert net.replace() is net


@pytest.mark.parametrize("key", [("a", "Weights"), 3])
def test_a_layers_array_given_by_a_path_or_a_number(key):
    layer = net_initialize(LinearLayer(3, input=2))
    with pytest.raises(OptionError) as caught:
        layer.with_arrays({key: torch.zeros(3, 2)})
    assert caught.value.kind == "layer-argument"
    assert repr(key) in str(caught.value) and "['Weights', 'Biases']" in str(caught.value)
    assert (caught.value.hint is not None) == isinstance(key, tuple)


def _shared_net():
    torch.manual_seed(0)
    w = NetSharedArray("w")
    return net_initialize(NetChain({"a": LinearLayer(3, weights=w), "b": LinearLayer(3, weights=w)}, input=3))


def test_a_shared_array_is_listed_once_so_an_edit_passed_back_is_kept():
    net = _shared_net()
    arrays = net.arrays
    assert list(arrays) == [("a", "Weights"), ("a", "Biases"), ("b", "Biases")]  # the first user holds it
    arrays[("a", "Weights")] = torch.ones(3, 3)
    edited = net_replace_part(net, arrays)
    for user in ("a", "b"):
        assert torch.equal(edited[user].arrays["Weights"], torch.ones(3, 3))


def test_two_values_for_one_shared_array_in_one_call_are_refused():
    net = _shared_net()
    same = net["a"].arrays["Weights"]
    assert net_replace_part(net, {("a", "Weights"): same, ("b", "Weights"): same.clone()}) == net  # equal: fine
    with pytest.raises(OptionError) as caught:
        net_replace_part(net, {("a", "Weights"): torch.ones(3, 3), ("b", "Weights"): same})
    message = str(caught.value)
    assert "('a', 'Weights')" in message and "('b', 'Weights')" in message and "'w'" in message
    assert caught.value.found == (("a", "Weights"), ("b", "Weights"))
    assert "net_replace_part: ('a', 'Weights') and" in message  # the function named once
    with pytest.raises(OptionError, match="different values"):  # one user by index, another by name
        net_replace_part(net, {(2, "Weights"): torch.ones(3, 3), ("a", "Weights"): same})
    last = net_replace_part(net, {("b", "Weights"): same, (2, "Weights"): torch.ones(3, 3)})  # one user twice
    assert torch.equal(last["a"].arrays["Weights"], torch.ones(3, 3))
