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

__all__ = ["BatchStatsSync", "synced_batch_norm", "synced_torch_batch_norm"]


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


def _whole_batch(x: torch.Tensor, sync: BatchStatsSync) -> tuple[torch.Tensor, ...]:
    """``x`` centred by the whole distributed batch's mean, that mean, its (biased) variance and the example count."""
    dims, view = [0, *range(2, x.dim())], (1, -1) + (1,) * (x.dim() - 2)
    keep = 1.0 if sync.counts else 0.0
    count = x.new_tensor([x.numel() // x.shape[1] * keep])
    totals = _all_sum(torch.cat([x.sum(dims) * keep, count]), sync.group)
    n = totals[-1]
    mean = totals[:-1] / n
    centered = x - mean.view(view)
    var = _all_sum((centered * centered).sum(dims) * keep, sync.group) / n
    return centered, mean, var, n.detach()


@torch.no_grad()
def _move(moving_mean: torch.Tensor, moving_var: torch.Tensor, mean: torch.Tensor, var: torch.Tensor,
          n: torch.Tensor, momentum: Any) -> None:
    """The moving statistics moved by the whole batch's (the unbiased variance, as torch): not at all when the whole
    batch holds one value per channel; no ``n.item()``: a GPU would wait for it each time."""
    step = (n > 1) * momentum
    moving_mean.lerp_(mean.detach().to(moving_mean.dtype), step.to(moving_mean.dtype))
    unbiased = var.detach() * (n / (n - 1).clamp_min(1))
    moving_var.lerp_(unbiased.to(moving_var.dtype), step.to(moving_var.dtype))


def synced_batch_norm(m: Any, x: torch.Tensor, sync: BatchStatsSync) -> torch.Tensor:
    """``m``'s training-mode batch norm of ``x`` with the whole distributed batch's statistics; updates ``m``'s
    moving mean and variance as one process on the whole batch would (a whole batch of one value per channel
    normalises to ``Biases``)."""
    view = (1, -1) + (1,) * (x.dim() - 2)
    centered, mean, var, n = _whole_batch(x, sync)
    out = centered * torch.rsqrt(var + m.epsilon).view(view)
    out = out if m.Scaling is None else out * m.Scaling.view(view)  # None: scaling=False
    out = out if m.Biases is None else out + m.Biases.view(view)
    _move(m.MovingMean, m.MovingVariance, mean, var, n, m.momentum)
    return out


def synced_torch_batch_norm(m: torch.nn.modules.batchnorm._BatchNorm, x: torch.Tensor,
                            sync: BatchStatsSync) -> torch.Tensor:
    """A torch batch norm's forward (``nn.BatchNorm1d``, ... inside a TorchLayer) with the whole distributed batch's
    statistics in training, as torch's own forward on the whole batch; its own forward in evaluation."""
    if not m.training:
        return type(m).forward(m, x)
    m._check_input_dim(x)
    view = (1, -1) + (1,) * (x.dim() - 2)
    centered, mean, var, n = _whole_batch(x, sync)
    out = centered * torch.rsqrt(var + m.eps).view(view)
    if m.weight is not None:
        out = out * m.weight.view(view) + m.bias.view(view)
    if m.track_running_stats and m.running_mean is not None:
        m.num_batches_tracked.add_(1)
        momentum = 1.0 / m.num_batches_tracked if m.momentum is None else m.momentum  # None: cumulative average
        _move(m.running_mean, m.running_var, mean, var, n, momentum)
    return out
