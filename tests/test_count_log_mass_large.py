"""Poisson's, Binomial's and NegativeBinomial's log-mass at large counts: x log μ − μ − lgamma(x + 1) is a sum of
terms of order x log μ whose cancellation lost float32's digits (μ = x = 1e9 gave +2048, a log-mass above 0, for
−11.28; μ = 1e6 was 0.8 off). Binomial's lgammas cancelled the same way (n = 1e7: 8.6 off), and so did
NegativeBinomial's n log p against its coefficient where n and the count are both large (n = 1e5, p = 0.4: 0.13 off).
From a count of 256 up all three are Loader's saddle-point forms (scipy's and R's), whose rounding is the result's."""

from __future__ import annotations

import math

import pytest
import torch
from scipy import special, stats

from netgraph import (BinomialDistribution, GammaDistribution, KLDivergenceLayer, NegativeBinomialDistribution,
                      NetGraph, PoissonDistribution, RandomArrayLayer)


@pytest.mark.parametrize("mu", [1e4, 1e6, 1e9])
def test_poisson_log_mass_at_large_counts_holds_in_float32(mu):
    counts = [round(mu + k * mu ** 0.5) for k in (-3, -1, 0, 1, 3)]  # float32 holds these counts exactly
    got = PoissonDistribution("#mu").log_prob(torch.tensor(counts, dtype=torch.float32), [torch.tensor(mu)])
    expected = torch.tensor(stats.poisson.logpmf(counts, mu))
    assert (got.double() - expected).abs().max() < 2e-3


def test_poisson_log_mass_gradient_at_large_counts_is_the_score():
    mu = torch.tensor(1e6, requires_grad=True)
    counts = torch.tensor([998000.0, 1e6, 1003000.0])
    PoissonDistribution("#mu").log_prob(counts, [mu]).sum().backward()
    torch.testing.assert_close(mu.grad.double(), torch.tensor(sum(x / 1e6 - 1 for x in counts.tolist()),
                                                             dtype=torch.float64), atol=1e-4, rtol=0)


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_poisson_log_probability_port_of_large_draws_matches_scipy(dtype):
    layer = RandomArrayLayer(PoissonDistribution("#mu"), log_probability=True)
    module = NetGraph([layer], [], mu=4).compile()
    mu = torch.tensor([[0.0, 3.0, 50.0, 2e6]], dtype=dtype).expand(8, 4)
    torch.manual_seed(0)
    out = module(mu=mu)
    expected = stats.poisson.logpmf(out["Output"].double().numpy(), mu.double().numpy()).sum(1)
    torch.testing.assert_close(out["LogProbability"].double(), torch.tensor(expected), atol=2e-3, rtol=0)


@pytest.mark.parametrize("n", [1e5, 1e7])
def test_binomial_log_mass_at_large_counts_holds_in_float32(n):
    sd = (n * 0.3 * 0.7) ** 0.5
    counts = [0, round(0.3 * n - 3 * sd), round(0.3 * n), round(0.3 * n + 3 * sd), n]
    got = BinomialDistribution("#n", "#p").log_prob(torch.tensor(counts, dtype=torch.float32), [n, torch.tensor(0.3)])
    expected = torch.tensor(stats.binom.logpmf(counts, n, 0.3))
    assert ((got.double() - expected).abs() < 2e-3 + 1e-6 * expected.abs()).all()  # the ends: n log 0.7, n log 0.3


def test_binomial_log_mass_gradient_at_large_counts_is_the_score():
    p = torch.tensor(0.3, requires_grad=True)
    counts = [2.99e6, 3e6, 3.004e6]
    BinomialDistribution(1e7, "#p").log_prob(torch.tensor(counts), [1e7, p]).sum().backward()
    expected = sum(x / 0.3 - (1e7 - x) / 0.7 for x in counts)  # -47619.0...
    assert abs(p.grad.item() - expected) < 1e-4 * 1e7


@pytest.mark.parametrize("n", [1e5, 1e7])
def test_negative_binomial_log_mass_at_large_n_and_counts_holds_in_float32(n):
    mean, sd = n * 0.6 / 0.4, (n * 0.6) ** 0.5 / 0.4
    counts = [0, 5, round(mean - 3 * sd), round(mean), round(mean + 3 * sd)]
    got = NegativeBinomialDistribution("#n", "#p").log_prob(torch.tensor(counts, dtype=torch.float32),
                                                            [torch.tensor(n), torch.tensor(0.4)])
    expected = torch.tensor(stats.nbinom.logpmf(counts, n, 0.4))  # scipy's: failures before n successes, as Wolfram's
    assert ((got.double() - expected).abs() < 2e-3 + 1e-6 * expected.abs()).all()


