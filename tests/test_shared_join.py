"""net_join of nets holding a shared array of one name: the joined net shares it, and different values are named
as the user gave them, with the fixes that apply to a join."""

from __future__ import annotations

import pytest
import torch

from netgraph import LinearLayer, NetChain, NetSharedArray, net_join
from netgraph.core.errors import OptionError
from netgraph.core.shared import shared_values


def _chain(value: torch.Tensor, **options) -> NetChain:
    return NetChain([LinearLayer(3, weights=NetSharedArray("w", value), **options), "Tanh"])


def test_different_values_name_each_nets_layer_as_given_and_the_fixes_for_a_join():
    """It said "... in layer '1' (shape (3, 2)) and layer '3' ...; set it in every user with net_replace_part(...)":
    layer '3' is the second net's layer '1' after the join, and net_replace_part cannot apply to nets not joined."""
    with pytest.raises(OptionError) as info:
        net_join(_chain(torch.zeros(3, 2), input=2), _chain(torch.ones(3, 3)))
    message = str(info.value)
    assert message.startswith("net_join: shared array 'w' has different values in net 1 (layer '1', shape (3, 2)) "
                              "and net 2 (layer '1', shape (3, 3)); rename the shared array in one of them or give "
                              "both the same values")
    assert "net_replace_part" not in message and "'3'" not in message
    d = info.value.diagnostics[0]
    assert (d.kind, d.found) == ("shared-values", "w")


def test_a_layer_alone_is_named_by_its_type():
    with pytest.raises(OptionError, match=r"in net 1 \(layer '1', shape \(3, 2\)\) and net 2 \(LinearLayer, shape "
                                          r"\(3, 3\)\)"):
        net_join(_chain(torch.zeros(3, 2), input=2), LinearLayer(3, weights=NetSharedArray("w", torch.ones(3, 3))))


def test_the_same_values_or_one_given_join_into_one_shared_array():
    value = torch.arange(9.0).reshape(3, 3)
    joined = net_join(_chain(value, input=3), NetChain([LinearLayer(3, weights=NetSharedArray("w"))]))
    assert torch.equal(shared_values(joined)["w"], value) and torch.equal(joined.layers["3"].weights, value)
    square = torch.eye(3)
    joined = net_join(_chain(square, input=3), _chain(square.clone()))
    assert torch.equal(shared_values(joined)["w"], square)
