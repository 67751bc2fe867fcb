"""Counts whose mean passes torch's int64 Poisson sampler, reachable only with the distribution checks off: torch drew
-2**63 (-9.2e18) for every one, so NegativeBinomialDistribution(n, p) with p = 0 (outside Wolfram's 0 < p <= 1,
mean n(1-p)/p = inf) and PoissonDistribution(inf) drew a negative count. Such a count now draws its mean: inf, the
limit, for an infinite one. With the checks on, the same values stay a DataError naming the parameter.

Below that torch's samplers drift too (Poisson from μ ≈ 1e14, Binomial from n ≈ 3e16 trials): such counts are drawn
by netgraph.layers.count_samplers, with Wolfram's mean, variance and score-function gradient.
"""

from __future__ import annotations

import math

import pytest
import torch

from netgraph import (BinomialDistribution, DataError, NegativeBinomialDistribution, NetGraph, PoissonDistribution,
                      RandomArrayLayer)


def _module(dist, checks):
    return NetGraph([RandomArrayLayer(dist)], [], x=4).compile(checks=checks)


@pytest.mark.parametrize("dist, value, drawn", [
    (NegativeBinomialDistribution(2.0, "#x"), 0.0, math.inf),
    (PoissonDistribution("#x"), math.inf, math.inf),
    (PoissonDistribution("#x"), 1e30, float(torch.tensor(1e30))),  # its mean, as float32 holds it
], ids=["NegativeBinomial-p0", "Poisson-inf", "Poisson-1e30"])
def test_a_count_beyond_torch_s_sampler_draws_its_mean_with_the_checks_off(dist, value, drawn):
    draws = _module(dist, False)(x=torch.full((3, 4), value))
    assert draws.shape == (3, 4) and (draws == drawn).all(), draws
    with pytest.raises(DataError) as info:
        _module(dist, True)(x=torch.full((3, 4), value))
    assert info.value.diagnostics[0].port == "x"


@pytest.mark.parametrize("dist, value, mean, variance", [
    (NegativeBinomialDistribution(2.0, "#x"), 0.25, 6.0, 24.0),  # n(1-p)/p, n(1-p)/p**2
    (PoissonDistribution("#x"), 3.0, 3.0, 3.0),
])
def test_counts_within_the_sampler_keep_their_distribution(dist, value, mean, variance):
    torch.manual_seed(0)
    draws = _module(dist, False)(x=torch.full((10_000, 4), value)).double()
    assert abs(float(draws.mean()) - mean) < 5 * math.sqrt(variance / draws.numel())
    assert bool((draws == draws.round()).all() and (draws >= 0).all())


def _float64_draws(dist, value, count=100_000):
    net = NetGraph([RandomArrayLayer(dist, output=1)], [], x=1)
    torch.manual_seed(0)
    return net(x=torch.full((count, 1), value, dtype=torch.float64), precision="float64").reshape(-1)


@pytest.mark.parametrize("dist, value, mean, variance", [
    (PoissonDistribution("#x"), 1e16, 1e16, 1e16),  # torch.poisson drew a variance 1.42 times μ
    (PoissonDistribution("#x"), 3e15, 3e15, 3e15),  # 0.83 times
    (BinomialDistribution("#x", 0.5), 1e17, 5e16, 2.5e16),  # torch.binomial: 1.12 times n p (1 - p)
    (BinomialDistribution("#x", 1e-6), 2.0 ** 53, 2.0 ** 53 * 1e-6, 2.0 ** 53 * 1e-6 * (1 - 1e-6)),  # 1.045 times
    (BinomialDistribution("#x", 1e-18), 1e19, 10.0, 10.0 * (1 - 1e-18)),  # its mean 12.7% low
    (BinomialDistribution(2.0 ** 50, "#x"), 1 - 2.0 ** -30, 2.0 ** 50 - 2.0 ** 20, 2.0 ** 20 * (1 - 2.0 ** -30)),
    (NegativeBinomialDistribution("#x", 0.5), 1e16, 1e16, 2e16),  # n(1-p)/p, n(1-p)/p**2: the Poisson part 1.42 times
], ids=["Poisson-1e16", "Poisson-3e15", "Binomial-1e17", "Binomial-2**53", "Binomial-1e19-small-p",
        "Binomial-2**50-p-near-1", "NegativeBinomial-1e16"])
def test_counts_beyond_torch_s_accurate_samplers_keep_wolfram_s_mean_and_variance(dist, value, mean, variance):
    """torch's Poisson sampler is off from μ ≈ 1e14, its binomial one from n ≈ 3e16 (2**53 at some p): from
    2**40 (Poisson) and 2**44 trials (Binomial) the counts are drawn otherwise (dist_discrete._counts)."""
    x = _float64_draws(dist, value)
    spread = math.sqrt(variance / x.numel())
    assert abs(float(x.mean()) - mean) < 5 * spread, (float(x.mean()) - mean) / spread
    # the sample variance's standard error: variance sqrt(2 / N) for near-normal counts, a little more at mean 10
    assert abs(float(x.var()) / variance - 1) < 5 * math.sqrt(2 / x.numel()) * (1.2 if variance < 100 else 1)
    assert bool((x == x.round()).all() and (x >= 0).all())
    if isinstance(dist, BinomialDistribution):
        assert bool((x <= (value if dist.args[1] != "#x" else dist.args[0])).all())


@pytest.mark.parametrize("dist, value, exact", [(PoissonDistribution("#x"), 1e16, 1.0),
                                                (BinomialDistribution(1e17, "#x"), 0.5, 1e17)],
                         ids=["Poisson", "Binomial"])
def test_the_score_function_gradient_of_the_mean_stays_exact_there(dist, value, exact):
    """d E[x] / dμ = 1 (Poisson), d E[x] / dp = n (Binomial): torch's draws gave 1.42 and 1.12 times it."""
    from netgraph.layers.estimators import surrogate_loss
    module = NetGraph([RandomArrayLayer(dist, output=1)], [], x=1).compile().double()
    x = torch.full((100_000, 1), value, dtype=torch.float64, requires_grad=True)
    torch.manual_seed(1)
    draws = module(x=x).reshape(-1)
    (surrogate_loss(module, draws).sum() + draws.sum()).backward()
    per_example = x.grad.reshape(-1) * x.shape[0] / exact  # one unbiased estimate each (the surrogate is a mean)
    assert abs(float(per_example.mean()) - 1) < 5 * float(per_example.std()) / math.sqrt(x.numel())
