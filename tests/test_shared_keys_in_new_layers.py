"""Keys for a shared array inside a layer an earlier key of one net_replace_part puts in (a new layer, a new operator)
are compared as every other key for that array is: two different values are one OptionError naming the user's keys,
None is the structured refusal, and one part named twice (by name and index) applies in order."""

from __future__ import annotations

import pytest
import torch

from netgraph import LinearLayer, NetChain, NetMapOperator, NetSharedArray, OptionError, net_replace_part
from tests.test_shared_array_keys import _mapped, _pair, _refused

ZEROS, ONES = torch.zeros(3, 3), torch.ones(3, 3)


def _new_map():
    w = NetSharedArray("w")
    return NetMapOperator(NetChain({"a": LinearLayer(3, weights=w), "b": LinearLayer(3, weights=w)}))


@pytest.mark.parametrize("other", [NetSharedArray("w"), ("map", "net", "b", "Weights")])
def test_keys_inside_a_new_operator_with_different_values_are_refused(other):
    """Found by review: inside a new NetMapOperator no key got the shared array's name (its ``shared`` is keyed by
    the dotted path "net.a.Weights"), so none was compared and the later won silently (weights all 1)."""
    error = _refused(_mapped(), {"map": _new_map(), ("map", "net", "a", "Weights"): ZEROS, other: ONES})
    assert error.kind == "option-value" and error.option == "w"
    assert error.found == (("map", "net", "a", "Weights"), other)
    edited = net_replace_part(_mapped(), {"map": _new_map(), ("map", "net", "a", "Weights"): ONES, other: ONES})
    assert torch.equal(edited["map", "net", "b", "Weights"], ONES)


def test_none_for_a_shared_array_inside_a_new_layer_is_the_structured_refusal():
    """Found by review: None there raised a raw TypeError (torch.equal of None) instead of the OptionError."""
    changes = {"a": LinearLayer(3, weights=NetSharedArray("w")), ("a", "Weights"): ZEROS, NetSharedArray("w"): None}
    error = _refused(_pair(), changes)
    assert error.kind == "option-value" and error.found is None
    assert str(error).startswith("net_replace_part: the shared array NetSharedArray('w') needs a numeric array")


def test_one_part_named_by_name_and_index_inside_a_new_layer_applies_in_order():
    """Found by review: refused as two values for one shared array, where the same pair without a new layer (and the
    docstring) say the later wins."""
    new_a = LinearLayer(3, weights=NetSharedArray("w"))
    edited = net_replace_part(_pair(), {"a": new_a, ("a", "Weights"): ZEROS, (1, "Weights"): ONES})
    assert all(torch.equal(edited[user, "Weights"], ONES) for user in ("a", "b"))


def test_the_error_names_the_users_keys_not_the_shared_array_they_became():
    """Found by review: it said "NetSharedArray('w') and ('b', 'Weights') give ..." for keys the user never wrote."""
    changes = {"a": LinearLayer(3, weights=NetSharedArray("w")), ("a", "Weights"): ZEROS, ("b", "Weights"): ONES}
    error = _refused(_pair(), changes)
    assert error.found == (("a", "Weights"), ("b", "Weights"))
    assert str(error).startswith("net_replace_part: ('a', 'Weights') and ('b', 'Weights') give the shared array "
                                 "NetSharedArray('w') different values (shapes (3, 3) and (3, 3))")
