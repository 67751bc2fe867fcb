"""The score-function term where a discrete draw is certain: Poisson's mu = 0, a probability of 0 or 1.

There every draw is the same value, so the loss is never seen at another one and no estimator from the draws is
unbiased (d/dmu E f(X) at mu = 0 is f(1) - f(0)). The score of such a draw is not 0 on average (-1 for Poisson at
mu = 0), so the term there followed the baseline, not the loss: -(f(0) - baseline). It is 0 now, for every baseline,
on both paths (the closed-form score handle, and the log-mass where another parameter requires grad too); inside,
the estimator is unchanged and unbiased.
"""

from __future__ import annotations

import math

import pytest
import torch

from netgraph import (BernoulliDistribution, BinomialDistribution, CategoricalDistribution,
                      NegativeBinomialDistribution, NetGraph, PoissonDistribution, RandomArrayLayer)
from netgraph.layers import random_module
from netgraph.layers.estimator_state import load_estimator_state
from netgraph.layers.estimators import uncertain_log_mass

# (distribution, boundary value of its scored parameter, the value every draw takes there)
BOUNDARIES = [
    (BernoulliDistribution("#p"), 0.0, 0.0), (BernoulliDistribution("#p"), 1.0, 1.0),
    (BinomialDistribution(5, "#p"), 0.0, 0.0), (BinomialDistribution(5, "#p"), 1.0, 5.0),
    (PoissonDistribution("#p"), 0.0, 0.0), (NegativeBinomialDistribution(2.5, "#p"), 1.0, 0.0),
]
IDS = [f"{type(d).__name__[:-12]}-{v}" for d, v, _ in BOUNDARIES]


def _gradient(dist, p, output, baseline, per_example=True):
    """The parameter's gradient from one training step of f(x) = (x - 3)^2, with a running-mean ``baseline``."""
    module = NetGraph([RandomArrayLayer(dist, **output)], [], p=()).compile()
    load_estimator_state(module, {"1": baseline})
    p = p.clone().requires_grad_()
    draws = module(p=p)
    losses = (draws - 3.0).square().reshape(len(p), -1).sum(1)
    objective = losses if per_example else losses.sum()
    (losses.sum() + module.surrogate_loss(objective, reduction="sum")).backward()
    return draws, p.grad


@pytest.mark.parametrize("dist, boundary, drawn", BOUNDARIES, ids=IDS)
@pytest.mark.parametrize("output", [{}, {"output": 3}], ids=["one-per-example", "three-per-example"])
@pytest.mark.parametrize("baseline", [0.0, 7.5])
def test_a_certain_draw_gets_no_score_term_whatever_the_baseline(dist, boundary, drawn, output, baseline):
    torch.manual_seed(0)
    draws, grad = _gradient(dist, torch.full((1,), boundary), output, baseline, per_example=False)
    assert bool((draws == drawn).all())  # certain indeed
    assert grad.tolist() == [0.0]  # was (f(drawn) - baseline) times the score: (9 - 0) * -1 for Poisson, baseline 0


@pytest.mark.parametrize("output", [{}, {"output": 3}], ids=["one-per-example", "three-per-example"])
def test_beside_a_certain_draw_the_others_keep_their_exact_score(output):
    """mu = (0, 2): the element at 2 gets the score x / mu - 1 times its advantage (the running baseline 1.5)."""
    torch.manual_seed(1)
    draws, grad = _gradient(PoissonDistribution("#p"), torch.tensor([0.0, 2.0]), output, 1.5, per_example=False)
    loss = float((draws.detach() - 3.0).square().sum())
    assert grad[0].item() == 0.0
    want = (loss - 1.5) * float((draws.detach()[1] / 2.0 - 1).sum())
    assert math.isclose(grad[1].item(), want, rel_tol=1e-5, abs_tol=1e-5)


@pytest.mark.parametrize("baseline", [0.0, 7.5])
def test_a_certain_draw_scored_by_its_log_mass_gets_no_score_term(monkeypatch, baseline):
    """NegativeBinomial with n and p both fed, both requiring grad: no closed-form handle (it scores p alone), so the
    log-mass path (``uncertain_log_mass``) scores the draw; at p = 1 every draw is 0, and the term is 0, not
    (f(0) - baseline) times the score n / p."""
    calls = []
    monkeypatch.setattr(random_module, "uncertain_log_mass",
                        lambda *a: calls.append(a) or uncertain_log_mass(*a))
    module = NetGraph([RandomArrayLayer(NegativeBinomialDistribution("#n", "#p"))], [], n=(), p=()).compile()
    load_estimator_state(module, {"1": baseline})
    n, p = torch.full((1,), 2.5, requires_grad=True), torch.full((1,), 1.0, requires_grad=True)
    torch.manual_seed(0)
    draws = module(n=n, p=p)
    losses = (draws - 3.0).square()
    (losses.sum() + module.surrogate_loss(losses.sum(), reduction="sum")).backward()
    assert len(calls) == 1 and draws.tolist() == [0.0]
    assert p.grad.tolist() == [0.0] and n.grad.tolist() == [0.0]


@pytest.mark.parametrize("output", [{}, {"output": 3}], ids=["one-per-example", "three-per-example"])
@pytest.mark.parametrize("baseline", [0.0, 7.5])
def test_a_categorical_draw_of_a_certain_class_gets_no_score_term(output, baseline):
    """p = (0, 1): every draw is class 1, and p got the normalization's score, -(f(1) - baseline) = -4 at baseline 0;
    now 0, as Bernoulli at p = 1. The example beside it (p = (0.3, 0.7)) keeps its score."""
    module = NetGraph([RandomArrayLayer(CategoricalDistribution("#p"), **output)], [], p=2).compile()
    load_estimator_state(module, {"1": baseline})
    p = torch.tensor([[0.0, 1.0], [0.3, 0.7]], requires_grad=True)
    torch.manual_seed(0)
    draws = module(p=p)
    losses = (draws - 3.0).square().reshape(2, -1).sum(1)
    (losses.sum() + module.surrogate_loss(losses.sum(), reduction="sum")).backward()
    assert bool((draws[0] == 1).all()) and p.grad[0].tolist() == [0.0, 0.0]
    assert bool((p.grad[1] != 0).all())


def test_the_estimator_stays_unbiased_just_inside_the_boundary():
    """Poisson mu = 0.05, f = (x - 3)^2: d/dmu E f = d/dmu (mu + (mu - 3)^2) = 2 mu - 5 = -4.9 exactly. 2e5 draws
    scored leave-one-out: the estimate's standard deviation per draw is about 14, so its standard error about 0.03."""
    torch.manual_seed(2)
    n = 200_000
    module = NetGraph([RandomArrayLayer(PoissonDistribution("#p"))], [], p=()).compile()
    mu = torch.full((n,), 0.05, dtype=torch.float64, requires_grad=True)
    losses = (module(p=mu) - 3.0).square()
    (losses.sum() + module.surrogate_loss(losses, reduction="sum")).backward()
    per_draw = mu.grad
    stderr = float(per_draw.std()) / math.sqrt(n)
    assert abs(float(per_draw.mean()) - (-4.9)) < 4 * stderr, (float(per_draw.mean()), stderr)
