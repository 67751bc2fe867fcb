"""The discrete distributions' log-mass (what the score-function estimator differentiates).

It is written without masks for speed; these tests pin its values and gradients to the masked ``xlogy``
form it replaced, at the boundary values (p = 0, p = 1, mu = 0, n = 0) and inside, and to torch.distributions.
"""

from __future__ import annotations

import pytest
import torch

from netgraph import (BernoulliDistribution, BinomialDistribution, DiscreteUniformDistribution,
                      NegativeBinomialDistribution, NetGraph, PoissonDistribution, RandomArrayLayer)
from netgraph.layers.dist_base import xlogy
from netgraph.layers.estimators import score_handle


def _masked_bernoulli(x, p):
    return xlogy(x, p) + xlogy(1 - x, 1 - p)


def _masked_binomial(x, n, p):
    n = n.detach()  # an integer: no gradient
    return torch.lgamma(n + 1) - torch.lgamma(x + 1) - torch.lgamma(n - x + 1) + xlogy(x, p) + xlogy(n - x, 1 - p)


def _masked_poisson(x, mu):
    return xlogy(x, mu) - mu - torch.lgamma(x + 1)


def _masked_negative_binomial(x, n, p):
    return torch.lgamma(x + n) - torch.lgamma(n) - torch.lgamma(x + 1) + n * p.log() + xlogy(x, 1 - p)


# (distribution, the masked reference, [(x, parameter values)]): every x is a value the draw can take
CASES = [
    (BernoulliDistribution("#p"), _masked_bernoulli,
     [(0, [0.0]), (1, [1.0]), (0, [0.3]), (1, [0.3]), (0, [1e-30]), (1, [1 - 1e-9])]),
    (BinomialDistribution("#n", "#p"), _masked_binomial,
     [(0, [5, 0.0]), (5, [5, 1.0]), (0, [5, 0.4]), (2, [5, 0.4]), (5, [5, 0.4]), (0, [0, 0.0]), (0, [0, 0.5]),
      (0, [0, 1.0])]),
    (PoissonDistribution("#mu"), _masked_poisson, [(0, [0.0]), (0, [2.0]), (3, [2.0]), (1, [1e-20])]),
    (NegativeBinomialDistribution("#n", "#p"), _masked_negative_binomial,
     [(0, [2.5, 1.0]), (0, [2.5, 0.3]), (4, [2.5, 0.3]), (7, [0.01, 1e-6])]),
]
POINTS = [(dist, ref, x, values) for dist, ref, points in CASES for x, values in points]


@pytest.mark.parametrize("dtype", [torch.float64, torch.float32])
@pytest.mark.parametrize("dist, reference, x, values", POINTS,
                         ids=[f"{type(d).__name__[:-12]}-x{x}-{v}" for d, _, x, v in POINTS])
def test_log_mass_and_its_gradient_equal_the_masked_form(dist, reference, x, values, dtype):
    params = [torch.tensor(float(v), dtype=dtype, requires_grad=True) for v in values]
    draw = torch.tensor(float(x), dtype=dtype)
    ours = dist.log_prob(draw, params)
    ours_grads = torch.autograd.grad(ours, params, allow_unused=True)
    ref_params = [p.detach().clone().requires_grad_() for p in params]
    ref = reference(draw, *ref_params)
    ref_grads = torch.autograd.grad(ref, ref_params, allow_unused=True)
    assert bool(torch.isfinite(ours))
    torch.testing.assert_close(ours, ref, rtol=1e-6, atol=0)
    for got, want in zip(ours_grads, ref_grads):
        if want is None:
            assert got is None or float(got) == 0.0
            continue
        assert bool(torch.isfinite(got)), f"gradient {got} at x={x}, parameters {values}"
        torch.testing.assert_close(got, want, rtol=1e-6, atol=0)


def test_log_mass_matches_torch_distributions_inside_the_support():
    torch.manual_seed(0)
    p, mu, n = torch.rand(200, dtype=torch.float64) * 0.98 + 0.01, torch.rand(200, dtype=torch.float64) * 5 + 0.1, 7.0
    td = torch.distributions
    pairs = [
        (BernoulliDistribution("#p"), [p], td.Bernoulli(probs=p)),
        (BinomialDistribution(n, "#p"), [n, p], td.Binomial(n, probs=p)),
        (PoissonDistribution("#mu"), [mu], td.Poisson(mu)),
        (NegativeBinomialDistribution(2.5, "#p"), [2.5, p], td.NegativeBinomial(2.5, probs=1 - p)),
    ]
    for dist, params, twin in pairs:
        x = twin.sample()
        torch.testing.assert_close(dist.log_prob(x, params), twin.log_prob(x), rtol=1e-9, atol=1e-9)


