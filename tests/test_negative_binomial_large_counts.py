"""NegativeBinomial's log-mass at large counts (or a large n): its lgamma coefficient and x log(1 − p) without
cancellation, against exact values (closed forms for an integer n, exactly rounded sums of logs for a real one, and
scipy's digamma for the gradient)."""

from __future__ import annotations

import functools
import math

import numpy as np
import pytest
import torch
from scipy import special

from netgraph import NegativeBinomialDistribution
from netgraph.layers.dist_special import STIRLING_FROM, log_orderings


def _exact_log_mass_n3(x: float, p: float) -> float:
    """log P(X = x) for n = 3: C(x + 2, 2) p³ (1 − p)^x, all in float64 (x below 2**53: x + 1 and x + 2 exact)."""
    return math.log((x + 1) * (x + 2) / 2) + 3 * math.log(p) + x * math.log1p(-p)


def _held(v: float, dtype: torch.dtype) -> float:
    return float(torch.tensor(v, dtype=dtype))


COUNTS = [0.0, 1.0, 18.0, 19.0, 20.0, 21.0, 12345.0, 1e6, 2.0 ** 24 - 1, 2.0 ** 24]


@pytest.mark.parametrize("dtype, rtol", [(torch.float32, 1e-6), (torch.float64, 1e-14)])
def test_log_mass_of_n_3_and_p_1e_6_is_exact_up_to_2_to_the_24_in_both_dtypes(dtype, rtol):
    """float32 gave 21.55 for -25.65 at 2**24: its lgammas (2.6e8) are held to within 16, and 1 - p rounds."""
    p = _held(1e-6, dtype)
    got = NegativeBinomialDistribution(3, "#p").log_prob(torch.tensor(COUNTS, dtype=dtype), [3.0, p])
    want = torch.tensor([_exact_log_mass_n3(x, p) for x in COUNTS], dtype=torch.float64)
    torch.testing.assert_close(got.double(), want, rtol=rtol, atol=0)


@pytest.mark.parametrize("dtype, ps, rtol", [(torch.float32, [0.999, 0.99999, 1 - 2.0 ** -24], 1e-6),
                                             (torch.float64, [1 - 1e-9, 1 - 1e-12, 1 - 2.0 ** -53], 1e-13)])
def test_log_mass_for_p_near_1_is_exact(dtype, ps, rtol):
    """x log(1 - p) took log1p(-p (1 - eps)), adding about p eps to 1 - p: at p = 0.99999 in float32 and x = 1000 the
    log-mass was -11486.61 for -11498.44."""
    held = [_held(p, dtype) for p in ps]
    counts = [0.0, 1.0, 1000.0]
    for p in held:
        got = NegativeBinomialDistribution(3, "#p").log_prob(torch.tensor(counts, dtype=dtype), [3.0, p])
        want = torch.tensor([_exact_log_mass_n3(x, p) for x in counts], dtype=torch.float64)
        torch.testing.assert_close(got.double(), want, rtol=rtol, atol=0)


def test_log_mass_in_float64_is_exact_at_counts_float64_lgamma_cannot_resolve():
    counts = [1e12, 1e15, 2.0 ** 52]  # lgamma(1e15) is 3.3e16, held to within 4
    got = NegativeBinomialDistribution(3, 1e-9).log_prob(torch.tensor(counts, dtype=torch.float64))
    want = torch.tensor([_exact_log_mass_n3(x, 1e-9) for x in counts], dtype=torch.float64)
    torch.testing.assert_close(got, want, rtol=1e-14, atol=0)


@functools.lru_cache(maxsize=None)
def _coefficient(x: int, n: float) -> float:
    """lgamma(x + n) − lgamma(n) − lgamma(x + 1) = Σ_{k < x} log((n + k) / (k + 1)), each term to float64's rounding
    and summed exactly (math.fsum); scipy's betaln is off by up to 3e-11 relative at these counts."""
    k = np.arange(x, dtype=np.float64)
    return math.fsum(np.log1p((n - 1) / (k + 1)).tolist())


@pytest.mark.parametrize("dtype, rtol", [(torch.float32, 2e-6), (torch.float64, 1e-13)])
@pytest.mark.parametrize("n", [0.01, 0.5, 2.5, 19.5, 20.0, 37.25, 1e4 + 0.5])
def test_the_coefficient_for_real_n_is_exact_at_small_and_large_counts(n, dtype, rtol):
    counts = [0, 1, 5, 19, 20, 300, 10 ** 5, 10 ** 6]
    held = _held(n, dtype)
    got = log_orderings(torch.tensor(counts, dtype=dtype), torch.tensor(held, dtype=dtype))
    want = torch.tensor([_coefficient(x, held) for x in counts], dtype=torch.float64)
    torch.testing.assert_close(got.double(), want, rtol=rtol, atol=0)


@pytest.mark.parametrize("dtype, rtol", [(torch.float32, 1e-6), (torch.float64, 1e-13)])
def test_the_coefficient_at_a_large_n_and_small_counts_is_exact(dtype, rtol):
    """The mirror case: lgamma(x + n) − lgamma(n) with n = 1e8 cancelled as badly (x failures before the 1e8-th
    success: a NegativeBinomial with p near 1); for x = 3 it is log(n (n + 1) (n + 2) / 6)."""
    n = 1e8
    got = log_orderings(torch.tensor([0.0, 1.0, 3.0], dtype=dtype), torch.tensor(n, dtype=dtype))
    want = torch.tensor([0.0, math.log(n), math.log(n * (n + 1) * (n + 2) / 6)], dtype=torch.float64)
    torch.testing.assert_close(got.double(), want, rtol=rtol, atol=0)


@pytest.mark.parametrize("dtype, rtol", [(torch.float32, 1e-5), (torch.float64, 1e-12)])
def test_the_gradients_in_n_and_p_are_exact_at_large_counts(dtype, rtol):
    """d/dn = digamma(x + n) − digamma(n) + log p and d/dp = n/p − x/(1 − p), on both sides of STIRLING_FROM."""
    counts = [3.0, STIRLING_FROM - 1, STIRLING_FROM + 1, 1e6, 2.0 ** 24]
    x = torch.tensor(counts, dtype=dtype)
    n = torch.full((len(counts),), 2.5, dtype=dtype, requires_grad=True)
    p = torch.full((len(counts),), _held(1e-6, dtype), dtype=dtype, requires_grad=True)
    NegativeBinomialDistribution("#n", "#p").log_prob(x, [n, p]).sum().backward()
    held_p = float(p[0].detach())
    want_n = [float(special.digamma(c + 2.5) - special.digamma(2.5)) + math.log(held_p) for c in counts]
    want_p = [2.5 / held_p - c / (1 - held_p) for c in counts]
    torch.testing.assert_close(n.grad.double(), torch.tensor(want_n, dtype=torch.float64), rtol=rtol, atol=0)
    torch.testing.assert_close(p.grad.double(), torch.tensor(want_p, dtype=torch.float64), rtol=rtol, atol=0)


def test_certain_draws_at_p_1_keep_log_mass_0_and_a_finite_gradient():
    p = torch.ones(1, requires_grad=True)
    value = NegativeBinomialDistribution(2.5, "#p").log_prob(torch.zeros(1), [2.5, p])
    value.sum().backward()
    assert value.tolist() == [0.0] and p.grad.tolist() == [2.5]
