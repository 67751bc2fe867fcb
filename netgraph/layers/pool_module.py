"""PoolingLayer's module (the interpreter's pooling) and its "Total", a sum pool: torch's average pooling with
divisor 1 (``divisor_override``, 2-D and 3-D; 1-D through the 2-D form, a window one row high), so that each output
is the window's sum itself (padding adds zeros), not its mean times the window's size (rounded twice)."""

from __future__ import annotations

import math
from typing import Any

import torch
import torch.nn.functional as F

from netgraph.layers._modules import LayerModule

__all__ = ["PoolModule", "sum_pool", "sum_pool_code"]


def sum_pool(x: torch.Tensor, kernel: tuple, stride: tuple, padding: tuple) -> torch.Tensor:
    """The sum of each window of ``x`` (batch, channels, *spatial), zeros padded: the interpreter's "Total"."""
    if len(kernel) == 1:
        return F.avg_pool2d(x.unsqueeze(-2), (1, *kernel), (1, *stride), (0, *padding), False, True, 1).squeeze(-2)
    return (F.avg_pool2d if len(kernel) == 2 else F.avg_pool3d)(x, kernel, stride, padding, False, True, 1)


def sum_pool_code(x: str, kernel: tuple, stride: tuple, padding: tuple) -> str:
    """The compiled forward's "Total" of variable ``x``: the sum pool, but under ``torch.jit`` (the ONNX export,
    whose AveragePool has no divisor 1 and which ``import_onnx`` reads back as a Total) the mean times the window's
    size."""
    d = len(kernel)
    mean = f"F.avg_pool{d}d({x}, {kernel}, {stride}, {padding}, False, True) * {math.prod(kernel)}"
    if d == 1:
        total = f"F.avg_pool2d({x}.unsqueeze(-2), {(1, *kernel)}, {(1, *stride)}, {(0, *padding)}, False, True, 1)" \
                f".squeeze(-2)"
    else:
        total = f"F.avg_pool{d}d({x}, {kernel}, {stride}, {padding}, False, True, 1)"
    return f"({mean} if torch.jit.is_tracing() else {total})"


class PoolModule(LayerModule):
    def __init__(self, function: str, d: int, kernel: tuple, stride: tuple, padding: tuple, dilation: tuple,
                 ceil_mode: bool):
        super().__init__()
        self.function, self.kernel, self.stride, self.padding = function, kernel, stride, padding
        self.dilation, self.ceil_mode, self.dims = dilation, ceil_mode, d

    @property
    def max(self) -> Any:  # looked up, not kept: F.max_pool2d is a local function pickle cannot name
        return (F.max_pool1d, F.max_pool2d, F.max_pool3d)[self.dims - 1]

    @property
    def avg(self) -> Any:
        return (F.avg_pool1d, F.avg_pool2d, F.avg_pool3d)[self.dims - 1]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.function == "Max":
            return self.max(x, self.kernel, self.stride, self.padding, self.dilation, self.ceil_mode)
        if self.function == "Total":
            if torch.jit.is_tracing():  # as the compiled forward (sum_pool_code)
                return self.avg(x, self.kernel, self.stride, self.padding, False, True) * math.prod(self.kernel)
            return sum_pool(x, self.kernel, self.stride, self.padding)
        return self.avg(x, self.kernel, self.stride, self.padding, self.ceil_mode, False)