@pytest.mark.parametrize("dist, values", [
    (BernoulliDistribution("#p"), torch.tensor([0.0, 1.0, 0.0, 1.0])),
    (BinomialDistribution(4, "#p"), torch.tensor([0.0, 1.0, 0.0, 1.0])),
    (PoissonDistribution("#p"), torch.tensor([0.0, 0.0, 3.0, 0.0])),
    (NegativeBinomialDistribution(2, "#p"), torch.tensor([1.0, 1.0, 0.5, 1.0])),
])
def test_a_training_step_at_the_boundary_values_has_finite_gradients(dist, values):
    module = NetGraph([RandomArrayLayer(dist)], [], p=()).compile()
    p = values.clone().requires_grad_()
    losses = (module(p=p) - 0.5) ** 2
    (losses.mean() + module.surrogate_loss(losses)).backward()
    assert bool(torch.isfinite(p.grad).all()), p.grad


def _score_case(dist, draw, values, dtype):
    """(parameters with the scored one as a (1, k) tensor, its index, the (1, k) draws)."""
    index = dist.PARAMS.index(dist.SCORE_PARAM)
    params = [float(c) for c in dist.params if not isinstance(c, str)]
    params.insert(index, torch.tensor([values], dtype=dtype, requires_grad=True))
    return params, index, torch.tensor([draw], dtype=dtype)


# (distribution, draws, scored parameter values): boundaries (p = 0 and 1, mu = 0) and inside
SCORED = [
    (BernoulliDistribution("#p"), [0.0, 1.0, 0.0, 1.0, 0.0, 1.0], [0.0, 1.0, 0.3, 0.3, 1e-30, 1 - 1e-7]),
    (BinomialDistribution(5, "#p"), [0.0, 5.0, 0.0, 2.0, 5.0, 3.0], [0.0, 1.0, 0.4, 0.4, 0.4, 1e-30]),
    (PoissonDistribution("#mu"), [0.0, 0.0, 3.0, 1.0, 7.0], [0.0, 2.0, 2.0, 1e-20, 1e6]),
    (NegativeBinomialDistribution(2.5, "#p"), [0.0, 0.0, 4.0, 7.0, 1.0], [1.0, 0.3, 0.3, 1e-6, 1 - 1e-7]),
]


@pytest.mark.parametrize("dtype", [torch.float64, torch.float32])
@pytest.mark.parametrize("dist, draws, values", SCORED, ids=[type(d).__name__ for d, _, _ in SCORED])
def test_the_score_handle_has_exactly_the_log_mass_gradient(dist, draws, values, dtype):
    """The training step's record (value 0, no log-mass pass) differentiates to the very same bits as log_prob, but
    where the draw was certain (p = 0 or 1, mu = 0), which it scores 0 (test_score_boundaries.py)."""
    params, index, x = _score_case(dist, draws, values, dtype)
    g = torch.tensor([0.75], dtype=dtype)
    ref = [p.detach().clone().requires_grad_() if isinstance(p, torch.Tensor) else p for p in params]
    dist.log_prob(x, ref).sum(1).backward(g)
    handle = score_handle(dist, x, params)
    assert handle.tolist() == [0.0]
    handle.backward(g)
    assert bool(torch.isfinite(params[index].grad).all())
    certain = torch.tensor([[v == 0 or v == 1 and type(dist).__name__ != "PoissonDistribution" for v in values]])
    want = ref[index].grad.masked_fill(certain, 0.0)  # scored 0 where every draw is the same: a probability 0 or 1,
    # or a Poisson mean 0 (the table's NegativeBinomial p is never 0, its first value 1)
    assert torch.equal(params[index].grad, want), (params[index].grad, want)


