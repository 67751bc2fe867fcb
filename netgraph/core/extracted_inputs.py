"""A layer taken out of a net with the input shapes it had there, declared through its own shape options (Wolfram's
NetExtract keeps a layer's inferred shapes), so an uninitialised one can be initialised and run alone.

A port's shape goes to the option named as the port (``Input`` -> ``input=``, ``Element`` -> ``element=``) when it
is a shape option, else to a by-port option (a FunctionLayer's ``input={"x": 3}``, a TorchLayer's ``inputs=``).
The shapes no option takes (a ThreadingLayer's inputs, an operator's ports, an output the layer alone leaves open)
it keeps outside its options (``netgraph.core.given_shapes``): the layer alone declares them.

>>> from netgraph import LinearLayer, PortType, ThreadingLayer
>>> with_input_shapes(LinearLayer(8), lambda: {"Input": PortType((4,), "Real")})
LinearLayer(8, input=4)
>>> plus = with_input_shapes(ThreadingLayer("Plus", inputs=1), lambda: {"Input1": PortType((3,), "Real")})
>>> plus, NetGraph(plus).input_shapes
(ThreadingLayer('Plus', inputs=1), {'Input1': (3,)})
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from netgraph.core.errors import NetGraphError
from netgraph.core.given_shapes import given_shapes, with_given_shapes
from netgraph.core.graph import NetGraph
from netgraph.core.layer import Layer
from netgraph.core.layer_call import as_net
from netgraph.core.options import option_kinds
from netgraph.core.ports import declared_where_needed
from netgraph.core.types import PortType

__all__ = ["with_input_shapes"]

_SHAPE_KINDS = ("shape", "sequence-shape")


def with_input_shapes(layer: Layer, port_types: Callable[[], Mapping[str, PortType]]) -> Layer:
    """``layer`` with the shapes ``port_types()`` gives its ports (their types in the net it came from) declared
    where they say more than it infers alone: its input shapes through the options that take them, the others
    kept beside its options (``with_given_shapes``; a layer without inputs, its outputs'); the layer itself when
    ``port_types()`` fails."""
    try:
        types = port_types()
    except (NetGraphError, KeyError):
        return layer
    own = _alone(layer)
    if own is None:
        return layer
    missing = _missing(layer, own, types, layer.input_ports or layer.output_ports)
    for changes, ports in _option_changes(layer, {p: types[p] for p in missing if p in layer.input_ports}):
        try:
            layer = layer.replace(**changes)
        except NetGraphError:  # the option takes no such value (a count of ports, not their shapes)
            continue
        missing = {p: t for p, t in missing.items() if p not in ports or t.dtype is not None}  # (a dtype: beside)
    return with_given_shapes(layer, {p: t.shape if t.dtype is None else t for p, t in missing.items()})


def _alone(layer: Layer) -> dict[str, PortType] | None:
    """The port types ``layer`` infers on its own (with the shapes it was given where it came from); None when it
    is no net alone."""
    try:
        return _lone_net(layer, {}).port_types
    except NetGraphError:
        return None


def _lone_net(layer: Layer, declared: Mapping[str, PortType]) -> NetGraph:
    """The net of ``layer`` alone, its ports ``declared`` (beside the shapes it was given)."""
    if not declared and not given_shapes(layer):
        return as_net(layer)  # kept on the layer
    return NetGraph({"layer": layer}, [], **{**given_shapes(layer), **declared})


def _missing(layer: Layer, own: Mapping[str, PortType], types: Mapping[str, PortType],
             ports: tuple[str, ...]) -> dict[str, PortType]:
    """The types ``types`` gives ``ports`` where their shapes are known and ``own`` (what ``layer`` infers alone)
    differs, declared no more than ``layer`` alone needs (``declared_where_needed``: a shape alone, its dtype and
    range too where alone it infers others)."""
    wanted = {p: types[p] for p in ports if p in types and types[p].shape is not None and types[p] != own.get(p)}
    if not wanted:
        return {}
    try:
        lone = declared_where_needed(lambda declared: _lone_net(layer, declared), wanted)
    except NetGraphError:  # the whole types refused alone: their shapes, as the net it came from gave them
        return {p: PortType(t.shape, None) for p, t in wanted.items()}
    options = lone.port_shape_options()  # (a range's type is declared as its encoder: the type, as given)
    return {p: options[p] if isinstance(options[p], PortType) else wanted[p] for p in wanted if p in options}


def _option_changes(layer: Layer, types: Mapping[str, PortType]) -> list[tuple[dict[str, Any], set[str]]]:
    """One ``({option: value}, the ports it declares)`` per option that takes some of ``types``' shapes: a shape
    option named as its port, else the layer's by-port option (``input={port: shape}``, ``inputs={port: type}``)."""
    kinds = {name: kind.name for name, kind in option_kinds(type(layer)).items()}
    changes, rest = [], {}
    for port, port_type in types.items():
        option = _snake(port)
        if kinds.get(option) in _SHAPE_KINDS:
            changes.append(({option: port_type.shape}, {port}))
        else:
            rest[port] = port_type
    if rest and (by_port := next((n for n, k in kinds.items() if k == "port-shapes"), None)):
        given = getattr(layer, by_port)  # a dict by port, or one shape for every port
        shapes = {**(dict(given) if isinstance(given, Mapping) else dict.fromkeys(layer.input_ports, given)),
                  **{p: t.shape for p, t in rest.items()}}
        changes.append(({by_port: shapes if len(shapes) > 1 else next(iter(shapes.values()))}, set(rest)))
    elif rest and kinds.get("inputs") == "ports":  # port -> type, where the option takes a dict (not a count)
        given = getattr(layer, "inputs")
        changes.append(({"inputs": {**(dict(given) if isinstance(given, Mapping) else dict.fromkeys(layer.input_ports)),
                                    **rest}}, set(rest)))
    return changes


def _snake(port: str) -> str:
    """The option named as ``port``: ``"Input"`` -> ``"input"``, ``"StateInput"`` -> ``"state_input"``."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", port).lower()
