"""Wolfram's Perplexity as a torchmetrics metric: exp of the mean cross-entropy (natural log) per class vector,
accumulated exactly over batches (the summed cross-entropy and the count), for index or probability targets."""

from __future__ import annotations

from typing import Any

import torch

__all__ = ["perplexity_metric", "cross_entropies"]


def cross_entropies(probs: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """-log p[target] of each class vector of ``probs`` (..., k); ``target`` class indices (...) or probabilities
    (..., k), whose cross-entropy is -sum t log p (a zero probability target adds nothing)."""
    log_probs = probs.double().log()
    if target.is_floating_point() and target.dim() == probs.dim():
        t = target.double()
        return -torch.where(t > 0, t * log_probs, torch.zeros_like(log_probs)).sum(-1).reshape(-1)
    return -log_probs.reshape(-1, probs.shape[-1]).gather(1, target.reshape(-1, 1).long()).reshape(-1)


def perplexity_metric() -> Any:
    """A torchmetrics Metric: ``update(probs, target)`` per batch, ``compute()`` exp(summed cross-entropy / count)."""
    import torchmetrics  # optional: the caller (netgraph.train.metrics) imports it first with the install hint

    class Perplexity(torchmetrics.Metric):
        full_state_update = False

        def __init__(self) -> None:
            super().__init__()
            self.add_state("total", torch.tensor(0.0, dtype=torch.float64), dist_reduce_fx="sum")
            self.add_state("count", torch.tensor(0, dtype=torch.long), dist_reduce_fx="sum")

        def update(self, probs: torch.Tensor, target: torch.Tensor) -> None:
            entropies = cross_entropies(probs, target)
            self.total += entropies.sum()
            self.count += entropies.numel()

        def compute(self) -> torch.Tensor:
            return torch.exp(self.total / self.count)

    return Perplexity()
