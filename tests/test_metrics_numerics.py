"""Metrics against their definitions where torchmetrics' defaults gave other numbers."""

from __future__ import annotations

import pytest
import torch

from netgraph import LinearLayer, NetChain, net_initialize, net_measurements, net_train


def test_float64_mse_is_the_float64_loss():
    """Under working_precision="float64" MSE was summed in float32 (outputs and targets cast to float32): errors of
    1e-9 were rounded away, an MSE 70% off the float64 mean squared loss, which is the same mean."""
    net = net_initialize(NetChain([LinearLayer(1)], input=3), seed=0)
    x = torch.randn(50, 3, generator=torch.Generator().manual_seed(0))
    target = net(x).double() + 1e-9 * torch.randn(50, 1, generator=torch.Generator().manual_seed(1)).double()
    values = net_measurements(net, (x.double(), target), ["Loss", "MSE"], working_precision="float64", batch_size=7)
    assert values["MSE"] == pytest.approx(values["Loss"], rel=1e-9, abs=0)


def test_float64_training_rounds_measure_mse_in_float64():
    """Each round's validation MSE is that round's float64 validation loss (the states stay float64 after reset)."""
    x = torch.randn(50, 3, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    target = x.sum(-1, keepdim=True)
    r = net_train(NetChain([LinearLayer(1)], input=3), (x, target), metrics=["MSE"], working_precision="float64",
                  validation_set=(x[:20], target[:20]), max_training_rounds=3, learning_rate=0.0, random_seed=0,
                  progress=False, all=True)
    assert r.validation_metrics["MeanSquaredError"] == pytest.approx(r.validation_losses, rel=1e-9)
