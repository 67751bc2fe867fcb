"""Found by QA: an infinite validation loss was a baseline. A relative improvement threshold from it was NaN (inf -
0.01 * inf), so no later round improved and patience stopped training while the loss fell; and a run whose every
validation loss was infinite called round 1 the best, returning its net. A NaN or infinite loss is never the best."""

from __future__ import annotations

import math

import pytest
import torch

from netgraph import LinearLayer, NetChain, net_train
from netgraph.train.stopping import Stopping
from netgraph.train.validation_nonfinite import NonfiniteValidationLoss


def _train(validation_input: float, rounds: int, criterion=None):
    """y = 3x trained towards 0 on x ~ N(0, 1); validated on x = ``validation_input`` (1e19: (3e19)^2 overflows
    float32 until the weight shrinks below about 0.6)."""
    x = torch.randn(64, 1, generator=torch.Generator().manual_seed(0))
    validation = {"Input": torch.full((8, 1), validation_input), "Target": torch.zeros(8, 1)}
    with pytest.warns(NonfiniteValidationLoss):
        return net_train(NetChain([LinearLayer(1, weights=[[3.0]], biases=[0.0])], Input=1),
                         {"Input": x, "Target": torch.zeros(64, 1)}, validation_set=validation, method="SGD",
                         learning_rate=0.2, batch_size=64, max_training_rounds=rounds,
                         training_stopping_criterion=criterion, random_seed=0, progress=False, all=True)


@pytest.mark.parametrize("relative", [0.01, 0.0])
def test_a_relative_threshold_after_infinite_losses_counts_the_first_finite_one(relative):
    results = _train(1e19, 12, {"patience": 3, "improvement": ("relative", relative)})
    losses = results.validation_losses
    finite = [v for v in losses if math.isfinite(v)]
    assert losses[:2] == [math.inf, math.inf] and len(finite) == 10
    assert all(later < earlier * (1 - relative) for earlier, later in zip(finite, finite[1:]))  # every round improves
    assert results.reason_training_stopped == "MaxTrainingRounds" and results.total_rounds == 12
    assert results.best_validation_round == 12


def test_no_infinite_validation_loss_is_the_best():
    results = _train(1e30, 4)
    assert results.validation_losses == [math.inf] * 4
    assert results.best_validation_round == 4  # none compared: the last round's net, as README says
    trained, final = (net.layers["1"].arrays["Weights"] for net in (results.trained_net, results.training_net))
    assert torch.equal(trained, final)


@pytest.mark.parametrize("best, new, improved", [
    (math.inf, 1e37, True), (None, math.inf, False), (None, math.nan, False), (1.0, math.inf, False),
    (math.nan, 2.0, True), (1.0, 0.995, False), (1.0, 0.98, True),
])
def test_improved_never_takes_a_nonfinite_loss_as_best_or_baseline(best, new, improved):
    assert Stopping(improvement=("relative", 0.01)).improved(best, new) is improved
