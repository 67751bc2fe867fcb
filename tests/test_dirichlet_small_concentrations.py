"""Dirichlet draws at small concentrations in float32, where Gamma draws underflow: no coordinate is 0, and a
log-density taken with the draw (LogProbability, a Monte Carlo KL) is unbiased in value and gradient (found by QA:
exact zeros, NaN gradients, and a pathwise gradient of E[log p(x)] of -353 where the exact value is -380)."""

from __future__ import annotations


import torch
import torch.distributions as td

from netgraph import DirichletDistribution, NetGraph, RandomArrayLayer
from tests.statistics_helpers import assert_monte_carlo_kl_matches_closed_form, mean_and_se


def test_draws_at_small_concentrations_have_no_zero_and_finite_gradients():
    module = NetGraph([RandomArrayLayer(DirichletDistribution("#a"))], [], a=10).compile()
    for alpha in (0.1, 0.01):
        torch.manual_seed(0)
        a = torch.full((10,), alpha, requires_grad=True)
        x = module(a=a.expand(5000, 10))
        assert bool((x > 0).all()) and bool(torch.isfinite(x).all()), alpha
        x.log().mean().backward()
        assert bool(torch.isfinite(a.grad).all()), (alpha, a.grad)


def test_the_pathwise_gradient_of_the_log_probability_is_unbiased_at_small_concentrations():
    """d/dα E[log p(x)] = −d/dα entropy, exact in float64; per-example gradients give the standard error."""
    alpha = [0.05, 0.3, 1.0]
    exact = torch.tensor(alpha, dtype=torch.float64, requires_grad=True)
    (-td.Dirichlet(exact).entropy()).backward()
    module = NetGraph([RandomArrayLayer(DirichletDistribution("#a"), log_probability=True)], [], a=3).compile()
    n = 100_000
    a = torch.tensor(alpha).expand(n, 3).clone().requires_grad_(True)
    torch.manual_seed(1)
    module(a=a)["LogProbability"].sum().backward()
    mean, se = mean_and_se(a.grad)
    assert bool(((mean - exact.grad).abs() < 4 * se).all()), (mean, exact.grad, se)


def test_monte_carlo_kl_at_small_concentrations_matches_the_closed_form_in_value_and_gradient():
    assert_monte_carlo_kl_matches_closed_form(DirichletDistribution("#a"), DirichletDistribution([2.0, 2.0, 2.0]), 3,
                                              20_000)


def test_score_function_draws_at_small_concentrations_are_scored_by_their_log():
    """The score-function estimator scored the clamped draw: at α = 0.02, k = 10, E[log p] 328.6 where the exact is
    406.0 (-entropy) and d/dα0 E[x0] through surrogate_loss 3.70 where the exact is (S - α0) / S² = 4.5."""
    k, alpha = 10, 0.02
    module = NetGraph([RandomArrayLayer(DirichletDistribution("#a"), estimator="score_function",
                                        log_probability=True)], [], a=k).compile()
    torch.manual_seed(3)
    log_p, se = mean_and_se(module(a=torch.full((20_000, k), alpha))["LogProbability"])
    exact = -td.Dirichlet(torch.full((k,), alpha, dtype=torch.float64)).entropy()
    assert abs(log_p - exact) < 4 * se, (log_p, exact, se)
    drawing = NetGraph([RandomArrayLayer(DirichletDistribution("#a"), estimator="score_function")], [], a=k).compile()
    a = torch.full((k,), alpha, requires_grad=True)
    torch.manual_seed(4)
    first = drawing(a=a.expand(40_000, k))[:, 0]
    (first.mean() + drawing.surrogate_loss(first)).backward()
    assert abs(a.grad[0] - 0.18 / 0.2 ** 2) < 0.3, a.grad  # 5 standard deviations over seeds (0.06)
