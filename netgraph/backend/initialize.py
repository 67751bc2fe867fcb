"""net_initialize (Wolfram's NetInitialize): fill uninitialised arrays, deterministically from a seed."""

from __future__ import annotations

from typing import Any

import torch

from netgraph.core.errors import OptionError, ShapeError, raise_all
from netgraph.core.graph import NetGraph
from netgraph.core.layer import Layer
from netgraph.core.options import as_seed
from netgraph.core.ir import Node
from netgraph.core.walk import map_nodes

__all__ = ["net_initialize"]


def net_initialize(net: Any, seed: int | None = None, all: bool = False) -> Any:
    """A new net whose missing arrays (or every array, with ``all=True``) are filled.

    Weights are Kaiming-uniform, biases zero, NetArrayLayer arrays normal. ``seed`` makes the
    result reproducible; the default seed is 1234, as in Wolfram.

    >>> from netgraph import NetGraph, LinearLayer
    >>> net = net_initialize(NetGraph([LinearLayer(2)], [], Input=3), seed=0)
    >>> tuple(net.layers["1"].arrays["Weights"].shape)
    (2, 3)
    """
    generator = torch.Generator().manual_seed(1234 if seed is None else as_seed(seed, "seed"))
    if not isinstance(net, NetGraph):  # a bare layer (as NetInitialize[layer]): initialise it as a one-layer net
        if not isinstance(net, Layer):
            raise OptionError(f"net_initialize needs a NetGraph or a layer, found {type(net).__name__}")
        return net_initialize(NetGraph({"layer": net}, []), seed, all).layers["layer"]
    changes, unknown = {}, []

    def fill(node: Node) -> None:
        layer = node.layer
        missing = [n for n, v in layer.arrays.items() if v is None or all]
        if not missing:
            return
        bad = [p for p, t in node.types.items() if not t.known]
        if bad:
            unknown.extend(f"{net.describe((node.path, p))} has unknown shape {node.types[p]}" for p in bad)
            return
        shapes = layer.array_shapes(node.types)
        changes[node.path] = layer.with_arrays({n: layer.init_array(n, tuple(shapes[n]), generator) for n in missing})
    map_nodes(net, fill)
    raise_all(unknown, ShapeError, "cannot initialise arrays of unknown shape")
    return net.replace_layers(changes) if changes else net
