"""Wolfram's ErrorRate measurement (the share of examples whose class is wrong, 1 - Accuracy): found by QA as
'unknown metric ErrorRate', though Wolfram's NetTrain shows it for every classifier."""

from __future__ import annotations

import pytest
import torch

from netgraph import ElementwiseLayer, LinearLayer, NetChain, SoftmaxLayer, net_train
from netgraph.train.loss import attach_losses
from netgraph.train.metrics import Meter, maximize, parse_metrics, plan_metrics


def _measure(net, names, outputs, targets):
    meter = Meter(plan_metrics(net, attach_losses(net, None), parse_metrics(names)))
    meter.update("train", {"Output": outputs[:3]}, {"Target": targets[:3]})
    meter.update("train", {"Output": outputs[3:]}, {"Target": targets[3:]})
    return meter.compute("train")


def test_error_rate_is_the_share_of_wrong_classes_over_the_round():
    probs = torch.softmax(torch.randn(11, 3, generator=torch.Generator().manual_seed(0)), -1)
    target = torch.tensor([0, 1, 2, 0, 1, 1, 0, 0, 1, 0, 2])
    found = _measure(NetChain([LinearLayer(3), SoftmaxLayer()], input=2), ["ErrorRate"], probs, target)
    assert found == {"ErrorRate": pytest.approx(float((probs.argmax(-1) != target).float().mean()), abs=1e-6)}


def test_binary_error_rate_thresholds_at_one_half():
    score = torch.tensor([0.9, 0.2, 0.7, 0.4, 0.6, 0.1])[:, None]
    target = torch.tensor([1.0, 0.0, 0.0, 1.0, 1.0, 0.0])[:, None]
    net = NetChain([LinearLayer(1), ElementwiseLayer("LogisticSigmoid")], input=2)
    assert _measure(net, ["error_rate", "Accuracy"], score, target) == pytest.approx(
        {"ErrorRate": 2 / 6, "Accuracy": 4 / 6}, abs=1e-6)


def test_early_stopping_on_error_rate_takes_lower_as_better():
    assert not maximize("ErrorRate") and maximize("Accuracy")
    g = torch.Generator().manual_seed(1)
    x = torch.randn(96, 2, generator=g)
    data = {"Input": x, "Target": (x[:, 0] > 0).long()}
    r = net_train(NetChain([LinearLayer(2), SoftmaxLayer()], input=2), data, validation_set=0.25,
                  training_stopping_criterion="ErrorRate", max_training_rounds=30, learning_rate=0.05, random_seed=0,
                  progress=False, all=True)
    errors = r.validation_metrics["ErrorRate"]
    assert r.best_validation_round == 1 + errors.index(min(errors))


def test_error_rate_and_accuracy_are_integer_counts_divided_once():
    """1 - a float32 accuracy had wrong digits past the 8th (1 - 0.6666666865 for 1/3 wrong): the counts are divided
    once, in float64, for binary and class-probability outputs alike."""
    probs = torch.tensor([[0.8, 0.2], [0.3, 0.7], [0.6, 0.4]] * 2)
    target = torch.tensor([0, 1, 1] * 2)
    classes = NetChain([LinearLayer(2), SoftmaxLayer()], input=2)
    binary = NetChain([LinearLayer(1), ElementwiseLayer("LogisticSigmoid")], input=2)
    for net, outputs, targets in ((classes, probs, target), (binary, probs[:, 1:], target[:, None].float())):
        assert _measure(net, ["ErrorRate", "Accuracy"], outputs, targets) == {"ErrorRate": 1 / 3, "Accuracy": 2 / 3}
