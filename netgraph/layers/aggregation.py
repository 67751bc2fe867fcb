"""Reductions: AggregationLayer (Max, Min, Mean, Total, and Wolfram's Times, Median, Variance, StandardDeviation,
MeanDeviation and InterquartileRange over chosen levels) and SummationLayer (sum of all).

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
import math
from collections.abc import Mapping
from functools import partial
from typing import Any

import torch

from netgraph.layers._masks import MaskedFnModule, reduce
from netgraph.layers._reshape_dims import fixed_sizes
from netgraph.layers._shapes import FnModule, _ShapeLayer, level_dims, levels_option
from netgraph.core.layer import EmitContext
from netgraph.core.options import Levels, Literal
from netgraph.core.errors import OptionError, did_you_mean
from netgraph.core.option_problems import option_problem
from netgraph.core.naming_scope import quoted
from netgraph.core.conflicts import Conflict
from netgraph.core.types import REAL, PortType, format_shape

__all__ = ["AggregationLayer", "SummationLayer", "AGGREGATION"]

#: Aggregation function names -> torch method (reducing several dims at once; over a padded sequence too).
AGGREGATION = {"Max": "amax", "Min": "amin", "Mean": "mean", "Total": "sum"}
#: The mean of the two middle elements of the sorted ``s`` (the middle one twice for an odd count); sort, not
#: quantile, which takes neither float16 nor bfloat16 nor more than 2^24 elements.
_MIDDLES = "(s[..., (s.shape[-1] - 1) // 2] + s[..., s.shape[-1] // 2]) / 2"
_MEDIAN_CODE = f"(lambda s: {_MIDDLES})({{y}}.sort(-1).values)"


def _quartile_code(k: int) -> str:
    """Code of Wolfram's Quantile[s, k/4, {{1/2, 0}, {0, 1}}] (its Quartiles' default) of the sorted last dim of
    ``s``: at the 1-based position x = n k/4 + 1/2 = (k n + 2)/4, linear between the elements at Floor[x] and
    Floor[x] + 1, positions below 1 or above n taken as the first or last element: those of ``p``, ``s`` with its
    ends repeated (p[i] is s's i-th, 1-based, for i in 0..n+1), so that no index needs a clamp (Python's max/min of a
    size would freeze at the length traced)."""
    floor = f"({k} * s.shape[-1] + 2) // 4"
    return f"(p[..., {floor}] + (p[..., {floor} + 1] - p[..., {floor}]) * (({k} * s.shape[-1] + 2) % 4 / 4))"


_ENDS_REPEATED = "torch.cat([s[..., :1], s, s[..., -1:]], -1)"
_INTERQUARTILE_CODE = (f"(lambda s: (lambda p: {_quartile_code(3)} - {_quartile_code(1)})({_ENDS_REPEATED}))"
                       "({y}.sort(-1).values)")
#: Wolfram's other aggregation functions -> code reducing the last dim of ``{y}``, the reduced dims flattened there
#: (Variance and StandardDeviation divide by n - 1, Median of an even count is the mean of the two middle elements,
#: MeanDeviation is the mean distance from the mean, InterquartileRange the third quartile less the first, with
#: Wolfram's default quartiles {{1/2, 0}, {0, 1}}: numpy's "hazen" quantiles, as Wolfram's).
FLATTENED = {"Times": "{y}.prod(-1)", "Variance": "{y}.var(-1)", "StandardDeviation": "{y}.std(-1)",
             "Median": _MEDIAN_CODE, "MeanDeviation": "({y} - {y}.mean(-1, keepdim=True)).abs().mean(-1)",
             "InterquartileRange": _INTERQUARTILE_CODE}
_SPREADS = ("Variance", "StandardDeviation")  # undefined for one element (n - 1 = 0)


class _Reduction(_ShapeLayer):
    moved_inputs = ()  # sums, means, maxima ...: new values (no index range carried)

    def declared_types(self) -> dict[str, PortType]:
        return {"Input": PortType(None, REAL), "Output": PortType(None, REAL)}


@dataclasses.dataclass(frozen=True, eq=False, repr=False)
class AggregationLayer(_Reduction):
    """Reduces ``levels`` of each example with ``function`` ("Max", "Min", "Mean", "Total", "Times", "Median",
    "Variance", "StandardDeviation", "MeanDeviation" or "InterquartileRange": Wolfram's default quartiles
    {{1/2, 0}, {0, 1}}, linear between the elements around position n q + 1/2).

    >>> import torch
    >>> x = torch.tensor([[1.0, 5.0], [3.0, 2.0]])  # one example, no batch dim
    >>> AggregationLayer("Max")(x), AggregationLayer("Mean", 1)(x)  # over levels 2;; (the default), over level 1
    (tensor([5., 3.]), tensor([2.0000, 3.5000]))
    """

    function: Literal["Max", "Min", "Mean", "Total", "Times", "Median", "Variance", "StandardDeviation",
                      "MeanDeviation", "InterquartileRange"] = "Max"
    levels: Levels = "2;;"
    POSITIONAL = "function"
    POSITIONALS = ("function", "levels")

    def normalize(self) -> dict[str, Any]:
        if self.function not in (functions := [*AGGREGATION, *FLATTENED]):
            option_problem(OptionError(f"AggregationLayer: unknown function {quoted(self.function)}"
                                       f"{did_you_mean(self.function, functions)}; use one of "
                                       f"{', '.join(functions)}", option="function", expected=functions,
                                       found=self.function), None)
        return {"levels": levels_option(self.levels, "AggregationLayer")}

    def reduced(self, rank: int) -> tuple[int, ...]:
        """The 0-based non-batch dims reduced for an input of ``rank``; Conflict when none or out of range."""
        return level_dims(self.levels, rank)

    def forward_shape(self, shape: tuple | None) -> tuple | None:
        if shape is None:
            return None
        dims = self.reduced(len(shape))
        if self.function in _SPREADS and all(isinstance(shape[i], int) for i in dims) and \
                math.prod(shape[i] for i in dims) == 1:
            raise Conflict(f"{self.function} needs 2 or more elements (it divides by n - 1, as Wolfram's), found 1 "
                           f"in levels {self.levels!r} of {format_shape(shape)}", port="Input",
                           expected="2 or more elements", found=1)
        return tuple(d for i, d in enumerate(shape) if i not in dims)

    def least_lengths(self, types: Mapping[str, PortType]) -> dict[str, tuple[int, str]]:
        """A variable length that Variance or StandardDeviation reduces alone needs 2 (checked per call)."""
        shape = types["Input"].shape
        if self.function not in _SPREADS or shape is None:
            return {}
        sizes = [shape[i] for i in self.reduced(len(shape))]
        names = [d for d in sizes if isinstance(d, str)]
        if len(names) != 1 or math.prod(d for d in sizes if isinstance(d, int)) != 1:
            return {}
        return {names[0]: (2, f"{self.function} divides by n - 1 (of one element it is undefined, as in Wolfram)")}

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
        dims = self._torch_dims(types)
        if self.function in FLATTENED:
            return FnModule(partial(_flattened, dims=dims, function=self.function))
        method = AGGREGATION[self.function]
        return MaskedFnModule(partial(getattr(torch, method), dim=dims), partial(reduce, method=method, dims=dims))

    def masking(self, types: Mapping[str, PortType]) -> str:
        """Padded sequences: a reduction over the sequence skips the padding (Wolfram's other functions run by
        length groups); one over other levels is pointwise."""
        if 1 not in self._torch_dims(types):
            return "pointwise"
        return "unaware" if self.function in FLATTENED else "masked"

    def emit(self, ctx: EmitContext) -> str:
        dims = self._torch_dims(ctx.types)
        if self.function in FLATTENED:
            return FLATTENED[self.function].format(y=_flattened_code(ctx.args[0], dims, ctx.types["Input"].shape,
                                                                     ctx.local))
        return f"{ctx.args[0]}.{AGGREGATION[self.function]}({dims})"


def _flattened_code(x: str, dims: tuple[int, ...], shape: tuple = (), local: Any = None) -> str:
    """Code of ``x`` (examples of ``shape``) with its ``dims`` moved to the end and merged into one, their sizes
    written out where they are fixed (through ``local()``, a fresh variable): torch exports ``flatten`` as a Reshape
    to (..., -1), which onnxruntime refuses on a batch of 0. One dim is moved alone (nothing to merge); merged dims
    of a variable size are still flattened (a product of sizes read is a -1 again after onnxruntime's fusion).

    >>> _flattened_code("x", (1,), ("n", 3))
    'x.movedim((1,), (-1,))'
    >>> _flattened_code("x", (1, 3), ("n", 4, 5), lambda hint: f"x_{hint}")
    'x.movedim((1, 3), (-2, -1)).flatten(-2)'
    >>> _flattened_code("x", (2, 3), ("n", 4, 5), lambda hint: f"x_{hint}")
    '(x_moved := x.movedim((2, 3), (-2, -1))).reshape(x_moved.shape[0], x_moved.shape[1], 20)'
    """
    ends = tuple(range(-len(dims), 0))
    moved = f"{x}.movedim({dims}, {ends})"
    if len(dims) == 1:
        return moved
    merged = [shape[d - 1] for d in dims] if shape else ["?"]
    if local is None or not all(isinstance(d, int) for d in merged):
        return f"{moved}.flatten({ends[0]})"
    name, kept = local("moved"), [d for i, d in enumerate(shape, 1) if i not in dims]
    sizes = [f"{name}.shape[0]", *fixed_sizes(name, kept, 1)]
    return f"({name} := {moved}).reshape({', '.join(sizes)}, {math.prod(merged)})"


def _flattened(x: torch.Tensor, dims: tuple[int, ...], function: str) -> torch.Tensor:
    """Wolfram's ``function`` over ``dims`` of ``x`` (the reference path of ``FLATTENED``'s code)."""
    y = x.movedim(dims, tuple(range(-len(dims), 0))).flatten(-len(dims))
    if function == "Times":
        return y.prod(-1)
    if function in _SPREADS:
        return y.var(-1) if function == "Variance" else y.std(-1)
    if function == "Median":
        s = y.sort(-1).values
        return (s[..., (s.shape[-1] - 1) // 2] + s[..., s.shape[-1] // 2]) / 2
    if function == "InterquartileRange":
        s = y.sort(-1).values
        return _quartile(s, 3) - _quartile(s, 1)
    return (y - y.mean(-1, keepdim=True)).abs().mean(-1)


def _quartile(s: torch.Tensor, k: int) -> torch.Tensor:
    """Wolfram's k-th quartile of the sorted last dim of ``s`` (the reference path of ``_quartile_code``)."""
    n = s.shape[-1]
    floor, fraction = divmod(k * n + 2, 4)
    low, high = s[..., max(floor, 1) - 1], s[..., min(floor, n - 1)]
    return low + (high - low) * (fraction / 4)


