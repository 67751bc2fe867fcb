"""PoolingLayer's module (the interpreter's pooling) and its "Total", a sum pool: torch's average pooling with
divisor 1 (``divisor_override``, 2-D and 3-D; 1-D through the 2-D form, a window one row high), so that each output
is the window's sum itself (padding adds zeros), not its mean times the window's size (rounded twice)."""

from __future__ import annotations

import math
from typing import Any

import torch
import torch.nn.functional as F

from netgraph.core.tracing import JIT_TRACING_CODE, jit_tracing
from netgraph.layers._modules import LayerModule

__all__ = ["PoolModule", "sum_pool", "sum_pool_code", "total_pool"]


def sum_pool(x: torch.Tensor, kernel: tuple, stride: tuple, padding: tuple) -> torch.Tensor:
    """The sum of each window of ``x`` (batch, channels, *spatial), zeros padded: the interpreter's "Total"."""
    function, args, one_row = _sum_call(kernel, stride, padding)
    out = getattr(F, function)(x.unsqueeze(-2) if one_row else x, *args)
    return out.squeeze(-2) if one_row else out


def total_pool(x: torch.Tensor, kernel: tuple, stride: tuple, padding: tuple) -> torch.Tensor:
    """The "Total" pool: the sum pool, but under ``torch.jit`` (the ONNX export, whose AveragePool has no divisor 1
    and which ``import_onnx`` reads back as a Total) the mean times the window's size; ``sum_pool_code`` inline."""
    if jit_tracing():
        function, args = _mean_call(kernel, stride, padding)
        return getattr(F, function)(x, *args) * math.prod(kernel)
    return sum_pool(x, kernel, stride, padding)


def sum_pool_code(x: str, kernel: tuple, stride: tuple, padding: tuple) -> str:
    """The compiled forward's "Total" of variable ``x``: ``total_pool`` written inline (no call per forward)."""
    function, args, one_row = _sum_call(kernel, stride, padding)
    total = f"F.{function}({x}.unsqueeze(-2), {_listed(args)}).squeeze(-2)" if one_row else \
        f"F.{function}({x}, {_listed(args)})"
    function, args = _mean_call(kernel, stride, padding)
    return f"(F.{function}({x}, {_listed(args)}) * {math.prod(kernel)} if {JIT_TRACING_CODE} else {total})"


def _sum_call(kernel: tuple, stride: tuple, padding: tuple) -> tuple[str, tuple, bool]:
    """torch's sum pool: the name of the average pool in ``F`` with divisor 1, its arguments after the input, and
    whether the input passes as one row (1-D through the 2-D pool, a window one row high: avg_pool1d has no
    divisor)."""
    if len(kernel) == 1:
        return "avg_pool2d", ((1, *kernel), (1, *stride), (0, *padding), False, True, 1), True
    return f"avg_pool{len(kernel)}d", (kernel, stride, padding, False, True, 1), False


def _mean_call(kernel: tuple, stride: tuple, padding: tuple) -> tuple[str, tuple]:
    """The average pool in ``F`` (zeros padded, counted) and its arguments after the input."""
    return f"avg_pool{len(kernel)}d", (kernel, stride, padding, False, True)


def _listed(args: tuple) -> str:
    return ", ".join(map(repr, args))


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
            return total_pool(x, self.kernel, self.stride, self.padding)
        return self.avg(x, self.kernel, self.stride, self.padding, self.ceil_mode, False)
