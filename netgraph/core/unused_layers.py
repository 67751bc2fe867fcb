"""Layers no graph output depends on: their outputs are muted, or feed only such layers.

Wolfram's port rules allow them (a muted output is not an error), but every call computes them for nothing and
training never changes their arrays, so ``netgraph check`` notes each one.

>>> from netgraph import NetGraph, LinearLayer
>>> unused_layers(NetGraph({"a": LinearLayer(2), "b": LinearLayer(3)}, [("b", None)], Input=4))
[('b',)]
"""

from __future__ import annotations

from typing import Any

__all__ = ["unused_layers", "unused_layer_notes"]


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
