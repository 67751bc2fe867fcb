"""Values that behave differently are not equal, and copies keep what makes them behave alike (QA of values):
class coders with bool labels against int ones."""

import pytest
import torch

from netgraph import ClassDecoder, ClassEncoder, EmbeddingLayer, NetChain, net_initialize, net_replace_part
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
