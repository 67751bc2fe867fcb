"""Layers that output a learned array: NetArrayLayer (and its old name ConstantArrayLayer)."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

import torch
from torch import nn

from netgraph.core.layer import EmitContext, Layer
from netgraph.core.options import Array, Shape
from netgraph.core.errors import OptionError
from netgraph.core.types import REAL, PortType, format_shape
from netgraph.layers._modules import LayerModule

__all__ = ["NetArrayLayer", "ConstantArrayLayer"]


class ArrayModule(LayerModule):
    """Holds one learnable ``Array``; ``forward(batch_size)`` returns it expanded over the batch (a view)."""

    def __init__(self, array: torch.Tensor):
        super().__init__()
        self.Array = nn.Parameter(array.clone())

    def forward(self, batch_size: int) -> torch.Tensor:
        return self.Array.expand(batch_size, *self.Array.shape)


@dataclasses.dataclass(frozen=True, eq=False, repr=False)
class NetArrayLayer(Layer):
    """A learnable array with no input: Wolfram's NetArrayLayer.

    Ports: ``Output`` (the array's shape). Arrays: ``Array``. Without ``array=`` it stays
    uninitialised until ``net_initialize``; without ``output=`` its shape comes from its consumer.

    >>> NetArrayLayer(array=[0.0, 30.0]).declared_types()["Output"].shape
    (2,)
    """

    array: Array = None
    output: Shape = None
    ARRAYS = {"Array": "array"}
    input_ports = ()

    def validate(self) -> None:
        array, output = self.array, self.output
        if array is not None and output is not None and tuple(array.shape) != output:
            raise OptionError(f"{self.type_name}: array= has shape {format_shape(tuple(array.shape))} "
                              f"but output= is {format_shape(output)}", option="array",
                              expected=output, found=tuple(array.shape))

    def declared_types(self) -> dict[str, PortType]:
        shape = tuple(self.array.shape) if self.array is not None else self.output
        return {"Output": PortType(shape, REAL)}

    def array_shapes(self, types: Mapping[str, PortType]) -> dict[str, tuple]:
        return {"Array": types["Output"].shape}

    def init_array(self, name: str, shape: tuple, generator: torch.Generator) -> torch.Tensor:
        std = 1.0 / max(1, shape[-1] if shape else 1) ** 0.5
        return torch.randn(shape, generator=generator, device="cpu") * std

    def build(self, types: Mapping[str, PortType]) -> nn.Module:
        return ArrayModule(self.array)

    def emit(self, ctx: EmitContext) -> str:
        dims = "".join(f", {d}" for d in ctx.types["Output"].shape)
        return f"{ctx.module}.Array.expand({ctx.batch}{dims})"


@dataclasses.dataclass(frozen=True, eq=False, repr=False)
class ConstantArrayLayer(NetArrayLayer):
    """Wolfram's older name of NetArrayLayer (a learned array, despite the name); same options and ports.

    >>> ConstantArrayLayer(array=[1.0, 2.0]).declared_types()["Output"].shape
    (2,)
    """
