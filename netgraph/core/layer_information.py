"""Wolfram's ``Information[layer, prop]`` for one layer: its ports, arrays and sizes, arrays keyed by name.

A layer's properties are the ones a net of that layer alone gives (the layer-table ones aside), so a layer
and a net read alike; array keys are the array's name (a path below an operator's inner net stays a tuple).

>>> from netgraph import LinearLayer
>>> info = LinearLayer(3, input=4).information()
>>> info["ArraysDimensions"], info["OutputPorts"]
({'Weights': (3, 4), 'Biases': (3,)}, {'Output': (3,)})
>>> print(info)
LinearLayer: inputs Input (4) -> outputs Output (3); 15 parameters
arrays: 2 (15 elements), 2 uninitialized: Weights (3, 4), Biases (3)
layer.information("Properties") lists the 20 properties; layer.information("ArraysDimensions") gives one.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from netgraph.core.errors import OptionError
from netgraph.core.given_shapes import given_shapes
from netgraph.core.graph import NetGraph
from netgraph.core.information import PROPERTIES, Information, property_hint, read_properties
from netgraph.core.summary import ports_line, sizes_text
from netgraph.core.types import format_shape
from netgraph.core.option_problems import VALUE_KIND

__all__ = ["layer_information", "LayerInformation", "LAYER_PROPERTIES"]

LAYER_PROPERTIES = ("InputPortNames", "OutputPortNames", "InputPorts", "OutputPorts", "PortTypes", "Arrays",
                    "ArraysList", "ArraysPositionList", "ArraysCount", "ArraysDimensions", "ArraysElementCounts",
                    "ArraysByteCounts", "ArraysTotalElementCount", "ArraysTotalByteCount", "ArraysTotalSize",
                    "ArraysSizes", "UninitializedArrays", "SharedArrays", "Summary", "Properties")


def _hint(prop: object) -> str:
    """Where Wolfram's name for a property is found for a layer (its InputForm: the layer's repr), else as for nets,
    else a did-you-mean suffix."""
    if prop == "InputForm":
        return " (Wolfram's InputForm is repr(layer) here: the call that rebuilds it, as LinearLayer(3, input=4))"
    return property_hint(prop, LAYER_PROPERTIES)


class LayerInformation(Mapping):
    """Every property of a layer by name, each computed when first read; prints as a short summary."""

    def __init__(self, layer: Any):
        self._layer = layer
        self._net = NetGraph({layer.type_name: layer}, [], **given_shapes(layer))  # the shapes it had in a net
        self._info = Information(self._net)

    def __getitem__(self, prop: str) -> Any:
        if prop == "Properties":
            return list(LAYER_PROPERTIES)
        if not isinstance(prop, str) or prop not in LAYER_PROPERTIES:
            what = f"{prop!r} is a property of nets (their layers and wiring), not of a layer" \
                if isinstance(prop, str) and prop in PROPERTIES \
                else f"unknown property {prop!r}{_hint(prop)}"
            raise OptionError(f"{what}; a layer's properties are {sorted(LAYER_PROPERTIES)}", option="prop",
                              kind=VALUE_KIND)
        return self._summary() if prop == "Summary" else _by_array_name(self._info[prop], self._layer.type_name)

    def __contains__(self, prop: object) -> bool:
        return isinstance(prop, str) and prop in LAYER_PROPERTIES

    def __iter__(self) -> Iterator[str]:
        return iter(LAYER_PROPERTIES)

    def __len__(self) -> int:
        return len(LAYER_PROPERTIES)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, LayerInformation):  # the nets: the port shapes an extracted layer keeps count too
            return bool(self._layer == other._layer and self._net == other._net)
        return super().__eq__(other)

    __hash__ = None  # a mutable cache, as a dict: unhashable

    def _summary(self) -> str:
        missing = len(self["UninitializedArrays"])
        size = f", {self['ArraysTotalSize']}" if self["ArraysTotalByteCount"] else ""
        arrays = ", ".join(f"{_key_text(k)} {format_shape(d) if d is not None else '?'}"
                           for k, d in self["ArraysDimensions"].items())
        state = f"{missing} uninitialized" if missing else "all initialized"
        total = self["ArraysTotalElementCount"]
        elements = "unknown number of elements" if total is None else f"{total:,} element{'s' * (total != 1)}"
        return "\n".join([f"{self._layer.type_name}: {ports_line(self._net)}; {sizes_text(self._net)}",
                          f"arrays: {self['ArraysCount']} ({elements}{size}), {state}: {arrays}" if arrays else "arrays: none",
                          f'layer.information("Properties") lists the {len(LAYER_PROPERTIES)} properties; '
                          f'layer.information("ArraysDimensions") gives one.'])

    def __repr__(self) -> str:
        return self["Summary"]


def _by_array_name(value: Any, name: str) -> Any:
    """A net property's array keys ``(name, array)`` as ``array`` (deeper paths lose only the layer's name)."""
    def key(k: Any) -> Any:
        if isinstance(k, tuple) and k and k[0] == name:
            return k[1] if len(k) == 2 else k[1:]
        return k
    if isinstance(value, dict):
        return {key(k): v for k, v in value.items()}
    if isinstance(value, list):
        return [key(k) for k in value]
    return value


def _key_text(key: Any) -> str:
    return "/".join(map(str, key)) if isinstance(key, tuple) else str(key)


def layer_information(layer: Any, prop: str | list[str] | tuple[str, ...] | None = None) -> Any:
    """``layer.information(prop)``: with no prop, a ``LayerInformation`` mapping that prints a summary."""
    return read_properties(LayerInformation(layer), prop)
