"""GatherElements as CrossEntropyLossLayer('Index') exports it: ``x.gather(-1, t.unsqueeze(-1))``, each row's entry
at its class index ``t``.

No layer picks an entry by a computed index, so the pick is a one-hot of ``t`` (an ``EmbeddingLayer`` of the
identity, fixed in training as the model's constants are) times ``x``, totalled over the last axis: equal for finite
``x`` (an infinite entry elsewhere in the row makes it NaN). Any other GatherElements is refused, naming why.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

import numpy as np

from netgraph.core.graph import NetGraph
from netgraph.core.ports import NetPort
from netgraph.export.onnx_ops import Context, Converted, Unsupported, squeeze_axes
from netgraph.layers import AggregationLayer, EmbeddingLayer, ReshapeLayer, ThreadingLayer

__all__ = ["GATHER_CONVERTERS", "one_hot_tables"]

#: The layer holding the identity table inside an imported GatherElements (fixed in training).
ONE_HOT = "onehot"
_ONLY = ("only GatherElements along the last axis by one index per row, x.gather(-1, t.unsqueeze(-1)) as "
         "CrossEntropyLossLayer('Index') exports it, imports")


def _gather_elements(node: Any, ctx: Context) -> Converted:
    shape, rank = ctx.shapes.get(node.input[0]), ctx.rank(node.input[0])
    axis = int(ctx.attributes(node).get("axis", 0))
    unsqueeze = ctx.producers.get(node.input[1])
    if rank is None or rank < 2 or axis not in (-1, rank - 1) or unsqueeze is None or unsqueeze.op_type != "Unsqueeze":
        raise Unsupported(_ONLY)
    if squeeze_axes(unsqueeze, ctx, rank - 1) != [rank - 1] or ctx.rank(unsqueeze.input[0]) != rank - 1:
        raise Unsupported(f"{_ONLY} (its indices are not t.unsqueeze(-1))")
    classes, kept = shape[-1], shape[1:-1]
    if not isinstance(classes, int) or not all(isinstance(d, int) for d in kept):
        raise Unsupported(f"{_ONLY}, on an input of known sizes after the batch (found {shape})")
    identity = np.eye(classes, dtype=np.float32)
    pick = NetGraph({ONE_HOT: EmbeddingLayer(classes, classes, weights=identity), "times": ThreadingLayer("Times"),
                     "total": AggregationLayer("Total", -1), "keep": ReshapeLayer((*kept, 1))},
                    [(NetPort("Input"), NetPort("times", "Input1")), (NetPort("Index"), ONE_HOT),
                     (ONE_HOT, NetPort("times", "Input2")), ("times", "total", "keep")], Input=tuple(shape[1:]))
    return Converted(pick, (node.input[0], unsqueeze.input[0]))


def one_hot_tables(producers: Iterable[tuple[str, Any]], layers: Mapping[str, Any]) -> dict[tuple, int]:
    """Learning-rate multipliers of 0 for the one-hot table of each imported GatherElements (layer name, node) in
    ``layers``: fixed in training, as the model's constants are."""
    return {(name, ONE_HOT): 0 for name, node in producers if node.op_type == "GatherElements" and name in layers}


GATHER_CONVERTERS: dict[str, Callable[[Any, Context], Converted]] = {"GatherElements": _gather_elements}
