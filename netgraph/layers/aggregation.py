"""Reductions: AggregationLayer (Max, Min, Mean, Total over chosen levels) and SummationLayer (sum of all).

``AggregationLayer(f)`` reduces, as Wolfram's default, every level but the first (``"2;;"``): for a
(channels, h, w) feature map it gives one value per channel (global pooling). ``levels`` is an int,
a list of ints, or a span ``"i;;j"`` (1-based; negative from the end).

>>> AggregationLayer("Mean").levels
'2;;'
>>> AggregationLayer("Max", levels=-1).reduced(3)
(2,)
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from functools import partial
from typing import Any

import torch

from netgraph.layers._masks import MaskedFnModule, reduce
from netgraph.layers._shapes import _ShapeLayer, level_dims, levels_option
from netgraph.core.layer import EmitContext
from netgraph.core.options import Levels, Literal
from netgraph.core.errors import OptionError, did_you_mean
from netgraph.core.option_problems import option_problem
from netgraph.core.types import REAL, Conflict, PortType, format_shape

__all__ = ["AggregationLayer", "SummationLayer", "AGGREGATION"]

#: Aggregation function names -> torch method.
AGGREGATION = {"Max": "amax", "Min": "amin", "Mean": "mean", "Total": "sum"}


class _Reduction(_ShapeLayer):
    def declared_types(self) -> dict[str, PortType]:
        return {"Input": PortType(None, REAL), "Output": PortType(None, REAL)}


@dataclasses.dataclass(frozen=True, eq=False, repr=False)
class AggregationLayer(_Reduction):
    """Reduces ``levels`` of each example with ``function`` ("Max", "Min", "Mean" or "Total")."""

    function: Literal["Max", "Min", "Mean", "Total"] = "Max"
    levels: Levels = "2;;"
    POSITIONAL = "function"
    POSITIONALS = ("function", "levels")

    def normalize(self) -> dict[str, Any]:
        if self.function not in AGGREGATION:
            option_problem(OptionError(f"AggregationLayer: unknown function {self.function!r}"
                                       f"{did_you_mean(self.function, AGGREGATION)}; use one of "
                                       f"{', '.join(AGGREGATION)}", option="function", expected=list(AGGREGATION),
                                       found=self.function), None)
        return {"levels": levels_option(self.levels, "AggregationLayer")}

    def reduced(self, rank: int) -> tuple[int, ...]:
        """The 0-based non-batch dims reduced for an input of ``rank``; Conflict when none or out of range."""
        return level_dims(self.levels, rank)

    def forward_shape(self, shape: tuple | None) -> tuple | None:
        if shape is None:
            return None
        dims = self.reduced(len(shape))
        return tuple(d for i, d in enumerate(shape) if i not in dims)

    def backward_shape(self, out: tuple | None, shape: tuple | None) -> tuple | None:
        if out is None or shape is None:
            return None
        dims = self.reduced(len(shape))
        if len(out) != len(shape) - len(dims):
            raise Conflict(f"port 'Output' {format_shape(out)} does not fit port 'Input' {format_shape(shape)} "
                           f"reduced over levels {self.levels!r}",
                           port="Output", expected=len(shape) - len(dims), found=out)
        kept = iter(out)
        return tuple(None if i in dims else next(kept) for i in range(len(shape)))

    def _torch_dims(self, types: Mapping[str, PortType]) -> tuple[int, ...]:
        return tuple(d + 1 for d in self.reduced(len(types["Input"].shape)))

    def build(self, types: Mapping[str, PortType]) -> torch.nn.Module:
        dims, method = self._torch_dims(types), AGGREGATION[self.function]
        return MaskedFnModule(partial(getattr(torch, method), dim=dims), partial(reduce, method=method, dims=dims))

    def masking(self, types: Mapping[str, PortType]) -> str:
        """Padded sequences: a reduction over the sequence skips the padding; one over other levels is pointwise."""
        return "masked" if 1 in self._torch_dims(types) else "pointwise"

    def emit(self, ctx: EmitContext) -> str:
        return f"{ctx.args[0]}.{AGGREGATION[self.function]}({self._torch_dims(ctx.types)})"


@dataclasses.dataclass(frozen=True, eq=False, repr=False)
class SummationLayer(_Reduction):
    """The sum of all elements of each example: ``Output`` is a scalar ``()``."""

    def forward_shape(self, shape: tuple | None) -> tuple | None:
        return ()

    def build(self, types: Mapping[str, PortType]) -> torch.nn.Module:
        return MaskedFnModule(_sum_all, _sum_real)

    def masking(self, types: Mapping[str, PortType]) -> str:
        return "masked"

    def emit(self, ctx: EmitContext) -> str:
        if len(ctx.types["Input"].shape) == 1:  # (batch, n) already: no reshape needed
            return f"{ctx.args[0]}.sum(1)"
        return f"{ctx.args[0]}.unsqueeze(-1).flatten(1).sum(1)"


def _sum_all(x: torch.Tensor) -> torch.Tensor:
    return x.unsqueeze(-1).flatten(1).sum(1)  # not reshape(batch, -1): ambiguous for a batch of 0


def _sum_real(x: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
    return reduce(x, lengths, "sum", tuple(range(1, x.dim())))
