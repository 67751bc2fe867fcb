"""A run resumed watching another value than the checkpointed run (the loss, then a metric) judges its best round by
the value it watches, not by the earlier run's best loss."""

from __future__ import annotations

import math

import torch

from netgraph import LinearLayer, NetChain, SoftmaxLayer, net_train


def test_resumed_run_stopping_on_a_metric_ignores_the_saved_best_loss(tmp_path):
    """Resumed with training_stopping_criterion="F1" after a run watching the loss, the saved best (a loss near 1.1,
    compared as an F1 where higher is better) beat every F1: the best round stayed round 2, whose F1 is NaN."""
    g = torch.Generator().manual_seed(0)
    x, y = torch.randn(60, 3, generator=g), torch.randint(0, 3, (60,), generator=g)
    net = NetChain([LinearLayer(3), SoftmaxLayer()], input=3)
    common = dict(validation_set=(x[:20], y[:20]), batch_size=16, random_seed=0, progress=False, all=True,
                  checkpoint=str(tmp_path))
    net_train(net, (x[20:], y[20:]), metrics=["Accuracy"], max_training_rounds=2, **common)
    r = net_train(net, (x[20:], y[20:]), metrics=["F1"], max_training_rounds=4, resume=True,
                  training_stopping_criterion={"criterion": "F1", "patience": 10}, **common)
    f1 = r.validation_metrics["F1"]
    assert math.isnan(f1[0]) and math.isnan(f1[1])
    assert r.best_validation_round in (3, 4) and f1[r.best_validation_round - 1] == max(f1[2:])
