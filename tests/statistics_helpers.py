"""Statistical checks the random-layer tests share: means with their standard errors, and a Monte Carlo KL against
its closed form in value and gradient."""

from __future__ import annotations

import math

import torch

from netgraph import KLDivergenceLayer, NetGraph


def mean_and_se(values: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """The mean over the first dim (the draws) and its standard error, in float64."""
    values = values.double()
    return values.mean(0), values.std(0) / math.sqrt(values.shape[0])


def assert_monte_carlo_kl_matches_closed_form(p, q, port: int | tuple, draws: int, value: float = 0.02) -> None:
    """KLDivergenceLayer(p, q) by Monte Carlo (4 samples) over ``draws`` examples of port ``a`` (shape ``port``) all at
    ``value``, against the closed form in float64: the mean value, and the mean per-example gradient, each within 4
    standard errors."""
    closed = NetGraph({"kl": KLDivergenceLayer(p, q)}, [], a=port).compile()
    monte_carlo = NetGraph({"kl": KLDivergenceLayer(p, q, method="monte_carlo", samples=4)}, [], a=port).compile()
    size = () if port == () else (port,)
    exact = torch.full((1, *size), value, dtype=torch.float64, requires_grad=True)
    exact_kl = closed.double()(a=exact)
    exact_kl.sum().backward()
    a = torch.full((draws, *size), value, requires_grad=True)
    torch.manual_seed(2)
    kl = monte_carlo(a=a)
    kl.sum().backward()
    mean, mean_se = mean_and_se(kl.detach())
    assert abs(mean - exact_kl.item()) < 4 * mean_se, (mean, exact_kl.item(), mean_se)
    grad, grad_se = mean_and_se(a.grad)
    assert bool(((grad - exact.grad[0]).abs() < 4 * grad_se).all()), (grad, exact.grad, grad_se)
