"""net_replace_part with a key inside a layer another key replaces: found by QA (tester P), one of the two was lost
depending on the order ({("a", "Weights"): w, "a": layer} left a's Weights None, {"map": op, ("map", "net", "h"):
layer} dropped the h rule). Both orders are now one OptionError naming the two keys. Also: a shared array's value
of another shape names the shared array beside its user."""

from __future__ import annotations

import pytest
import torch

from netgraph import (LinearLayer, NetChain, NetGraph, NetMapOperator, NetSharedArray, OptionError, net_initialize,
                      net_replace_part)


def _chain():
    return net_initialize(NetChain({"a": LinearLayer(3), "b": LinearLayer(2)}, input=4), seed=0)


def _mapped():
    return NetGraph({"map": NetMapOperator(NetChain({"h": LinearLayer(8), "o": LinearLayer(2)}))}, [], Input=("n", 3))


@pytest.mark.parametrize("net, outer, inner", [
    (_chain(), ("a", LinearLayer(3)), (("a", "Weights"), torch.zeros(3, 4))),
    (_chain(), (1, LinearLayer(3)), (("a", "Biases"), torch.zeros(3))),
    (_mapped(), ("map", NetMapOperator(LinearLayer(2))), (("map", "net", "h"), LinearLayer(9))),
    (_mapped(), (("map", "net"), NetChain([LinearLayer(2)])), (("map", "net", "h"), LinearLayer(9))),
    (_chain(), ("b", torch.nn.Linear(3, 2)), (("b", "Weights"), torch.zeros(2, 3))),  # R4: a module or shorthand
    (_chain(), ("b", ["Tanh", LinearLayer(2)]), (("b", "Biases"), torch.zeros(2))),  # was no layer, then AttributeError
])
@pytest.mark.parametrize("inner_first", [False, True])
def test_a_key_inside_a_replaced_layer_is_refused_naming_both_keys(net, outer, inner, inner_first):
    changes = dict([inner, outer] if inner_first else [outer, inner])
    with pytest.raises(OptionError) as info:
        net_replace_part(net, changes)
    assert str(info.value).startswith(f"net_replace_part: keys {outer[0]!r} and {inner[0]!r} overlap")
    assert info.value.diagnostics[0].found == (outer[0], inner[0])


def test_keys_side_by_side_still_apply_together():
    new = net_replace_part(_chain(), {"b": LinearLayer(2), ("a", "Weights"): torch.zeros(3, 4)})
    assert torch.equal(new.layers["a"].arrays["Weights"], torch.zeros(3, 4))


@pytest.mark.parametrize("key", [NetSharedArray("w"), ("a", "Weights")])
def test_a_shared_array_of_another_shape_names_the_user_and_the_shared_array(key):
    """Found by QA (tester P): the error named user 'a' but not the shared array, which the README says it names."""
    w = NetSharedArray("w")
    net = NetGraph({"a": LinearLayer(3, weights=w), "b": LinearLayer(3, weights=w)}, [("a", "b")], Input=3)
    with pytest.raises(OptionError, match=r"'a' \(LinearLayer\) array 'Weights' \(the shared array "
                                          r"NetSharedArray\('w'\)\): expected shape \(3, 3\), found \(2, 3\)"):
        net_replace_part(net, {key: torch.zeros(2, 3)})
