"""Sequence functions that honour lengths: for a batch padded to its longest sequence (``netgraph.backend.masks``).

``x`` is (batch, longest, ...) and ``lengths`` (batch,) int64; what lies past a length is padding, never read
(``torch.where`` picks values, so even infinite padding leaves the results alone).

>>> x, lengths = torch.tensor([[1., 2., 9.], [3., 4., 5.]]), torch.tensor([2, 3])
>>> last(x, lengths).tolist(), reverse(x, lengths)[0, :2].tolist(), reduce(x, lengths, "amax", (1,)).tolist()
([2.0, 5.0], [2.0, 1.0], [2.0, 5.0])
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch

from netgraph.layers._modules import LayerModule

__all__ = ["real_steps", "valid", "last", "reverse", "reduce", "append", "masked_loss", "MaskedFnModule"]


def real_steps(lengths: torch.Tensor, steps: int, device: torch.device) -> torch.Tensor:
    """(batch, steps): True at each sequence's real steps, the first ``length`` of them."""
    return torch.arange(steps, device=device) < lengths.to(device).unsqueeze(1)


def valid(x: torch.Tensor, lengths: torch.Tensor, dims: int | None = None) -> torch.Tensor:
    """True at the real elements of ``x``: (batch, longest) followed by ``dims`` (default: x's other dims) ones."""
    mask = real_steps(lengths, x.shape[1], x.device)
    extra = x.dim() - 2 if dims is None else dims
    return mask.reshape(*mask.shape, *(1,) * extra)


def last(x: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
    """Each sequence's element at its length - 1."""
    return x[torch.arange(x.shape[0], device=x.device), lengths.to(x.device) - 1]


def reverse(x: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
    """Each sequence reversed within its length (the padding stays where it is)."""
    steps = torch.arange(x.shape[1], device=x.device)
    mirrored = lengths.to(x.device).unsqueeze(1) - 1 - steps
    index = torch.where(mirrored >= 0, mirrored, steps)
    return x.gather(1, index.reshape(*index.shape, *(1,) * (x.dim() - 2)).expand(x.shape))


_NEUTRAL = {"amax": -torch.inf, "amin": torch.inf, "sum": 0.0, "mean": 0.0}


def reduce(x: torch.Tensor, lengths: torch.Tensor, method: str, dims: tuple[int, ...]) -> torch.Tensor:
    """``x.<method>(dims)`` (dims of the batched tensor, 1 among them) over the real elements only."""
    kept = torch.where(valid(x, lengths), x, torch.full((), _NEUTRAL[method], dtype=x.dtype, device=x.device))
    if method != "mean":
        return getattr(kept, method)(dims)
    count = lengths.to(x.device, x.dtype)
    for d in dims:
        count = count * (x.shape[d] if d != 1 else 1)
    total = kept.sum(dims)
    return total / count.reshape(-1, *(1,) * (total.dim() - 1))


def append(x: torch.Tensor, element: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
    """``element`` put after each sequence's last real element (the result is one longer)."""
    out = torch.cat([x, element.unsqueeze(1)], 1)
    at = torch.arange(out.shape[1], device=x.device) == lengths.to(x.device).unsqueeze(1)
    return torch.where(at.reshape(*at.shape, *(1,) * (x.dim() - 2)), element.unsqueeze(1), out)


class MaskedFnModule(LayerModule):
    """Runs ``plain(*inputs)``, or ``masked(*inputs, lengths)`` when given the first input's lengths."""

    def __init__(self, plain: Callable[..., Any], masked: Callable[..., Any]):
        super().__init__()
        self.plain, self.masked = plain, masked

    def forward(self, *inputs: torch.Tensor, lengths: tuple | None = None) -> torch.Tensor:
        if not lengths or lengths[0] is None:
            return self.plain(*inputs)
        return self.masked(*inputs, lengths[0])


def masked_loss(loss: Callable[[torch.Tensor, torch.Tensor], torch.Tensor], x: torch.Tensor, t: torch.Tensor,
                lengths: torch.Tensor) -> torch.Tensor:
    """``loss`` (the mean of per-element losses of each example) over each sequence's real elements: the loss of
    every step (the padding replaced by the first step, so that it stays finite), averaged within each length."""
    batch, steps = x.shape[:2]
    x = torch.where(valid(x, lengths), x, x[:, :1])
    t = torch.where(valid(t, lengths), t, t[:, :1])
    each = loss(x.reshape(batch * steps, *x.shape[2:]), t.reshape(batch * steps, *t.shape[2:])).reshape(batch, steps)
    return torch.where(valid(each, lengths), each, 0).sum(1) / lengths.to(each.device, each.dtype)
