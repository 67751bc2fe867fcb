"""LinearLayer: an affine map with arrays ``Weights`` and ``Biases`` (none with ``biases=False``)."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from netgraph.core.layer import EmitContext, Layer
from netgraph.core.layer_checks import own_array_conflict
from netgraph.layers._modules import LayerModule, add_parameters, init_module
from netgraph.core.options import Array, RemovableArray, Shape
from netgraph.core.errors import OptionError
from netgraph.core.naming_scope import quoted, shortened
from netgraph.core.option_problems import option_problem
from netgraph.core.conflicts import Conflict
from netgraph.core.types import REAL, PortType, format_shape, numel, real_type
from netgraph.core.wording import counted

__all__ = ["LinearLayer"]


class LinearModule(LayerModule):
    """``Weights @ flatten(x) + Biases``, reshaped to the output shape."""

    def __init__(self, weights: torch.Tensor, biases: torch.Tensor | None, in_shape: tuple, out_shape: tuple):
        init_module(self)  # nn.Module.__init__; below, what ``self.x = ...`` does without Module.__setattr__'s search
        if biases is None:  # biases=False: as torch's nn.Linear(bias=False), Biases is None and no parameter
            add_parameters(self, Weights=weights.clone())
            self._parameters["Biases"] = None
        else:
            add_parameters(self, Weights=weights.clone(), Biases=biases.clone())  # clones: training leaves the net's
        self.__dict__.update(flat=len(in_shape) == 1 and len(out_shape) == 1, out_shape=out_shape,
                             scalar=len(in_shape) == 0)  # a scalar input is a 1-vector

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.flat:
            return F.linear(x, self.Weights, self.Biases)
        y = F.linear(x.unsqueeze(1) if self.scalar else x.flatten(1), self.Weights, self.Biases)
        # no y.shape[0]: an ONNX export could fold it into a constant batch size
        return y if len(self.out_shape) == 1 else y.unflatten(1, self.out_shape) if self.out_shape else y.squeeze(1)


@dataclasses.dataclass(frozen=True, eq=False, repr=False)
class LinearLayer(Layer):
    """A fully connected layer: ``LinearLayer(n)`` maps any input array to a vector of size n.

    Ports: ``Input`` (any shape, flattened), ``Output`` (``output``). Arrays: ``Weights``
    (n × size of input), ``Biases`` (n); ``biases=False`` makes it linear, without them (Wolfram's
    ``"Biases" -> None``, torch's ``bias=False``).

    >>> LinearLayer(3).declared_types()["Output"].shape
    (3,)
    """

    output: Shape = None
    input: Shape = None
    weights: Array = None
    biases: RemovableArray = None
    ARRAYS = {"Weights": "weights", "Biases": "biases"}
    POSITIONAL = "output"
    input_ports = ("Input",)
    infer_settles = True

    def normalize(self) -> dict[str, Any]:
        if self.weights is not None and self.weights.dim() != 2:
            option_problem(OptionError(f"LinearLayer weights= must be a matrix, found shape {tuple(self.weights.shape)}",
                                       option="weights", expected="a matrix", found=tuple(self.weights.shape)), None)
        return {}

    def declared_types(self) -> dict[str, PortType]:
        return {"Input": real_type(self.input), "Output": real_type(self.output)}

    def _per_element(self) -> str:
        """This layer as written in the per-element hint: ``LinearLayer(16)``."""
        size = self.output if self.output is None or len(self.output) != 1 else self.output[0]
        return f"LinearLayer({'' if size is None else size})"

    def _variable_hint(self, shape: tuple) -> str:
        """What to do with a variable-length ``shape``: pool the spatial dims of (channels, h, w) data, or take or map
        over a sequence's elements."""
        if isinstance(shape[0], int):  # channels first, variable sizes after: a convolution's feature maps
            return ("pool the variable dims first, as global average pooling (torch's AdaptiveAvgPool2d(1) and "
                    "flatten) does: AggregationLayer(\"Mean\") gives (channels)")
        return (f"take one element first (e.g. SequenceLastLayer), pool over it (AggregationLayer('Mean', levels=1), "
                f"Keras's GlobalAveragePooling1D; the default levels '2;;' pool the others), or apply it to each "
                f"element, as torch's nn.Linear and Keras's Dense act on the last dim: "
                f"NetMapOperator({shortened(self._per_element())})")

    def infer(self, types: Mapping[str, PortType]) -> dict[str, PortType]:
        types = dict(types)
        for port in ("Input", "Output"):
            for d in types[port].shape or ():  # a loop, not any(...): a generator per port costs more than the test
                if isinstance(d, str):
                    raise Conflict(f"port {quoted(port)} {format_shape(types[port].shape)} has a variable-length "
                                   f"dimension, which a LinearLayer cannot flatten (it needs fixed sizes); "
                                   f"{self._variable_hint(types[port].shape)}",
                                   port=port, expected="fixed sizes", found=types[port].shape)
        for port, size, option in self._array_sizes():  # arrays give a port's size, not its rank: (6) fits (2, 3)
            shape = types[port].shape
            if shape is not None and None not in shape and numel(shape) != size:
                raise self._own_array_conflict(port, option, shape, types) or Conflict(
                    f"port {quoted(port)}: expected size {size} (from {option}=), found {shape} with "
                    f"{counted(numel(shape), 'element')}", option=option, port=port, expected=size, found=shape)
            if shape is None and port == "Output":
                types[port] = PortType((size,), REAL)
        return types

    def _own_array_conflict(self, port: str, option: str, shape: tuple,
                            types: Mapping[str, PortType]) -> Conflict | None:
        """Where this layer's own output= (input=) gave ``port`` its ``shape``, the array ``option`` is what was found
        of another size: the check made when a layer is made in Python (a spec's arrays are checked here, with the
        net's ``types`` of its other port)."""
        if getattr(self, "output" if port == "Output" else "input") != shape:
            return None
        return own_array_conflict(self, [a for a, field in self.ARRAYS.items() if field == option],
                                  {p: t for p, t in types.items() if p != port})

    def _array_sizes(self) -> list[tuple[str, int, str]]:
        """(port, size, option) the arrays fix; Biases only without Weights (their shapes are checked together)."""
        if self.weights is not None:
            return [("Output", self.weights.shape[0], "weights"), ("Input", self.weights.shape[1], "weights")]
        b = self.biases  # None, False or a tensor (tested last: torch's isinstance is slow, and runs per inference)
        return [] if b is None or b is False or not isinstance(b, torch.Tensor) else [("Output", b.numel(), "biases")]

    def default_types(self, types: Mapping[str, PortType]) -> dict[str, PortType]:
        """With weights, an Input of unknown shape is taken as a vector: weights give its size, not its rank, so
        this is only a guess for when nothing else in the net gives the shape (inference's defaults)."""
        if self.weights is None or types["Input"].shape is not None:
            return {}
        return {"Input": PortType((self.weights.shape[1],), REAL)}

    def array_shapes(self, types: Mapping[str, PortType]) -> dict[str, tuple]:
        x = types["Input"].shape  # unknown (a lone array's check, layer_checks): Biases still have their size
        n_out, n_in = numel(types["Output"].shape), None if x is None or None in x else numel(x)
        shapes = {"Weights": (n_out, n_in), "Biases": (n_out,)}
        return {"Weights": shapes["Weights"]} if self.biases is False else shapes

    def build(self, types: Mapping[str, PortType]) -> nn.Module:
        biases = None if self.biases is False else self.biases
        return LinearModule(self.weights, biases, types["Input"].shape, types["Output"].shape)

    def emit(self, ctx: EmitContext) -> str:
        rank_in, out = len(ctx.types["Input"].shape), ctx.types["Output"].shape
        if rank_in == 0 or len(out) == 0:
            return super().emit(ctx)
        x = ctx.args[0] if rank_in == 1 else f"{ctx.args[0]}.flatten(1)"
        y = f"F.linear({x}, {ctx.module}.Weights{'' if self.biases is False else f', {ctx.module}.Biases'})"
        return y if len(out) == 1 else f"{y}.unflatten(1, {tuple(out)!r})"

