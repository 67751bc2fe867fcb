"""LogProbability of vector draws: one value per example, the per-event log-densities summed over the sample dims.

Values are checked against torch.distributions for every Categorical output form (class indices are in
test_log_probability's REFERENCES; here one-hot straight-through draws and relaxed Gumbel-softmax draws),
shapes with slot parameters, and gradients: exact for a pathwise Multinormal, unbiased (against exact
enumeration) for score-function Categorical draws.
"""

from __future__ import annotations

import math

import torch

from netgraph import (CategoricalDistribution, MultinormalCholeskyDistribution, MultinormalDiagonalDistribution,
                      NetGraph, RandomArrayLayer, interpret)

P = [0.2, 0.3, 0.5]


def _categorical(**options):
    net = NetGraph([RandomArrayLayer(CategoricalDistribution(P), output=(2, 3), log_probability=True, **options)], [])
    module = net.compile().double()
    torch.manual_seed(4)
    out = module(batch_size=40)
    return out["Output"], out["LogProbability"]


def test_straight_through_one_hot_draws_are_scored_by_their_class():
    x, logp = _categorical(estimator="straight_through")
    assert x.shape == (40, 2, 3) and logp.shape == (40,)
    expected = torch.distributions.Categorical(torch.tensor(P)).log_prob(x.argmax(-1)).sum(1).double()
    torch.testing.assert_close(logp, expected)


def test_relaxed_draws_are_scored_by_the_concrete_density():
    x, logp = _categorical(estimator="relaxed", temperature=0.7)
    twin = torch.distributions.RelaxedOneHotCategorical(torch.tensor(0.7, dtype=torch.float64),
                                                        probs=torch.tensor(P, dtype=torch.float64))
    torch.testing.assert_close(logp, twin.log_prob(x).sum(1))


def test_slot_parameters_give_one_log_probability_per_example_compiled_as_interpreted():
    net = NetGraph([RandomArrayLayer(MultinormalDiagonalDistribution("#mu", "#sigma"), output=(4, 3),
                                     log_probability=True)], [], mu=3, sigma=(4, 3))
    assert net.output_shapes == {"Output": (4, 3), "LogProbability": ()}
    module = net.compile()
    mu, sigma = torch.randn(5, 3), torch.rand(5, 4, 3) + 0.5
    torch.manual_seed(0)
    out = module(mu=mu, sigma=sigma)
    torch.manual_seed(0)
    torch.testing.assert_close(out, interpret(net, module, mu=mu, sigma=sigma))
    twin = torch.distributions.Independent(torch.distributions.Normal(mu[:, None], sigma), 1)
    torch.testing.assert_close(out["LogProbability"], twin.log_prob(out["Output"]).sum(1))


def test_pathwise_multinormal_log_probability_gradient_is_exact():
    # log N(mu + L eps | mu, L Lᵀ) = -|eps|²/2 - Σ log L_ii - k log(2π)/2: d/dmu = 0, d/dL_ii = -1/L_ii, 0 elsewhere
    mu = torch.randn(6, 2, dtype=torch.float64, requires_grad=True)
    l = torch.tensor([[1.5, 0.0], [0.4, 0.8]], dtype=torch.float64).expand(6, 2, 2).clone().requires_grad_(True)
    net = NetGraph([RandomArrayLayer(MultinormalCholeskyDistribution("#mu", "#l"), log_probability=True)], [],
                   mu=2, l=(2, 2))
    out = net.compile().double()(mu=mu, l=l)
    out["LogProbability"].sum().backward()
    torch.testing.assert_close(mu.grad, torch.zeros_like(mu), atol=1e-12, rtol=0)
    expected = torch.tensor([[-1 / 1.5, 0.0], [0.0, -1 / 0.8]], dtype=torch.float64).expand(6, 2, 2)
    torch.testing.assert_close(l.grad, expected)


def test_score_function_categorical_gives_unbiased_gradients_of_f_plus_log_probability():
    """As for the univariate discrete draws: the surrogate carries the score, LogProbability adds only
    ∂/∂p log p(x) at the fixed draw, so the gradient is that of E[f(x) + c log p(x)] with no score twice."""
    f, c, n = (lambda x: (x.double() - 0.8) ** 2), 0.7, 100_000
    theta = torch.tensor(P, dtype=torch.float64, requires_grad=True)
    q = theta / theta.sum()
    k = torch.arange(3)
    (q * (f(k) + c * q.log())).sum().backward()
    exact, theta.grad = theta.grad.clone(), None
    p = theta.detach().expand(n, 3).clone().requires_grad_(True)
    module = NetGraph([RandomArrayLayer(CategoricalDistribution("#p"), log_probability=True)], [], p=3).compile()
    module = module.double()
    torch.manual_seed(2)
    out = module(p=p)
    assert out["Output"].shape == (n,) and out["LogProbability"].shape == (n,)
    losses = f(out["Output"]) + c * out["LogProbability"]
    (losses.mean() + module.surrogate_loss(losses)).backward()
    per_example = p.grad * n
    mean, se = per_example.mean(0), per_example.std(0) / math.sqrt(n)
    assert bool(((mean - exact).abs() < 5 * se).all()), (mean, exact, se)