@dataclasses.dataclass(frozen=True, eq=False, repr=False)
class SummationLayer(_Reduction):
    """The sum of all elements of each example: ``Output`` is a scalar ``()``.

    >>> import torch
    >>> from netgraph import NetGraph
    >>> NetGraph(SummationLayer(), Input=(2, 3))(torch.ones(4, 2, 3))  # a batch of 4
    tensor([6., 6., 6., 6.])
    """

    def forward_shape(self, shape: tuple | None) -> tuple | None:
        return ()

    def build(self, types: Mapping[str, PortType]) -> torch.nn.Module:
        return MaskedFnModule(_sum_all, _sum_real)

    def masking(self, types: Mapping[str, PortType]) -> str:
        return "masked"

    def emit(self, ctx: EmitContext) -> str:
        rank = len(ctx.types["Input"].shape)
        if rank == 0:  # a scalar per example: its own sum
            return f"{ctx.args[0]}.unsqueeze(-1).sum(1)"
        return f"{ctx.args[0]}.sum({tuple(range(1, rank + 1))})"


def _sum_all(x: torch.Tensor) -> torch.Tensor:
    # over the dims after the batch, not flatten(1): ONNX's Flatten of a variable-length dim could not be imported,
    # and not reshape(batch, -1): ambiguous for a batch of 0
    return x.unsqueeze(-1).sum(tuple(range(1, x.dim() + 1)))


def _sum_real(x: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
    return reduce(x, lengths, "sum", tuple(range(1, x.dim())))
