"""A classifier ported from torch ends in logits and trains with CrossEntropyLossLayer(..., logits=True): Accuracy,
Perplexity and the other classification metrics fit its output, read through softmax (sigmoid for "Binary") as its
loss reads it, where they were refused as metrics of "a regression output"."""

from __future__ import annotations

import math

import torch

from netgraph import CrossEntropyLossLayer, LinearLayer, NetChain, net_train


def _data(seed: int, count: int = 96):
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(count, 2, generator=g)
    return x, (x[:, 0] > 0).long() + (x[:, 1] > 0).long()


def test_classification_metrics_fit_a_logits_output_with_its_logits_loss():
    x, y = _data(0)
    vx, vy = _data(1, 64)
    r = net_train(NetChain([LinearLayer(3)], input=2), {"Input": x, "Target": y},
                  loss_function=CrossEntropyLossLayer("Index", logits=True), metrics=["Accuracy", "Perplexity"],
                  validation_set={"Input": vx, "Target": vy}, max_training_rounds=3, learning_rate=0.05,
                  random_seed=0, all=True)
    scores = r.training_net(vx)  # the final net, which the last validation measured
    accuracy = (scores.argmax(-1) == vy).float().mean().item()
    perplexity = math.exp(torch.nn.functional.cross_entropy(scores, vy).item())
    assert abs(r.validation_metrics["Accuracy"][-1] - accuracy) < 1e-6
    assert abs(r.validation_metrics["Perplexity"][-1] - perplexity) < 1e-4 * perplexity


def test_binary_metrics_read_binary_logits_through_a_sigmoid():
    x, y = _data(0)
    vx, vy = _data(1, 64)
    t, vt = (y > 0).float()[:, None], (vy > 0).float()[:, None]
    r = net_train(NetChain([LinearLayer(1)], input=2), {"Input": x, "Target": t},
                  loss_function=CrossEntropyLossLayer("Binary", logits=True), metrics=["Accuracy"],
                  validation_set={"Input": vx, "Target": vt}, max_training_rounds=2, random_seed=0, all=True)
    accuracy = ((r.training_net(vx) > 0).float() == vt).float().mean().item()
    assert abs(r.validation_metrics["Accuracy"][-1] - accuracy) < 1e-6


def test_net_measurements_reads_logits_as_net_train_does():
    from netgraph.train import net_measurements
    x, y = _data(0)
    trained = net_train(NetChain([LinearLayer(3)], input=2), {"Input": x, "Target": y},
                        loss_function=CrossEntropyLossLayer("Index", logits=True), max_training_rounds=2, random_seed=0)
    measured = net_measurements(trained, {"Input": x, "Target": y}, ["Accuracy", "Perplexity"],
                                loss_function=CrossEntropyLossLayer("Index", logits=True))
    scores = trained(x)
    assert abs(measured["Accuracy"] - (scores.argmax(-1) == y).float().mean().item()) < 1e-6
    assert abs(measured["Perplexity"] - math.exp(torch.nn.functional.cross_entropy(scores, y).item())) < 1e-3


def test_classification_metrics_fit_a_probabilities_logits_output():
    """CrossEntropyLossLayer("Probabilities", logits=True) was still refused as "a regression output"."""
    x, y = _data(0)
    vx, vy = _data(1, 64)
    soft = lambda labels: 0.1 / 2 + 0.9 * torch.nn.functional.one_hot(labels, 3).float()  # smoothed labels
    r = net_train(NetChain([LinearLayer(3)], input=2), {"Input": x, "Target": soft(y)},
                  loss_function=CrossEntropyLossLayer("Probabilities", logits=True),
                  metrics=["Accuracy", "Perplexity"], validation_set={"Input": vx, "Target": soft(vy)},
                  max_training_rounds=3, learning_rate=0.05, random_seed=0, all=True)
    scores = r.training_net(vx)
    accuracy = (scores.argmax(-1) == vy).float().mean().item()
    perplexity = math.exp(-(soft(vy) * scores.log_softmax(-1)).sum(-1).mean().item())
    assert abs(r.validation_metrics["Accuracy"][-1] - accuracy) < 1e-6
    assert abs(r.validation_metrics["Perplexity"][-1] - perplexity) < 1e-4 * perplexity
