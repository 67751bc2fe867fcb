"""Values that behave differently are not equal, and copies keep what makes them behave alike (QA of values):
class coders with bool labels against int ones."""

import statistics
import time

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


def _cpu_seconds(run, times: int = 5) -> float:
    start = time.process_time()
    for _ in range(times):
        run()
    return time.process_time() - start


def test_comparing_and_hashing_many_labels_costs_about_what_their_tuple_does():
    # each call built a tuple of (is-bool, label) pairs: 100k labels compared in ~80 ms against ~1 ms for the tuple
    labels = tuple(f"label-{i}" for i in range(100_000))
    a, b = ClassEncoder(labels), ClassEncoder(list(labels))
    assert a == b and hash(a) == hash(b)  # the bool positions are found once, here
    copy = tuple(list(labels))  # equal, not the same tuple
    ratios = []
    for _ in range(5):
        plain = _cpu_seconds(lambda: (labels == copy, hash(copy)))
        ratios.append(_cpu_seconds(lambda: (a == b, hash(a))) / max(plain, 1e-6))
    assert statistics.median(ratios) < 8
