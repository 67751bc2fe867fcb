"""net_replace_part applies its keys in order (netgraph's own rule): a key inside a layer an
earlier key puts in changes that new layer, a key replacing a layer drops the earlier ones inside it, a later key for
the same part wins, and the net is checked once with every change made (keys inside a replaced layer were an
OptionError, two keys for one part too, and a layer resized with its consumer's weights failed halfway). Also: a
shared array's value of another shape names the shared array beside its user."""

from __future__ import annotations

import pytest
import torch

from netgraph import (LinearLayer, NetChain, NetGraph, NetMapOperator, NetSharedArray, OptionError, ShapeError,
                      WiringError, net_initialize, net_replace_part)


def _chain():
    return net_initialize(NetChain({"a": LinearLayer(3), "b": LinearLayer(2)}, input=4), seed=0)


def _mapped():
    return NetGraph({"map": NetMapOperator(NetChain({"h": LinearLayer(8), "o": LinearLayer(2)}))}, [], Input=("n", 3))


def test_a_key_inside_a_layer_an_earlier_key_puts_in_changes_the_new_layer():
    w = torch.arange(12.0).reshape(3, 4)
    new = net_replace_part(_chain(), {"a": LinearLayer(3), ("a", "Weights"): w})
    assert torch.equal(new.layers["a"].arrays["Weights"], w) and new.layers["a"].arrays["Biases"] is None
    by_index = net_replace_part(_chain(), {1: LinearLayer(3), ("a", "Biases"): torch.ones(3)})
    assert torch.equal(by_index.layers["a"].arrays["Biases"], torch.ones(3))
    mapped = net_replace_part(_mapped(), {("map", "net"): NetChain({"h": LinearLayer(5), "o": LinearLayer(2)}),
                                          ("map", "net", "h"): LinearLayer(9)})
    assert mapped.layers["map"].net.layers["h"].output == (9,)


def test_a_later_key_replacing_a_layer_drops_the_earlier_keys_inside_it():
    new = net_replace_part(_chain(), {("a", "Weights"): torch.zeros(3, 4), "a": LinearLayer(3)})
    assert new.layers["a"].arrays["Weights"] is None
    mapped = net_replace_part(_mapped(), {("map", "net", "h"): LinearLayer(9), "map": NetMapOperator(LinearLayer(2))})
    assert "h" not in mapped.layers["map"].net.layers and mapped.output_shapes == {"Output": ("n", 2)}


def test_a_later_key_for_the_same_part_wins():
    chain = _chain()
    assert net_replace_part(chain, {"b": LinearLayer(2), 2: LinearLayer(5)}).output_shapes == {"Output": (5,)}
    assert net_replace_part(chain, {2: LinearLayer(5), "b": LinearLayer(2)}).output_shapes == {"Output": (2,)}
    new = net_replace_part(chain, {("b", "Biases"): torch.zeros(2), (2, "Biases"): torch.ones(2)})
    assert torch.equal(new.layers["b"].arrays["Biases"], torch.ones(2))


def test_a_layer_and_its_consumer_resized_together_are_checked_once_at_the_end():
    new = net_replace_part(_chain(), {"a": LinearLayer(6), ("b", "Weights"): torch.zeros(2, 6)})
    assert new.layers["a"].output == (6,) and new.layers["b"].arrays["Weights"].shape == (2, 6)
    resized = net_replace_part(_chain(), {"Input": 5, ("a", "Weights"): torch.zeros(3, 5)})
    assert resized.input_shapes == {"Input": (5,)} and resized.layers["a"].arrays["Weights"].shape == (3, 5)
    with pytest.raises((OptionError, ShapeError), match=r"^net_replace_part: .*'b'"):
        net_replace_part(_chain(), {"a": LinearLayer(6), ("b", "Weights"): torch.zeros(2, 5)})
    with pytest.raises(OptionError, match=r"array 'Weights': expected shape \(2, 3\), found \(2, 5\)"):
        net_replace_part(_chain(), {("b", "Weights"): torch.zeros(2, 5)})  # arrays alone: checked as before


@pytest.mark.parametrize("key", [NetSharedArray("w"), ("a", "Weights")])
def test_a_shared_array_of_another_shape_names_the_user_and_the_shared_array(key):
    """Found by QA (tester P): the error named user 'a' but not the shared array, which the README says it names."""
    w = NetSharedArray("w")
    net = NetGraph({"a": LinearLayer(3, weights=w), "b": LinearLayer(3, weights=w)}, [("a", "b")], Input=3)
    with pytest.raises(OptionError, match=r"'a' \(LinearLayer\) array 'Weights' \(the shared array "
                                          r"NetSharedArray\('w'\)\): expected shape \(3, 3\), found \(2, 3\)"):
        net_replace_part(net, {key: torch.zeros(2, 3)})


def _shared():
    w = NetSharedArray("w")
    net = NetGraph({"a": LinearLayer(3, weights=w), "b": LinearLayer(3, weights=w)}, [("a", "b")], Input=3)
    return net_initialize(net, seed=0)


@pytest.mark.parametrize("key", [NetSharedArray("w"), ("b", "Weights")])
@pytest.mark.parametrize("shared_first", [True, False])
def test_a_shared_arrays_values_skip_a_new_layer_that_does_not_share_it(key, shared_first):
    """Found by review R2: the shared array's values went into the new unshared 'a' too (its users were the old
    net's, whichever key came first)."""
    two = torch.full((3, 3), 2.0)
    keys = [(key, two), ("a", LinearLayer(3))]
    new = net_replace_part(_shared(), dict(keys if shared_first else keys[::-1]))
    assert new.layers["a"].arrays["Weights"] is None and new.layers["a"].shared == {}
    assert torch.equal(new.layers["b"].arrays["Weights"], two)


def test_a_shared_arrays_later_values_reach_a_new_layer_sharing_it():
    w, ones = NetSharedArray("w"), torch.ones(3, 3)
    new = net_replace_part(_shared(), {"a": LinearLayer(3, weights=w), NetSharedArray("w"): ones})
    assert torch.equal(new.layers["a"].arrays["Weights"], ones) and torch.equal(new.layers["b"].arrays["Weights"], ones)


def test_a_key_on_a_shared_array_of_a_new_layer_sets_it_in_every_user():
    """Found by review R2: the key was set in the new layer alone, so its users disagreed."""
    ones = torch.ones(3, 3)
    new = net_replace_part(_shared(), {"a": LinearLayer(3, weights=NetSharedArray("w")), ("a", "Weights"): ones})
    assert torch.equal(new.layers["a"].arrays["Weights"], ones) and torch.equal(new.layers["b"].arrays["Weights"], ones)


def test_an_error_inside_a_replaced_layer_names_that_layer():
    """Found by review R2: the error of a key inside a new layer had layer=() and no word of that layer."""
    with pytest.raises(WiringError, match=r"^net_replace_part: in the layer 'b': .*'Wieghts'") as caught:
        net_replace_part(_chain(), {"b": LinearLayer(2), ("b", "Wieghts"): torch.ones(2, 3)})
    assert caught.value.kind == "unknown-array" and caught.value.layer == ("b",)
