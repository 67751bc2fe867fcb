"""net_port_gradient through discrete draws: the layer's score-function estimator, not a gradient of 0.

Found by QA: a Poisson, Bernoulli, Binomial, NegativeBinomial or Categorical layer declares the score-function
estimator, but net_port_gradient gave 0 at its parameters (with a warning), so its mean over draws was not
dE[outputs]/d(input) as it is for every continuous distribution. Exact values from
/work/shared/reference/distributions.md, section 4.2; each check is the mean over N examples within 5 standard errors,
the standard error small next to a 10% error.
"""

from __future__ import annotations

import math
import warnings

import torch

from netgraph import (BinomialDistribution, CategoricalDistribution, EmbeddingLayer, FunctionLayer, NetGraph, NetPort,
                      PoissonDistribution, RandomArrayLayer, SoftmaxLayer, net_port_gradient)


def _squared(distribution):
    return NetGraph({"x": RandomArrayLayer(distribution), "f": FunctionLayer("#Input^2")}, [("x", "f")], a=())


def _mean_and_error(g: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    g = g.double()
    return g.mean(0), g.std(0) / math.sqrt(g.shape[0])


def test_poisson_second_moment_gradient_is_the_exact_one():
    """d/dλ E[N²] = 2λ + 1 = 7 at λ = 3 (score function, leave-one-out baseline: variance about 236 per draw)."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no EstimatorWarning: the estimator is used, not refused
        g = net_port_gradient(_squared(PoissonDistribution("#a")), {"a": torch.full((40_000,), 3.0)}, seed=0)
    mean, error = _mean_and_error(g)
    assert error < 0.1 and abs(mean - 7.0) < 5 * error


def test_binomial_second_moment_gradient_is_the_exact_one():
    """d/dp E[X²] = n(1 − 2p) + 2n²p = 64 at n = 10, p = 0.3 (straight-through would give the biased 60)."""
    g = net_port_gradient(_squared(BinomialDistribution(10, "#a")), {"a": torch.full((40_000,), 0.3)}, seed=1)
    mean, error = _mean_and_error(g)
    assert error < 0.7 and abs(mean - 64.0) < 5 * error


def test_categorical_gradient_reaches_the_logits():
    """E[index] = Σ j·p_j with p = softmax(l): at l = 0, d/dl_j = p_j (j − 1) = (j − 1)/3."""
    net = NetGraph({"p": SoftmaxLayer(), "c": RandomArrayLayer(CategoricalDistribution("#p")),
                    "value": EmbeddingLayer(1, 3, weights=torch.tensor([[0.0], [1.0], [2.0]]))},
                   [(NetPort("Input"), "p", "c", "value")], Input=3)
    mean, error = _mean_and_error(net_port_gradient(net, torch.zeros(30_000, 3), seed=2))
    assert (error < 0.003).all() and ((mean - torch.tensor([-1 / 3, 0.0, 1 / 3])).abs() < 5 * error).all()


def test_one_example_is_scored_by_its_own_output_and_leaves_no_state():
    """Alone, an example's score has no baseline (no other examples, no running mean kept between calls): the draw N
    times d/dλ log p(N) = N·(N/λ − 1), the same at every call with the same seed."""
    net = NetGraph({"x": RandomArrayLayer(PoissonDistribution("#a"))}, [], a=())
    lam = torch.tensor([2.5])
    drawn = net({"a": lam}, seed=0)
    first = net_port_gradient(net, {"a": lam}, seed=0)
    assert drawn.item() > 0 and torch.allclose(first, drawn * (drawn / 2.5 - 1))
    assert torch.equal(net_port_gradient(net, {"a": lam}, seed=0), first)
