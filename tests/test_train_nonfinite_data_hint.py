"""A non-finite loss whose batch holds infinite data advises cleaning the data only (no learning rate makes it
finite); one from finite data advises a gentler training."""

from __future__ import annotations

import pytest
import torch

from netgraph import LinearLayer, NetChain, TrainingError, net_initialize, net_train


def _stopped(x, y, **options):
    net = net_initialize(NetChain([LinearLayer(1)], input=2), seed=0)
    with pytest.raises(TrainingError) as caught:
        net_train(net, {"Input": x, "Target": y}, progress=False, max_training_rounds=3, **options)
    d = caught.value.diagnostics[0]
    assert d.kind == "nonfinite-loss"
    return d


def test_infinite_input_data_is_advised_to_be_cleaned_not_a_smaller_learning_rate():
    d = _stopped(torch.tensor([[1.0, 2.0], [float("inf"), 0.0]] * 5), torch.ones(10, 1))
    assert d.hint.startswith("remove or fix the examples that hold NaN or infinities")
    assert "learning_rate" not in d.hint and "learning_rate" not in d.message


def test_finite_data_that_diverges_is_advised_a_smaller_learning_rate():
    x = torch.randn(10, 2, generator=torch.Generator().manual_seed(0)) * 1e18
    d = _stopped(x, torch.ones(10, 1), learning_rate=1e6, method="SGD")
    assert "a smaller learning_rate" in d.hint
