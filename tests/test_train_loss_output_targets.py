"""A target for a plain output when the loss is the net's loss output(s) only (loss_function None or that port) is an
unread target naming the plain port and a dict of terms that trains both; a metric reading that target keeps it read."""

from __future__ import annotations

import pytest
import torch

from netgraph import DataError, KLDivergenceLayer, LinearLayer, NetGraph, NetPort, NormalDistribution, SoftmaxLayer
from netgraph import net_train
from tests.diagnostic_helpers import sole_diagnostic


def _softmax_and_kl():
    return NetGraph({"l": LinearLayer(3), "s": SoftmaxLayer(),
                     "k": KLDivergenceLayer(NormalDistribution("#mu", 1.0), NormalDistribution(0, 1))},
                    [("l", "s"), ("l", "k", NetPort("KL"))], Input=3)


def _data(key):
    g = torch.Generator().manual_seed(0)
    return {"Input": torch.randn(8, 3, generator=g), key: torch.softmax(torch.randn(8, 3, generator=g), -1)}


def _train(data, **options):
    return net_train(_softmax_and_kl(), data, **{"max_training_rounds": 1, "progress": False, **options})


@pytest.mark.parametrize("loss_function", ["KL", None])
@pytest.mark.parametrize("key", ["Target", "Output"])
def test_a_target_for_the_plain_output_beside_a_loss_output_is_an_unread_target(loss_function, key):
    d = sole_diagnostic(lambda: _train(_data(key), loss_function=loss_function), DataError)
    assert (d.kind, d.option, d.port, d.found) == ("unread-target", "loss_function", "Output", key)
    assert "loss_function={'KL': 1, 'Output': 1}" in d.message
    assert ("under key 'Output'" in d.message.split("1}")[-1]) == (key == "Target")


def test_the_suggested_loss_trains_both_outputs():
    trained = _train(_data("Output"), loss_function={"KL": 1, "Output": 1}, all=True)
    assert len(trained.round_losses) == 1 and torch.isfinite(torch.tensor(trained.round_losses)).all()


def test_a_metric_on_the_plain_output_reads_its_target():
    trained = _train(_data("Output"), metrics=["Output/Accuracy"], all=True)
    assert 0 <= trained.round_measurements["Accuracy"] <= 1
