"""NetTrainResults' learning_rate_multipliers listed the parameters only, while Information's
"ArraysLearningRateMultipliers" lists every array, a batch norm's moving mean and variance too (which rules can
freeze, as README's learning_rate_multipliers says, and which Wolfram counts among a net's arrays): both now list
every array with the rate training gave it."""

from __future__ import annotations

import pytest
import torch

from netgraph import BatchNormalizationLayer, LinearLayer, NetChain, net_set_learning_rate_multipliers
from netgraph.train import net_train


def _net():
    return NetChain({"lin": LinearLayer(2), "bn": BatchNormalizationLayer()}, input=3)


def _results(net, rules=None):
    g = torch.Generator().manual_seed(0)
    data = {"Input": torch.randn(8, 3, generator=g), "Target": torch.randn(8, 2, generator=g)}
    return net_train(net, data, max_training_rounds=1, progress=False, all=True, random_seed=0,
                     learning_rate_multipliers=rules)


@pytest.mark.parametrize("stored, given", [
    ({"bn/MovingMean": 0, "lin": 0.5}, None),
    (None, {"bn/MovingVariance": 0, "bn": 2}),
])
def test_results_list_every_array_as_information_does(stored, given):
    net = _net() if stored is None else net_set_learning_rate_multipliers(_net(), stored)
    results = _results(net, given)
    listed = results.learning_rate_multipliers
    assert results["ArraysLearningRateMultipliers"] == listed
    expected = net_set_learning_rate_multipliers(_net(), given) if given else net
    assert listed == {".".join(k): v for k, v in expected.information("ArraysLearningRateMultipliers").items()}
    assert {"bn.MovingMean", "bn.MovingVariance"} <= set(listed)
