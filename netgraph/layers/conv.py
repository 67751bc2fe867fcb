"""ConvolutionLayer and PoolingLayer over 1, 2 or 3 spatial dimensions, channels first (as Wolfram and torch).

``Input`` is (channels, *spatial) and ``Output`` is (output channels, *spatial'), with
``spatial' = floor((spatial + 2 padding - dilation (kernel - 1) - 1) / stride) + 1``. The number of
spatial dims comes from ``kernel`` when it is a list, else from the input's rank. With stride 1 the
input size is also inferred from the output size.

>>> from netgraph import NetChain
>>> NetChain([ConvolutionLayer(16, 3, padding_size=1), PoolingLayer(2, stride=2)], input=(1, 28, 28)).output_shapes
{'Output': (16, 14, 14)}
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any, Optional

import torch
import torch.nn.functional as F
from torch import nn

from netgraph.layers._shapes import fill, int_tuple, ranged_int
from netgraph.core.option_ranges import Within
from netgraph.core.option_rules import Among, Excludes, Not, refuses
from netgraph.layers._spatial_options import MINIMUM, same_padding, spatial_dims
from netgraph.layers._window_sizes import ceil_in_size, ceil_out_size, in_size, out_size
from netgraph.core.layer import EmitContext, Layer
from netgraph.core.options import Array, IntOrInts, Literal, RemovableArray, Shape
from netgraph.core.errors import OptionError, did_you_mean
from netgraph.core.naming_scope import quoted
from netgraph.core.option_problems import missing_option, none_given, option_problem
from netgraph.core.conflicts import Conflict
from netgraph.core.types import REAL, PortType, format_shape
from netgraph.core.wording import counted
from netgraph.layers._modules import LayerModule, optional_parameter, present
from netgraph.layers.pool_module import PoolModule, sum_pool_code

__all__ = ["ConvolutionLayer", "PoolingLayer", "POOLING"]

POOLING = ("Max", "Mean", "Total")
_POOLING_SPELLINGS = {"avg": "Mean", "average": "Mean", "sum": "Total"}  # torch's and Keras's names: hinted


class _Spatial(Layer):
    """Shared option handling and spatial shape rules (kernel, stride, padding_size, dilation)."""

    input_ports = ("Input",)
    OUT_SIZE = staticmethod(out_size)  # the spatial size rules: Output from Input, Input from Output
    RANGES = {option: Within(least) for option, least in MINIMUM.items()}
    IN_SIZE = staticmethod(in_size)

    def _channel_options(self, layout: str, kernel_example: str) -> Any:
        """Convolution and deconvolution: check weights' rank, output and channel_groups, reporting each bad value
        (``option_problem``); the kernel size, from ``kernel`` or the weights (1 standing in for a missing one)."""
        name, weights = type(self).__name__, self.weights
        if weights is not None and not 3 <= weights.dim() <= 5:
            weights = option_problem(OptionError(
                f"{name} weights= must have shape ({layout}, *kernel) with 1 to 3 kernel dims, found "
                f"{format_shape(tuple(weights.shape))}", option="weights", expected="1 to 3 kernel dims",
                found=tuple(weights.shape)), None)
        outputs, kernels = self.NEEDS_ONE_OF
        if none_given(self, outputs):
            missing_option(f"{name} needs the number of output channels: {name}(n, kernel)", "output")
        if none_given(self, kernels):
            missing_option(f"{name} needs a kernel size: {name}(n, kernel), e.g. {kernel_example}", "kernel")
        if self.output is not None:
            ranged_int(self, "output")
        ranged_int(self, "channel_groups")
        return self.kernel if self.kernel is not None else list(weights.shape[2:]) if weights is not None else 1

    def _spatial_options(self, name: str, **given: Any) -> dict[str, Any]:
        """The spatial options (``given`` overrides the fields) as ints or lists, and ``_d``, their length."""
        given = {o: given.get(o, getattr(self, o, 1)) for o in MINIMUM}
        d = spatial_dims(name, given)
        if isinstance(given["padding_size"], str) and given["padding_size"].lower() == "same":
            given["padding_size"] = option_problem(OptionError(
                f"{name} option padding_size= must be an integer or a list of integers >= 0, found "
                f"{quoted(given['padding_size'])}; {same_padding(given)}", option="padding_size",
                expected="an integer or a list of integers >= 0", found=given["padding_size"]), 0)
        out: dict[str, Any] = {"_d": d}
        for option, value in given.items():
            checked = int_tuple(value, None, name, option, MINIMUM[option])
            out[option] = list(checked) if isinstance(checked, tuple) else checked
        return out

    def _params(self, d: int) -> list[tuple[int, int, int, int]]:
        """Per spatial dim: (kernel, stride, padding, dilation)."""
        def per_dim(v: Any) -> tuple:
            return tuple(v) if isinstance(v, (list, tuple)) else (v,) * d
        return list(zip(*(per_dim(getattr(self, o)) for o in ("kernel", "stride", "padding_size", "dilation"))))

    def _rank(self, types: Mapping[str, PortType]) -> int | None:
        ranks = {p: len(types[p].shape) for p in ("Input", "Output") if types[p].shape is not None}
        if self._d is not None:
            for port, r in ranks.items():
                if r != self._d + 1:
                    raise Conflict(f"port {quoted(port)} must have rank {self._d + 1} (channels and {self._d} spatial "
                                   f"dims), found {format_shape(types[port].shape)}",
                                   port=port, expected=self._d + 1, found=types[port].shape)
            return self._d + 1
        for port, r in ranks.items():
            if not 2 <= r <= 4:
                raise Conflict(f"port {quoted(port)} must be (channels, *spatial) with 1 to 3 spatial dims, found "
                               f"{format_shape(types[port].shape)}",
                               port=port, expected="(channels, *spatial) with 1 to 3 spatial dims",
                               found=types[port].shape)
        if len(set(ranks.values())) > 1:
            raise Conflict(f"ports 'Input' {format_shape(types['Input'].shape)} and 'Output' "
                           f"{format_shape(types['Output'].shape)} must have one rank",
                           port="Output", expected=types["Input"].shape, found=types["Output"].shape)
        return next(iter(ranks.values()), None)

    def _spatial_infer(self, types: dict[str, PortType], in_ch: Any, out_ch: Any) -> dict[str, PortType]:
        rank = self._rank(types)
        if rank is None:
            return types
        x = types["Input"].shape or (None,) * rank
        y = types["Output"].shape or (None,) * rank
        params = self._params(rank - 1)
        try:
            out = tuple(self.OUT_SIZE(i, *q) for i, q in zip(x[1:], params))
        except Conflict as exc:
            raise exc.reworded(f"port 'Input' {format_shape(x)}: {exc}{self._channels_last_hint(x, params)}",
                               "Input") from None
        try:
            fill(types, "Output", (out_ch, *out), REAL)
        except Conflict as exc:
            raise self._channel_clash(exc, y, (out_ch, *out)) from None
        y = types["Output"].shape
        fill(types, "Input", (in_ch, *(self.IN_SIZE(o, *q) for o, q in zip(y[1:], params))), REAL)
        return types

    def _channels_last_hint(self, x: tuple, params: list) -> str:
        """For an input too small for the windows: the hint that it is channels last (Keras's (28, 28, 1)), when its
        last dim moved first fits them, else ''."""
        moved = (x[-1], *x[:-1])
        if not all(isinstance(d, int) for d in x) or x[-1] >= x[0]:
            return ""
        try:
            for size, q in zip(moved[1:], params):
                self.OUT_SIZE(size, *q)
        except Conflict:
            return ""
        return (f"; channels last? netgraph takes channels first (as torch): an input of shape "
                f"{format_shape(moved)}")

    def _channel_clash(self, exc: Conflict, there: tuple, made: tuple) -> Conflict:
        """``exc`` (the Output, of shape ``there`` from where it goes, refused the ``made`` one) saying the channel
        counts when they are what differs: a later layer's input= of another count read 'expected shape
        (8, 26, 26), found (3, 26, 26)'."""
        if not (isinstance(there[0], int) and isinstance(made[0], int) and there[0] != made[0]):
            return exc
        return exc.reworded(f"port 'Output' has {counted(made[0], 'channel')} ({self._channels_given()}), but "
                            f"{there[0]} are taken where it goes: expected shape {format_shape(made)}, found "
                            f"{format_shape(there)}", "Output")

    def _channels_given(self) -> str:
        """What gives the Output its channels, for messages: output=, else the weights."""
        output = getattr(self, "output", None)
        return f"output= {output}" if output is not None else \
            f"its Weights {format_shape(tuple(self.weights.shape))} give them"

    def _check_weights_channels(self, x: Any, in_ch: Any) -> None:
        """A Conflict naming the weights when the input's channels ``x[0]`` differ from ``in_ch``, the count the
        given weights take (fill's 'expected (5, 6, 6), found (4, 6, 6)' would name neither them nor the channels)."""
        if in_ch is None or x is None or not isinstance(x[0], int) or x[0] == in_ch:
            return
        groups = self.channel_groups
        per_group = f" ({in_ch // groups} per group, channel_groups= {groups})" if groups != 1 else ""
        raise Conflict(f"port 'Input' has {counted(x[0], 'channel')}, but its Weights {format_shape(tuple(self.weights.shape))} "
                       f"take {in_ch}{per_group}", option="weights", port="Input", expected=in_ch, found=x[0])

    def _check_input_channels(self, x: Any) -> None:
        """Convolution and deconvolution: a Conflict when the input's channels ``x[0]``, which size the learned
        Weights, are a variable length or not divisible by channel_groups (naming that option)."""
        if x is not None and isinstance(x[0], str):
            raise Conflict(f"port 'Input' {format_shape(x)}: its channels (dimension 1) size the learned Weights, so "
                           f"they cannot have a variable length, only a fixed size",
                           port="Input", expected="a fixed size", found=x[0])
        if x is not None and isinstance(x[0], int) and x[0] % self.channel_groups:
            raise Conflict(f"port 'Input' has {counted(x[0], 'channel')}, not divisible by channel_groups= {self.channel_groups}",
                           option="channel_groups", port="Input", expected=f"divisible by channel_groups= {self.channel_groups}",
                           found=x[0])

    def _dims(self, types: Mapping[str, PortType]) -> int:
        return len(types["Input"].shape) - 1


@dataclasses.dataclass(frozen=True, eq=False, repr=False)
class _Channeled(_Spatial):
    """Convolution's and deconvolution's options (Wolfram's two layers take the same) and arrays."""

    output: Optional[int] = None
    kernel: IntOrInts = None
    stride: IntOrInts = 1
    padding_size: IntOrInts = 0
    dilation: IntOrInts = 1
    channel_groups: int = 1
    input: Shape = None
    weights: Array = None
    biases: RemovableArray = None
    ARRAYS = {"Weights": "weights", "Biases": "biases"}
    NEEDS_ONE_OF = (("output", "weights"), ("kernel", "weights"))  # the weights' shape gives both
    RANGES = {**_Spatial.RANGES, "output": Within(1), "channel_groups": Within(1)}
    POSITIONAL = "output"
    POSITIONALS = ("output", "kernel")


@dataclasses.dataclass(frozen=True, eq=False, repr=False)
class ConvolutionLayer(_Channeled):
    """``ConvolutionLayer(n, kernel)``: n output channels; ``kernel`` an int (every spatial dim) or a list.

    Options ``stride``, ``padding_size`` (zeros on each side), ``dilation``, ``channel_groups``.
    Arrays: ``Weights`` (n, in_channels / groups, *kernel), ``Biases`` (n); none with ``biases=False``.

    >>> from netgraph import NetChain
    >>> NetChain([ConvolutionLayer(16, 3), ConvolutionLayer(8, 3, stride=2)], input=(1, 28, 28)).output_shapes
    {'Output': (8, 12, 12)}
    """

    def normalize(self) -> dict[str, Any]:
        kernel = self._channel_options("out, in/groups", "kernel=3 or kernel=[3, 3]")
        return self._spatial_options("ConvolutionLayer", kernel=kernel)

    def validate(self) -> None:
        w, b, n = self.weights, self.biases, self.output
        if w is not None:
            if n is not None and w.shape[0] != n:
                raise OptionError(f"ConvolutionLayer: weights= has {w.shape[0]} output channels but output= is {n}",
                                  option="weights", expected=n, found=int(w.shape[0]))
            if self._d is not None and w.dim() - 2 != self._d:
                raise OptionError(f"ConvolutionLayer: weights= has {w.dim() - 2} kernel dims but the kernel has "
                                  f"{self._d}", option="weights", expected=self._d, found=w.dim() - 2)
            k = self.kernel if isinstance(self.kernel, list) else [self.kernel] * (w.dim() - 2)
            if list(w.shape[2:]) != list(k):
                raise OptionError(f"ConvolutionLayer: weights= kernel {list(w.shape[2:])} differs from kernel= {k}",
                                  option="weights", expected=list(k), found=list(w.shape[2:]))
        if isinstance(b, torch.Tensor) and (
                b.dim() != 1 or (n or (w.shape[0] if w is not None else b.shape[0])) != b.shape[0]):
            raise OptionError(f"ConvolutionLayer: biases= must be a vector of length output= {n}, found "
                              f"{format_shape(tuple(b.shape))}", option="biases",
                              expected=(n,) if n is not None else None, found=tuple(b.shape))
        if n is not None and n % self.channel_groups:
            raise OptionError(f"ConvolutionLayer: output= {n} is not divisible by channel_groups= "
                              f"{self.channel_groups}", option="channel_groups",
                              expected=f"a divisor of output= {n}", found=self.channel_groups)

    @property
    def channels(self) -> int:
        return self.output if self.output is not None else int(self.weights.shape[0])

    def declared_types(self) -> dict[str, PortType]:
        return {"Input": PortType(self.input, REAL), "Output": PortType(None, REAL)}

    def infer(self, types: Mapping[str, PortType]) -> dict[str, PortType]:
        types = dict(types)
        in_ch = None if self.weights is None else int(self.weights.shape[1]) * self.channel_groups
        self._check_weights_channels(types["Input"].shape, in_ch)
        types = self._spatial_infer(types, in_ch, self.channels)
        self._check_input_channels(types["Input"].shape)
        return types

    def array_shapes(self, types: Mapping[str, PortType]) -> dict[str, tuple]:
        x = types["Input"].shape
        kernel = tuple(k for k, *_ in self._params(len(x) - 1))
        weights = (self.channels, x[0] // self.channel_groups, *kernel)
        return {"Weights": weights} if self.biases is False else {"Weights": weights, "Biases": (self.channels,)}

    def _args(self, types: Mapping[str, PortType]) -> tuple:
        params = self._params(self._dims(types))
        stride, padding, dilation = (tuple(q[i] for q in params) for i in (1, 2, 3))
        return stride, padding, dilation, self.channel_groups

    def build(self, types: Mapping[str, PortType]) -> nn.Module:
        return ConvModule(self.weights, present(self.biases), self._dims(types), *self._args(types))

    def emit(self, ctx: EmitContext) -> str:
        m, (stride, padding, dilation, groups) = ctx.module, self._args(ctx.types)
        biases = "None" if self.biases is False else f"{m}.Biases"
        return (f"F.conv{self._dims(ctx.types)}d({ctx.args[0]}, {m}.Weights, {biases}, {stride}, {padding}, "
                f"{dilation}, {groups})")


class ConvModule(LayerModule):
    def __init__(self, weights: torch.Tensor, biases: torch.Tensor | None, d: int, stride: tuple, padding: tuple,
                 dilation: tuple, groups: int):
        super().__init__()
        self.Weights = nn.Parameter(weights.clone())
        optional_parameter(self, "Biases", biases)
        self.fn = (F.conv1d, F.conv2d, F.conv3d)[d - 1]
        self.stride, self.padding, self.dilation, self.groups = stride, padding, dilation, groups

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fn(x, self.Weights, self.Biases, self.stride, self.padding, self.dilation, self.groups)


@dataclasses.dataclass(frozen=True, eq=False, repr=False)
class PoolingLayer(_Spatial):
    """``PoolingLayer(kernel, stride=1, function="Max")``: pools each channel over windows.

    ``function`` is "Max", "Mean" (over the window's elements inside the input) or "Total". The
    stride defaults to 1 as Wolfram (torch defaults it to the kernel size): LeNet's 2×2 pooling is
    ``PoolingLayer(2, stride=2)``. Beyond Wolfram's options, as torch's: ``dilation`` (of "Max") spaces
    each window's elements, ``ceil_mode=True`` ("Max", "Mean") adds a partial last window.

    >>> import torch
    >>> from netgraph import NetChain
    >>> NetChain([PoolingLayer(2, stride=2)], input=(3, 28, 28)).output_shapes
    {'Output': (3, 14, 14)}
    >>> PoolingLayer(2, stride=2, function="Mean", input=(1, 2, 4))(torch.arange(8.0).reshape(1, 1, 2, 4))
    tensor([[[[2.5000, 4.5000]]]])
    """

    kernel: IntOrInts
    stride: IntOrInts = 1
    padding_size: IntOrInts = 0
    dilation: IntOrInts = 1
    function: Literal["Max", "Mean", "Total"] = "Max"
    ceil_mode: bool = False
    input: Shape = None
    RULES = (Excludes("ceil_mode", Among(True), "function", Among("Total")),  # torch: no total of a partial window
             Excludes("dilation", Not(Among(1, each=True)), "function", Not(Among("Max"))))  # torch's max pooling's
    POSITIONAL = "kernel"
    POSITIONALS = ("kernel", "stride")

    def normalize(self) -> dict[str, Any]:
        function = self.function
        if function not in POOLING:
            hint = did_you_mean(_POOLING_SPELLINGS.get(str(function).lower(), function), POOLING)
            option_problem(OptionError(f"PoolingLayer: unknown function {quoted(function)}{hint}; use one of "
                                       f"{', '.join(map(repr, POOLING))}", option="function", expected=POOLING,
                                       found=function), None)
        return self._spatial_options("PoolingLayer")

    def _channels_given(self) -> str:
        return "its Input's"

    @property
    def OUT_SIZE(self) -> Any:  # noqa: N802 - the base class's rule, by ceil_mode
        return ceil_out_size if self.ceil_mode else out_size

    @property
    def IN_SIZE(self) -> Any:  # noqa: N802
        return ceil_in_size if self.ceil_mode else in_size

    def validate(self) -> None:
        if refuses(self, "ceil_mode"):
            raise OptionError("PoolingLayer: ceil_mode=True is for function 'Max' and 'Mean' (torch has no total of "
                              "a partial window)", option="ceil_mode",
                              expected="function 'Max' or 'Mean'", found=self.function)
        if refuses(self, "dilation"):
            raise OptionError(f"PoolingLayer: dilation= {self.dilation} is for function 'Max' only (torch's average "
                              f"pooling has no dilation), found function={quoted(self.function)}", option="dilation",
                              expected="function 'Max'", found=self.function)
        for k, _, p, _ in self._params(self._d or 1):
            if 2 * p > k:
                raise OptionError(f"PoolingLayer: padding_size= {self.padding_size} must be at most half the kernel "
                                  f"{self.kernel}", option="padding_size",
                                  expected=f"at most half the kernel {self.kernel}",
                                  found=self.padding_size)

    def declared_types(self) -> dict[str, PortType]:
        return {"Input": PortType(self.input, REAL), "Output": PortType(None, REAL)}

    def infer(self, types: Mapping[str, PortType]) -> dict[str, PortType]:
        types = dict(types)
        channels = [types[p].shape[0] for p in ("Input", "Output") if types[p].shape]
        ch = next((c for c in channels if c is not None), None)
        return self._spatial_infer(types, ch, ch)

    def _args(self, types: Mapping[str, PortType]) -> tuple:
        """Per option, a tuple over the spatial dims: kernel, stride, padding, dilation."""
        params = self._params(self._dims(types))
        return tuple(tuple(q[i] for q in params) for i in (0, 1, 2, 3))

    def build(self, types: Mapping[str, PortType]) -> nn.Module:
        return PoolModule(self.function, self._dims(types), *self._args(types), self.ceil_mode)

    def emit(self, ctx: EmitContext) -> str:
        (kernel, stride, padding, dilation), d, x = self._args(ctx.types), self._dims(ctx.types), ctx.args[0]
        if self.function == "Max":
            extra = f", {dilation}, {self.ceil_mode}" if self.ceil_mode or set(dilation) != {1} else ""
            return f"F.max_pool{d}d({x}, {kernel}, {stride}, {padding}{extra})"
        if self.function == "Total":  # a sum pool (no ceil_mode: RULES)
            return sum_pool_code(x, kernel, stride, padding)
        return f"F.avg_pool{d}d({x}, {kernel}, {stride}, {padding}, {self.ceil_mode}, False)"
