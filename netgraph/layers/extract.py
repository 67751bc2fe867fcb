"""ExtractLayer: Wolfram's part extraction at positions given on a second input port.

Ports ``Input`` (any array) and ``Position`` (integers): a ``Position`` vector ``[i1, ..., ik]`` gives
``Input[[i1, ..., ik]]``, the part at those indices of the first k levels (shape ``Input[k:]``); a matrix of
m such positions gives the m parts stacked (shape ``(m, *Input[k:])``). Indices are **1-based as in
Wolfram** (and as PartLayer), negative ones count from the end (-1 is the last); 0 or an index past the
end is a DataError naming the port.

>>> from netgraph import NetGraph
>>> NetGraph([ExtractLayer()], [], Input=(4, 5, 6), Position=2).output_shapes
{'Output': (6,)}
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping

import torch
from torch import nn

from netgraph.core.errors import DataError
from netgraph.core.layer import EmitContext, Layer
from netgraph.core.options import Shape
from netgraph.core.tracing import no_values
from netgraph.core.conflicts import Conflict
from netgraph.core.types import INTEGER, PortType, format_shape
from netgraph.layers._shapes import fill
from netgraph.layers._modules import LayerModule

__all__ = ["ExtractLayer"]


@dataclasses.dataclass(frozen=True, eq=False, repr=False)
class ExtractLayer(Layer):
    """``ExtractLayer(input=None, position=None)``: the parts of ``Input`` at ``Position``; see the module docstring.

    >>> import torch
    >>> x = torch.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    >>> ExtractLayer()(Input=x, Position=torch.tensor([2, -1]))  # x[[2, -1]], 1-based as Wolfram's Part
    tensor(6.)
    """

    input: Shape = None
    position: Shape = None
    input_ports = ("Input", "Position")
    moved_inputs = ("Input",)  # its output's values are picked from Input's (Position's say where)

    def declared_types(self) -> dict[str, PortType]:
        return {"Input": PortType(self.input, None), "Position": PortType(self.position, INTEGER),
                "Output": PortType(None, None)}

    def infer(self, types: Mapping[str, PortType]) -> dict[str, PortType]:
        types = dict(types)
        x, p, dtype = types["Input"].shape, types["Position"].shape, types["Input"].dtype or types["Output"].dtype
        if p is not None and (len(p) not in (1, 2) or not isinstance(p[-1], (int, type(None)))):
            raise Conflict(f"port 'Position' must be a vector of indices (k) or a matrix of positions (m, k), found "
                           f"{format_shape(p)}",
                           port="Position", expected="a vector of indices (k) or a matrix of positions (m, k)", found=p)
        if p is not None and x is not None and p[-1] is not None:
            k = p[-1]
            if k > len(x):
                raise Conflict(f"port 'Position' {format_shape(p)} indexes {k} levels but port 'Input' "
                               f"{format_shape(x)} has {len(x)}", port="Position", expected=len(x), found=k)
            if any(not isinstance(d, int) for d in x[:k]):
                raise Conflict(f"port 'Input' {format_shape(x)}: its first {k} dims must have known, fixed sizes "
                               f"to be indexed", port="Input", expected="known, fixed sizes", found=x)
            fill(types, "Output", (*p[:-1], *x[k:]), dtype, types["Input"].range)  # picked values: their range
        elif dtype is not None:
            fill(types, "Output", None, dtype, types["Input"].range)
        if types["Output"].dtype is not None:
            fill(types, "Input", None, types["Output"].dtype)
        return types

    @staticmethod
    def position_sizes(types: Mapping[str, PortType]) -> tuple[int, ...]:
        """The known sizes of the levels of ``Input`` that ``Position`` indexes (its last dim's count of them, 1
        while that is unknown): the 1-based positions it takes run from 1 to each.

        >>> ExtractLayer.position_sizes({"Input": PortType((4, 5, 6)), "Position": PortType((3, 2))})
        (4, 5)
        """
        position, data = types["Position"].shape, types["Input"].shape
        levels = position[-1] if position and isinstance(position[-1], int) else 1
        return tuple(d for d in (data or ())[:levels] if isinstance(d, int))

    def _plan(self, types: Mapping[str, PortType]) -> tuple[tuple[int, ...], bool]:
        """The sizes of the indexed levels, and whether Position holds several positions."""
        return self.position_sizes(types), len(types["Position"].shape) == 2

    def build(self, types: Mapping[str, PortType]) -> nn.Module:
        return ExtractModule(*self._plan(types))

    def emit(self, ctx: EmitContext) -> str:
        (sizes, several), (x, p), m = self._plan(ctx.types), ctx.args, ctx.module
        strides = tuple(math.prod(sizes[j + 1:]) for j in range(len(sizes)))
        rows = f"torch.arange({x}.shape[0], device={x}.device)" + ("[:, None]" if several else "")
        flat = f"({m}.zero_based({p}) * {m}.constant({strides}, {p}.device)).sum(-1)"
        return f"{x}.flatten(1, {len(sizes)})[{rows}, {flat}]"


class ExtractModule(LayerModule):
    """Converts and checks the 1-based positions (``zero_based``), then indexes level by level."""

    def __init__(self, sizes: tuple[int, ...], several: bool):
        super().__init__()
        self.sizes, self.several, self.cache = sizes, several, {}

    def constant(self, values: tuple[int, ...], device: torch.device) -> torch.Tensor:
        """``values`` as a tensor on ``device``, made on first use and kept (under fx, made in its graph)."""
        if isinstance(device, torch.fx.Proxy):
            return torch.tensor(values, device=device)
        if (values, device) not in self.cache:
            self.cache[values, device] = torch.tensor(values, device=device)
        return self.cache[values, device]

    def zero_based(self, position: torch.Tensor) -> torch.Tensor:
        sizes = self.constant(self.sizes, position.device)
        bad = (position == 0) | (position.abs() > sizes)
        if not no_values(bad) and bool(bad.any()):  # traced, or meta: shapes without values
            found = int(position[bad].flatten()[0])
            raise DataError(f"ExtractLayer port 'Position' takes 1-based indices from 1 to the level's size (or "
                            f"negative from the end) for levels of sizes {list(self.sizes)}, found {found}",
                            kind="data-range", port="Position", expected=f"1 to {list(self.sizes)} (or negative)",
                            found=found)
        return torch.where(position > 0, position - 1, position + sizes)

    def forward(self, x: torch.Tensor, position: torch.Tensor) -> torch.Tensor:
        index = self.zero_based(position)
        rows = torch.arange(x.shape[0], device=x.device)
        rows = rows[:, None].expand(index.shape[:-1]) if self.several else rows
        return x[(rows, *index.unbind(-1))]
