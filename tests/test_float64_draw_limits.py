"""A random layer's draws are bounded by the range of the dtype they are made in: a float64 module draws what only
overflows float32 (InverseGamma of shape 0.29 reaches 1e45); float32 still refuses it. The limits were float32's
whatever the module's dtype."""

from __future__ import annotations

import pytest
import torch

import netgraph.layers.distributions as D
from netgraph import DataError, ElementwiseLayer, LinearLayer, NetGraph, RandomArrayLayer, net_train

N = 20000


def refused_in_float32_drawn_in_float64(dist, value: float) -> torch.Tensor:
    """N float64 draws with slot value ``value``, which the float32 module refuses (as a parameter beyond ±1e38
    where float32 cannot hold it; checks on: compile)."""
    module = NetGraph({"draw": RandomArrayLayer(dist)}, [], x=()).compile(checks=True)
    with pytest.raises(DataError, match=r"layer 'draw'.*(beyond float32's range|overflow float32 beyond)"):
        module(x=torch.full((4,), value, dtype=torch.float64).clamp(max=1e38).float())
    torch.manual_seed(0)
    draws = module.double()(x=torch.full((N,), value, dtype=torch.float64))
    assert draws.dtype == torch.float64 and bool(torch.isfinite(draws).all())
    return draws


def assert_cdf(draws: torch.Tensor, points: list[float], cdf) -> None:
    """The draws' empirical CDF at ``points`` within 4 standard errors of ``cdf`` there."""
    for x in points:
        expected = float(cdf(torch.tensor(x, dtype=torch.float64)))
        found = float((draws <= x).double().mean())
        assert abs(found - expected) < 4 * (expected * (1 - expected) / N) ** 0.5 + 1e-9, (x, found, expected)


def test_inverse_gamma_of_small_shape_draws_in_float64():
    draws = refused_in_float32_drawn_in_float64(D.InverseGammaDistribution("#x", 1.0), 0.29)
    assert_cdf(draws, [0.5, 3.0, 1e3, 1e9, 1e30], lambda x: torch.special.gammaincc(torch.tensor(0.29), 1 / x))


def test_weibull_of_small_shape_draws_in_float64():
    draws = refused_in_float32_drawn_in_float64(D.WeibullDistribution("#x", 1.0), 0.01)
    assert_cdf(draws, [1e-30, 1.0, 1e20, 1e40], lambda x: 1 - torch.exp(-x ** 0.01))


@pytest.mark.parametrize("dist, value, scale, mean", [
    (D.ExponentialDistribution("#x"), 1e-40, 1e40, 1.0),  # rate 1e-40: draws of 1e40
    (D.GammaDistribution(2.0, "#x"), 1e37, 1e37, 2.0),  # draws up to 4e38
    (D.GammaDistribution(2.0, "#x"), 1e39, 1e39, 2.0),  # a parameter beyond ±1e38 (refused as 1e38 in float32)
], ids=["Exponential", "Gamma", "Gamma-scale-1e39"])
def test_large_draws_in_float64_have_their_mean(dist, value, scale, mean):
    draws = refused_in_float32_drawn_in_float64(dist, value)
    scaled = draws / scale
    assert abs(float(scaled.mean()) - mean) < 4 * float(scaled.std()) / N ** 0.5


def test_log_gamma_of_large_scale_draws_in_float64():
    draws = refused_in_float32_drawn_in_float64(D.LogGammaDistribution(2.0, "#x", 0.0), 5.0)
    exponents = torch.log1p(draws) / 5.0  # X = e^(5 G) - 1, G ~ Gamma(2, 1): mean 2, variance 2
    assert abs(float(exponents.mean()) - 2.0) < 4 * (2.0 / N) ** 0.5


def test_a_net_of_float64_precision_draws_them():
    net = NetGraph({"draw": RandomArrayLayer(D.InverseGammaDistribution("#a", 1.0))}, [], a=())
    draws = net({"a": torch.full((8,), 0.29, dtype=torch.float64)}, precision="float64")
    assert draws.dtype == torch.float64 and bool(torch.isfinite(draws).all())
    with pytest.raises(DataError, match=r"give draws up to about 1\.22e\+45, values beyond float32's range"):
        net({"a": torch.full((8,), 0.29)})


def test_float64_training_draws_them():
    net = NetGraph({"l": LinearLayer(1, input=2), "a": ElementwiseLayer("Exp"),
                    "r": RandomArrayLayer(D.InverseGammaDistribution("#p", 1.0))}, [("l", "a", "r")])
    data = {"Input": torch.randn(16, 2, generator=torch.Generator().manual_seed(0)), "Target": torch.ones(16, 1)}
    results = net_train(net, data, working_precision="float64", max_training_rounds=1, progress=False,
                        random_seed=0, all=True)  # an alpha of 0.13 (draws up to 4e97) stopped it
    assert len(results.round_losses) == 1


def test_float64_still_refuses_draws_past_its_range():
    net = NetGraph({"draw": RandomArrayLayer(D.InverseGammaDistribution("#x", 1.0))}, [], x=())
    with pytest.raises(DataError, match=r"beyond float64's range \(inf\); keep draws below 1e\+304"):
        net.compile(checks=True).double()(x=torch.full((4,), 0.002, dtype=torch.float64))

