"""A sequence target whose length differs from its output's is refused before training, naming the data keys.

It used to reach the loss layer inside the training step that drew it, as "input ports 'Input' and 'Target' share
the length n (typed (n, 3) and (n))": the loss layer's own ports (its 'Input' is the net's output), mid-training."""

from __future__ import annotations

import re

import pytest
import torch

from netgraph import (DataError, EmbeddingLayer, GatedRecurrentLayer, LinearLayer, NetChain, NetMapOperator,
                      SoftmaxLayer, net_initialize, net_train)
from netgraph.train.loss import attach_losses

OPTIONS = dict(max_training_rounds=1, batch_size=4, random_seed=0, progress=False)
SAID = (r"input port 'Input' \(key 'Input'\) and target of output port 'Output' \({loss}; key 'Output' works "
        r"too\) \(key 'Target'\) share the length n, found {a} and {b}")


def _tagger(classes: bool = True) -> NetChain:
    head = [NetMapOperator(LinearLayer(3)), SoftmaxLayer()] if classes else [NetMapOperator(LinearLayer(1))]
    return NetChain([EmbeddingLayer(4, 6), GatedRecurrentLayer(4), *head], input=["n"])


def _refused_before_any_step(net: NetChain, data: dict, message: str) -> None:
    rounds = []
    with pytest.raises(DataError, match=message) as caught:
        net_train(net, data, **{**OPTIONS, "progress": lambda info: rounds.append(info["round"])})
    assert rounds == [] and "typed" not in str(caught.value)


def test_a_dense_sequence_target_one_short_is_refused_up_front():
    x = torch.randint(0, 6, (8, 5))
    _refused_before_any_step(_tagger(), {"Input": x, "Target": torch.randint(0, 3, (8, 4))},
                             SAID.format(loss="cross-entropy", a=5, b=4))
    _refused_before_any_step(_tagger(False), {"Input": x, "Target": torch.randn(8, 6, 1)},
                             SAID.format(loss="mean squared error", a=5, b=6))


def test_one_ragged_example_whose_target_is_longer_is_refused_up_front():
    g = torch.Generator().manual_seed(0)
    xs = [torch.randint(0, 6, (n,), generator=g) for n in (3, 4, 3, 5, 4, 3, 5, 4)]
    targets = [torch.randint(0, 3, (len(x),), generator=g) for x in xs]
    bad = [*targets[:-1], torch.randint(0, 3, (len(xs[-1]) + 1,), generator=g)]  # example 7: 4 tokens, 5 labels
    _refused_before_any_step(_tagger(), {"Input": xs, "Target": bad}, SAID.format(loss="cross-entropy", a=4, b=5))
    trained = net_train(_tagger(), {"Input": xs, "Target": targets}, **OPTIONS)  # the same lengths train
    assert [tuple(y.shape) for y in trained(xs[:2])] == [(3, 3), (4, 3)]


def test_a_validation_target_of_another_length_is_named_as_validation_data():
    x = torch.randint(0, 6, (8, 5))
    good = {"Input": x, "Target": torch.randint(0, 3, (8, 5))}
    with pytest.raises(DataError, match=re.escape("bad validation_set: ") + SAID.format(loss="cross-entropy", a=5,
                                                                                         b=3)):
        net_train(_tagger(), good, validation_set={"Input": x, "Target": torch.randint(0, 3, (8, 3))}, **OPTIONS)


def test_a_map_that_ends_in_a_softmax_gets_cross_entropy_on_class_indices():
    """A per-element classifier written the torch way, NetMapOperator([LinearLayer(3), SoftmaxLayer()]), got the
    mean squared error and refused class labels ('expected each example of shape (n, 3), found (5)'; found by QA
    writing a seq2seq spec): the map's output is the softmax's, per element, so its loss is the cross-entropy."""
    net = net_initialize(NetChain([EmbeddingLayer(4, 6), GatedRecurrentLayer(4),
                                   NetMapOperator([LinearLayer(3), SoftmaxLayer()])], input=["n"]), seed=0)
    x, y = torch.randint(0, 6, (8, 5)), torch.randint(0, 3, (8, 5))
    loss = attach_losses(net, None)
    assert loss.describe() == "cross-entropy on 'Output' vs key 'Target'"
    loss.targets({"Input": x, "Target": y})
    probabilities = net(x)
    per_example, _ = loss({"Output": probabilities}, {"Input": x, "Target": y})
    expected = -probabilities.gather(-1, y.unsqueeze(-1)).squeeze(-1).log().mean(1)
    torch.testing.assert_close(per_example, expected)
    results = net_train(net, {"Input": x, "Target": y}, **OPTIONS, metrics=["Accuracy"], all=True)
    assert 0 <= results.round_metrics["Accuracy"][0] <= 1  # a classifier's metric: refused on a regression
