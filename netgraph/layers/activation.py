"""ParametricRampLayer: Wolfram's leaky ReLU with a learned slope, ``x`` where ``x >= 0`` and ``Slope * x`` below.

``ParametricRampLayer(levels=1)`` learns one slope per element of the given levels (1 = the first dim after
the batch: per channel), shared over the other levels; ``levels=[]`` learns one slope for every element.
``Slope`` starts at 0.1; ``slope=`` gives it, an array of the levels' shape (with ``levels=[]``, a number): a
fixed leaky ReLU when it is not trained.

>>> from netgraph.core.types import PortType
>>> ParametricRampLayer().array_shapes({"Input": PortType((3, 5), "Real")})
{'Slope': (3,)}
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Annotated, Any

import torch
import torch.nn.functional as F
from torch import nn

from netgraph.core.errors import OptionError
from netgraph.core.layer import EmitContext, Layer
from netgraph.core.option_problems import option_problem
from netgraph.core.option_words import levels_schema
from netgraph.core.options import Array, OptionKind, Shape
from netgraph.core.conflicts import Conflict
from netgraph.core.types import REAL, PortType, format_shape, unify
from netgraph.layers._shapes import level_dims, levels_option
from netgraph.layers._modules import LayerModule

__all__ = ["ParametricRampLayer"]

#: Its levels: as any layer's (``Levels``), or [] for one slope shared by every element.
RampLevels = Annotated[Any, OptionKind("levels", None, levels_schema(empty=True))]


@dataclasses.dataclass(frozen=True, eq=False, repr=False)
class ParametricRampLayer(Layer):
    """``ParametricRampLayer(levels=1, slope=None, input=None)``: see the module docstring. Array ``Slope``.

    >>> import torch
    >>> layer = ParametricRampLayer(input=3, slope=torch.tensor([0.1, 0.2, 0.5]))
    >>> layer(torch.tensor([[-1.0, -1.0, 2.0]]))
    tensor([[-0.1000, -0.2000,  2.0000]])
    """

    levels: RampLevels = 1
    slope: Array = None
    input: Shape = None
    ARRAYS = {"Slope": "slope"}
    POSITIONAL = "levels"
    input_ports = ("Input",)

    def normalize(self) -> dict[str, Any]:
        if self.slope is not None and not bool(torch.isfinite(self.slope).all()):  # inf * 0 is NaN: no clear meaning
            found = self.slope.flatten().tolist()[:4]
            option_problem(OptionError(f"ParametricRampLayer: slope= must be finite, found {found}", option="slope",
                                       expected="finite numbers", found=found), None)
        if isinstance(self.levels, (list, tuple)) and not self.levels:
            return {"levels": []}
        return {"levels": levels_option(self.levels, "ParametricRampLayer")}

    def validate(self) -> None:
        if self.slope is not None and self.levels == [] and self.slope.dim() != 0:
            raise OptionError(f"ParametricRampLayer: levels=[] takes one slope, a number, found slope= of shape "
                              f"{format_shape(tuple(self.slope.shape))}", option="slope",
                              expected="a number", found=tuple(self.slope.shape))

    def _dims(self, rank: int) -> tuple[int, ...]:
        return () if self.levels == [] else level_dims(self.levels, rank)

    def declared_types(self) -> dict[str, PortType]:
        return {"Input": PortType(self.input, REAL), "Output": PortType(self.input, REAL)}

    def infer(self, types: Mapping[str, PortType]) -> dict[str, PortType]:
        merged = unify(types["Input"], types["Output"])
        if merged.shape is not None:
            dims, shape = self._dims(len(merged.shape)), list(merged.shape)
            given = None if self.slope is None else tuple(self.slope.shape)
            if given is not None and len(given) != len(dims):
                want = tuple(merged.shape[d] for d in dims)
                raise Conflict(f"slope= has shape {format_shape(given)}, but levels={self.levels!r} of port 'Input' "
                               f"{format_shape(merged.shape)} take one slope per element of shape "
                               f"{format_shape(want)}; "
                               f"give slope= of that shape, or levels=[] for one slope (a number) for every element",
                               expected=want, found=given)
            for i, d in enumerate(dims):
                if isinstance(shape[d], str):
                    raise Conflict(f"port 'Input' {format_shape(merged.shape)}: level {d + 1} holds the slopes, so "
                                   f"it cannot have a variable length, only a fixed size",
                                   port="Input", expected="a fixed size", found=shape[d])
                if given is not None and shape[d] not in (None, given[i]):
                    raise Conflict(f"port 'Input' level {d + 1} must have size {given[i]} (from slope=), found "
                                   f"{format_shape(merged.shape)}", port="Input", expected=given[i], found=shape[d])
                shape[d] = given[i] if given is not None else shape[d]
            merged = PortType(tuple(shape), REAL)
        return {"Input": merged, "Output": merged}

    def array_shapes(self, types: Mapping[str, PortType]) -> dict[str, tuple]:
        shape = types["Input"].shape
        return {"Slope": tuple(shape[d] for d in self._dims(len(shape)))}

    def init_array(self, name: str, shape: tuple, generator: torch.Generator) -> torch.Tensor:
        return torch.full(shape, 0.1)

    def _view(self, types: Mapping[str, PortType]) -> tuple[int, ...]:
        shape = types["Input"].shape
        dims = self._dims(len(shape))
        return (1, *(shape[d] if d in dims else 1 for d in range(len(shape))))

    def _prelu_fits(self, types: Mapping[str, PortType]) -> bool:
        """Whether F.prelu takes the slope as it is: one slope, or a vector of them along level 1 (its channels)."""
        return len(self._dims(len(types["Input"].shape))) <= 1 and all(v == 1 for v in self._view(types)[2:])

    def build(self, types: Mapping[str, PortType]) -> nn.Module:
        return ParametricRampModule(self.slope, self._view(types), self._prelu_fits(types))

    def emit(self, ctx: EmitContext) -> str:
        x = ctx.args[0]
        if self._prelu_fits(ctx.types):
            return f"F.prelu({x}, {ctx.module}.Slope.reshape(-1))"  # one slope as (1,): the ONNX export takes it
        return f"torch.where({x} > 0, {x}, {ctx.module}.Slope.reshape({self._view(ctx.types)}) * {x})"


class ParametricRampModule(LayerModule):
    def __init__(self, slope: torch.Tensor, view: tuple[int, ...], prelu: bool = False):
        super().__init__()
        self.Slope = nn.Parameter(slope.clone())
        self.view, self.prelu = view, prelu

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        # as the compiled code: F.prelu where it takes the slope (ONNX's PRelu), else an ONNX Where; import_onnx
        # reads either back as this layer. At 0 the gradient is the slope, as torch's prelu
        if self.prelu:
            return F.prelu(x, self.Slope.reshape(-1))
        return torch.where(x > 0, x, self.Slope.view(self.view) * x)
