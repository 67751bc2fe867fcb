"""A graph's layer table: names checked, Wolfram shorthands turned into layers.

>>> names, table = named_layers([3, "Tanh"])
>>> names, type(table["2"]).__name__
(['1', '2'], 'ElementwiseLayer')
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import torch

from netgraph.core.errors import Diagnostic, NetGraphError, OptionError, WiringError, did_you_mean, raise_all
from netgraph.core.layer import Layer
from netgraph.core.plugins import stage

__all__ = ["RESERVED_NAMES", "coerce_layer", "named_layers"]

#: Names a layer may not take: they are attributes of the compiled nn.Module.
RESERVED_NAMES = frozenset(dir(torch.nn.Module)) | {"code", "net", "to_net", "surrogate_loss"}


def coerce_layer(value: Any, where: str) -> Layer:
    """A layer from a layer or a Wolfram shorthand (int -> LinearLayer, 'Tanh' -> ElementwiseLayer, ...)."""
    layer = value if isinstance(value, Layer) else stage("shorthand")(value)
    if layer is None:
        hint = did_you_mean(value, stage("layer_names")()) if isinstance(value, str) else ""
        raise OptionError(f"{where} is not a layer or a layer shorthand (an int, a function name such as "
                          f"'Tanh', a list for a chain): found {value!r}{hint}")
    return layer


def named_layers(layers: Any) -> tuple[list[str], dict[str, Layer]]:
    """The layer names in order and the layers by name (shorthands coerced); every bad name or layer
    collected into one WiringError."""
    if isinstance(layers, Mapping):
        items = list(layers.items())
    elif isinstance(layers, (list, tuple)):
        items = [(str(i), layer) for i, layer in enumerate(layers, 1)]
    else:
        raise WiringError(f"NetGraph layers must be a list or a dict, found {type(layers).__name__}")
    if not items:
        raise WiringError("NetGraph objects must contain at least one layer")
    errors: list[Diagnostic] = []
    table = {}
    for i, (name, layer) in enumerate(items, 1):
        at = (name,) if isinstance(name, str) else None
        if not isinstance(name, str) or not name or "." in name or name in RESERVED_NAMES:
            errors.append(Diagnostic(f"layer {i}: name {name!r} is not allowed (names are non-empty strings "
                                     f"without '.', and not an nn.Module attribute such as 'forward')",
                                     "layer-name", layer=at))
            continue
        if isinstance(layer, Layer):  # the common case, without writing a label per layer
            table[name] = layer
            continue
        label = f"layer {i}" if name == str(i) else f"layer {i} {name!r}"
        try:
            table[name] = coerce_layer(layer, label)
        except OptionError as exc:
            errors += [Diagnostic(d.message, "not-a-layer", layer=at) for d in exc.diagnostics]
        except NetGraphError as exc:  # a shorthand built a graph (a list -> NetChain) that refused its parts
            inner = [d.within(name).prefixed(f"{label}: ") for d in exc.diagnostics]
            raise type(exc)(f"{label}: {exc}", inner) from None
    raise_all(errors, WiringError, "invalid layers")
    return [name for name, _ in items], table
