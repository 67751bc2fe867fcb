"""NormalizationLayer: Wolfram's normalisation over chosen aggregation levels, with a learned scale and bias.

Each example is normalised over ``aggregation_levels`` (default ``"2;;"``: every level but the first), then
multiplied by ``Scaling`` and shifted by ``Biases``, arrays over ``scaling_levels``: ``"Complement"`` (default:
the levels not aggregated), ``"Same"`` (the aggregated ones) or explicit levels. ``method="Standardize"``
computes ``(x - mean) / sqrt(var + epsilon)``, ``method="RMS"`` ``x / sqrt(mean(x^2) + epsilon)``;
``unbiased=True`` divides the variance by n - 1. So on (channels, h, w) the default is instance
normalisation, and ``NormalizationLayer(-1, "Same")`` is LayerNormalizationLayer. ``group_number=g``
(Wolfram's "GroupNumber") splits level 1 (the channels) into g groups and normalises each group over its
channels and the aggregation levels: group normalisation, torch's ``group_norm``.

>>> NormalizationLayer().dims(3)  # (aggregated, scaled) dims of a (channels, h, w) input, 0-based
((1, 2), (0,))
>>> NormalizationLayer(-1, "Same").dims(2)
((1,), (1,))
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from typing import Annotated, Any, Optional

import torch
from torch import nn
from torch.nn import functional as F

from netgraph.core.errors import OptionError, did_you_mean
from netgraph.core.option_problems import option_problem
from netgraph.core.layer import EmitContext, Layer
from netgraph.core.option_words import levels_schema
from netgraph.core.option_ranges import Within
from netgraph.core.options import Levels, Literal, OptionKind, RemovableArray, Shape
from netgraph.core.conflicts import Conflict
from netgraph.core.types import REAL, PortType, format_shape, unify
from netgraph.core.wording import counted
from netgraph.core.naming_scope import quoted
from netgraph.layers._shapes import level_dims, levels_option, ranged_int, ranged_number
from netgraph.layers._modules import LayerModule, optional_parameter, present

__all__ = ["NormalizationLayer", "NORMALIZATION_METHODS"]

NORMALIZATION_METHODS = ("Standardize", "RMS")
SCALING_WORDS = ("Complement", "Same")  # scaling_levels= in words: the levels not aggregated, or the aggregated ones
ScalingLevels = Annotated[Any, OptionKind("levels", None, levels_schema(*SCALING_WORDS))]


@dataclasses.dataclass(frozen=True, eq=False, repr=False)
class NormalizationLayer(Layer):
    """``NormalizationLayer(aggregation_levels="2;;", scaling_levels="Complement")``; see the module docstring.

    Options ``epsilon=0.001``, ``method`` ("Standardize", "RMS"), ``unbiased=False``, ``group_number``
    (None: no groups), ``input``.
    Arrays ``Scaling`` (ones) and ``Biases`` (zeros), shaped as the input's dims at the scaling levels;
    ``scaling=False`` / ``biases=False`` leave one out (Wolfram's ``"Scaling" -> None``, torch's ``affine=False``).

    >>> from netgraph import net_initialize
    >>> layer = net_initialize(NormalizationLayer(input=(2, 3)))  # statistics over level 2, an affine map per channel
    >>> {k: tuple(v.shape) for k, v in layer.arrays.items()}
    {'Scaling': (2,), 'Biases': (2,)}
    """

    aggregation_levels: Levels = "2;;"
    scaling_levels: ScalingLevels = "Complement"
    epsilon: float = 0.001
    method: Literal["Standardize", "RMS"] = "Standardize"
    unbiased: bool = False
    group_number: Optional[int] = None
    input: Shape = None
    scaling: RemovableArray = None
    biases: RemovableArray = None
    ARRAYS = {"Scaling": "scaling", "Biases": "biases"}
    POSITIONAL = "aggregation_levels"
    POSITIONALS = ("aggregation_levels", "scaling_levels")
    RANGES = {"epsilon": Within(0.0, open_low=True, open_high=True),  # epsilon 0: NaN on a constant input; inf: all 0
              "group_number": Within(1)}
    input_ports = ("Input",)

    def normalize(self) -> dict[str, Any]:
        name = "NormalizationLayer"
        if self.method not in NORMALIZATION_METHODS:
            option_problem(OptionError(f"{name}: unknown method {quoted(self.method)}"
                                       f"{did_you_mean(self.method, NORMALIZATION_METHODS)}; use one of "
                                       f"{', '.join(map(repr, NORMALIZATION_METHODS))}", option="method",
                                       expected=NORMALIZATION_METHODS, found=self.method), None)
        epsilon = ranged_number(self, "epsilon")
        groups = None if self.group_number is None else ranged_int(self, "group_number")
        scaling = self.scaling_levels
        if scaling not in SCALING_WORDS:
            if isinstance(scaling, str) and ";;" not in scaling:
                scaling = option_problem(OptionError(
                    f"{name} scaling_levels= must be 'Complement', 'Same' or levels, found {quoted(scaling)}"
                    f"{did_you_mean(scaling, SCALING_WORDS)}", option="scaling_levels",
                    expected="'Complement', 'Same' or levels", found=scaling), "Complement")
            else:
                scaling = levels_option(scaling, name, "scaling_levels")
        return {"aggregation_levels": levels_option(self.aggregation_levels, name, "aggregation_levels"),
                "scaling_levels": scaling, "epsilon": epsilon, "group_number": groups}

    def validate(self) -> None:
        sizes = {f: tuple(v.shape) for f in ("scaling", "biases") if isinstance(v := getattr(self, f), torch.Tensor)}
        if len(set(sizes.values())) > 1:
            raise OptionError(f"NormalizationLayer: scaling= and biases= must have one shape, found {sizes}",
                              option="biases",
                              expected=sizes["scaling"], found=sizes["biases"])

    def dims(self, rank: int) -> tuple[tuple[int, ...], tuple[int, ...]]:
        """The 0-based non-batch dims aggregated over and those the arrays span, for an input of ``rank``; with
        groups, none besides the group (a vector's "2;;": torch's GroupNorm of a (batch, C) input)."""
        aggregated = level_dims(self.aggregation_levels, rank, allow_none=self.group_number is not None,
                                option="aggregation_levels")
        if self.scaling_levels == "Complement":
            return aggregated, tuple(d for d in range(rank) if d not in aggregated)
        if self.scaling_levels == "Same":
            return aggregated, aggregated
        return aggregated, level_dims(self.scaling_levels, rank, option="scaling_levels")

    def masking(self, types: Mapping[str, PortType]) -> str:
        """Pointwise along level 1 (a padded sequence's) unless it aggregates over it or splits it into groups."""
        shape = types["Input"].shape
        if shape is None or self.group_number is not None or 0 in self.dims(len(shape))[0]:
            return "unaware"
        return "pointwise"

    def declared_types(self) -> dict[str, PortType]:
        return {"Input": PortType(self.input, REAL), "Output": PortType(self.input, REAL)}

    def infer(self, types: Mapping[str, PortType]) -> dict[str, PortType]:
        merged = unify(types["Input"], types["Output"])
        shape = merged.shape
        if shape is None:
            return {"Input": merged, "Output": merged}
        aggregated, scaled = self.dims(len(shape))
        if self.group_number is not None:
            self._check_groups(shape, aggregated)
        self._check_unbiased(shape, aggregated)
        given = next((tuple(a.shape) for a in self.arrays.values() if a is not None), None)
        if given is not None and len(given) != len(scaled):
            raise Conflict(f"its arrays have shape {given} but the scaling levels of port 'Input' "
                           f"{format_shape(shape)} are {counted(len(scaled), 'dim')}", expected=counted(len(scaled), "dim"), found=given)
        shape = list(shape)
        for i, d in enumerate(scaled if self.ARRAYS else ()):  # none (scaling=False, biases=False): any length
            if isinstance(shape[d], str):
                raise Conflict(f"port 'Input' {format_shape(tuple(shape))}: level {d + 1} holds the learned "
                               f"arrays, so it cannot have a variable length, only a fixed size",
                               port="Input", expected="a fixed size", found=shape[d])
            if given is not None and shape[d] is None:
                shape[d] = given[i]
            elif given is not None and shape[d] != given[i]:
                raise Conflict(f"port 'Input' level {d + 1} must have size {given[i]} (from its arrays), found "
                               f"{format_shape(tuple(shape))}", port="Input", expected=given[i], found=shape[d])
        merged = PortType(tuple(shape), REAL)
        return {"Input": merged, "Output": merged}

    def _check_unbiased(self, shape: tuple, aggregated: tuple[int, ...]) -> None:
        """An unbiased variance of one element divides by n - 1 = 0: every output would be NaN."""
        sizes = [shape[d] for d in aggregated] + self._group_sizes(shape)
        if self.unbiased and self.method == "Standardize" and all(isinstance(n, int) for n in sizes) \
                and math.prod(sizes) == 1:
            raise Conflict(f"unbiased=True divides the variance by n - 1, but port 'Input' {format_shape(shape)} "
                           f"has one element over the aggregation levels {self.aggregation_levels!r}"
                           f"{' and a group of channels' if self.group_number else ''} (n = 1): every output would be NaN",
                           port="Input", expected="n > 1", found="n = 1")

    def least_lengths(self, types: Mapping[str, PortType]) -> dict[str, tuple[int, str]]:
        """An unbiased variance over one variable length and nothing else (n = 1 gives NaN) needs a length of 2:
        the call's DataError (``netgraph.backend.derived_lengths``), as ``_check_unbiased`` refuses a fixed n = 1."""
        shape = types["Input"].shape
        if not self.unbiased or self.method != "Standardize" or shape is None:
            return {}
        aggregated, _ = self.dims(len(shape))
        sizes = [shape[d] for d in aggregated] + self._group_sizes(shape)
        names = [n for n in sizes if isinstance(n, str)]
        if len(names) != 1 or math.prod(n for n in sizes if isinstance(n, int)) != 1:
            return {}
        return {names[0]: (2, "unbiased=True divides the variance by n - 1, so n = 1 would make every output NaN")}

    def _group_sizes(self, shape: tuple) -> list:
        """[the channels in one group] with group_number, else []; the size stays unknown (None) while level 1's is."""
        if not self.group_number:
            return []
        return [shape[0] // self.group_number if isinstance(shape[0], int) else shape[0]]

    def _check_groups(self, shape: tuple, aggregated: tuple[int, ...]) -> None:
        g = self.group_number
        if 0 in aggregated:
            raise Conflict(f"group_number={g} splits level 1 into groups, so aggregation_levels "
                           f"{self.aggregation_levels!r} must not include level 1",
                           expected="levels without level 1", found=self.aggregation_levels)
        channels = shape[0]
        if isinstance(channels, str) or (isinstance(channels, int) and channels % g):
            raise Conflict(f"port 'Input' {format_shape(shape)}: level 1 must have a fixed size divisible by "
                           f"group_number={g}, found {channels}",
                           port="Input", expected=f"a fixed size divisible by group_number={g}", found=channels)

    def array_shapes(self, types: Mapping[str, PortType]) -> dict[str, tuple]:
        shape = types["Input"].shape
        _, scaled = self.dims(len(shape))
        return {name: tuple(shape[d] for d in scaled) for name in self.ARRAYS}

    def init_array(self, name: str, shape: tuple, generator: torch.Generator) -> torch.Tensor:
        return torch.ones(shape) if name == "Scaling" else torch.zeros(shape)

    def _plan(self, types: Mapping[str, PortType]) -> tuple[tuple[int, ...], tuple[int, ...]]:
        """The torch dims reduced and the view that broadcasts the arrays (batch dim included); with groups,
        the dims of the input viewed as (batch, groups, channels per group, ...)."""
        shape = types["Input"].shape
        aggregated, scaled = self.dims(len(shape))
        view = (1, *(shape[d] if d in scaled else 1 for d in range(len(shape))))
        if self.group_number is not None:
            return (2, *(d + 2 for d in aggregated)), view
        return tuple(d + 1 for d in aggregated), view

    def _kernel(self, types: Mapping[str, PortType]) -> tuple[str | None, tuple[int, ...]]:
        """torch's fused kernel that computes this layer without groups (the biased variance, epsilon inside the
        root, as theirs) and the sizes it normalises over, all fixed (layer_norm's normalized_shape: a shape's
        slice does not export to ONNX): "layer" (trailing levels aggregated; "layer_affine" when the arrays span
        those levels or there are none, so layer_norm applies them), or None: the formula. Not instance_norm (it
        fails on a batch of 0 with arrays, or one element) nor group_norm (its ONNX export fails on a batch of 0)."""
        shape = types["Input"].shape
        aggregated, scaled = self.dims(len(shape))
        sizes = tuple(shape[d] for d in aggregated)
        if self.group_number is not None or self.method != "Standardize" or self.unbiased or not aggregated \
                or not all(isinstance(n, int) for n in sizes):
            return None, ()
        if aggregated == tuple(range(aggregated[0], len(shape))):
            return "layer_affine" if scaled == aggregated or not self.ARRAYS else "layer", sizes
        return None, ()

    def build(self, types: Mapping[str, PortType]) -> nn.Module:
        return NormalizationModule(present(self.scaling), present(self.biases), *self._plan(types), self.method,
                                   self.epsilon, self.unbiased, self.group_number, *self._kernel(types))

    def emit(self, ctx: EmitContext) -> str:
        if self.group_number is not None:
            return super().emit(ctx)  # the module's forward: view into groups, normalise, view back
        (dims, view), x, m = self._plan(ctx.types), ctx.args[0], ctx.module
        # the module's forward, op for op (the same values: interpret runs the module)
        (kernel, sizes), eps = self._kernel(ctx.types), self.epsilon
        scaling, biases = (f"{m}.{n}" if n in self.ARRAYS and kernel != "layer" else "None"
                           for n in ("Scaling", "Biases"))
        if kernel is not None:
            normed = f"F.layer_norm({x}, {sizes}, {scaling}, {biases}, {eps!r})"
            if kernel == "layer_affine":  # the module's dtype: x's and the arrays'
                arrays = next((f"{m}.{n}" for n in ("Scaling", "Biases") if n in self.ARRAYS), None)
                return normed if arrays is None else f"{normed}.to(torch.promote_types({x}.dtype, {arrays}.dtype))"
        elif self.method == "RMS":
            normed = f"{x} * torch.rsqrt({x}.square().mean({dims}, keepdim=True) + {eps!r})"
        else:
            normed = (f"({x} - {x}.mean({dims}, keepdim=True)) * torch.rsqrt({x}.var({dims}, "
                      f"correction={int(self.unbiased)}, keepdim=True) + {eps!r})")
        scaled = f"{normed} * {m}.Scaling.reshape({view})" if "Scaling" in self.ARRAYS else normed
        return f"({scaled} + {m}.Biases.reshape({view}))" if "Biases" in self.ARRAYS else f"({scaled})"


class NormalizationModule(LayerModule):
    """Parameters ``Scaling`` and ``Biases`` (None when left out); normalises over ``dims`` (the reference path)
    or with a torch kernel: ``kernel`` and ``sizes`` from NormalizationLayer._kernel."""

    def __init__(self, scaling: torch.Tensor | None, biases: torch.Tensor | None, dims: tuple, view: tuple,
                 method: str, epsilon: float, unbiased: bool, groups: int | None = None, kernel: str | None = None,
                 sizes: tuple[int, ...] = ()):
        super().__init__()
        optional_parameter(self, "Scaling", scaling)
        optional_parameter(self, "Biases", biases)
        self.dims, self.view, self.method, self.epsilon, self.unbiased = dims, view, method, epsilon, unbiased
        self.groups, self.sizes = groups, sizes
        # torch's group_norm (whose ONNX export import_onnx reads back as this layer): groups, each standardised
        # over its channels and every other dim, scaled per channel
        self.kernel = "group" if (groups is not None and method == "Standardize" and not unbiased
                                  and dims == tuple(range(2, len(view) + 1)) and all(v == 1 for v in view[2:])) \
            else kernel

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.kernel == "group":
            return F.group_norm(x, self.groups, self.Scaling, self.Biases, self.epsilon)
        if self.kernel == "layer_affine":  # in the formula's dtype: x's and the arrays' (under autocast, x's alone)
            arrays = self.Scaling if self.Scaling is not None else self.Biases
            y = F.layer_norm(x, self.sizes, self.Scaling, self.Biases, self.epsilon)
            return y if arrays is None else y.to(torch.promote_types(x.dtype, arrays.dtype))
        shape = x.shape
        if self.groups is not None:
            # not reshape(batch, ...) nor unflatten's -1 (torch exports a Reshape to (b, g, -1, ...)): ambiguous for a
            # batch of 0, which onnxruntime refused
            x = x.unflatten(1, (self.groups, x.shape[1] // self.groups))
        # the compiled code's formula, op for op (measured fastest: rsqrt, not a division by sqrt; var and mean, not
        # var_mean; a product and a sum, not addcmul)
        if self.kernel == "layer":
            y = F.layer_norm(x, self.sizes, None, None, self.epsilon)
        elif self.method == "RMS":
            y = x * torch.rsqrt(x.square().mean(self.dims, keepdim=True) + self.epsilon)
        else:
            y = (x - x.mean(self.dims, keepdim=True)) * torch.rsqrt(
                x.var(self.dims, correction=int(self.unbiased), keepdim=True) + self.epsilon)
        y = y.reshape(shape)
        if self.Scaling is not None:
            y = y * self.Scaling.view(self.view)
        return y if self.Biases is None else y + self.Biases.view(self.view)
