"""A discrete RandomArrayLayer's training step next to the same leave-one-out estimator written by hand.

Each case draws a (batch, width) array from a distribution whose parameter comes from a trainable logit
array, takes a per-example loss, adds the score-function surrogate with the leave-one-out baseline and
backpropagates. Ours is a compiled NetGraph and ``module.surrogate_loss``; the handwritten twin draws with
the same torch sampler and writes the log-mass as a user would (no guards at the boundary values).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch

from netgraph import (BernoulliDistribution, BinomialDistribution, NegativeBinomialDistribution, NetGraph,
                      PoissonDistribution, RandomArrayLayer)

__all__ = ["CASES", "Case", "ours_step", "hand_step"]

N_TRIALS, N_SUCCESSES = 10.0, 3.0


def _negative_binomial(n: torch.Tensor, p: torch.Tensor) -> torch.Tensor:
    return torch.poisson(torch._standard_gamma(n) * (1 - p) / p)


@dataclass(frozen=True)
class Case:
    """One distribution: its netgraph layer, the parameter made from the logits, and the torch twin."""

    name: str
    layer: Callable[[], RandomArrayLayer]
    param: Callable[[torch.Tensor], torch.Tensor]  # logits -> the distribution parameter fed to '#p'
    draw: Callable[[torch.Tensor], torch.Tensor]  # handwritten sampler (no grad)
    log_mass: Callable[[torch.Tensor, torch.Tensor], torch.Tensor]  # handwritten log p(x | parameter)


CASES = [
    Case("Bernoulli", lambda: RandomArrayLayer(BernoulliDistribution("#p")), torch.sigmoid, torch.bernoulli,
         lambda x, p: x * torch.log(p) + (1 - x) * torch.log1p(-p)),
    Case("Binomial", lambda: RandomArrayLayer(BinomialDistribution(N_TRIALS, "#p")), torch.sigmoid,
         lambda p: torch.binomial(torch.full_like(p, N_TRIALS), p),
         lambda x, p: (torch.lgamma(torch.tensor(N_TRIALS + 1)) - torch.lgamma(x + 1) - torch.lgamma(N_TRIALS - x + 1)
                       + x * torch.log(p) + (N_TRIALS - x) * torch.log1p(-p))),
    Case("Poisson", lambda: RandomArrayLayer(PoissonDistribution("#p")), torch.exp, torch.poisson,
         lambda x, mu: x * torch.log(mu) - mu - torch.lgamma(x + 1)),
    Case("NegativeBinomial", lambda: RandomArrayLayer(NegativeBinomialDistribution(N_SUCCESSES, "#p")),
         torch.sigmoid, lambda p: _negative_binomial(torch.full_like(p, N_SUCCESSES), p),
         lambda x, p: (torch.lgamma(x + N_SUCCESSES) - torch.lgamma(torch.tensor(N_SUCCESSES)) - torch.lgamma(x + 1)
                       + N_SUCCESSES * torch.log(p) + x * torch.log1p(-p))),
]


def _per_example_loss(x: torch.Tensor) -> torch.Tensor:
    return (x - 1.5).square().mean(1)


def ours_step(case: Case, logits: torch.Tensor) -> Callable[[], None]:
    """One step through the compiled layer and ``module.surrogate_loss`` (the default estimator)."""
    module = NetGraph([case.layer()], [], p=logits.shape[1]).compile()

    def step() -> None:
        logits.grad = None
        losses = _per_example_loss(module(p=case.param(logits)))
        (losses.mean() + module.surrogate_loss(losses)).backward()
    return step


def hand_step(case: Case, logits: torch.Tensor) -> Callable[[], None]:
    """The same step written by hand: draw, log-mass, leave-one-out advantage, surrogate."""
    def step() -> None:
        logits.grad = None
        param = case.param(logits)
        with torch.no_grad():
            x = case.draw(param)
        log_p = case.log_mass(x, param).sum(1)
        losses = _per_example_loss(x)
        n = losses.shape[0]
        advantage = (losses - (losses.sum() - losses) / (n - 1)) / n
        (losses.mean() + (advantage * (log_p - log_p.detach())).sum()).backward()
    return step
