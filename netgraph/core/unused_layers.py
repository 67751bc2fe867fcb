"""Layers no graph output depends on (their outputs are muted, or feed only such layers), and layers no edge names
in a graph whose other layers are wired (their ports silently became graph ports, a merged ``Input`` among them).

Wolfram's port rules allow both, but they are rarely meant, so ``netgraph check`` notes each one.

>>> from netgraph import NetGraph, LinearLayer
>>> unused_layers(NetGraph({"a": LinearLayer(2), "b": LinearLayer(3)}, [("b", None)], Input=4))
[('b',)]
"""

from __future__ import annotations

from typing import Any

__all__ = ["unused_layers", "unused_layer_notes", "unwired_layer_notes"]


def unused_layers(net: Any) -> list[tuple[str, ...]]:
    """The path of each leaf layer (nested graphs' too) that no graph output of ``net`` depends on, in the
    net's topological order."""
    ir = net.ir
    needed, pending = set(), [v.node for v in ir.outputs.values() if v.node is not None]
    while pending:
        path = pending.pop()
        if path not in needed:
            needed.add(path)
            pending.extend(v.node for v in ir.node(path).inputs.values() if v.node is not None)
    return [node.path for node in ir.nodes if node.path not in needed]


def unused_layer_notes(net: Any) -> list[str]:
    """One line per unused layer, naming it as errors do."""
    return [f"{net.describe((path, None))} feeds no graph output (its outputs are muted, or feed only such "
            f"layers): every call computes it for nothing" for path in unused_layers(net)]


def unwired_layer_notes(net: Any) -> list[str]:
    """One line per layer that no edge (nor mute) of its graph names, in a graph with edges, nested graphs too."""
    return [f"{net.describe((path, None))} is in no edge: its ports became graph ports ({', '.join(ports)})"
            for path, ports in _unwired(net, ())]


def _unwired(graph: Any, prefix: tuple) -> list[tuple[tuple, list[str]]]:
    edges = graph.edges
    found, given = [], [e for e in edges if not e.implicit]
    if given and type(graph).__name__ != "NetChain":  # a chain wires every layer; no edges: wired by names on purpose
        named = {ref.layer for e in given for ref in (e.src, e.dst)} | {ref.layer for ref in graph._muted}
        inputs: dict[str, list[str]] = {}  # each layer's ports made graph ports, read in one pass over the edges
        outputs: dict[str, list[str]] = {}
        for e in edges:
            if e.implicit:
                inputs.setdefault(e.dst.layer, []).append(f"input {e.src.port!r}")
                outputs.setdefault(e.src.layer, []).append(f"output {e.dst.port!r}")
        for name in (n for n in graph.layers if n not in named):
            found.append(((*prefix, name), inputs.get(name, []) + outputs.get(name, [])))
    for name, layer in graph.layers.items():
        if hasattr(layer, "explicit_edges"):  # a nested graph
            found += _unwired(layer, (*prefix, name))
    return found
