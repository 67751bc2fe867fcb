"""Wolfram's ``Information[net, prop]``: port names and shapes, layer counts, arrays and their sizes."""

from __future__ import annotations

from typing import Any

from netgraph.core.errors import OptionError, did_you_mean
from netgraph.core.walk import map_nodes

__all__ = ["information", "all_arrays"]


def all_arrays(net: Any) -> dict[tuple, Any]:
    """Every array of every leaf layer by ``(*path, array name)``; None for uninitialised ones."""
    per_node = map_nodes(net, lambda node: [((*node.path, name), value) for name, value in node.layer.arrays.items()])
    return dict(item for items in per_node for item in items)


def information(net: Any, prop: str | None = None) -> Any:
    """Wolfram's Information[net, prop]: with no prop, a dict of all properties."""
    arrays = all_arrays(net)
    known = {k: v for k, v in arrays.items() if v is not None}
    layers = dict(map_nodes(net, lambda node: (node.name, node.layer)))
    counts: dict[str, int] = {}
    for layer in layers.values():
        counts[layer.type_name] = counts.get(layer.type_name, 0) + 1
    props = {
        "InputPortNames": list(net.input_ports), "OutputPortNames": list(net.output_ports),
        "InputPorts": dict(net.input_shapes), "OutputPorts": dict(net.output_shapes),
        "Layers": layers, "LayersCount": sum(counts.values()),
        "LayerTypeCounts": counts, "Arrays": arrays, "ArraysCount": len(arrays),
        "ArraysDimensions": {k: tuple(v.shape) for k, v in known.items()},
        "ArraysTotalElementCount": sum(v.numel() for v in known.values()),
        "ArraysTotalByteCount": sum(v.numel() * v.element_size() for v in known.values()),
        "UninitializedArrays": [k for k, v in arrays.items() if v is None],
        "Estimators": {name: layer.estimate for name, layer in layers.items()
                       if isinstance(getattr(layer, "estimate", None), str)},
    }
    if prop is None:
        return props
    if prop not in props:
        raise OptionError(f"unknown property {prop!r}{did_you_mean(prop, props)}; properties: {sorted(props)}")
    return props[prop]

