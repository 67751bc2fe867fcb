"""A random layer's constants (its distribution's given parameters, the buffer that records the dtype its
Integer-port counts are cast to) are buffers so that casts follow them, but none is an array of the net: freezing a
net around a sampling layer kept the layer training (drawing, not its eval_mode mean), a rule naming the layer alone
was accepted, and the results listed 'r.slot_dtype'."""

from __future__ import annotations

import pytest
import torch

from netgraph import FunctionLayer, LinearLayer, NetPort, NetGraph, NormalDistribution, RandomArrayLayer, net_initialize, net_train
from netgraph.core.errors import OptionError
from netgraph.layers import random_module


def _net(distribution):
    if distribution.slots:
        inner = NetGraph({"l": LinearLayer(4, input=3), "r": RandomArrayLayer(distribution, eval_mode="mean")},
                         [("l", "r")])
    else:  # no slot: the layer's draws are added to the linear layer's outputs
        inner = NetGraph({"l": LinearLayer(4, input=3), "f": FunctionLayer("#a + #b"),
                          "r": RandomArrayLayer(distribution, output=4, eval_mode="mean")},
                         [("l", NetPort("f", "a")), ("r", NetPort("f", "b"))])
    return net_initialize(NetGraph({"enc": inner, "h": LinearLayer(1)}, [("enc", "h")]), seed=0)


def _train(net, rules, monkeypatch=None, seen=None):
    if seen is not None:
        forward = random_module.RandomModule.forward
        monkeypatch.setattr(random_module.RandomModule, "forward",
                            lambda self, *a, **k: (seen.append(self.training), forward(self, *a, **k))[1])
    x = torch.randn(16, 3, generator=torch.Generator().manual_seed(0))
    return net_train(net, {"Input": x, "Output": x[:, :1]}, max_training_rounds=1, batch_size=8, progress=False,
                     all=True, random_seed=0, learning_rate_multipliers=rules)


@pytest.mark.parametrize("distribution", [NormalDistribution("#m", 1.0), NormalDistribution(0.0, 1.0),
                                          NormalDistribution("#m", torch.ones(4))])
def test_a_frozen_sampling_layer_still_samples_while_the_net_trains(distribution, monkeypatch):
    seen: list[bool] = []
    _train(_net(distribution), {"enc": 0}, monkeypatch, seen)
    assert seen and all(seen)


@pytest.mark.parametrize("distribution", [NormalDistribution("#m", 1.0), NormalDistribution(0.0, 1.0)])
def test_a_rule_naming_only_a_sampling_layer_is_refused(distribution):
    with pytest.raises(OptionError, match="without arrays|matches no array"):
        _train(_net(distribution), {("enc", "r"): 0})


@pytest.mark.parametrize("distribution", [NormalDistribution("#m", 1.0), NormalDistribution(0.0, 1.0)])
def test_the_results_list_no_constant_of_a_sampling_layer(distribution):
    listed = _train(_net(distribution), None).learning_rate_multipliers
    assert set(listed) == {"enc.l.Weights", "enc.l.Biases", "h.Weights", "h.Biases"}
