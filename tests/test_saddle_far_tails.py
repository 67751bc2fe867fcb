"""The saddle-point helpers far from the mode: deviance(x, m) where x/m rounds against 1 (below eps, above 1/eps) or
under- or overflows, and the log-masses, log-density and KLs built on it. Each case was NaN (a 0 · (−∞) in
m((1 + t) log1p(t) − t) at t = −1, log u = −∞ where u = s^γ underflowed) or lost a count to rounding (n + x − n in
float32). Values against mpmath (or the float64 value for float32 inputs), gradients against exact ones."""

from __future__ import annotations

import mpmath as mp
import pytest
import torch

from netgraph import (BinomialDistribution, GammaDistribution, LogGammaDistribution, NegativeBinomialDistribution,
                      PoissonDistribution)
from netgraph.layers.dist_special import deviance
from netgraph.layers.kl import KL_CLOSED_FORMS

F32, F64 = torch.float32, torch.float64


def _leaf(value, dtype):
    return torch.tensor(value, dtype=dtype, requires_grad=True)


def _exact(dtype, *values):
    """The values as the dtype holds them, as mpmath numbers."""
    return [mp.mpf(float(torch.tensor(v, dtype=dtype))) for v in values]


@pytest.mark.parametrize("dtype, x, m", [(F32, 1.0, 1e9), (F32, 1e9, 1.0), (F64, 1.0, 1e19), (F64, 1e19, 1.0),
                                         (F32, 1e-30, 1e20), (F32, 1e12, 25.0), (F64, 1e-200, 1e200)])
def test_deviance_where_x_over_m_rounds_against_one(dtype, x, m):
    xs, ms = _leaf(x, dtype), _leaf(m, dtype)
    got = deviance(xs, ms)
    got.backward()
    xe, me = _exact(dtype, x, m)
    scale = xe * abs(mp.log(xe / me)) + me + xe  # the terms' size: each rounds once or twice
    assert abs(got.item() - float(xe * mp.log(xe / me) + me - xe)) <= 3 * torch.finfo(dtype).eps * float(scale)
    torch.testing.assert_close(xs.grad.double(), torch.tensor(float(mp.log(xe / me)), dtype=F64), rtol=1e-6, atol=0)
    torch.testing.assert_close(ms.grad.double(), torch.tensor(float(1 - xe / me), dtype=F64), rtol=1e-6, atol=0)


@pytest.mark.parametrize("dtype, mu", [(F32, 1e11), (F64, 1e19)])
def test_poisson_log_mass_far_below_a_huge_mean(dtype, mu):
    mean = _leaf(mu, dtype)
    got = PoissonDistribution("#mu").log_prob(torch.tensor(300.0, dtype=dtype), [mean])
    got.backward()
    (m,) = _exact(dtype, mu)
    expected = 300 * mp.log(m) - m - mp.loggamma(301)
    assert abs(got.item() - float(expected)) <= 2 * torch.finfo(dtype).eps * abs(float(expected))
    torch.testing.assert_close(mean.grad.double(), torch.tensor(float(300 / m - 1), dtype=F64))


@pytest.mark.parametrize("dtype, n", [(F32, 1e9), (F64, 1e17)])
def test_binomial_log_mass_of_one_success_in_huge_n(dtype, n):
    p = _leaf(0.5, dtype)
    got = BinomialDistribution("#n", "#p").log_prob(torch.tensor(1.0, dtype=dtype), [torch.tensor(n, dtype=dtype), p])
    got.backward()
    (ne,) = _exact(dtype, n)
    expected = mp.log(ne) + ne * mp.log(0.5)
    assert abs(got.item() - float(expected)) <= 2 * torch.finfo(dtype).eps * abs(float(expected))
    torch.testing.assert_close(p.grad.double(), torch.tensor(float(1 / 0.5 - (ne - 1) / 0.5), dtype=F64))


@pytest.mark.parametrize("dtype, x", [(F32, 1e11), (F64, 1e19)])
def test_gamma_log_density_far_above_its_mode(dtype, x):
    alpha = _leaf(300.0, dtype)
    got = GammaDistribution("#a", "#b").log_prob(torch.tensor(x, dtype=dtype), [alpha, torch.tensor(1.0, dtype=dtype)])
    got.backward()
    (xe,) = _exact(dtype, x)
    expected = 299 * mp.log(xe) - xe - mp.loggamma(300)
    assert abs(got.item() - float(expected)) <= 2 * torch.finfo(dtype).eps * abs(float(expected))
    torch.testing.assert_close(alpha.grad.double(), torch.tensor(float(mp.log(xe) - mp.digamma(300)), dtype=F64))


def _gamma_kl(a1, s1, a2, s2):
    return (a1 - a2) * mp.digamma(a1) - mp.loggamma(a1) + mp.loggamma(a2) + a2 * mp.log(s2 / s1) + a1 * (s1 / s2 - 1)


