"""PaddingLayer with a method ("Fixed", "Reflected", "Periodic") only moves its input's values, as PartLayer and
SequenceReverseLayer do: an index range (Restricted, an encoder's) goes on past it to an EmbeddingLayer, which takes
its n from it and is checked against it. It stopped there (an EmbeddingLayer after it had no n)."""

from __future__ import annotations

import pytest
import torch

from netgraph import EmbeddingLayer, NetChain, PaddingLayer, Restricted, ShapeError, TokensEncoder, net_initialize
from netgraph.layers.resize import reflect_index

METHODS = ["Fixed", "Reflected", "Periodic"]


@pytest.mark.parametrize("method", METHODS)
def test_a_padding_method_passes_the_range_to_an_embedding(method):
    net = net_initialize(NetChain({"p": PaddingLayer([[1, 2]], padding=method), "e": EmbeddingLayer(3)},
                                  input=Restricted("Integer", 6, shape=("n",))), seed=0)
    assert net.layers["e"].n == 6
    weights = torch.as_tensor(net.layers["e"].weights)
    x = torch.tensor([[5, 0, 3, 2]])
    torch.testing.assert_close(net(x), weights[x[:, reflect_index(4, 1, 2, method)]])


@pytest.mark.parametrize("method", METHODS)
def test_a_padding_methods_output_keeps_the_range(method):
    net = NetChain([PaddingLayer([[1, 1]], padding=method)], input=Restricted("Integer", (2, 7), shape=(3,)))
    assert net.port_types["Output"].range == (2, 7)


@pytest.mark.parametrize("method", METHODS)
def test_an_embedding_too_small_for_the_range_past_a_padding_method_is_refused(method):
    with pytest.raises(ShapeError) as info:
        NetChain([PaddingLayer([[0, 1]], padding=method), EmbeddingLayer(2, 3)], input=TokensEncoder(list("abcde")))
    assert "the TokensEncoder gives indices 0 to 6, but layer '2' (EmbeddingLayer) takes n=3" in str(info.value)


def test_a_constant_padding_still_carries_no_range():
    net = NetChain([PaddingLayer([[1, 1]], padding=9)], input=Restricted("Integer", (2, 7), shape=(3,)))
    assert net.port_types["Output"].range is None
