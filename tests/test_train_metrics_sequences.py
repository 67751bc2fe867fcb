"""Metrics on sequences of different lengths count each example's own positions, never padding: a class per position
(length buckets: dense batches), and a class per sequence from padded batches (the padded module masks the padding),
each against accuracy counted by hand from nets whose predictions are known by construction."""

from __future__ import annotations

import pytest
import torch

from netgraph import AggregationLayer, EmbeddingLayer, NetChain, SoftmaxLayer, net_measurements, net_train

#: token t -> a large score for class t % 3, so every prediction is known: argmax is t % 3
WEIGHTS = torch.eye(3)[torch.arange(10) % 3] * 5


def _per_position():
    return NetChain([EmbeddingLayer(3, 10, weights=WEIGHTS), SoftmaxLayer()], input=("n",))


def _per_sequence():
    """The class most of a sequence's tokens point to (the mean of their scores): padded batches, masked."""
    return NetChain([EmbeddingLayer(3, 10, weights=WEIGHTS), AggregationLayer("Mean", levels=[1]), SoftmaxLayer()],
                    input=("n",))


# Padding repeats a sequence's first element (``masks.pad``). Predicted per position: [0, 1], [2, 0, 1], [2, 0, 1, 2, 0];
# right: 1 + 2 + 2 = 5 of 10 positions. Padded to 5, each first token against its first target would count 5 more
# right: 10 of 15.
POSITIONS = ([[0, 1], [2, 3, 4], [5, 6, 7, 8, 9]], [[0, 0], [2, 0, 0], [2, 2, 2, 2, 2]], 5 / 10)
# Classes of the tokens: 0 1 1 -> 1; 2 2 2 0 0 -> 2; 0 1 1 -> 1; 0 0 2 -> 0: right 3 of 4. Padded to 5 (two more
# class-0 tokens), the first and third would point to class 0: right 1 of 4.
SEQUENCES = ([[0, 1, 4], [2, 2, 5, 0, 3], [3, 1, 4], [6, 0, 2]], [1, 0, 1, 0], 3 / 4)

CASES = [(_per_position, *POSITIONS), (_per_sequence, *SEQUENCES)]


def _data(inputs, targets):
    return {"Input": [torch.tensor(x) for x in inputs],
            "Target": [torch.tensor(y) for y in targets] if isinstance(targets[0], list) else torch.tensor(targets)}


@pytest.mark.parametrize("make, inputs, targets, accuracy", CASES)
def test_net_measurements_counts_only_each_sequences_own_positions(make, inputs, targets, accuracy):
    measured = net_measurements(make(), _data(inputs, targets), ["Accuracy", "ErrorRate"], batch_size=8)
    assert measured["Accuracy"] == pytest.approx(accuracy) and measured["ErrorRate"] == pytest.approx(1 - accuracy)


@pytest.mark.parametrize("make, inputs, targets, accuracy", CASES)
def test_net_train_metrics_count_only_each_sequences_own_positions(make, inputs, targets, accuracy):
    """A learning rate too small to move a prediction: the training and validation values are the hand-counted one."""
    data = _data(inputs, targets)
    r = net_train(make(), data, validation_set=data, metrics=["Accuracy"], max_training_rounds=1, batch_size=8,
                  learning_rate=1e-9, random_seed=0, progress=False, all=True)
    assert r.round_metrics["Accuracy"] == pytest.approx([accuracy])
    assert r.validation_metrics["Accuracy"] == pytest.approx([accuracy])
