"""Calling a layer, ``layer(x)`` (Wolfram's ``layer[x]``): the one-layer net ``NetGraph(layer)`` evaluates it.

The net is made on the first call and kept on the layer outside its fields (``_as_net``), so the layer's value,
equality and hash are unchanged, and copies and pickles leave it behind (``Layer.__getstate__``). The net caches
its compiled module as any net does. Errors are the net's, except that missing arrays are named as the layer's
(also when its input shapes are unknown, which the net would report first).

>>> import torch
>>> from netgraph import LinearLayer, net_initialize
>>> layer = net_initialize(LinearLayer(2, input=3), seed=1)
>>> bool((layer(torch.ones(3)) == NetGraph(layer)(torch.ones(3))).all()), layer == LinearLayer(2, input=3)
(True, False)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from netgraph.core.errors import Diagnostic, ShapeError, UninitializedError, raise_all
from netgraph.core.graph import NetGraph
from netgraph.core.layer import Layer, frozen_init
from netgraph.core.naming_scope import quoted

__all__ = ["call_layer", "as_net", "on_layer"]


def as_net(layer: Layer) -> NetGraph:
    """``NetGraph(layer)``, made once per layer value and kept on it (no field: equality and hash ignore it)."""
    net = layer.__dict__.get("_as_net")
    if net is None:
        net = NetGraph(layer)
        frozen_init(layer, _as_net=net)
    return net


def call_layer(layer: Layer, args: tuple, inputs: dict[str, Any]) -> Any:
    """``layer(*args, **inputs)``: ``NetGraph(layer)(*args, **inputs)``; missing arrays are named as the layer's."""
    return on_layer(layer, lambda net: net(*args, **inputs))


def on_layer(layer: Layer, run: Callable[[NetGraph], Any]) -> Any:
    """``run(NetGraph(layer))`` (evaluating it, or its port gradient); missing arrays are named as the layer's."""
    net = as_net(layer)
    try:
        return run(net)
    except (UninitializedError, ShapeError):  # a ShapeError first when the input shapes are unknown too
        if not layer.information("UninitializedArrays"):
            raise
    _uninitialized(layer, net)  # outside the except clause: the net's wording names "layer 1" of a graph


def _uninitialized(layer: Layer, net: NetGraph) -> None:
    """The UninitializedError for ``layer``: each missing array by name (an inner net's by its path)."""
    names = layer.information("UninitializedArrays")
    problems = [Diagnostic(f"array {_array_name(n)}", "uninitialized", layer=() if isinstance(n, str) else n[:-1])
                for n in names]
    shaped = all(net.port_types[p].shape is not None for p in net.input_ports)
    first = ("net_initialize(layer) first; it returns the layer with its arrays" if shaped else
             "net_initialize(layer) once its inputs have shapes (e.g. input=...); it returns the layer with its arrays")
    raise_all(problems or [Diagnostic("arrays", "uninitialized", layer=())], UninitializedError,
              f"{layer.type_name} has uninitialised arrays; call {first}")


def _array_name(name: Any) -> str:
    return repr(name) if isinstance(name, str) else f"{quoted(name[-1])} of {'/'.join(map(str, name[:-1]))}"
