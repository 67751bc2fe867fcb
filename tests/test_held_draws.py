"""Draws held at the dtype's smallest normal number by parameters above it (dist_held): a scale just above it
(Weibull(2, 1.2e-38) in float32 held 62% of its draws there, without a word) or a tiny shape at scale 1 (Gamma(0.005,
1) held 65%, Weibull(0.04, 1) 3%) is refused as a scale below it is, naming the exact bound holding at most 1%."""

from __future__ import annotations

import pytest
import torch

import netgraph.layers.distributions as D
from netgraph import DataError, NetGraph, OptionError, RandomArrayLayer
from netgraph.layers.dist_tensors import NORMAL_FLOOR

REFUSED = [(lambda: D.WeibullDistribution(2.0, 1.2e-38), "beta", ">= 1.18e-37", "62%"),
           (lambda: D.GammaDistribution(0.005, 1.0), "alpha", ">= 0.0531", "65%"),
           (lambda: D.WeibullDistribution(0.04, 1.0), "beta", ">= 1.04e+12", "3%"),
           (lambda: D.ChiSquareDistribution(0.01), "nu", ">= 0.107", "65%")]


@pytest.mark.parametrize("make,option,expected,share", REFUSED, ids=["Weibull-cliff", "Gamma-shape", "Weibull-shape",
                                                                     "ChiSquare"])
def test_parameters_above_the_smallest_normal_holding_many_draws_are_refused(make, option, expected, share):
    with pytest.raises(OptionError, match=f"{share} of draws would be held at float32's smallest normal") as info:
        make()
    diagnostic = info.value.diagnostics[0]
    assert (diagnostic.kind, diagnostic.option, diagnostic.expected) == ("option-value", option, expected)


def test_a_shape_at_a_slot_holding_many_draws_is_a_data_error_naming_its_port():
    net = NetGraph({"draw": RandomArrayLayer(D.GammaDistribution("#a", 1.0))}, [], a=())
    with pytest.raises(DataError, match="parameter alpha \\(shape\\) must be at least 0.0531 .* at port 'a'") as info:
        net({"a": torch.tensor([1.0, 0.005])})
    assert (info.value.kind, info.value.port, info.value.option, info.value.expected, info.value.found) == (
        "parameter-value", "a", "alpha", ">= 0.0531", pytest.approx(0.005))


@pytest.mark.parametrize("dist", [D.WeibullDistribution(2.0, 1.18e-37), D.GammaDistribution(0.0531, 1.0),
                                  D.InverseGammaDistribution(3.0, 9.89e-38)], ids=["Weibull", "Gamma", "InverseGamma"])
def test_the_stated_bound_holds_about_one_percent_of_draws(dist):
    """At the bound a refusal states, the draws held at the floor are 1% (within 4 standard errors, and not above
    1% by more: the bound is rounded to the side holding fewer)."""
    torch.manual_seed(0)
    n = 200_000
    draws = NetGraph([RandomArrayLayer(dist, output=n)], [])(batch_size=1)
    held = float((draws <= NORMAL_FLOOR[torch.float32]).double().mean())
    se = (0.01 * 0.99 / n) ** 0.5
    assert 0.01 - 6 * se < held < 0.01 + 4 * se