def test_a_training_step_records_the_score_without_evaluating_the_log_mass(monkeypatch):
    torch.manual_seed(3)
    module = NetGraph([RandomArrayLayer(PoissonDistribution("#p"))], [], p=4).compile()
    mu = (torch.rand(6, 4) * 3).requires_grad_()
    monkeypatch.setattr(PoissonDistribution, "log_prob", lambda *a: pytest.fail("log-mass evaluated"))
    torch.manual_seed(0)
    losses = (module(p=mu) - 1.5).square().mean(1)
    (losses.mean() + module.surrogate_loss(losses)).backward()
    monkeypatch.undo()
    torch.manual_seed(0)
    x = torch.poisson(mu.detach())
    ref = mu.detach().clone().requires_grad_()
    losses = (x - 1.5).square().mean(1)
    advantage = (losses - (losses.sum() - losses) / 5) / 6
    (advantage * PoissonDistribution("#p").log_prob(x, [ref]).sum(1)).sum().backward()
    torch.testing.assert_close(mu.grad, ref.grad)


def test_a_broadcast_or_second_trainable_parameter_falls_back_to_the_log_mass():
    x = torch.tensor([[0.0, 2.0, 1.0]])
    assert score_handle(PoissonDistribution("#mu"), x, [torch.ones(1, 1, requires_grad=True)]) is None
    assert score_handle(NegativeBinomialDistribution("#n", "#p"), x,
                        [torch.ones(1, 3, requires_grad=True), torch.full((1, 3), 0.5, requires_grad=True)]) is None
    assert score_handle(PoissonDistribution("#mu"), x, [torch.ones(1, 3, requires_grad=True)]) is not None
    module = NetGraph([RandomArrayLayer(BernoulliDistribution("#p"), output=3)], [], p=()).compile()
    p = torch.full((4,), 0.3, requires_grad=True)  # one probability per example, broadcast over 3 draws
    losses = module(p=p).sum(1)
    (losses.mean() + module.surrogate_loss(losses)).backward()
    assert bool(torch.isfinite(p.grad).all()) and p.grad.abs().sum() > 0


@pytest.mark.filterwarnings("ignore:.*WITHOUT the score-function surrogate term")
@pytest.mark.parametrize("dist, constants, bounds", [
    (BernoulliDistribution("#p"), [], (0.0, 1.0)), (BinomialDistribution(5, "#p"), [5], (0.0, 1.0)),
    (PoissonDistribution("#p"), [], (0.0, 4.0)), (NegativeBinomialDistribution(2.5, "#p"), [2.5], (0.05, 1.0))])
def test_log_probability_scores_the_draws_unmasked_with_the_masked_values_and_gradients(monkeypatch, dist, constants,
                                                                                          bounds):
    """Found by review: ``log_probability=True`` paid the off-support mask (20-70% of a log-mass) on the layer's own
    draws, which are on the support by construction; the boundary values (p = 0 or 1, mu = 0) are among the rows."""
    module = NetGraph([RandomArrayLayer(dist, log_probability=True)], [], p=5).compile()
    lo, hi = bounds
    params = torch.cat([torch.tensor([[lo] * 5, [hi] * 5]), lo + (hi - lo) * torch.rand(6, 5)]).requires_grad_()
    monkeypatch.setattr(type(dist), "_outside", lambda *a: pytest.fail("the off-support mask was computed"))
    torch.manual_seed(0)
    out = module(p=params)
    out["LogProbability"].sum().backward()
    monkeypatch.undo()
    ref = params.detach().clone().requires_grad_()
    want = dist.log_prob(out["Output"], [*constants, ref]).sum(1)
    want.sum().backward()
    assert torch.equal(out["LogProbability"], want.detach()) and torch.equal(params.grad, ref.grad)


@pytest.mark.parametrize("dist", [BernoulliDistribution(0.3), BinomialDistribution(4, 0.5), PoissonDistribution(2.0),
                                  NegativeBinomialDistribution(3, 0.5), DiscreteUniformDistribution([0, 3])],
                         ids=lambda d: type(d).__name__)
def test_counts_given_as_integers_score_as_the_same_counts_as_floats(dist):
    """An int64 tensor of counts (as a Dataset hands them) is the counts: the same log-mass as floats, -inf off the
    support (Bernoulli gave log(1 - p) ... wrong values, the others a raw TypeError)."""
    counts = [-1, 0, 1, 2, 5]
    as_floats = dist.log_prob(torch.tensor(counts, dtype=torch.float32))
    assert torch.equal(dist.log_prob(torch.tensor(counts)), as_floats) and as_floats[0] == -torch.inf
