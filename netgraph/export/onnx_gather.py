"""GatherElements along the last axis: ``torch.gather(x, -1, i)``, m entries of each row at the indices ``i`` (of
``x``'s sizes but the last), and as CrossEntropyLossLayer('Index') exports it, ``x.gather(-1, t.unsqueeze(-1))``, each
row's entry at its class index ``t``.

No layer picks an entry by a computed index, so the pick is a one-hot of the index (an ``EmbeddingLayer`` of the
identity, fixed in training as the model's constants are) times ``x`` (each row replicated m times), totalled over
the last axis: equal for finite ``x`` (an infinite entry elsewhere in the row makes it NaN). Any other
GatherElements is refused, naming why.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

import numpy as np

from netgraph.core.graph import NetGraph
from netgraph.core.ports import NetPort
from netgraph.export.onnx_ops import Context, Converted, Unsupported, squeeze_axes
from netgraph.layers import AggregationLayer, EmbeddingLayer, ReplicateLayer, ReshapeLayer, ThreadingLayer

__all__ = ["GATHER_CONVERTERS", "one_hot_tables"]

#: The layer holding the identity table inside an imported GatherElements (fixed in training).
ONE_HOT = "onehot"
_ONLY = ("only GatherElements along the last axis, x.gather(-1, i) with i of x's sizes but the last (m entries per "
         "row; t.unsqueeze(-1) as CrossEntropyLossLayer('Index') exports it), imports: along another axis, or from "
         "an i of other sizes, no layer picks by a computed index")


def _index(node: Any, ctx: Context, shape: tuple) -> tuple[str, int | None]:
    """The index tensor and how many entries per row it picks: ``t`` of ``t.unsqueeze(-1)`` (one, None: the row's
    dim kept as 1), else the node's own index input, of ``x``'s sizes but the last."""
    rank, unsqueeze = len(shape), ctx.producers.get(node.input[1])
    if (unsqueeze is not None and unsqueeze.op_type == "Unsqueeze" and ctx.rank(unsqueeze.input[0]) == rank - 1
            and squeeze_axes(unsqueeze, ctx, rank - 1) == [rank - 1]):
        return unsqueeze.input[0], None
    found = ctx.shapes.get(node.input[1])
    if found is None or len(found) != rank or tuple(found[1:-1]) != tuple(shape[1:-1]) or not isinstance(found[-1], int):
        raise Unsupported(f"{_ONLY} (found indices of shape {found} for x of shape {shape})")
    return node.input[1], found[-1]


def _gather_elements(node: Any, ctx: Context) -> Converted:
    shape, rank = ctx.shapes.get(node.input[0]), ctx.rank(node.input[0])
    if rank is None or rank < 2 or int(ctx.attributes(node).get("axis", 0)) not in (-1, rank - 1):
        raise Unsupported(_ONLY)
    index, picks = _index(node, ctx, tuple(shape))
    classes, kept = shape[-1], shape[1:-1]
    if not isinstance(classes, int) or not all(isinstance(d, int) for d in kept):
        raise Unsupported(f"{_ONLY}, on an input of known sizes after the batch (found {shape})")
    identity = np.eye(classes, dtype=np.float32)
    layers = {ONE_HOT: EmbeddingLayer(classes, classes, weights=identity), "times": ThreadingLayer("Times"),
              "total": AggregationLayer("Total", -1)}
    if picks is None:  # one per row: the row's dim kept, of size 1
        layers["keep"] = ReshapeLayer((*kept, 1))
        edges = [(NetPort("Input"), NetPort("times", "Input1")), ("total", "keep")]
    else:  # each row spread to m rows, one per index
        layers["spread"] = ReplicateLayer(picks, level=-2)
        edges = [(NetPort("Input"), "spread", NetPort("times", "Input1"))]
    edges += [(NetPort("Index"), ONE_HOT), (ONE_HOT, NetPort("times", "Input2")), ("times", "total")]
    return Converted(NetGraph(layers, edges, Input=tuple(shape[1:])), (node.input[0], index))


def one_hot_tables(producers: Iterable[tuple[str, Any]], layers: Mapping[str, Any]) -> dict[tuple, int]:
    """Learning-rate multipliers of 0 for the one-hot table of each imported GatherElements (layer name, node) in
    ``layers``: fixed in training, as the model's constants are."""
    return {(name, ONE_HOT): 0 for name, node in producers if node.op_type == "GatherElements" and name in layers}


GATHER_CONVERTERS: dict[str, Callable[[Any, Context], Converted]] = {"GatherElements": _gather_elements}
