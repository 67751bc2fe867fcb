"""Batch normalisation with its batch statistics shared across the processes of a distributed run.

torch's ``SyncBatchNorm`` runs on GPUs only (its forward refuses CPU tensors, so gloo cannot use it). Here each
process sums its values per channel and all the sums are added up by an all-reduce whose backward adds up the
gradients in turn (``_AllSum``, as torch's deprecated ``torch.distributed.nn.functional.all_reduce``): the mean and variance are the whole batch's, on every
process, and each process's gradients take in the other processes' examples through them (DDP then averages, as
for the rest of the net). Two exchanges per layer and step: the sums (and counts), then the squared deviations
from the whole batch's mean (no loss of precision for data far from 0, as sum-of-squares minus squared mean has).

``BatchStatsSync`` is what a net's synced batch-norm modules share: the process group, and whether this process's
batch holds examples (a process given a stand-in example of a small last batch counts none of it).
"""

from __future__ import annotations

import dataclasses
from typing import Any

import torch

__all__ = ["BatchStatsSync", "synced_batch_norm"]


@dataclasses.dataclass
class BatchStatsSync:
    """The process group to share batch statistics in (None: the default one), and whether this process's
    current batch counts (False for a stand-in example, weighted 0)."""

    group: Any = None
    counts: bool = True


class _AllSum(torch.autograd.Function):
    """The sum of ``t`` over the processes of ``group``; its gradient is the sum of the processes' gradients."""

    @staticmethod
    def forward(ctx: Any, t: torch.Tensor, group: Any) -> torch.Tensor:
        ctx.group = group
        out = t.clone()
        torch.distributed.all_reduce(out, group=group)
        return out

    @staticmethod
    def backward(ctx: Any, grad: torch.Tensor) -> tuple[torch.Tensor, None]:
        return _AllSum.apply(grad, ctx.group), None


def _all_sum(t: torch.Tensor, group: Any) -> torch.Tensor:
    return _AllSum.apply(t, group)


def synced_batch_norm(m: Any, x: torch.Tensor, sync: BatchStatsSync) -> torch.Tensor:
    """``m``'s training-mode batch norm of ``x`` with the whole distributed batch's statistics; updates ``m``'s
    moving mean and variance (the unbiased variance, as torch) as one process on the whole batch would: not at all
    when the whole batch holds one value per channel (which then normalises to ``Biases``)."""
    dims, view = [0, *range(2, x.dim())], (1, -1) + (1,) * (x.dim() - 2)
    keep = 1.0 if sync.counts else 0.0
    count = x.new_tensor([x.numel() // x.shape[1] * keep])
    totals = _all_sum(torch.cat([x.sum(dims) * keep, count]), sync.group)
    n = totals[-1]
    mean = totals[:-1] / n
    centered = x - mean.view(view)
    var = _all_sum((centered * centered).sum(dims) * keep, sync.group) / n
    out = centered * torch.rsqrt(var + m.epsilon).view(view) * m.Scaling.view(view) + m.Biases.view(view)
    with torch.no_grad():  # no update from one value per channel; no n.item(): a GPU would wait for it each time
        n, step = n.detach(), (n.detach() > 1) * m.momentum
        m.MovingMean.lerp_(mean.detach().to(m.MovingMean.dtype), step.to(m.MovingMean.dtype))
        unbiased = var.detach() * (n / (n - 1).clamp_min(1))
        m.MovingVariance.lerp_(unbiased.to(m.MovingVariance.dtype), step.to(m.MovingVariance.dtype))
    return out
