"""Values that behave differently are not equal, and copies keep what makes them behave alike (QA of values):
class coders with bool labels against int ones, and ``dataclasses.replace`` of a layer that shares an array."""

import dataclasses

import pytest
import torch

from netgraph import (ClassDecoder, ClassEncoder, EmbeddingLayer, LinearLayer, NetChain, NetSharedArray,
                      net_initialize, net_replace_part)
from netgraph.core.errors import DataError


@pytest.mark.parametrize("coder", [ClassEncoder, ClassDecoder])
def test_bool_labels_are_not_int_labels(coder):
    assert coder([0, 1]) != coder([False, True])
    assert hash(coder([0, 1])) != hash(coder([False, True]))
    assert coder([False, True]) == coder([False, True]) and hash(coder([0, 1])) == hash(coder([0, 1]))
    assert coder(["a", "b"]) != coder(["b", "a"])


def test_nets_with_bool_and_int_labels_differ_as_they_behave():
    torch.manual_seed(0)
    ints = net_initialize(NetChain([EmbeddingLayer(2, 2)], input=ClassEncoder([0, 1])))
    bools = net_initialize(NetChain([EmbeddingLayer(2, 2)], input=ClassEncoder([False, True])))
    bools = net_replace_part(bools, {("1", "Weights"): ints["1"].arrays["Weights"]})
    assert bools(True).shape == (2,)
    with pytest.raises(DataError):
        ints(True)
    assert ints != bools


def _shared_pair():
    w = NetSharedArray("w")
    return net_initialize(NetChain({"a": LinearLayer(3, weights=w), "b": LinearLayer(3, weights=w)}, input=3))


def test_dataclasses_replace_keeps_a_shared_array_as_layer_replace_does():
    net = _shared_pair()
    layer = net["b"]
    replaced = dataclasses.replace(layer, biases=torch.ones(3))
    assert replaced.shared == {"Weights": "w"} and replaced == layer.replace(biases=torch.ones(3))
    assert len(list(net_replace_part(net, {"b": replaced}).compile().parameters())) == 3


def test_dataclasses_replace_of_a_shared_array_keeps_or_ends_sharing_as_layer_replace_does():
    layer = _shared_pair()["b"]
    for weights in (None, torch.zeros(3, 3)):
        assert dataclasses.replace(layer, weights=weights) == layer.replace(weights=weights)
    assert dataclasses.replace(layer, weights=None).shared == {}
    assert dataclasses.replace(layer, weights=torch.zeros(3, 3)).shared == {"Weights": "w"}
