"""Every error the layers package constructs names a kind (outside OTHER_SHARE, the files checked beside core/),
and a user reads the right one, with its option, expected and found values, from the errors it raises."""

from __future__ import annotations

import pytest
import torch
from torch import nn

import netgraph as ng
from netgraph.core.errors import OptionError
from netgraph.layers.dist_base import distribution_class
from netgraph.layers.estimators import surrogate_loss
from netgraph.layers.random_checks import set_distribution_checks
from netgraph.layers.recurrent_torch import recurrent_from_torch
from tests.test_error_kinds_calls import _unkinded

OTHER_SHARE = {"conv.py", "resize.py", "torch_layer.py", "random.py", "kl_divergence.py", "losses.py", "attention.py",
               "deconv.py"}


def test_every_layer_error_outside_the_other_share_names_a_kind():
    unkinded = {path: lines for path, lines in _unkinded("layers").items() if path.split("/")[-1] not in OTHER_SHARE}
    assert unkinded == {}


@pytest.mark.parametrize("make, kind, option, expected, found", [
    (lambda: distribution_class("NormalDistributon"), "unknown-distribution", None, None, "NormalDistributon"),
    (lambda: ng.NormalDistribution(mu=0, sigma=1), "layer-argument", "mu", None, "mu=0, sigma=1"),
    (lambda: ng.NormalDistribution(0, 1).mean(1, 2, 3), "layer-argument", None, (2,), 3),
    (lambda: ng.NormalDistribution("#mu", "#sigma").mean(), "layer-argument", None, "values for the slot parameters",
     None),
    (lambda: surrogate_loss(nn.Linear(1, 1), torch.zeros(3), reduction="max"), "option-value", "reduction",
     ("mean", "sum"), "max"),
    (lambda: surrogate_loss(nn.Linear(1, 1), torch.zeros(3, 2)), "option-value", "loss", "a 1-D float tensor (B,)",
     "shape (3, 2)"),
    (lambda: set_distribution_checks("yes"), "option-value", "enabled", (True, False, "auto"), "yes"),
    (lambda: recurrent_from_torch(nn.Linear(2, 3)), "option-value", "module", ("LSTM", "GRU", "RNN"), "Linear"),
    (lambda: recurrent_from_torch(nn.LSTM(4, 6, proj_size=2)), "option-value", "proj_size", 0, 2),
    (lambda: ng.FunctionLayer(lambda x: x, input={"y": 3}), "unknown-port", "input", ("x",), "y"),
    (lambda: ng.FunctionLayer(lambda x: x, outputs=["a", "a"]), "option-value", "outputs",
     "a list of distinct port names", ("a", "a")),
    # a limit the user may raise, not a bad value of n
    (lambda: ng.NetNestOperator(ng.NetNestOperator(ng.ElementwiseLayer("Ramp", input=3), 10**5), 10**5), "limit",
     "n", 10**6, 10**10),
])
def test_each_error_says_what_it_is(make, kind, option, expected, found):
    with pytest.raises(OptionError) as info:
        make()
    error = info.value
    assert (error.kind, error.option, error.found) == (kind, option, found)
    if expected is not None:
        assert error.expected == expected


def test_an_unknown_distribution_lists_the_known_ones():
    with pytest.raises(OptionError) as info:
        distribution_class("NormalDistributon")
    assert "NormalDistribution" in info.value.expected and "GammaDistribution" in info.value.expected


def _coin() -> nn.Module:
    return ng.NetGraph({"coin": ng.RandomArrayLayer(ng.BernoulliDistribution("#p"))}, [], p=()).compile()


def test_surrogate_loss_after_every_draw_was_freed_names_the_layer():
    module = _coin()
    rewards = torch.tensor([float(v) for v in module(p=torch.full((4,), 0.3, requires_grad=True)).tolist()])
    with pytest.raises(OptionError) as info:
        module.surrogate_loss(rewards)
    assert (info.value.kind, info.value.layer) == ("freed-draw", ("coin",))


def test_a_score_function_draw_under_vmap_says_what_it_is():
    module = _coin()
    with pytest.raises(OptionError) as info:
        torch.func.vmap(lambda p: module(p=p), randomness="different")(torch.full((3, 4), 0.3, requires_grad=True))
    assert (info.value.kind, info.value.layer, info.value.option) == ("torch-func-score", ("coin",), "estimator")