@pytest.mark.parametrize("dtype", [F32, F64])
@pytest.mark.parametrize("params", [(30.0, 1e10, 30.0, 1e-10), (30.0, 1e-10, 30.0, 1e10), (1.0, 1e10, 1.0, 1e-10),
                                    (1e12, 1.0, 25.0, 1.0)])
def test_gamma_kl_at_scale_ratios_beyond_the_dtype(dtype, params):
    leaves = [_leaf(v, dtype) for v in params]
    got = KL_CLOSED_FORMS[("GammaDistribution", "GammaDistribution")](leaves[:2], leaves[2:])
    got.backward()
    a1, s1, a2, s2 = _exact(dtype, *params)
    expected = float(_gamma_kl(a1, s1, a2, s2))
    assert abs(got.item() - expected) <= 1e-5 * abs(expected) + 1e-3  # float32's lgamma(1e12) and ψ: a few eps
    exact = [-a2 / s1 + a1 / s2, a2 / s2 - a1 * s1 / s2 ** 2]  # ∂/∂s1, ∂/∂s2
    for leaf, value in zip((leaves[1], leaves[3]), exact):
        torch.testing.assert_close(leaf.grad.double(), torch.tensor(float(value), dtype=F64), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("dtype, x", [(F32, 1e-30), (F64, 1e-200)])
def test_generalized_gamma_log_density_where_the_power_underflows(dtype, x):
    alpha = _leaf(300.0, dtype)
    params = [alpha] + [torch.tensor(v, dtype=dtype) for v in (1.0, 2.0, 0.0)]  # s^2 underflows to 0
    got = GammaDistribution("#a", "#b", "#g", "#m").log_prob(torch.tensor(x, dtype=dtype), params)
    got.backward()
    (s,) = _exact(dtype, x)
    expected = mp.log(2) - mp.loggamma(300) + 599 * mp.log(s) - s ** 2
    assert abs(got.item() - float(expected)) <= 2 * torch.finfo(dtype).eps * abs(float(expected))
    torch.testing.assert_close(alpha.grad.double(), torch.tensor(float(2 * mp.log(s) - mp.digamma(300)), dtype=F64))


def _log_mass_float64(dist, x, params):
    """The float64 log-mass of the float32 values."""
    return dist.log_prob(torch.tensor(x, dtype=F32).double(), [torch.tensor(v, dtype=F32).double() for v in params])


@pytest.mark.parametrize("x", [256.0, 257.0, 300.0])
def test_negative_binomial_log_mass_keeps_a_count_far_below_n_in_float32(x):
    dist = NegativeBinomialDistribution("#n", "#p")
    got = dist.log_prob(torch.tensor(x), [torch.tensor(1e9), torch.tensor(0.99)])  # n + x rounds x away
    expected = _log_mass_float64(dist, x, [1e9, 0.99])
    assert abs(got.item() - expected.item()) <= 1e-6 * abs(expected.item())


@pytest.mark.parametrize("x, n, p", [(0.0, 1e9, 1e-9), (0.0, 1e6, 1e-4), (1e9, 1e9, 1 - 1e-7)])
def test_binomial_log_mass_at_the_ends_of_a_large_n_holds_in_float32(x, n, p):
    dist = BinomialDistribution("#n", "#p")
    got = dist.log_prob(torch.tensor(x), [torch.tensor(n), torch.tensor(p)])  # 1 − p rounds: n log1p(−p)
    expected = _log_mass_float64(dist, x, [n, p])
    assert abs(got.item() - expected.item()) <= 1e-6 * abs(expected.item())


@pytest.mark.parametrize("alpha", [1e3, 1e6, 1e8])
@pytest.mark.parametrize("sds", [-3, 0, 3])
def test_log_gamma_log_density_at_large_alpha_keeps_its_digits(alpha, sds):
    """Its terms (α − 1) log y − y/β − α log β − lgamma α cancel near the mode: float64 at α = 1e8 was 3e-7 off.
    β = 10/α keeps Y = log(x − μ + 1) near 10; x at the mode of Y and 3 of its standard deviations either side."""
    beta = 10 / alpha
    x = _leaf(float(mp.expm1(alpha * beta + sds * alpha ** 0.5 * beta)), F64)
    got = LogGammaDistribution(alpha, beta, 0.0).log_prob(x)
    got.backward()
    with mp.workdps(40):  # the terms cancel to ~10 digits: mpmath's default 15 would not tell
        a, b, xe = mp.mpf(alpha), mp.mpf(beta), mp.mpf(x.item())
        y = mp.log1p(xe)
        slope = (a - 1) / y - 1 / b - 1  # d log f / dy; dy/dx = 1/(1 + x)
        exact = -(1 + 1 / b) * y + (a - 1) * mp.log(y) - a * mp.log(b) - mp.loggamma(a)
    tolerance = 8 * torch.finfo(F64).eps * float(1 + abs(slope) * y)  # y rounds once: the slope carries it
    assert abs(got.item() - float(exact)) <= tolerance
    torch.testing.assert_close(x.grad, torch.tensor(float(slope / (1 + xe)), dtype=F64), rtol=1e-6, atol=1e-12)
