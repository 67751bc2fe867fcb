"""Counts whose mean passes torch's int64 Poisson sampler, reachable only with the distribution checks off: torch drew
-2**63 (-9.2e18) for every one, so NegativeBinomialDistribution(n, p) with p = 0 (outside Wolfram's 0 < p <= 1,
mean n(1-p)/p = inf) and PoissonDistribution(inf) drew a negative count. Such a count now draws its mean: inf, the
limit, for an infinite one. With the checks on, the same values stay a DataError naming the parameter.
"""

from __future__ import annotations

import math

import pytest
import torch

from netgraph import DataError, NegativeBinomialDistribution, NetGraph, PoissonDistribution, RandomArrayLayer


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
