"""Gather: rows of a constant table by computed indices (EmbeddingLayer); one constant index along a non-batch axis
(PartLayer, ``y[:, -1]``); a constant list of indices there (``x[:, [0, 2]]``): a PartLayer span per run of
consecutive indices, joined by a CatenateLayer where there are several.

GatherElements: ``torch.gather(x, -1, i)``, m entries of each row at the indices ``i`` (of ``x``'s sizes but the
last), and as CrossEntropyLossLayer('Index') exports it, ``x.gather(-1, t.unsqueeze(-1))``, each row's entry at its
class index ``t``; along another axis k the same between TransposeLayers swapping k with the last axis. Only the
axis picked along needs a known size (the table's): the other dims may be of a variable length.

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
from netgraph.export.onnx_ops import Context, Converted, Unsupported, consecutive_runs, squeeze_axes
from netgraph.layers import (AggregationLayer, CatenateLayer, EmbeddingLayer, PartLayer, ReplicateLayer,
                             ThreadingLayer, TransposeLayer)

__all__ = ["GATHER_CONVERTERS", "gather", "one_hot_tables"]

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
    if not isinstance(shape[axis], int):  # the one-hot table's size: the other dims may vary
        raise Unsupported(f"{_ONLY}, along an axis of known size (found {shape}, axis {axis})",
                          expected="a known size along the axis", found=shape[axis])
    return Converted(_pick(tuple(shape), axis, picks, ctx.real_dtype), (node.input[0], index))


def _pick(shape: tuple, axis: int, picks: int | None, dtype: type) -> NetGraph:
    """The one-hot pick along ``axis`` of x (``shape``, the batch first), its table of ``dtype`` (the model's real
    dtype): ``picks`` entries per row (None: one, the row's dim kept as 1); another axis than the last is swapped
    with it (a swap is its own inverse) and back."""
    swapped = list(shape)
    swapped[axis], swapped[-1] = swapped[-1], swapped[axis]
    classes = swapped[-1]
    layers = {ONE_HOT: EmbeddingLayer(classes, classes, weights=np.eye(classes, dtype=dtype)),
              "times": ThreadingLayer("Times"), "total": AggregationLayer("Total", -1)}
    x, index, out = [NetPort("Input")], [NetPort("Index")], ["total"]
    if axis < len(shape) - 1:
        perm = [*range(1, axis), len(shape) - 1, *range(axis + 1, len(shape) - 1), axis]
        layers.update({"swap": TransposeLayer(perm), "index_swap": TransposeLayer(perm), "back": TransposeLayer(perm)})
        x, index, out = [*x, "swap"], [*index, "index_swap"], [*out, "back"]
    if picks is None:  # a trailing dim of 1, whatever the other dims' sizes
        layers["keep"] = ReplicateLayer(1, level=-1)
        out.append("keep")
    else:  # each row spread to m rows, one per index
        layers["spread"] = ReplicateLayer(picks, level=-2)
        x.append("spread")
    edges = [(*x, NetPort("times", "Input1")), (*index, ONE_HOT), (ONE_HOT, NetPort("times", "Input2")),
             ("times", *out)]
    return NetGraph(layers, edges, Input=shape[1:])


def gather(node: Any, ctx: Context) -> Converted:
    """Gather of a constant table's rows (EmbeddingLayer), or of constant indices along a non-batch axis (PartLayer)."""
    axis, index = int(ctx.attributes(node).get("axis", 0)), ctx.constants.get(node.input[1])
    if index is not None and index.ndim in (0, 1) and node.input[0] not in ctx.constants:
        return _part(node, ctx, axis, [int(i) for i in np.ravel(index)], kept=index.ndim == 1)
    if axis != 0 or index is not None:  # computed indices: only along axis 0 (constant ones: no attribute's fault)
        raise Unsupported("only Gather of rows of a constant table by computed indices (EmbeddingLayer) or of "
                          "constant indices (one, or a list) along a non-batch axis (PartLayer) is supported",
                          attribute="axis" if index is None else None,
                          expected=0 if index is None else "a scalar index or a list of indices",
                          found=axis if index is None else tuple(index.shape))
    table = ctx.const(node.input[0], "table")
    if table.ndim != 2:
        raise Unsupported(f"an embedding table must be a matrix, found shape {table.shape}",
                          expected="a matrix", found=tuple(table.shape))
    return Converted(EmbeddingLayer(int(table.shape[1]), int(table.shape[0]), weights=table), (node.input[1],))


def _part(node: Any, ctx: Context, given: int, indices: list[int], kept: bool) -> Converted:
    """x[:, ..., i] along ONNX axis ``given`` (>= 1): PartLayer, 1-based ("All" for the levels before it); of a list
    of indices (``kept``: the axis stays), a span per run of consecutive ones, joined by a CatenateLayer."""
    shape = ctx.shapes.get(node.input[0])
    axis = given + len(shape) if given < 0 and shape is not None else given
    if axis <= 0:
        raise Unsupported("Gather of constant indices along the batch axis (or a negative axis of unknown rank)",
                          attribute="axis", expected="a non-batch axis", found=given)
    size = shape[axis] if shape is not None and axis < len(shape) and isinstance(shape[axis], int) else None
    if not indices or (size is not None and any(not -size <= i < size for i in indices)):
        raise Unsupported(f"indices {indices} along axis {axis} of size {size}: none, or past its ends",
                          expected=f"indices from {-size} to {size - 1}" if size else "at least one index",
                          found=tuple(indices))
    if not kept:
        return Converted(PartLayer([*["All"] * (axis - 1), _one_based(indices[0])]), (node.input[0],))
    spans = [PartLayer([*["All"] * (axis - 1), f"{_one_based(run[0])};;{_one_based(run[-1])}"])
             for run in consecutive_runs([i + size if i < 0 and size else i for i in indices])]
    if len(spans) == 1:
        return Converted(spans[0], (node.input[0],))
    layers = {**{f"part{k}": span for k, span in enumerate(spans, 1)},
              "catenate": CatenateLayer(level=axis, inputs=len(spans))}
    edges = [(NetPort("Input"), f"part{k}", NetPort("catenate", f"Input{k}")) for k in range(1, len(spans) + 1)]
    return Converted(NetGraph(layers, edges), (node.input[0],))


def _one_based(index: int) -> int:
    return index + 1 if index >= 0 else index


def one_hot_tables(producers: Iterable[tuple[str, Any]], layers: Mapping[str, Any]) -> dict[tuple, int]:
    """Learning-rate multipliers of 0 for the one-hot table of each imported GatherElements (layer name, node) in
    ``layers``: fixed in training, as the model's constants are."""
    return {(name, ONE_HOT): 0 for name, node in producers if node.op_type == "GatherElements" and name in layers}


GATHER_CONVERTERS: dict[str, Callable[[Any, Context], Converted]] = {"GatherElements": _gather_elements}
