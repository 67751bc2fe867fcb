"""GatherElements: ``torch.gather(x, -1, i)``, m entries of each row at the indices ``i`` (of ``x``'s sizes but the
last), and as CrossEntropyLossLayer('Index') exports it, ``x.gather(-1, t.unsqueeze(-1))``, each row's entry at its
class index ``t``; along another axis k the same between TransposeLayers swapping k with the last axis.

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
from netgraph.layers import (AggregationLayer, EmbeddingLayer, ReplicateLayer, ReshapeLayer, ThreadingLayer,
                             TransposeLayer)

__all__ = ["GATHER_CONVERTERS", "one_hot_tables"]

#: The layer holding the identity table inside an imported GatherElements (fixed in training).
ONE_HOT = "onehot"
_ONLY = ("only GatherElements x.gather(k, i) with i of x's sizes but along axis k (m entries per row; "
         "t.unsqueeze(-1) as CrossEntropyLossLayer('Index') exports it) imports: with an i of other sizes, no layer "
         "picks by a computed index")


def _index(node: Any, ctx: Context, shape: tuple, axis: int) -> tuple[str, int | None]:
    """The index tensor and how many entries per row it picks: ``t`` of ``t.unsqueeze(-1)`` (one, None: the row's
    dim kept as 1), else the node's own index input, of ``x``'s sizes but along ``axis``."""
    rank, unsqueeze = len(shape), ctx.producers.get(node.input[1])
    if (axis == rank - 1 and unsqueeze is not None and unsqueeze.op_type == "Unsqueeze"
            and ctx.rank(unsqueeze.input[0]) == rank - 1 and squeeze_axes(unsqueeze, ctx, rank - 1) == [rank - 1]):
        return unsqueeze.input[0], None
    found = ctx.shapes.get(node.input[1])
    if (found is None or len(found) != rank or not isinstance(found[axis], int)
            or any(f != d for k, (f, d) in enumerate(zip(found[1:], shape[1:]), 1) if k != axis)):
        raise Unsupported(f"{_ONLY} (found indices of shape {found} for x of shape {shape}, axis {axis})",
                          expected="indices of x's sizes but along the axis", found=found)
    return node.input[1], found[axis]


def _gather_elements(node: Any, ctx: Context) -> Converted:
    """Along the last axis a one-hot pick (see the module docstring); along another, between TransposeLayers that
    swap that axis with the last."""
    shape, rank = ctx.shapes.get(node.input[0]), ctx.rank(node.input[0])
    axis = int(ctx.attributes(node).get("axis", 0))
    axis = axis + rank if rank is not None and axis < 0 else axis
    if rank is None or rank < 2 or not 1 <= axis < rank:
        ranked = rank is not None and rank >= 2  # else the input's rank is at fault, not the axis
        raise Unsupported(f"{_ONLY}; along the batch axis or of an input of unknown rank it does not",
                          attribute="axis" if ranked else None, expected=f"an axis from 1 to {rank - 1}" if ranked
                          else "an input of known rank >= 2", found=axis if ranked else rank)
    index, picks = _index(node, ctx, tuple(shape), axis)
    if not all(isinstance(d, int) for d in shape[1:]):
        raise Unsupported(f"{_ONLY}, on an input of known sizes after the batch (found {shape})",
                          expected="known sizes after the batch", found=shape)
    return Converted(_pick(tuple(shape), axis, picks), (node.input[0], index))


def _pick(shape: tuple, axis: int, picks: int | None) -> NetGraph:
    """The one-hot pick along ``axis`` of x (``shape``, the batch first): ``picks`` entries per row (None: one, the
    row's dim kept as 1); another axis than the last is swapped with it (a swap is its own inverse) and back."""
    swapped = list(shape)
    swapped[axis], swapped[-1] = swapped[-1], swapped[axis]
    classes, kept = swapped[-1], swapped[1:-1]
    layers = {ONE_HOT: EmbeddingLayer(classes, classes, weights=np.eye(classes, dtype=np.float32)),
              "times": ThreadingLayer("Times"), "total": AggregationLayer("Total", -1)}
    x, index, out = [NetPort("Input")], [NetPort("Index")], ["total"]
    if axis < len(shape) - 1:
        perm = [*range(1, axis), len(shape) - 1, *range(axis + 1, len(shape) - 1), axis]
        layers.update({"swap": TransposeLayer(perm), "index_swap": TransposeLayer(perm), "back": TransposeLayer(perm)})
        x, index, out = [*x, "swap"], [*index, "index_swap"], [*out, "back"]
    if picks is None:
        layers["keep"] = ReshapeLayer((*kept, 1))
        out.append("keep")
    else:  # each row spread to m rows, one per index
        layers["spread"] = ReplicateLayer(picks, level=-2)
        x.append("spread")
    edges = [(*x, NetPort("times", "Input1")), (*index, ONE_HOT), (ONE_HOT, NetPort("times", "Input2")),
             ("times", *out)]
    return NetGraph(layers, edges, Input=shape[1:])


def one_hot_tables(producers: Iterable[tuple[str, Any]], layers: Mapping[str, Any]) -> dict[tuple, int]:
    """Learning-rate multipliers of 0 for the one-hot table of each imported GatherElements (layer name, node) in
    ``layers``: fixed in training, as the model's constants are."""
    return {(name, ONE_HOT): 0 for name, node in producers if node.op_type == "GatherElements" and name in layers}


GATHER_CONVERTERS: dict[str, Callable[[Any, Context], Converted]] = {"GatherElements": _gather_elements}
