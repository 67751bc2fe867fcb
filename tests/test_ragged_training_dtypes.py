"""Ragged training data whose examples differ in dtype (ints and floats) is padded in the dtype they promote to:
an int example first no longer turns a later 0.75 into 0, nor hides a float index from the up-front check."""

from __future__ import annotations

import re

import pytest
import torch

from netgraph import (DataError, EmbeddingLayer, GatedRecurrentLayer, LinearLayer, NetChain, SequenceLastLayer,
                      SoftmaxLayer, net_train)
from netgraph.backend.masks import pad

OPTIONS = dict(max_training_rounds=2, batch_size=4, random_seed=0)


def test_pad_keeps_the_promoted_dtype_whatever_comes_first():
    x, lengths = pad([torch.tensor([[1], [2]]), torch.tensor([[0.75]])])
    assert x.dtype == torch.float32 and x[1, 0, 0] == 0.75 and lengths.tolist() == [2, 1]
    assert pad([torch.tensor([1, 2]), torch.tensor([3])])[0].dtype == torch.int64


def test_real_sequences_mixing_ints_and_floats_train_as_floats():
    net = NetChain([GatedRecurrentLayer(3), SequenceLastLayer(), LinearLayer(2), SoftmaxLayer()], input=("n", 1))
    g = torch.Generator().manual_seed(0)
    floats = [torch.rand(n, 1, generator=g) * 4 for n in (2, 1, 3, 2, 1, 3, 2, 2)]
    mixed = [x.round().long() if i % 2 == 0 else x for i, x in enumerate(floats)]  # ints (rounded) and floats
    target = torch.tensor([0, 1] * 4)
    trained = net_train(net, {"Input": mixed, "Target": target}, **OPTIONS)
    expected = net_train(net, {"Input": [x.float() for x in mixed], "Target": target}, **OPTIONS)
    a, b = trained.compile().state_dict(), expected.compile().state_dict()
    assert a.keys() == b.keys() and a
    for name in a:  # 0.75 reached the net as 0.75 in every batch, never truncated to 0
        assert torch.equal(a[name], b[name]), name


@pytest.mark.parametrize("where", range(8))
def test_a_float_index_among_int_sequences_is_refused_before_training(where):
    net = NetChain([EmbeddingLayer(4, 10), GatedRecurrentLayer(3), SequenceLastLayer(), LinearLayer(2), SoftmaxLayer()],
                   input=["n"])
    xs = [torch.tensor([1, 2]), torch.tensor([3])] * 4
    xs[where] = torch.tensor([1.5, 2.0][: len(xs[where])])
    with pytest.raises(DataError, match=r"input port 'Input'.*non-integer values") as info:
        net_train(net, {"Input": xs, "Target": torch.tensor([0, 1] * 4)}, **OPTIONS)
    assert not re.search(r"\(batch [2-9]", str(info.value))  # found before the first step, not when its batch came
