"""net_train checks an input's indices against the EmbeddingLayer they feed before the first step, as it checks
class targets: one DataError naming the port and the layer, not a TrainingError from inside a batch."""

from __future__ import annotations

import pytest
import torch

from netgraph import (DataError, EmbeddingLayer, GatedRecurrentLayer, LinearLayer, NetChain, NetGraph, NetPort,
                      SequenceLastLayer, SoftmaxLayer, TotalLayer, net_train)

OPTIONS = dict(max_training_rounds=1, batch_size=2, random_seed=0)


def _tagger():
    return NetChain({"emb": EmbeddingLayer(4, 10), "gru": GatedRecurrentLayer(3), "last": SequenceLastLayer(),
                     "lin": LinearLayer(2), "p": SoftmaxLayer()}, input=["n"])


@pytest.mark.parametrize("ragged", [False, True])
@pytest.mark.parametrize("bad", [10, -1])
def test_indices_beyond_the_embedding_are_refused_before_any_step(ragged, bad):
    xs = torch.tensor([[1, 2]] * 8)
    xs[7, 1] = bad  # in the last batch
    data = [x[: 1 + i % 2] for i, x in enumerate(xs)] if ragged else xs
    if ragged:
        data[7] = xs[7]
    with pytest.raises(DataError, match=r"input port 'Input' \(key 'Input'\): indices must lie in 0\.\.9 for layer "
                                        r"'emb' \(EmbeddingLayer\), which embeds 10, found values in "
                                        r"(-1\.\.\d|\d\.\.10) at example 7$") as info:
        net_train(_tagger(), {"Input": data, "Target": torch.tensor([0, 1] * 4)}, **OPTIONS)
    assert "(batch 4)" not in str(info.value)


def test_the_smallest_embedding_an_input_feeds_bounds_it():
    net = NetGraph({"a": EmbeddingLayer(2, 5), "b": EmbeddingLayer(2, 3), "plus": TotalLayer(), "lin": LinearLayer(1)},
                   [(NetPort("Input"), ["a", "b"]), (["a", "b"], "plus"), ("plus", "lin")], Input="Integer")
    net_train(net, {"Input": torch.tensor([0, 1, 2, 1]), "Output": torch.rand(4, 1)}, **OPTIONS)  # in range: trains
    with pytest.raises(DataError, match=r"indices must lie in 0\.\.2 for layer 'b' \(EmbeddingLayer\), which embeds 3"):
        net_train(net, {"Input": torch.tensor([0, 1, 4, 1]), "Output": torch.rand(4, 1)}, **OPTIONS)


def _classifier():
    return NetChain([LinearLayer(3), SoftmaxLayer()], input=2)


def test_values_out_of_range_name_the_first_example_holding_them_and_how_many_do():
    """"found values in -1..5" named no example: among 60,000 labels, the bad one had to be searched for."""
    y = torch.tensor([0, 1, 2, 1] * 5)
    y[9], y[7] = -1, 5
    with pytest.raises(DataError, match=r"class indices must lie in 0\.\.2 \(the output has 3 classes\), found values "
                                        r"in -1\.\.5 at example 7 \(2 examples of 20\)$"):
        net_train(_classifier(), {"Input": torch.randn(20, 2), "Target": y}, **OPTIONS)
    binary = NetChain([LinearLayer(1), "LogisticSigmoid"], input=2)
    target = torch.full((6, 1), 0.5)
    target[4] = 1.5
    with pytest.raises(DataError, match=r"must lie in \[0, 1\], found values in \[0\.5, 1\.5\] at example 4$"):
        net_train(binary, {"Input": torch.randn(6, 2), "Target": target}, **OPTIONS)


def test_sequences_of_different_lengths_name_examples_by_their_index_in_the_data():
    ids = [torch.tensor([1, 2, 3][: 1 + i % 3]) for i in range(12)]
    ids[5], ids[10] = torch.tensor([1, 12, 3]), torch.tensor([11, 2])
    with pytest.raises(DataError, match=r"which embeds 10, found values in 1\.\.12 at example 5 \(and example 10\)$"):
        net_train(_tagger(), {"Input": ids, "Target": torch.tensor([0, 1] * 6)}, **OPTIONS)
