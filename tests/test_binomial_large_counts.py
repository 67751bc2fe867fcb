"""Binomial draws of large counts in float32: torch's float32 binomial sampler (BTRS) loses precision from about
n = 1e8 on, so BinomialDistribution(1e8, 0.5) drew a variance of 3.1e7 for Wolfram's n p (1 - p) = 2.5e7 (60
standard errors off), and (2**40, 1e-6) a variance 11 times too large, its mean 10 standard errors low. The counts
are now drawn in float64 and returned in the layer's dtype.
"""

from __future__ import annotations

import math

import pytest
import torch

from netgraph import BinomialDistribution, NetGraph, RandomArrayLayer


@pytest.mark.parametrize("n, p", [(1e8, 0.5), (2.0 ** 40, 1e-6)], ids=["1e8", "2**40"])
def test_large_binomial_counts_have_wolfram_s_mean_and_variance_in_float32(n, p):
    torch.manual_seed(0)
    draws = NetGraph([RandomArrayLayer(BinomialDistribution(n, p), output=100_000)], []).compile()(batch_size=1)
    assert draws.dtype == torch.float32
    x = draws.double().reshape(-1)
    mean, variance = n * p, n * p * (1 - p)
    assert abs(x.mean().item() - mean) < 5 * math.sqrt(variance / x.numel())
    # the sample variance's standard error is about variance * sqrt(2 / N) (near-normal counts)
    assert abs(x.var().item() - variance) < 5 * variance * math.sqrt(2 / x.numel())
