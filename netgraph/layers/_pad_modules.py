"""PaddingLayer's modules: F.pad (a constant, or torch's mode for a method where it fits) and the gathers
through a method's source indices (``reflect_index``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import torch
import torch.nn.functional as F

from netgraph.layers._modules import LayerModule

__all__ = ["IndexPadModule", "PadModule", "reflect_index"]


def reflect_index(n: Any, before: int, after: int, method: str, device: Any = None) -> torch.Tensor:
    """The source index of each padded position along a dim of size ``n`` (Fixed, Periodic or Reflected), on ``device``.

    ``n`` is an int or a length known only at run time (a SymInt or an fx Proxy): one formula for both, with no
    branch on it; a length of 1 reflects with a period of 1 (every index 0).

    >>> reflect_index(3, 2, 2, "Reflected").tolist(), reflect_index(3, 1, 1, "Periodic").tolist()
    ([2, 1, 0, 1, 2, 1, 0], [2, 0, 1, 2, 0])
    """
    i = torch.arange(-before, n + after, device=device)
    if method == "Fixed":
        return torch.clamp(i, torch.zeros_like(i), torch.full_like(i, n - 1))
    if method == "Periodic":
        return i % n
    period = torch.full_like(i, 2 * n - 2).clamp(min=1)
    j = i % period
    return torch.where(j < n, j, period - j)


class PadModule(LayerModule):
    """F.pad with ``value`` ("constant" mode) or another ``mode``."""

    def __init__(self, flat: tuple[int, ...], value: float | None, mode: str = "constant"):
        super().__init__()
        self.flat, self.value, self.mode = flat, value, mode

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.pad(x, self.flat, self.mode, self.value)


class IndexPadModule(LayerModule):
    """Gathers each padded dim through its source indices, made on first use (``index``) and kept; a variable
    length's (its size a name) are made from the ``length`` each call finds."""

    def __init__(self, sizes: Mapping[int, tuple[int | str, int, int]], method: str):
        super().__init__()
        self.sizes, self.method, self.cache = dict(sizes), method, {}

    def index(self, dim: int, device: torch.device, length: Any = None) -> torch.Tensor:
        size, before, after = self.sizes[dim]
        if isinstance(size, str):  # a variable length: a few small ops a call, not a cache of every length seen
            return reflect_index(length, before, after, self.method, device)
        if isinstance(device, torch.fx.Proxy):  # fx: made in its graph; a tensor made here would be a constant that
            return reflect_index(size, before, after, self.method, device)  # fx keeps as a state-dict key of the graph
        key = (dim, device)
        if key not in self.cache:
            self.cache[key] = reflect_index(size, before, after, self.method).to(device)
        return self.cache[key]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        source = x
        for dim in self.sizes:
            x = torch.index_select(x, dim, self.index(dim, x.device, source.shape[dim]))
        return x
