"""Normalisation layers: SoftmaxLayer, DropoutLayer, BatchNormalizationLayer, LayerNormalizationLayer.

Each maps ``Input`` to an ``Output`` of the same shape. Levels are Wolfram's (1 = first dim after
the batch, -1 = the last). Dropout and batch statistics follow the module's ``training`` flag
(``module.train()`` / ``module.eval()``); evaluating a net (``net(x)``) runs in eval mode, as
Wolfram's default ``NetEvaluationMode -> "Test"``.

>>> SoftmaxLayer().declared_types()["Output"]
PortType(shape=None, dtype='Real')
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from netgraph.layers._shapes import level_dim, level_option, ranged_number
from netgraph.core.layer import PROBABILITY_OUTPUT, EmitContext, Layer
from netgraph.core.torch_internals import is_batched
from netgraph.core.options import Array, Level, RemovableArray, Shape
from netgraph.core.errors import DataError, OptionError
from netgraph.core.option_problems import option_problem
from netgraph.core.option_ranges import Within
from netgraph.core.conflicts import Conflict
from netgraph.core.types import REAL, PortType, format_shape, unify
from netgraph.layers._modules import LayerModule, optional_parameter, present
from netgraph.layers._sync_norm import BatchStatsSync, synced_batch_norm

__all__ = ["SoftmaxLayer", "DropoutLayer", "BatchNormalizationLayer", "LayerNormalizationLayer"]

class _SameShape(Layer):
    """``Input`` and ``Output`` share one real type."""

    input_ports = ("Input",)

    def declared_types(self) -> dict[str, PortType]:
        return {"Input": PortType(self.input, REAL), "Output": PortType(self.input, REAL)}

    def infer(self, types: Mapping[str, PortType]) -> dict[str, PortType]:
        merged = unify(types["Input"], types["Output"])
        return {"Input": merged, "Output": merged}


class SoftmaxModule(LayerModule):
    def __init__(self, dim: int):
        super().__init__()
        self.dim = dim

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.softmax(x, self.dim)


@dataclasses.dataclass(frozen=True, eq=False, repr=False)
class SoftmaxLayer(_SameShape):
    """Softmax over ``level`` (default -1, the last dimension): outputs are probabilities.

    A training loop attaches ``CrossEntropyLossLayer("Index")`` to a SoftmaxLayer output.

    >>> SoftmaxLayer(level=1).level
    1
    """

    POSITIONALS = ("level",)

    level: Level = -1
    input: Shape = None

    def normalize(self) -> dict[str, Any]:
        return {"level": level_option(self.level, "SoftmaxLayer")}

    def infer(self, types: Mapping[str, PortType]) -> dict[str, PortType]:
        types = super().infer(types)
        shape = types["Input"].shape
        if shape is not None:
            level_dim(self.level, len(shape), "SoftmaxLayer port 'Input'")
        return types

    def _dim(self, types: Mapping[str, PortType]) -> int:
        return level_dim(self.level, len(types["Input"].shape), "SoftmaxLayer") + 1

    def masking(self, types: Mapping[str, PortType]) -> str:
        return "unaware" if self._dim(types) == 1 else "pointwise"  # over the sequence it would mix the padding

    def probability_outputs(self) -> frozenset[str]:
        return PROBABILITY_OUTPUT  # exp(x - max) / their sum: each in [0, 1], NaN where an input is NaN or +Infinity

    def build(self, types: Mapping[str, PortType]) -> nn.Module:
        return SoftmaxModule(self._dim(types))

    def emit(self, ctx: EmitContext) -> str:
        return f"torch.softmax({ctx.args[0]}, {self._dim(ctx.types)})"


class DropoutModule(LayerModule):
    def __init__(self, p: float):
        super().__init__()
        self.p = p

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.dropout(x, self.p, self.training)


@dataclasses.dataclass(frozen=True, eq=False, repr=False)
class DropoutLayer(_SameShape):
    """Zeroes each element with probability ``p`` in training mode (scaling the rest by 1/(1-p)).

    >>> DropoutLayer(0.2).p
    0.2
    """

    p: float = 0.5
    input: Shape = None
    POSITIONAL = "p"
    RANGES = {"p": Within(0.0, 1.0, open_high=True)}

    def normalize(self) -> dict[str, Any]:
        return {"p": ranged_number(self, "p")}

    def build(self, types: Mapping[str, PortType]) -> nn.Module:
        return DropoutModule(self.p)

    def masking(self, types: Mapping[str, PortType]) -> str:
        return "pointwise"  # each element dropped alone: padding never reaches a real element

    def emit(self, ctx: EmitContext) -> str:
        return f"F.dropout({ctx.args[0]}, {self.p!r}, {ctx.module}.training)"


_EPSILON = Within(0.0, open_low=True, open_high=True)  # a normalisation's epsilon: positive and finite (inf: all 0)


class _Normalization(_SameShape):
    """Shared parts: learnable ``Scaling`` (ones) and ``Biases`` (zeros) over one dimension; either left out with
    ``scaling=False`` / ``biases=False`` (torch's ``affine=False``, Wolfram's ``"Scaling" -> None``)."""

    def _axis(self, shape: tuple) -> int:
        raise NotImplementedError

    def _array_size(self) -> int | None:
        sizes = {int(v.shape[0]) for v in self.arrays.values() if v is not None}
        return sizes.pop() if len(sizes) == 1 else None

    def validate(self) -> None:
        bad = [field for field in self.ARRAYS.values() if (v := getattr(self, field)) is not None and v.dim() != 1]
        for field in bad:
            shape = tuple(getattr(self, field).shape)
            option_problem(OptionError(f"{self.type_name} {field}= must be a vector, found shape {format_shape(shape)}",
                                       option=field, expected="a vector", found=shape), None)
        if bad:
            return  # lengths are compared among vectors
        sizes = {name: int(v.shape[0]) for name, v in self.arrays.items() if v is not None}
        first = next(iter(sizes.values()), None)
        odd = next((name for name, size in sizes.items() if size != first), None)
        if odd is not None:  # named: the first array whose length differs from the first given one's
            raise OptionError(f"{self.type_name}: arrays have different lengths {sizes}", option=self.ARRAYS[odd],
                              expected=first, found=sizes[odd])

    def infer(self, types: Mapping[str, PortType]) -> dict[str, PortType]:
        types = super().infer(types)
        shape, size = types["Input"].shape, self._array_size()
        if shape is not None:
            axis = self._axis(shape)
            if isinstance(shape[axis], str) and self.ARRAYS:  # none: scaling=False, biases=False of a layer norm
                raise Conflict(f"port 'Input' {format_shape(shape)}: dimension {axis + 1} holds the learned arrays, "
                               f"so it cannot have a variable length, only a fixed size",
                               port="Input", expected="a fixed size", found=shape[axis])
            if size is not None and shape[axis] is None:
                shape = shape[:axis] + (size,) + shape[axis + 1:]
                types["Input"] = types["Output"] = PortType(shape, REAL)
            elif size is not None and shape[axis] != size:
                raise Conflict(f"port 'Input' dimension {axis + 1} must have size {size} (the length of its "
                               f"arrays), found {format_shape(shape)}", port="Input", expected=size, found=shape[axis])
        return types

    def array_shapes(self, types: Mapping[str, PortType]) -> dict[str, tuple]:
        shape = types["Input"].shape
        return {name: (shape[self._axis(shape)],) for name in self.ARRAYS}

    def init_array(self, name: str, shape: tuple, generator: torch.Generator) -> torch.Tensor:
        return torch.ones(shape) if name in ("Scaling", "MovingVariance") else torch.zeros(shape)


class BatchNormModule(LayerModule):
    """Parameters ``Scaling``, ``Biases`` (None when left out, as torch's ``affine=False``); buffers ``MovingMean``,
    ``MovingVariance`` (Wolfram's arrays)."""

    @property
    def MIXES_EXAMPLES(self) -> bool:  # noqa: N802 (score_baselines' attribute)
        """In training each output depends on the batch's statistics (``score_baselines.mixes_examples``)."""
        return self.training

    def __init__(self, arrays: Mapping[str, torch.Tensor], momentum: float, epsilon: float):
        super().__init__()
        optional_parameter(self, "Scaling", arrays.get("Scaling"))
        optional_parameter(self, "Biases", arrays.get("Biases"))
        self.register_buffer("MovingMean", arrays["MovingMean"].clone())
        self.register_buffer("MovingVariance", arrays["MovingVariance"].clone())
        self.momentum, self.epsilon = momentum, epsilon
        self.sync: BatchStatsSync | None = None  # set by a distributed net_train sharing batch statistics
        self.layer_label = "BatchNormalizationLayer"  # the compiler names the layer: "layer 'bn' (...)"

    def norm(self, x: torch.Tensor) -> torch.Tensor:
        """The compiled forward's call; in training with ``sync`` set (``net_train(..., distributed=True)``), the
        statistics are the whole distributed batch's (``netgraph.layers._sync_norm``). Training on one value per
        channel (a batch of one vector) leaves the moving statistics alone: its variance has no estimate
        (F.batch_norm refuses it, and torch's op would store NaN)."""
        if self.training:
            if is_batched(x) and not is_batched(self.MovingMean):
                raise self._unbatched_statistics()
            if self.sync is not None:
                return synced_batch_norm(self, x, self.sync)
            if x.numel() == x.shape[1]:
                return self._one_value_per_channel(x)
        return torch.batch_norm(x, self.Scaling, self.Biases, self.MovingMean, self.MovingVariance, self.training,
                                self.momentum, self.epsilon, torch.backends.cudnn.enabled)

    forward = norm

    def _one_value_per_channel(self, x: torch.Tensor) -> torch.Tensor:
        """Training on one value per channel: each is its own batch mean, so the output is ``Biases`` exactly (torch's
        batch_norm divides its rounding of x - mean by sqrt(epsilon): 0.9 off at inputs near 1e6). ``x - x`` keeps
        torch's gradients (0 for the input and ``Scaling``) and its NaN where x is infinite."""
        centred = (x - x).reshape(-1)
        scaled = centred if self.Scaling is None else centred * self.Scaling
        shifted = scaled if self.Biases is None else scaled + self.Biases
        return shifted.to(x.dtype).view_as(x)

    def _unbatched_statistics(self) -> DataError:
        """torch.func.vmap in training mode over an input but not the moving statistics: torch's batch_norm refuses
        to update one pair in place from each vmapped call (its remedy patches torch's nn.BatchNorm only)."""
        return DataError(f"{self.layer_label} port 'Input': under torch.func.vmap in training mode each vmapped "
                         "call's batch statistics would update the one MovingMean and MovingVariance in place, which "
                         "torch refuses, as for nn.BatchNorm (torch.func.replace_all_batch_norm_modules_ patches "
                         "torch's own modules only): call module.eval() to normalise by the moving statistics, or "
                         "vmap over them too, each call with its own (torch.func.functional_call with the buffers "
                         "of torch.func.stack_module_state, as for an ensemble)", kind="vmap-moving-statistics",
                         layer=self.__dict__.get("layer_path"), port="Input")


@dataclasses.dataclass(frozen=True, eq=False, repr=False)
class BatchNormalizationLayer(_Normalization):
    """Batch normalisation over the first dimension after the batch (channels, as Wolfram and torch).

    ``momentum`` is Wolfram's (the weight of the old moving average: 0.9 is torch's momentum 0.1, and torch's
    0.1 given here keeps only 10% of the old average);
    ``epsilon`` 0.001 as Wolfram. Arrays: ``Scaling``, ``Biases`` (learned), ``MovingMean``,
    ``MovingVariance`` (updated in training mode, used in eval mode). In training mode a batch holding one value
    per channel (one example of a vector) normalises to ``Biases`` and leaves the moving statistics as they are.
    ``scaling=False`` / ``biases=False`` leave those arrays out (torch's ``affine=False``).

    >>> BatchNormalizationLayer().epsilon
    0.001
    """

    POSITIONALS = ()

    momentum: float = 0.9
    epsilon: float = 0.001
    input: Shape = None
    scaling: RemovableArray = None
    biases: RemovableArray = None
    moving_mean: Array = None
    moving_variance: Array = None
    ARRAYS = {"Scaling": "scaling", "Biases": "biases", "MovingMean": "moving_mean",
              "MovingVariance": "moving_variance"}
    BUFFERS = frozenset({"MovingMean", "MovingVariance"})
    RANGES = {"momentum": Within(0.0, 1.0), "epsilon": _EPSILON}

    def normalize(self) -> dict[str, Any]:
        return {"momentum": ranged_number(self, "momentum"), "epsilon": ranged_number(self, "epsilon")}

    def _axis(self, shape: tuple) -> int:
        if len(shape) == 0:
            raise Conflict("port 'Input' must have at least one dimension (the channels), found a scalar ()",
                           port="Input", expected="at least one dimension", found=())
        return 0

    def build(self, types: Mapping[str, PortType]) -> nn.Module:
        return BatchNormModule(self.arrays, 1.0 - self.momentum, self.epsilon)

    def emit(self, ctx: EmitContext) -> str:
        m = ctx.module
        return f"{m}.norm({ctx.args[0]})"


class LayerNormModule(LayerModule):
    def __init__(self, scaling: torch.Tensor | None, biases: torch.Tensor | None, epsilon: float):
        super().__init__()
        optional_parameter(self, "Scaling", scaling)
        optional_parameter(self, "Biases", biases)
        self.epsilon = epsilon

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.layer_norm(x, x.shape[-1:], self.Scaling, self.Biases, self.epsilon)


@dataclasses.dataclass(frozen=True, eq=False, repr=False)
class LayerNormalizationLayer(_Normalization):
    """Normalises each example over its last dimension, then scales and shifts (arrays ``Scaling``, ``Biases``;
    ``scaling=False`` / ``biases=False`` leave one out, as torch's ``elementwise_affine=False`` / ``bias=False``).

    >>> LayerNormalizationLayer(input=(5, 8)).declared_types()["Output"].shape
    (5, 8)
    """

    POSITIONALS = ()

    epsilon: float = 1e-5
    input: Shape = None
    scaling: RemovableArray = None
    biases: RemovableArray = None
    ARRAYS = {"Scaling": "scaling", "Biases": "biases"}
    RANGES = {"epsilon": _EPSILON}

    def normalize(self) -> dict[str, Any]:
        return {"epsilon": ranged_number(self, "epsilon")}

    def _axis(self, shape: tuple) -> int:
        if len(shape) == 0:
            raise Conflict("port 'Input' must have at least one dimension, found a scalar ()",
                           port="Input", expected="at least one dimension", found=())
        return len(shape) - 1

    def masking(self, types: Mapping[str, PortType]) -> str:
        shape = types["Input"].shape
        return "pointwise" if shape is not None and len(shape) > 1 else "unaware"  # over level 1 it mixes padding

    def build(self, types: Mapping[str, PortType]) -> nn.Module:
        return LayerNormModule(present(self.scaling), present(self.biases), self.epsilon)

    def emit(self, ctx: EmitContext) -> str:
        m, size = ctx.module, ctx.types["Input"].shape[-1]
        size = f"({size},)" if isinstance(size, int) else f"{ctx.args[0]}.shape[-1:]"  # a variable one: no arrays
        scaling, biases = (f"{m}.{n}" if n in self.ARRAYS else "None" for n in ("Scaling", "Biases"))
        return f"F.layer_norm({ctx.args[0]}, {size}, {scaling}, {biases}, {self.epsilon!r})"
