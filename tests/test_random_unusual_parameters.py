"""A statistical self-check of the 20 distributions' draws at unusual parameter values: very small and large scales
and shapes, p near 0 and 1, large counts and integer bounds. Every draw is finite and inside the support, the layer's
LogProbability is finite, and in float64 the sample mean lies within 6 standard errors of Wolfram's closed form.

The pass found the Gamma family's closed forms wrong at large shapes (tests/test_distribution_moments_large_shapes.py)
and Nakagami's log-density infinite in float32 where μ/ω or x² passes float32's range (below).
"""

from __future__ import annotations

import math

import pytest
import torch

import netgraph.layers.distributions as D
from netgraph import NakagamiDistribution, NetGraph, RandomArrayLayer

N = 4000
_POSITIVE = lambda x, a: x > 0  # noqa: E731
# name: (support test of draws x given args, [unusual args, ...])
CASES = {
    "NormalDistribution": (lambda x, a: torch.isfinite(x), [(0.0, 1e-30), (1e8, 1e-8), (-1e20, 1e30)]),
    "UniformDistribution": (lambda x, a: (x >= a[0][0]) & (x <= a[0][1]),
                            [([0.0, 1e-30],), ([-1e38, 1e38],), ([5.0, 5.0 + 1e-6],)]),
    "ExponentialDistribution": (_POSITIVE, [(1e-30,), (1e-8,), (1e30,)]),
    "MaxwellDistribution": (_POSITIVE, [(1e-30,), (1e30,)]),
    "RayleighDistribution": (_POSITIVE, [(1e-30,), (1e30,)]),
    "HalfNormalDistribution": (lambda x, a: x >= 0, [(1e-30,), (1e30,)]),
    "WeibullDistribution": (lambda x, a: x >= a[2], [(0.05, 1.0, 0.0), (1e6, 3.0, 0.5), (2.0, 1e-30, 0.0)]),
    "GammaDistribution": (_POSITIVE, [(1e-3, 1.0), (1e-30, 0.5), (1e8, 1e-30), (1e30, 1.0)]),
    "ChiDistribution": (_POSITIVE, [(1e-30,), (1e-3,), (1e30,)]),
    "NakagamiDistribution": (_POSITIVE, [(1e-30, 2.0), (1e8, 1e-8), (1e-3, 1e30)]),
    "ChiSquareDistribution": (_POSITIVE, [(1e-30,), (1e30,)]),
    "ErlangDistribution": (_POSITIVE, [(1, 1e-30), (10 ** 6, 1e30)]),
    "LogGammaDistribution": (lambda x, a: x >= a[2], [(1e-30, 0.4, 1.0), (2.0, 1e-30, 1.0), (1e8, 1e-8, 0.0)]),
    "ExpGammaDistribution": (lambda x, a: torch.isfinite(x), [(1e-30, 2.0, -1.0), (1e30, 2.0, 0.0), (1.5, 1e-30, 0.0)]),
    "InverseGammaDistribution": (_POSITIVE, [(0.3, 1e-30), (1e8, 2.0), (3.0, 1e-30)]),
    "BernoulliDistribution": (lambda x, a: (x == 0) | (x == 1), [(0.0,), (1e-30,), (1 - 1e-7,), (1.0,)]),
    "BinomialDistribution": (lambda x, a: (x >= 0) & (x <= a[0]) & (x == x.round()),
                             [(0, 0.5), (10 ** 12, 1e-30), (10 ** 6, 1.0), (7, 1 - 1e-7)]),
    "PoissonDistribution": (lambda x, a: (x >= 0) & (x == x.round()), [(0.0,), (1e-30,), (1e18,)]),
    "NegativeBinomialDistribution": (lambda x, a: (x >= 0) & (x == x.round()),
                                     [(1e-30, 0.5), (2.5, 1.0), (1e8, 1 - 1e-7), (1.0, 1e-7)]),
    "DiscreteUniformDistribution": (lambda x, a: (x >= a[0][0]) & (x <= a[0][1]) & (x == x.round()),
                                    [([3, 3],), ([-2 ** 24, 2 ** 24],), ([2 ** 24 - 1, 2 ** 24],)]),
}
PARAMS = [(name, args) for name, (_, unusual) in sorted(CASES.items()) for args in unusual]


def test_the_cases_cover_every_univariate_distribution():
    univariate = {n for n, c in D.DISTRIBUTIONS.items() if not issubclass(c, D.VectorDistribution)}
    assert set(CASES) == univariate and len(CASES) == 20


@pytest.mark.parametrize("precision", ["float32", "float64"])
@pytest.mark.parametrize("name, args", PARAMS, ids=[f"{n[:-12]}{a}" for n, a in PARAMS])
def test_draws_at_unusual_parameters_are_finite_inside_the_support_with_a_finite_log_probability(name, args,
                                                                                                precision):
    dist = getattr(D, name)(*args)
    torch.manual_seed(0)
    out = NetGraph([RandomArrayLayer(dist, output=N, log_probability=True)], [])(precision=precision)
    x = out["Output"].double()
    assert bool(torch.isfinite(x).all()), x[~torch.isfinite(x)][:3]
    inside = CASES[name][0](x, args)
    assert bool(inside.all()), x[~inside][:3]
    assert bool(torch.isfinite(out["LogProbability"]).all()), out["LogProbability"]
    mean, variance = dist.mean(), dist.variance()
    if precision == "float64" and math.isfinite(variance) and math.isfinite(mean):
        standard_error = math.sqrt(variance / N)
        assert abs(float(x.mean()) - mean) <= 6 * standard_error + 1e-12 * abs(mean), (float(x.mean()), mean)


@pytest.mark.parametrize("mu, omega", [(1e-30, 1e30), (1e-30, 1e-30), (1e30, 1e30)])
def test_nakagami_s_log_density_stays_finite_in_float32_where_mu_over_omega_or_x_squared_would_not(mu, omega):
    """μ·log(μ/ω) took μ/ω = 1e-60 to 0 in float32 (log: -inf); μ·x²/ω took x² = 1e30² to inf."""
    torch.manual_seed(0)
    dist = NakagamiDistribution(mu, omega)
    x = NetGraph([RandomArrayLayer(dist, output=100)], [])()
    assert x.dtype == torch.float32 and bool(torch.isfinite(dist.log_prob(x)).all())
    if mu < 1:  # against float64 at the same draws (at μ = 1e30 both sum terms of size 1e32 that cancel)
        torch.testing.assert_close(dist.log_prob(x).double(), dist.log_prob(x.double()), rtol=1e-5, atol=0.0)
