"""A layer taken out of a net with the input shapes it had there, declared through its own shape options (Wolfram's
NetExtract keeps a layer's inferred shapes), so an uninitialised one can be initialised and run alone.

A port's shape goes to the option named as the port (``Input`` -> ``input=``, ``Element`` -> ``element=``) when it
is a shape option, else to a by-port option (a FunctionLayer's ``input={"x": 3}``, a TorchLayer's ``inputs=``).
A layer with no such option (a ThreadingLayer's inputs) comes back as it was.

>>> from netgraph import LinearLayer, PortType
>>> with_input_shapes(LinearLayer(8), lambda: {"Input": PortType((4,), "Real")})
LinearLayer(8, input=4)
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from netgraph.core.errors import NetGraphError
from netgraph.core.layer import Layer
from netgraph.core.layer_call import as_net
from netgraph.core.options import option_kinds
from netgraph.core.types import PortType

__all__ = ["with_input_shapes"]

_SHAPE_KINDS = ("shape", "sequence-shape")


def with_input_shapes(layer: Layer, port_types: Callable[[], Mapping[str, PortType]]) -> Layer:
    """``layer`` with the shapes ``port_types()`` gives its input ports (their types in the net it came from)
    declared where they say more than it infers alone; an option that does not take them is left as it was (the
    layer itself when none does, or when ``port_types()`` fails)."""
    try:
        types = port_types()
    except (NetGraphError, KeyError):
        return layer
    own = _alone(layer)
    shapes = {p: types[p].shape for p in layer.input_ports
              if p in types and types[p].shape is not None and types[p].shape != own.get(p)}
    for changes in _option_changes(layer, {p: types[p] for p in shapes}):
        try:
            layer = layer.replace(**changes)
        except NetGraphError:  # the option takes no such value (a count of ports, not their shapes)
            continue
    return layer


def _alone(layer: Layer) -> dict[str, tuple | None]:
    """The input shapes ``layer`` infers on its own."""
    try:
        types = as_net(layer).port_types
    except NetGraphError:
        return {}
    return {p: types[p].shape for p in layer.input_ports if p in types}


def _option_changes(layer: Layer, types: Mapping[str, PortType]) -> list[dict[str, Any]]:
    """One ``{option: value}`` per option that takes some of ``types``' shapes: a shape option named as its port,
    else the layer's by-port option (``input={port: shape}``, ``inputs={port: type}``)."""
    kinds = {name: kind.name for name, kind in option_kinds(type(layer)).items()}
    changes, rest = [], {}
    for port, port_type in types.items():
        option = _snake(port)
        if kinds.get(option) in _SHAPE_KINDS:
            changes.append({option: port_type.shape})
        else:
            rest[port] = port_type
    if rest and (by_port := next((n for n, k in kinds.items() if k == "port-shapes"), None)):
        given = getattr(layer, by_port)  # a dict by port, or one shape for every port
        shapes = {**(dict(given) if isinstance(given, Mapping) else dict.fromkeys(layer.input_ports, given)),
                  **{p: t.shape for p, t in rest.items()}}
        changes.append({by_port: shapes if len(shapes) > 1 else next(iter(shapes.values()))})
    elif rest and kinds.get("inputs") == "ports":  # port -> type, where the option takes a dict (not a count)
        given = getattr(layer, "inputs")
        changes.append({"inputs": {**(dict(given) if isinstance(given, Mapping) else dict.fromkeys(layer.input_ports)),
                                   **rest}})
    return changes


def _snake(port: str) -> str:
    """The option named as ``port``: ``"Input"`` -> ``"input"``, ``"StateInput"`` -> ``"state_input"``."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", port).lower()
