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


def test_comparing_and_hashing_many_labels_finds_the_bool_positions_once_per_coder():
    # each call built a tuple of (is-bool, label) pairs (100k labels compared in ~80 ms); now the positions of bool
    # labels are found once per coder and kept, and a call compares the label tuples as they are
    labels = tuple(f"label-{i}" for i in range(100_000))
    a, b = ClassEncoder(labels), ClassEncoder(list(labels))
    assert a == b and hash(a) == hash(b)
    assert a.__dict__["_bool_positions"] == () and b.__dict__["_bool_positions"] == ()
    mixed = ClassEncoder([0, True])
    assert "_bool_positions" not in mixed.__dict__  # found when first compared, then kept
    assert mixed != ClassEncoder([0, 1]) and mixed.__dict__["_bool_positions"] == (1,)
