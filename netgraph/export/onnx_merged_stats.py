"""``AggregationLayer("Variance" | "StandardDeviation" | "MeanDeviation", levels)`` of several levels as export_onnx
writes it: a Reshape merging the last k dims of t into one (``Concat(Slice(Shape(t), 0, -k), [-1])``, after a
Transpose moving the levels last), then the statistic over that last axis. No layer reshapes a variable length, so
the chain becomes one AggregationLayer of t over its last k levels (the Transpose stays), and runs at any length.
The Variance and StandardDeviation chains are ``onnx_variance.variance_chain``'s; MeanDeviation's is
``ReduceMean(Abs(Sub(x, ReduceMean(x, -1, keepdims=1))), -1, keepdims=0)``."""

from __future__ import annotations

import dataclasses
from typing import Any

from netgraph.export.onnx_chains import NOT_THE_PATTERN, chain_patterns
from netgraph.export.onnx_names import known_dim
from netgraph.export.onnx_ops import Context, Converted, Unsupported, squeeze_axes
from netgraph.export.onnx_reshape import fresh_value
from netgraph.export.onnx_variance import op_producer, used_inside, variance_chain
from netgraph.layers import AggregationLayer

__all__ = ["merged_variance_patterns", "merged_mean_deviation_patterns"]


def merged_variance_patterns(nodes: Any, ctx: Context) -> tuple[dict[int, Converted], set[int]]:
    """The last node (Div) of each merged Variance or StandardDeviation chain (by ``id``) -> its AggregationLayer fed
    by t, and the ids of the nodes it takes the place of."""
    return chain_patterns(nodes, ctx, "Div", _variance, (Unsupported, *NOT_THE_PATTERN))


def merged_mean_deviation_patterns(nodes: Any, ctx: Context) -> tuple[dict[int, Converted], set[int]]:
    """As ``merged_variance_patterns``, of MeanDeviation chains (their last node a ReduceMean)."""
    return chain_patterns(nodes, ctx, "ReduceMean", _mean_deviation, (Unsupported, *NOT_THE_PATTERN))


def _variance(div: Any, ctx: Context) -> tuple[list, AggregationLayer, str] | None:
    matched = variance_chain(div, ctx)
    if matched is None:
        return None
    chain, layer, x = matched
    merged = _merged(x, squeeze_axes(chain[0], ctx), chain, ctx)
    return None if merged is None else (chain, AggregationLayer(layer.function, merged[1]), merged[0])


def _mean_deviation(reduce: Any, ctx: Context) -> tuple[list, AggregationLayer, str] | None:
    absolute = op_producer(reduce.input[0], ctx, "Abs")
    centred = op_producer(absolute.input[0], ctx, "Sub") if absolute is not None else None
    mean = op_producer(centred.input[1], ctx, "ReduceMean") if centred is not None else None
    if (mean is None or mean.input[0] != centred.input[0] or not int(ctx.attributes(mean).get("keepdims", 1))
            or int(ctx.attributes(reduce).get("keepdims", 1))):
        return None
    chain, x, axes = [mean, centred, absolute, reduce], centred.input[0], squeeze_axes(reduce, ctx)
    if axes is None or axes != squeeze_axes(mean, ctx) or not used_inside(chain, ctx):
        return None
    merged = _merged(x, axes, chain, ctx)
    return None if merged is None else (chain, AggregationLayer("MeanDeviation", merged[1]), merged[0])


def _merged(x: str, axes: list[int] | None, chain: list, ctx: Context) -> tuple[str, list[int]] | None:
    """(t, the levels of its last k dims) where ``x`` is a Reshape of t merging those into one (the target t's
    other sizes, each known or named by the model), ``axes`` x's last axis, and nothing but the ``chain`` and Shape
    nodes (its count) reads x; else None."""
    reshape, rank = op_producer(x, ctx, "Reshape"), ctx.rank(x)
    if reshape is None or rank is None or axes is None or [a % rank for a in axes] != [rank - 1]:
        return None
    ids = {id(node) for node in chain}
    if x in ctx.graph_outputs or any(id(use) not in ids and use.op_type != "Shape"
                                     for use, _ in ctx.consumers.get(x, ())):
        return None
    t = reshape.input[0]
    full, sizes = ctx.rank(t), ctx.shapes.get(t)  # the target as computed: Shape, Slice, Gather, Concat alike
    target = fresh_value(reshape.input[1], ctx)
    if full is None or sizes is None or full <= rank or target is None or tuple(target) != (*sizes[:rank - 1], -1):
        return None
    kept = sizes[1:rank - 1]  # the batch is every tensor's own; a dim of unknown size equals only itself
    if not all(map(known_dim, kept)):
        own = _own_dims(reshape.input[1], t, full, ctx)
        if own is None or any(not known_dim(d) and own[i] != (t, i) for i, d in enumerate(kept, 1)):
            return None
    return t, list(range(rank - 1, full))


def _own_dims(target: str, t: str, full: int, ctx: Context) -> tuple | None:
    """The ``target`` shape value computed from t's shape alone, each of t's dims as ``(t, its axis)``: where it
    reads ``Shape(t)`` and constants only; None where it reads another tensor's shape."""
    return fresh_value(target, dataclasses.replace(ctx, shapes={t: tuple((t, i) for i in range(full))}, symbols={}))

