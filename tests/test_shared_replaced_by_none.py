"""A shared array replaced by None is no longer shared: the layer has its own array, uninitialised, as one never
shared (``AttentionLayer`` and ``LinearLayer`` kept the shared name with no value, so the layer still took the
shared array's value in a net). A value keeps the sharing (it is the shared array's); ``False`` at a removable array
(``biases=False``) leaves the array out and ends the sharing too (it was refused as an array of shape ())."""

from __future__ import annotations

import pytest
import torch

from netgraph import LinearLayer, NetGraph, NetSharedArray, OptionError, net_initialize, net_replace_part
from netgraph.core.errors import NetGraphError
from netgraph.core.options import removable_fields
from netgraph.core.shared import shared_users
from tests.test_layer_parity import EXAMPLES
from tests.test_shared_absent_arrays import EXAMPLE_ARRAYS, _shared_as_a_user_would

PLAIN = sorted((name, i, array) for name, examples in EXAMPLES.items() for i, e in enumerate(examples)
               for array, field in e.layer.settable_arrays.items() if "." not in field and name != "TorchLayer")


def _shared(name: str, index: int, array: str):
    """(the example's layer with ``array`` shared as "w", or None where its options leave that array out, the field)."""
    layer = EXAMPLES[name][index].layer
    field = layer.settable_arrays[array]
    try:
        return layer.replace(**{field: NetSharedArray("w")}), field
    except NetGraphError:
        return None, field  # AttentionLayer "Dot": no Weights (tests/test_shared_absent_arrays.py)


@pytest.mark.parametrize("name, index, array", PLAIN, ids=[f"{n}{i}-{a}" for n, i, a in PLAIN])
def test_every_array_of_every_type_replaced_by_none_is_its_own_again(name, index, array):
    layer, field = _shared(name, index, array)
    if layer is None:
        assert (name, array) == ("AttentionLayer", "Weights")
        return
    assert layer.shared == {array: "w"}
    unshared = layer.replace(**{field: None})
    assert unshared.shared == {} and unshared.arrays.get(array) is None
    net = NetGraph({"a": layer, "b": unshared, "c": layer}, [], **EXAMPLES[name][index].shapes)
    assert shared_users(net) == {"w": [(("a",), array), (("c",), array)]}


def test_the_layer_given_none_takes_no_value_from_the_shared_array():
    w = NetSharedArray("w", torch.ones(2, 2))
    net = net_initialize(NetGraph({"a": LinearLayer(2, weights=w), "b": LinearLayer(2, weights=w).replace(weights=None)},
                                  [("a", "b")], Input=2), seed=0)
    assert torch.equal(net.layers["a"].arrays["Weights"], torch.ones(2, 2))
    assert not torch.equal(net.layers["b"].arrays["Weights"], torch.ones(2, 2))  # drawn for b alone
    assert len(list(net.compile().parameters())) == 4


def test_a_value_keeps_the_sharing_and_a_new_name_replaces_it():
    layer = LinearLayer(2, weights=NetSharedArray("w"), input=2)
    assert layer.replace(weights=torch.ones(2, 2)).shared == {"Weights": "w"}
    assert layer.replace(weights=NetSharedArray("v")).shared == {"Weights": "v"}
    assert layer.replace(output=2).shared == {"Weights": "w"}


REMOVABLE = [(name, i, array) for name, i, array in PLAIN
             if EXAMPLES[name][i].layer.settable_arrays[array] in removable_fields(type(EXAMPLES[name][i].layer))]


@pytest.mark.parametrize("name, index, array", REMOVABLE, ids=[f"{n}{i}-{a}" for n, i, a in REMOVABLE])
def test_a_shared_removable_array_left_out_is_no_longer_shared(name, index, array):
    layer, field = _shared(name, index, array)
    removed = layer.replace(**{field: False})
    assert removed.shared == {} and array not in removed.arrays


def test_some_removable_arrays_are_tested():
    assert {"LinearLayer", "ConvolutionLayer"} <= {name for name, _, _ in REMOVABLE}


INNER = [(name, i, array) for name, i, array in EXAMPLE_ARRAYS if "." in array]


@pytest.mark.parametrize("name, index, array", INNER, ids=[f"{n}{i}-{a}" for n, i, a in INNER])
def test_an_operator_s_inner_shared_array_given_none_is_its_own_again(name, index, array):
    layer = _shared_as_a_user_would(EXAMPLES[name][index].layer, array)
    assert layer.shared == {array: "w"}
    unshared = layer.with_arrays({array: None})
    assert unshared.shared == {} and unshared.arrays[array] is None


def _two_users():
    w = NetSharedArray("w", torch.ones(2, 2))
    return NetGraph({"a": LinearLayer(2, weights=w), "b": LinearLayer(2, weights=NetSharedArray("w"))}, [("a", "b")],
                    Input=2)


def test_every_user_given_the_shared_array_without_values_clears_them_and_keeps_it_shared():
    net = _two_users()
    cleared = net_replace_part(net, {u: net.layers[u].replace(weights=NetSharedArray("w")) for u in ("a", "b")})
    assert shared_users(cleared) == {"w": [(("a",), "Weights"), (("b",), "Weights")]}
    assert [cleared.layers[u].arrays.get("Weights") for u in ("a", "b")] == [None, None]
    drawn = net_initialize(cleared, seed=3)
    assert torch.equal(drawn.layers["a"].arrays["Weights"], drawn.layers["b"].arrays["Weights"])
    assert not torch.equal(drawn.layers["a"].arrays["Weights"], torch.ones(2, 2))
    one = net_replace_part(net, {"a": net.layers["a"].replace(weights=NetSharedArray("w"))})  # takes b's back
    assert torch.equal(one.layers["a"].arrays["Weights"], torch.ones(2, 2))


def test_none_for_a_shared_array_is_refused_naming_the_shared_array_given():
    with pytest.raises(OptionError) as caught:
        net_replace_part(_two_users(), {NetSharedArray("w"): None})
    message = str(caught.value)
    assert message.startswith("net_replace_part: the shared array NetSharedArray('w') needs a numeric array")
    assert "layer 1" not in message and "layer.replace(weights=NetSharedArray('w')) for each" in message
    assert (caught.value.kind, caught.value.found) == ("option-value", None)
