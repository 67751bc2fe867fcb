"""``net(list_of_sequences, batch_size=k)`` pads each batch of k sequences to its own longest, not the whole list to
the longest of all: one long sequence no longer makes every batch as long (999 sequences of length 1 and one of
20000 padded to 1000 x 20000 with batch_size=10), and the results are those of one unbatched call."""

import pytest
import torch

from netgraph import (DataError, EmbeddingLayer, LinearLayer, NetChain, NetGraph, NetMapOperator, NetPort,
                      SequenceLastLayer, SequenceRestLayer, net_initialize)
from netgraph.backend import masks, padded_eval


@pytest.fixture
def padded_sizes(monkeypatch):
    """The shape of every tensor ``pad`` makes during the test."""
    shapes = []

    def spy(examples):
        data, lengths = masks.pad(examples)
        shapes.append(tuple(data.shape))
        return data, lengths
    monkeypatch.setattr(padded_eval, "pad", spy)
    return shapes


def _sequences(lengths, width=4):
    generator = torch.Generator().manual_seed(0)
    return [torch.randn(n, width, generator=generator) for n in lengths]


def test_each_batch_padded_to_its_own_longest(padded_sizes):
    net = net_initialize(NetChain([NetMapOperator(LinearLayer(8)), SequenceLastLayer()], Input=["n", 4]), seed=0)
    sequences = _sequences([1] * 29 + [500])
    batched = net(sequences, batch_size=10)
    assert padded_sizes == [(10, 1, 4), (10, 1, 4), (10, 500, 4)]
    padded_sizes.clear()
    whole = net(sequences)
    assert padded_sizes == [(30, 500, 4)]
    assert batched.shape == (30, 8) and torch.allclose(batched, whole, atol=1e-6)
    each = torch.stack([net(s) for s in sequences])
    assert torch.allclose(batched, each, atol=1e-6)


def test_sequence_outputs_joined_across_batches(padded_sizes):
    inner = NetGraph({"map": NetMapOperator(LinearLayer(3)), "rest": SequenceRestLayer(),
                      "last": SequenceLastLayer()}, [("map", "rest"), ("map", "last"), ("rest", NetPort("Rest")),
                                                     ("last", NetPort("Last"))], Input=["n", 2])
    net = net_initialize(inner, seed=1)
    sequences = _sequences([2, 7, 3, 9, 4], width=2)
    batched = net(sequences, batch_size=2)
    assert [s[1] for s in padded_sizes] == [7, 9, 4]
    whole = net(sequences)
    assert [r.shape[0] for r in batched["Rest"]] == [1, 6, 2, 8, 3]
    assert all(torch.allclose(a, b, atol=1e-6) for a, b in zip(batched["Rest"], whole["Rest"]))
    assert torch.allclose(batched["Last"], whole["Last"], atol=1e-6)


def test_an_error_in_a_later_batch_names_the_call_s_example():
    net = net_initialize(NetChain([EmbeddingLayer(3, 5), SequenceLastLayer()], Input=["n"]), seed=0)
    sequences = [torch.tensor([1, 2]), torch.tensor([2]), torch.tensor([1, 3, 2]), torch.tensor([9])]
    with pytest.raises(DataError) as caught:
        net(sequences, batch_size=2)
    assert [d.example for d in caught.value.diagnostics] == [3] and "at example 3" in str(caught.value)
