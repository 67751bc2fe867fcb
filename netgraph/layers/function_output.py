"""``output=`` of FunctionLayer and ElementwiseLayer, and ElementwiseLayer's ``input=``: a shape, as any layer's; a
port type given there is refused with the shape alone to give, since the port's type is not declared there: a
FunctionLayer's output follows what the function computes, an ElementwiseLayer's ports are Real."""

from __future__ import annotations

import dataclasses
import typing
from typing import Annotated, Any

from netgraph.core.errors import OptionError
from netgraph.core.option_problems import VALUE_KIND
from netgraph.core.options import Shape
from netgraph.core.types import PortType

__all__ = ["OutputShape", "ElementwiseOutputShape", "ElementwiseInputShape"]

_SHAPE_KIND = typing.get_args(Shape)[1]


def _shape_refusing_types(why: str) -> Any:
    """The ``Shape`` option kind (one schema, one name) refusing a port type with an OptionError that says which
    shape to give instead and ``why`` the port's type is not given there."""
    def normalize(value: Any, layer: str, option: str) -> Any:
        if not isinstance(value, PortType):
            return _SHAPE_KIND.normalize(value, layer, option)
        shape = f"leave {option}= out" if value.shape is None else f"give {option}={value.shape!r}"
        raise OptionError(f"{layer} option {option}= takes the {option}'s shape, found a port type {value!r}: {shape}; "
                          f"{why}", option=option, kind=VALUE_KIND, expected="a shape", found=value)
    return Annotated[Any, dataclasses.replace(_SHAPE_KIND, normalize=normalize)]


#: FunctionLayer's: its output's type follows what the function computes.
OutputShape = _shape_refusing_types(
    "the port's type follows what the function computes (a result of integers or booleans, such as .argmax(-1) or "
    ".long(), makes it Integer; cast in the function for another: .float(), .long())")
#: ElementwiseLayer's: its output is Real, of its input's shape.
ElementwiseOutputShape = _shape_refusing_types(
    "the port's type is Real, as the input's (an ElementwiseLayer computes in real numbers, keeping the shape)")
#: ElementwiseLayer's input: Real, as its output (an Integer port before it is refused at build, with advice).
ElementwiseInputShape = _shape_refusing_types(
    "the port's type is Real (an ElementwiseLayer computes in real numbers; Integer values are indices, turned into "
    "Real vectors with an EmbeddingLayer)")
