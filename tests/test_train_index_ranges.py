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
                                        r"(-1\.\.\d|\d\.\.10)$") as info:
        net_train(_tagger(), {"Input": data, "Target": torch.tensor([0, 1] * 4)}, **OPTIONS)
    assert "(batch 4)" not in str(info.value)


def test_the_smallest_embedding_an_input_feeds_bounds_it():
    net = NetGraph({"a": EmbeddingLayer(2, 5), "b": EmbeddingLayer(2, 3), "plus": TotalLayer(), "lin": LinearLayer(1)},
                   [(NetPort("Input"), ["a", "b"]), (["a", "b"], "plus"), ("plus", "lin")], Input="Integer")
    net_train(net, {"Input": torch.tensor([0, 1, 2, 1]), "Output": torch.rand(4, 1)}, **OPTIONS)  # in range: trains
    with pytest.raises(DataError, match=r"indices must lie in 0\.\.2 for layer 'b' \(EmbeddingLayer\), which embeds 3"):
        net_train(net, {"Input": torch.tensor([0, 1, 4, 1]), "Output": torch.rand(4, 1)}, **OPTIONS)