def test_negative_binomial_log_mass_gradients_at_large_n_and_counts():
    n, p = torch.tensor(1e5, requires_grad=True), torch.tensor(0.4, requires_grad=True)
    counts = [149000.0, 150000.0, 151500.0]
    NegativeBinomialDistribution("#n", "#p").log_prob(torch.tensor(counts), [n, p]).sum().backward()
    dn = sum(special.digamma(1e5 + x) - special.digamma(1e5) + math.log(0.4) for x in counts)
    dp = sum(1e5 / 0.4 - x / 0.6 for x in counts)
    assert abs(n.grad.item() - dn) < 1e-4 and abs(p.grad.item() - dp) < 1e-4 * 1e5


@pytest.mark.parametrize("a, b", [(1e4, 1e4 + 10), (1e6, 1e6 + 1e3), (1e8, 1e8 - 1e4)])
def test_poisson_kl_closed_form_between_close_large_means_holds_in_float32(a, b):
    # a log(a/b) - a + b: float32 gave 1.0 for 0.4997 at a = 1e6 and 16 for 0.5 at 1e8 (its terms cancel)
    kl = NetGraph([KLDivergenceLayer(PoissonDistribution("#a"), PoissonDistribution("#b"))], [], a=1, b=1).compile()
    ta, tb = torch.tensor([[a]], requires_grad=True), torch.tensor([[b]], requires_grad=True)
    value = kl(a=ta, b=tb)
    value.sum().backward()
    exact = a * math.log(a / b) - a + b  # in float64: within 1e-8
    assert abs(value.item() - exact) < 1e-5 + 1e-4 * exact
    assert abs(ta.grad.item() - math.log(a / b)) < 1e-5 * abs(math.log(a / b)) + 1e-9
    assert abs(tb.grad.item() - (1 - a / b)) < 1e-5 * abs(1 - a / b) + 1e-9


@pytest.mark.parametrize("a1, s1, a2, s2", [  # scales float32 holds exactly
    (1e4, 1.0, 1e4 + 10, 1.0), (1e6, 1.0, 1e6 + 1e3, 1.0), (1e5, 1.25, 1.2e5, 1.125), (50.0, 2.0, 60.0, 1.5)])
def test_gamma_kl_closed_form_at_large_shapes_holds_in_float32(a1, s1, a2, s2):
    # lgamma(a2) - lgamma(a1) - (a2 - a1) digamma(a1) cancelled: float32 gave 0.0 for 0.4998 at a1 = 1e6
    kl = NetGraph([KLDivergenceLayer(GammaDistribution("#a1", "#s1"), GammaDistribution("#a2", "#s2"))], [],
                  a1=1, s1=1, a2=1, s2=1).compile()
    shapes = [torch.tensor([[v]], requires_grad=True) for v in (a1, a2)]
    value = kl(a1=shapes[0], s1=torch.tensor([[s1]]), a2=shapes[1], s2=torch.tensor([[s2]]))
    value.sum().backward()
    exact = ((a1 - a2) * special.digamma(a1) - special.gammaln(a1) + special.gammaln(a2) + a2 * math.log(s2 / s1)
             + a1 * (s1 / s2 - 1))
    assert abs(value.item() - exact) < 1e-5 + 1e-5 * exact
    d_a1 = (a1 - a2) * special.polygamma(1, a1) + s1 / s2 - 1
    d_a2 = special.digamma(a2) - special.digamma(a1) + math.log(s2 / s1)
    assert abs(shapes[0].grad.item() - d_a1) < 1e-5 * (1 + abs(d_a1))
    assert abs(shapes[1].grad.item() - d_a2) < 1e-5 * (1 + abs(d_a2))


@pytest.mark.parametrize("alpha, gamma", [(1e5, 1.0), (1e7, 1.0), (1e5, 2.0)])
def test_gamma_log_density_at_large_shapes_holds_in_float32(alpha, gamma):
    # (α − 1) log x − x − lgamma(α) cancelled as the Poisson log-mass did: float32 at α = 1e7 was 15 off
    sd = alpha ** 0.5 / gamma  # of s = (x − μ)/β around its mode α^(1/γ)
    xs = [0.5 + 2.0 * (alpha ** (1 / gamma) + k * sd * alpha ** (1 / gamma - 1)) for k in (-2, 0, 2)]
    a = torch.tensor(alpha, requires_grad=True)
    got = GammaDistribution("#a", 2.0, gamma, 0.5).log_prob(torch.tensor(xs), [a, 2.0, gamma, 0.5])
    got.sum().backward()
    x32 = torch.tensor(xs).double().numpy()  # the float32 points, as given
    expected = torch.tensor(stats.gengamma.logpdf(x32, alpha, gamma, loc=0.5, scale=2.0))
    assert ((got.double() - expected).abs() < 1e-3).all()
    d_alpha = sum(gamma * math.log((x - 0.5) / 2.0) - special.digamma(alpha) for x in x32.tolist())
    assert abs(a.grad.item() - d_alpha) < 1e-4
