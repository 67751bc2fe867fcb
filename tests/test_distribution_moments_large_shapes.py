"""The Gamma family's closed-form means and variances at large shapes (found by a pass over unusual parameters).

They took Γ(b + d)/Γ(b) as exp(lgamma(b + d) − lgamma(b)), which cancels for large b: GammaDistribution(1e12, 2) had
mean 1.9958e12 and GammaDistribution(1e8, 2) variance 0.0, Chi(1e8) a negative variance, Chi(1e30) mean √2; a float32
``eval_mode="mean"`` layer was 0.8% off at shape 1e4. Each is checked against an exact identity, not the code's values.
"""

from __future__ import annotations

import math

import pytest
import torch

from netgraph import (ChiDistribution, GammaDistribution, InverseGammaDistribution, LogGammaDistribution,
                      NakagamiDistribution, NetGraph, RandomArrayLayer, WeibullDistribution)

SHAPES = [30.0, 1e4, 1e8, 1e12, 1e30]


@pytest.mark.parametrize("alpha", SHAPES)
def test_gamma_mean_and_variance_are_alpha_beta_and_alpha_beta_squared(alpha):
    d = GammaDistribution(alpha, 2.0)
    assert math.isclose(d.mean(), 2 * alpha, rel_tol=1e-13) and math.isclose(d.variance(), 4 * alpha, rel_tol=1e-11)


@pytest.mark.parametrize("alpha", [30.0, 1e4, 1e6])
def test_the_generalized_gamma_with_power_one_half_has_polynomial_moments(alpha):
    """μ + β·G², G ~ Gamma(α, 1): mean β·α(α+1), variance β²·(α(α+1)(α+2)(α+3) − (α(α+1))²)."""
    d = GammaDistribution(alpha, 2.0, 0.5, 1.0)
    a = alpha
    assert math.isclose(d.mean(), 1 + 2 * a * (a + 1), rel_tol=1e-13)
    exact = 4 * (a * (a + 1) * (a + 2) * (a + 3) - (a * (a + 1)) ** 2)  # = 4·a(a+1)(4a+6)
    assert math.isclose(d.variance(), exact, rel_tol=1e-10)


@pytest.mark.parametrize("alpha", [30.0, 1e4, 1e8, 1e12])
def test_inverse_gamma_moments_at_large_shapes(alpha):
    d = InverseGammaDistribution(alpha, 3.0)
    assert math.isclose(d.mean(), 3 / (alpha - 1), rel_tol=1e-13)
    assert math.isclose(d.variance(), 9 / ((alpha - 1) ** 2 * (alpha - 2)), rel_tol=1e-10)


@pytest.mark.parametrize("nu", SHAPES)
def test_chi_means_multiply_to_nu_and_the_variance_tends_to_one_half(nu):
    """E[Chi(ν)]·E[Chi(ν+1)] = 2·Γ((ν+1)/2)/Γ(ν/2)·Γ(ν/2+1)/Γ((ν+1)/2) = ν; Var = ν − E² = 1/2 − 1/(8ν) + O(ν⁻²)."""
    if nu + 1 != nu:
        assert math.isclose(ChiDistribution(nu).mean() * ChiDistribution(nu + 1).mean(), nu, rel_tol=1e-13)
    assert math.isclose(ChiDistribution(nu).mean(), math.sqrt(nu), rel_tol=1 / nu + 1e-14)  # exp of a log: ~1e-15
    assert math.isclose(ChiDistribution(nu).variance(), 0.5 - 1 / (8 * nu), rel_tol=1 / nu ** 2 + 1e-13)


@pytest.mark.parametrize("mu", SHAPES)
def test_nakagami_moments_follow_chi_s(mu):
    """X = √(ω/(2μ))·Chi(2μ): mean and variance scale Chi's."""
    d, chi = NakagamiDistribution(mu, 3.0), ChiDistribution(2 * mu)
    assert math.isclose(d.mean(), math.sqrt(3.0 / (2 * mu)) * chi.mean(), rel_tol=1e-13)
    assert math.isclose(d.variance(), 3.0 / (2 * mu) * (0.5 - 1 / (16 * mu)), rel_tol=1 / mu ** 2 + 1e-12)


def test_an_eval_mode_mean_layer_in_float32_gives_the_mean_at_large_shapes():
    net = NetGraph({"g": RandomArrayLayer(GammaDistribution("#a", 2.0), eval_mode="mean")}, [], a=3)
    a = torch.tensor([[30.0, 1e4, 1e7]])
    out = net.compile().eval()(a=a)
    assert out.dtype == torch.float32
    torch.testing.assert_close(out, 2 * a, rtol=1e-6, atol=0.0)


@pytest.mark.parametrize("dist, slope", [(GammaDistribution("#a", 2.0), lambda a: torch.full_like(a, 2.0)),
                                         (InverseGammaDistribution("#a", 3.0), lambda a: -3 / (a - 1) ** 2)])
def test_the_mean_s_gradient_is_finite_and_exact_on_both_sides_of_the_series_switch(dist, slope):
    """The ratio switches from lgamma's difference to Stirling's series at shape 20: both branches are computed, and
    the one not taken must not turn the gradient NaN."""
    a = torch.tensor([[1.5, 19.5, 20.5, 1e4]], dtype=torch.float64, requires_grad=True)
    net = NetGraph({"g": RandomArrayLayer(dist, eval_mode="mean")}, [], a=4)
    net.compile().double().eval()(a=a).sum().backward()
    torch.testing.assert_close(a.grad, slope(a.detach()), rtol=1e-9, atol=0.0)


@pytest.mark.parametrize("alpha, beta", [(1e8, 1e-8), (1e4, 1e-6), (2.0, 0.1)])
def test_log_gamma_moments_without_the_cancellation_of_their_powers(alpha, beta):
    """μ − 1 + e^Y, Y ~ Gamma(α, scale β): E[e^Y] = (1−β)^−α, Var = (1−2β)^−α − (1−β)^−2α (Y's moment generating
    function), here in 50 digits (mpmath, which torch installs through sympy). The variance, a difference of two
    powers near e^(2αβ), came out negative at α = 1e8, β = 1e-8."""
    import mpmath  # a dependency of torch's (through sympy); only this test reads it

    with mpmath.workdps(50):
        a, b = mpmath.mpf(alpha), mpmath.mpf(beta)
        mean, variance = float((1 - b) ** -a), float((1 - 2 * b) ** -a - (1 - b) ** (-2 * a))
    d = LogGammaDistribution(alpha, beta, 1.0)
    assert math.isclose(d.mean(), mean, rel_tol=1e-13) and math.isclose(d.variance(), variance, rel_tol=1e-9)


@pytest.mark.parametrize("alpha", [0.5, 3.0, 150.0, 1e4, 1e8])
def test_weibull_variance_at_large_shapes(alpha):
    """β²·(Γ(1 + 2/α) − Γ(1 + 1/α)²), about β²π²/(6α²): a difference of two numbers near 1, which cancelled (α = 1e8
    gave 0 or noise). Against 50-digit values (mpmath, a dependency of torch's through sympy)."""
    import mpmath

    with mpmath.workdps(50):
        a = mpmath.mpf(alpha)
        exact = float(4 * (mpmath.gamma(1 + 2 / a) - mpmath.gamma(1 + 1 / a) ** 2))
        mean = float(1 + 2 * mpmath.gamma(1 + 1 / a))
    d = WeibullDistribution(alpha, 2.0, 1.0)
    assert math.isclose(d.variance(), exact, rel_tol=1e-10) and math.isclose(d.mean(), mean, rel_tol=1e-14)
