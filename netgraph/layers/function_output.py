"""FunctionLayer's ``output=``: a shape, as any layer's; a port type given there is refused with the shape alone to
give, since the output's type (Real or Integer) follows what the function computes, not a declaration."""

from __future__ import annotations

import dataclasses
import typing
from typing import Annotated, Any

from netgraph.core.errors import OptionError
from netgraph.core.option_problems import VALUE_KIND
from netgraph.core.options import Shape
from netgraph.core.types import PortType

__all__ = ["OutputShape"]

_SHAPE_KIND = typing.get_args(Shape)[1]


def _output_shape(value: Any, layer: str, option: str) -> Any:
    """``value`` normalised as ``Shape`` normalises it; a PortType an OptionError saying what to give instead."""
    if not isinstance(value, PortType):
        return _SHAPE_KIND.normalize(value, layer, option)
    shape = "leave output= out" if value.shape is None else f"give output={value.shape!r}"
    raise OptionError(f"{layer} option {option}= takes the output's shape, found a port type {value!r}: {shape}; the "
                      f"port's type follows what the function computes (a result of integers or booleans, such as "
                      f".argmax(-1) or .long(), makes it Integer; cast in the function for another: .float(), "
                      f".long())", option=option, kind=VALUE_KIND, expected="a shape", found=value)


#: The ``Shape`` option kind (one schema, one name), refusing a port type with the shape to give instead.
OutputShape = Annotated[Any, dataclasses.replace(_SHAPE_KIND, normalize=_output_shape)]
