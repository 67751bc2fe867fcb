"""DeconvolutionLayer: the transposed convolution over 1, 2 or 3 spatial dims, channels first (as Wolfram's).

``Input`` is (channels, *spatial) and ``Output`` is (output channels, *spatial'), with
``spatial' = (spatial - 1) stride - 2 padding + dilation (kernel - 1) + 1`` (the inverse of
ConvolutionLayer's size rule). The input size is inferred back from the output size (one no input gives is a shape conflict).

>>> from netgraph import NetChain
>>> NetChain([DeconvolutionLayer(8, 4, stride=2, padding_size=1)], input=(3, 5, 5)).output_shapes
{'Output': (8, 10, 10)}
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from netgraph.core.errors import OptionError
from netgraph.core.layer import EmitContext
from netgraph.core.conflicts import Conflict
from netgraph.core.types import REAL, PortType, format_shape
from netgraph.core.length_names import shifted_length, times_length
from netgraph.layers.conv import _Channeled
from netgraph.layers._modules import LayerModule, optional_parameter, present

__all__ = ["DeconvolutionLayer"]


def _deconv_out(size: Any, k: int, s: int, p: int, d: int) -> Any:
    if not isinstance(size, int):  # a variable length "n" gives one named after it: n s + d (k - 1) - 2 p + 1 - s
        return shifted_length(times_length(size, s), d * (k - 1) - 2 * p + 1 - s)
    out = (size - 1) * s - 2 * p + d * (k - 1) + 1
    if out < 1:
        least = 1 - (d * (k - 1) - 2 * p) // s  # the smallest size (size - 1) s >= 2 p - d (k - 1) allows
        raise Conflict(f"a spatial size of {size} gives no output with kernel {k}, stride {s} and padding {p}; "
                       f"it needs at least {least}", expected=f"at least {least}", found=size)
    return out


def _deconv_in(out: Any, k: int, s: int, p: int, d: int) -> Any:
    if not isinstance(out, int):
        return times_length(shifted_length(out, 2 * p + s - 1 - d * (k - 1)), s, inverse=True)
    before_stride = out - 1 + 2 * p - d * (k - 1)
    if before_stride < 0 or before_stride % s:  # no input gives it (there is no output padding)
        base = out - before_stride  # the size an input of 1 gives; each input element more adds the stride
        first = base + s * max(0, -(-(1 - base) // s))  # the first of them above 0
        lower = out - before_stride % s
        near = f"the smallest is {first}" if out < first else f"the nearest are {lower} and {lower + s}"
        raise Conflict(f"port 'Output' has a spatial size of {out}, which no input gives with kernel {k}, stride {s}, "
                       f"padding {p} and dilation {d}: the sizes are {first}, {first + s}, {first + 2 * s}, ... ({near})",
                       port="Output", expected=f"{first}, {first + s}, {first + 2 * s}, ...", found=out)
    return before_stride // s + 1


@dataclasses.dataclass(frozen=True, eq=False, repr=False)
class DeconvolutionLayer(_Channeled):
    """``DeconvolutionLayer(n, kernel)``: a transposed convolution with n output channels.

    Options ``stride``, ``padding_size`` (removed from each side of the output), ``dilation``,
    ``channel_groups``. Arrays: ``Weights`` (in_channels, n / groups, *kernel) (torch's
    ``conv_transpose`` layout), ``Biases`` (n); none with ``biases=False``.

    >>> from netgraph import NetChain
    >>> NetChain([DeconvolutionLayer(8, 2, stride=2)], input=(16, 7, 7)).output_shapes
    {'Output': (8, 14, 14)}
    """

    OUT_SIZE = staticmethod(_deconv_out)
    IN_SIZE = staticmethod(_deconv_in)

    def normalize(self) -> dict[str, Any]:
        kernel = self._channel_options("in, out/groups", "kernel=2")
        return self._spatial_options("DeconvolutionLayer", kernel=kernel)

    def validate(self) -> None:
        w, b, groups = self.weights, self.biases, self.channel_groups
        if self.output is not None and self.output % groups:
            raise OptionError(f"DeconvolutionLayer: output= {self.output} is not divisible by channel_groups= "
                              f"{groups}", option="channel_groups",
                              expected=f"a multiple of channel_groups= {groups}",
                              found=self.output)
        if w is not None:
            if self.output is not None and w.shape[1] * groups != self.output:
                raise OptionError(f"DeconvolutionLayer: weights= gives {w.shape[1] * groups} output channels "
                                  f"(its dim 2 times channel_groups) but output= is {self.output}", option="weights",
                                  expected=self.output, found=int(w.shape[1]) * groups)
            k = self.kernel if isinstance(self.kernel, list) else [self.kernel] * (w.dim() - 2)
            if list(w.shape[2:]) != list(k):
                raise OptionError(f"DeconvolutionLayer: weights= kernel {list(w.shape[2:])} differs from kernel= {k}",
                                  option="weights",
                                  expected=list(k), found=list(w.shape[2:]))
        if isinstance(b, torch.Tensor) and (b.dim() != 1 or b.shape[0] != self.channels):
            raise OptionError(f"DeconvolutionLayer: biases= must be a vector of length {self.channels}, found "
                              f"{format_shape(tuple(b.shape))}", option="biases",
                              expected=(self.channels,), found=tuple(b.shape))

    @property
    def channels(self) -> int:
        return self.output if self.output is not None else int(self.weights.shape[1]) * self.channel_groups

    def declared_types(self) -> dict[str, PortType]:
        return {"Input": PortType(self.input, REAL), "Output": PortType(None, REAL)}

    def infer(self, types: Mapping[str, PortType]) -> dict[str, PortType]:
        in_ch = None if self.weights is None else int(self.weights.shape[0])
        self._check_weights_channels(types["Input"].shape, in_ch)
        types = self._spatial_infer(dict(types), in_ch, self.channels)
        self._check_input_channels(types["Input"].shape)
        return types

    def array_shapes(self, types: Mapping[str, PortType]) -> dict[str, tuple]:
        x = types["Input"].shape
        kernel = tuple(k for k, *_ in self._params(len(x) - 1))
        weights = (x[0], self.channels // self.channel_groups, *kernel)
        return {"Weights": weights} if self.biases is False else {"Weights": weights, "Biases": (self.channels,)}

    def init_array(self, name: str, shape: tuple, generator: torch.Generator) -> torch.Tensor:
        if name == "Biases":
            return torch.zeros(shape)
        fan_in = max(1, shape[0] * int(torch.tensor(shape[2:]).prod()) // self.channel_groups)
        return (torch.rand(shape, generator=generator) * 2 - 1) * (3.0 / fan_in) ** 0.5

    def _args(self, types: Mapping[str, PortType]) -> tuple:
        params = self._params(self._dims(types))
        stride, padding, dilation = (tuple(q[i] for q in params) for i in (1, 2, 3))
        return stride, padding, (0,) * len(params), self.channel_groups, dilation

    def build(self, types: Mapping[str, PortType]) -> nn.Module:
        return DeconvModule(self.weights, present(self.biases), self._dims(types), *self._args(types))

    def emit(self, ctx: EmitContext) -> str:
        m, args = ctx.module, ", ".join(map(str, self._args(ctx.types)))
        biases = "None" if self.biases is False else f"{m}.Biases"
        return f"F.conv_transpose{self._dims(ctx.types)}d({ctx.args[0]}, {m}.Weights, {biases}, {args})"


class DeconvModule(LayerModule):
    def __init__(self, weights: torch.Tensor, biases: torch.Tensor | None, d: int, *args: tuple):
        super().__init__()
        self.Weights = nn.Parameter(weights.clone())
        optional_parameter(self, "Biases", biases)
        self.fn = (F.conv_transpose1d, F.conv_transpose2d, F.conv_transpose3d)[d - 1]
        self.args = args  # stride, padding, output_padding, groups, dilation

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fn(x, self.Weights, self.Biases, *self.args)
