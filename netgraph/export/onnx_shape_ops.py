"""Converters for ONNX slicing, joining, broadcasting, reduction and ops (see ``onnx_ops`` for the rest).

* ``Slice`` of non-batch dims by a step -> PartLayer spans (``"1;;-1;;2"``); by a negative step, the axis reversed
  first (``onnx_reversal``: SequenceReverseLayer).
* ``Concat`` along a non-batch axis -> CatenateLayer; of a sequence and an ``Unsqueeze``d element -> AppendLayer or
  PrependLayer (the length n + 1 of a variable-length sequence).
* ``ConstantOfShape`` of (batch, known sizes) -> ConstantArrayLayer of its value (one per example).
* ``Expand`` of an ``Unsqueeze``d tensor (torch's ``unsqueeze(k).expand(...)``, one or more new axes) ->
  ReplicateLayers at the new axes' levels.
* ``ReduceMean``/``ReduceSum``/``ReduceMax``/``ReduceMin``/``ReduceProd`` over non-batch axes -> AggregationLayer
  (SummationLayer for a sum of everything, ``"Times"`` for a product); with ``keepdims=1`` a NetChain of it and a ReshapeLayer.
* ``Neg``, ``Reciprocal``, ``Clip`` with constant bounds -> FunctionLayer.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from netgraph.core.chain import NetChain
from netgraph.core.graph import NetGraph
from netgraph.core.plain_numbers import written_float
from netgraph.core.ports import NetPort
from netgraph.export.onnx_ops import (THREADING_OPS, Context, Converted, Unsupported, consecutive_runs,
                                      squeeze_axes)
from netgraph.export.onnx_reversal import OPEN_END, reversal, reversed_span
from netgraph.layers import (AggregationLayer, AppendLayer, CatenateLayer, ConstantArrayLayer,
                             FunctionLayer, PartLayer, PrependLayer, ReplicateLayer, ReshapeLayer, SummationLayer)
from netgraph.layers.expression_errors import wolfram_number

__all__ = ["SHAPE_CONVERTERS", "reduction"]



def _axes(node: Any, ctx: Context, index: int) -> list[int] | None:
    """Constant axes from input ``index`` or the ``axes`` attribute, made non-negative."""
    if len(node.input) > index and node.input[index]:
        axes = [int(a) for a in np.ravel(ctx.const(node.input[index], "axes"))]
    else:
        axes = ctx.attributes(node).get("axes")
    if axes is None:
        return None
    rank = ctx.rank(node.input[0])
    if any(a < 0 for a in axes) and rank is None:
        raise Unsupported("negative axes on an input of unknown rank",
                          expected="an input of known rank", found=tuple(axes))
    return [a + rank if a < 0 else int(a) for a in axes]


def _slice(node: Any, ctx: Context) -> Converted:
    if len(node.input) > 1:
        starts, ends = (np.ravel(ctx.const(node.input[i], what)) for i, what in ((1, "starts"), (2, "ends")))
        steps = np.ravel(ctx.const(node.input[4], "steps")) if len(node.input) > 4 and node.input[4] else None
    else:
        a = ctx.attributes(node)
        starts, ends, steps = np.asarray(a["starts"]), np.asarray(a["ends"]), None
    axes = _axes(node, ctx, 3) or list(range(len(starts)))
    steps = np.ones(len(starts), np.int64) if steps is None else steps
    shape = ctx.shapes.get(node.input[0]) or ()
    spans, reversed_levels = {}, []
    for start, end, axis, step in zip(map(int, starts), map(int, ends), axes, map(int, steps)):
        size = shape[axis] if axis < len(shape) else None
        whole_end = end >= OPEN_END or (isinstance(size, int) and end >= size)
        if step < 0 and axis > 0:  # torch.flip; x[s:e:-k] (onnx_reversal)
            reversed_levels.append(axis)
            span = reversed_span(start, end, -step, size)
            if span is not None:
                spans[axis] = span
        elif step < 1 or axis == 0 or end == 0:
            if not (axis == 0 and step == 1 and start == 0 and whole_end):
                raise Unsupported(f"slice {start}:{end}:{step} of axis {axis} (only a step along non-batch axes)",
                                  expected="a step along a non-batch axis", found=f"{start}:{end}:{step}")
        elif not (start == 0 and whole_end and step == 1):
            spans[axis] = (f"{start + 1 if start >= 0 else start};;{-1 if whole_end else (end if end > 0 else end - 1)}"
                           + (f";;{step}" if step > 1 else ""))  # Wolfram's Span[a, b, k]
    layers = [reversal(level) for level in sorted(reversed_levels)]
    if spans:
        layers.append(PartLayer([spans.get(k, "All") for k in range(1, max(spans) + 1)]))
    if not layers:
        return Converted(alias=node.input[0])
    return Converted(layers[0] if len(layers) == 1 else NetChain(layers), (node.input[0],))


def _expand(node: Any, ctx: Context) -> Converted:
    """``x.unsqueeze(k).expand(...)`` (Unsqueezes of one or more axes): ReplicateLayers of ``x`` (the Unsqueezes'
    own layers are left unused);
    Expand to the input's own shape (computed, or constant ones as torch's ``repeat`` writes): an alias."""
    unsqueeze, out = ctx.producers.get(node.input[0]), _broadcast(node, ctx)
    target, source = ctx.symbols.get(node.input[1]), ctx.shapes.get(node.input[0])
    if target is None and node.input[1] in ctx.constants:
        target = tuple(int(d) for d in np.ravel(ctx.constants[node.input[1]]))
    if source is not None and target is not None and len(target) == len(source) and all(
            t == 1 or t == s for t, s in zip(target, source)):
        ctx.shapes[node.output[0]] = source  # inference may have lost that the batch dim is the input's
        return Converted(alias=node.input[0])  # to its own shape: a no-op
    if source is not None and target is not None and _broadcast_use(node, ctx, source, tuple(target)):
        ctx.shapes[node.output[0]] = source
        return Converted(alias=node.input[0])  # x / n.expand_as(x) (F.normalize): the Div broadcasts n itself
    if unsqueeze is None or unsqueeze.op_type != "Unsqueeze" or out is None:
        raise Unsupported("only Expand of an Unsqueeze of data (a replication along the new axis) is supported",
                          expected="an Unsqueeze", found=None if unsqueeze is None else unsqueeze.op_type)
    data, new_axes = _unsqueezed_axes(unsqueeze, ctx)
    source = ctx.shapes.get(data)
    if new_axes is None or not new_axes or new_axes[0] == 0 or source is None:
        raise Unsupported("only Expand of an Unsqueeze along known non-batch axes is supported",
                          expected="known non-batch axes", found=new_axes)
    kept = tuple(d for k, d in enumerate(out) if k not in new_axes)
    if not all(isinstance(out[k], int) for k in new_axes) or kept[1:] != tuple(source[1:]):
        raise Unsupported(f"Expand to {out} broadcasts more than the new axes {new_axes}",
                          expected=f"a broadcast along axes {new_axes} alone", found=out)
    return Converted(_replication(out, new_axes, len(source) - 1), (data,))


def _unsqueezed_axes(unsqueeze: Any, ctx: Context) -> tuple[str, list[int] | None]:
    """The data under a run of Unsqueezes (``unsqueeze`` the last) and the axes of the last's output they add
    (None if some cannot be told)."""
    chain = [unsqueeze]
    while getattr(ctx.producers.get(chain[-1].input[0]), "op_type", None) == "Unsqueeze":
        chain.append(ctx.producers[chain[-1].input[0]])
    data, shape = chain[-1].input[0], ctx.shapes.get(chain[-1].input[0])
    is_new = [False] * len(shape) if shape is not None else None
    for node in reversed(chain):  # the data's first
        axes = None if is_new is None else squeeze_axes(node, ctx, len(is_new))
        rank = None if axes is None else len(is_new) + len(axes)
        if axes is None or len(set(axes)) != len(axes) or any(not 0 <= a < rank for a in axes):
            return data, None
        old = iter(is_new)
        is_new = [k in axes or next(old) for k in range(rank)]
    return data, [k for k, new in enumerate(is_new) if new]


def _replication(out: tuple, new_axes: list[int], rank: int) -> Any:
    """ReplicateLayers inserting ``out``'s ``new_axes`` (batch axis 0) into data of ``rank`` dims after the batch:
    one per run of adjacent axes, in order (each at its final place)."""
    layers = []
    for run in consecutive_runs(new_axes):
        sizes = tuple(int(out[k]) for k in run)
        level = -1 if run[0] == rank + 1 else run[0]  # at the end: -1
        layers.append(ReplicateLayer(sizes[0] if len(sizes) == 1 else sizes, level=level))
        rank += len(run)
    return layers[0] if len(layers) == 1 else NetChain(layers)


def _broadcast_use(node: Any, ctx: Context, source: tuple, target: tuple) -> bool:
    """Whether every use of the Expand's output is a two-input element-wise op whose other operand has the target
    shape, so the op broadcasts the unexpanded input (of the same rank, and its own batch) alike."""
    uses = ctx.consumers.get(node.output[0], [])
    return (bool(uses) and node.output[0] not in ctx.graph_outputs and len(source) == len(target)
            and (source[0] != 1 or target[0] == 1) and all(
                use.op_type in THREADING_OPS and len(use.input) == 2
                and tuple(ctx.shapes.get(use.input[1 - i]) or ()) == target for use, i in uses))


def _broadcast(node: Any, ctx: Context) -> tuple | None:
    """Expand's output shape: from its target shape, constant or computed from sizes (ONNX broadcasting), else as
    inferred."""
    source, target = ctx.shapes.get(node.input[0]), ctx.symbols.get(node.input[1])
    if target is None and node.input[1] in ctx.constants:
        target = tuple(int(t) for t in np.ravel(ctx.constants[node.input[1]]))
    if source is None or target is None or len(target) != len(source):
        return ctx.shapes.get(node.output[0])
    return tuple(s if t == 1 else t for s, t in zip(source, target))


def _reduce(function: str) -> Callable[[Any, Context], Converted]:
    return lambda node, ctx: reduction(function, node, ctx)


def reduction(function: str, node: Any, ctx: Context) -> Converted:
    """A Reduce node's AggregationLayer of ``function`` over its axes (its input's shape, its ``keepdims``)."""
    a, rank = ctx.attributes(node), ctx.rank(node.input[0])
    axes = _axes(node, ctx, 1)
    if axes is None or not axes or 0 in axes or rank is None:
        raise Unsupported("a reduction over the batch axis (or over axes of unknown rank)",
                          expected="non-batch axes of an input of known rank", found=axes)
    every = sorted(set(axes)) == list(range(1, rank))
    layer = (SummationLayer() if function == "Total" and every
             else AggregationLayer(function, levels=sorted(set(axes)) if len(set(axes)) > 1 else axes[0]))
    if int(a.get("keepdims", 1)):
        out = ctx.shapes.get(node.output[0])
        if len(set(axes)) == 1 and out is not None and not all(isinstance(d, int) for d in out[1:]):
            # x.mean(-1, keepdim=True) of (b, n, d) or (b, h, w, d): no ReshapeLayer takes n; the axis put back
            return Converted(NetChain([layer, ReplicateLayer(1, level=-1 if axes[0] == rank - 1 else axes[0])]),
                             (node.input[0],))
        if out is None or not all(isinstance(d, int) for d in out[1:]):
            raise Unsupported("keepdims=1 with an output shape that is not known",
                              expected="a known output shape", found=out)
        layer = NetChain([layer, ReshapeLayer(tuple(out[1:]) or (1,))])
    return Converted(layer, (node.input[0],))


def _concat(node: Any, ctx: Context) -> Converted:
    axis = int(ctx.attributes(node)["axis"])
    rank = ctx.rank(next((name for name in node.input if name not in ctx.constants), node.input[0]))
    if axis == 0 or (rank is not None and axis == -rank):
        raise Unsupported("Concat along the batch dim", attribute="axis", expected="a non-batch axis", found=axis)
    if len(node.input) == 1 and node.input[0] not in ctx.constants:  # torch's pad of an axis it leaves as it is
        return Converted(alias=node.input[0])
    if any(name in ctx.constants for name in node.input):
        return _with_constants(node, axis, rank, ctx)
    appended = _appended(node, axis, ctx)
    if appended is not None:
        return appended
    _refuse_dynamic(node.input, axis, ctx)
    return Converted(CatenateLayer(level=axis, inputs=len(node.input)), tuple(node.input))


def _refuse_dynamic(inputs: Any, axis: int, ctx: Context) -> None:
    """Refused: a Concat along a dim of dynamic size (CatenateLayer's output would have an unknown size at every call)."""
    shapes = [ctx.shapes.get(name) for name in inputs]
    if [s[axis] for s in shapes if s is not None and -len(s) <= axis < len(s) and not isinstance(s[axis], int)]:
        raise Unsupported(f"Concat along axis {axis}, whose size is dynamic: CatenateLayer needs known "
                          f"sizes along its level (appending or prepending one element is supported)",
                          expected="a known size along the axis", found="a dynamic size")


def _constant_array(value: np.ndarray, ctx: Context) -> ConstantArrayLayer:
    """A ConstantArrayLayer of a Concat's constant operand; refused unless floating (its output is Real: integer token
    ids would reach an EmbeddingLayer as floats)."""
    if not np.issubdtype(value.dtype, np.floating):
        raise Unsupported(f"Concat of a constant of type {value.dtype} (ConstantArrayLayer outputs Real values only)",
                          expected="a floating-point constant", found=str(value.dtype))
    return ConstantArrayLayer(array=ctx.real(value))


def _with_constants(node: Any, axis: int, rank: int | None, ctx: Context) -> Converted:
    """A Concat of computed tensors and constants of one example each (a first dim of 1: a learned token expanded to
    the batch, which the import folds so): a NetGraph of ConstantArrayLayers and the CatenateLayer; of one (1, 1, d)
    constant before or after a sequence of dynamic length along axis 1 (ViT's class token), a PrependLayer or
    AppendLayer of it."""
    computed = [name for name in node.input if name not in ctx.constants]
    values = [ctx.constants[name] for name in node.input if name in ctx.constants]
    if not computed or rank is None or any(v.ndim != rank or v.shape[0] != 1 for v in values):
        raise Unsupported("Concat of a constant that is not one example's (of the data's rank, a first dim of 1)",
                          expected="computed inputs, constants of shape (1, ...)", found=[tuple(v.shape) for v in values])
    shape = ctx.shapes.get(computed[0])
    if len(node.input) == 2 and axis % rank == 1 and values[0].shape[1] == 1 and shape and not isinstance(shape[1], int):
        first = node.input[0] in ctx.constants
        joined = {"element": _constant_array(values[0][0, 0], ctx),
                  "join": PrependLayer() if first else AppendLayer()}
        return Converted(NetGraph(joined, [(NetPort("Input"), NetPort("join", "Input")),
                                           ("element", NetPort("join", "Element"))]), tuple(computed))
    _refuse_dynamic(computed, axis, ctx)
    layers: dict[str, Any] = {"cat": CatenateLayer(level=axis, inputs=len(node.input))}
    edges: list[tuple] = []
    ports = iter(range(1, len(computed) + 1))  # the computed inputs, in order
    for k, name in enumerate(node.input, 1):
        if name in ctx.constants:
            layers[f"constant{k}"] = _constant_array(ctx.constants[name][0], ctx)
            edges.append((f"constant{k}", NetPort("cat", f"Input{k}")))
        else:
            edges.append((NetPort(f"Input{next(ports)}"), NetPort("cat", f"Input{k}")))
    return Converted(NetGraph(layers, edges), tuple(computed))


def _appended(node: Any, axis: int, ctx: Context) -> Converted | None:
    """Concat(x, Unsqueeze(e, 1)) along the sequence -> AppendLayer (PrependLayer with e first): a
    CatenateLayer could not give the length n + 1 of a variable-length x."""
    rank = ctx.rank(node.input[0])
    if len(node.input) != 2 or rank is None or axis not in (1, 1 - rank):
        return None
    for position, (sequence, element) in enumerate((node.input, node.input[::-1])):
        unsqueeze = ctx.producers.get(element)
        axes = squeeze_axes(unsqueeze, ctx) if unsqueeze is not None and unsqueeze.op_type == "Unsqueeze" else None
        if axes is not None and ctx.rank(unsqueeze.input[0]) == rank - 1 and axes == [1]:
            return Converted(AppendLayer() if position == 0 else PrependLayer(), (sequence, unsqueeze.input[0]))
    return None


def _constant_of_shape(node: Any, ctx: Context) -> Converted:
    """ConstantOfShape of (batch, known sizes), as torch writes ``torch.full((x.shape[0], n), v)`` or a fold's zero
    initial state: a ConstantArrayLayer of v, one per example (of a constant shape it was computed at import); of a
    batch merged with known sizes (a fold's state inside a NetMapOperator), one of those sizes too, its output
    folded as theirs."""
    shape, value = ctx.symbols.get(node.input[0]), ctx.attributes(node).get("value")
    fill = np.zeros(1) if value is None else ctx.to_array(value)
    merged = ctx.folded_sizes.get(shape[0], ()) if shape else ()  # a batch merged with these (a fold in a map)
    if shape is None or (shape[0] not in ctx.batch_dims and not merged) or not all(
            isinstance(d, int) for d in shape[1:]):
        found = "a shape not known at import" if shape is None else f"shape {list(shape)}"
        raise Unsupported(f"only a constant per example, of shape (batch, known sizes), imports (a "
                          f"ConstantArrayLayer); found {found}", expected="(batch, known sizes)", found=found)
    if fill.dtype.kind != "f":
        raise Unsupported(f"its value is of type {fill.dtype}: a ConstantArrayLayer holds real numbers",
                          expected="real numbers", found=str(fill.dtype))
    if not all(isinstance(d, int) for d in merged):
        raise Unsupported(f"its first dim is the batch merged with dims {list(merged)} (a NetFoldOperator's initial "
                          f"state inside a NetMapOperator over a variable length): a ConstantArrayLayer has fixed "
                          f"sizes; give the mapped dims fixed sizes", expected="fixed sizes", found=tuple(merged))
    ctx.shapes[node.output[0]] = tuple(shape)
    array = np.full((*merged, *shape[1:]), np.ravel(fill)[0], ctx.real_dtype)
    ctx.fold_levels[node.output[0]] = tuple(merged)
    return Converted(ConstantArrayLayer(array=array), fold=len(merged))


def _function(node: Any, ctx: Context) -> Converted:
    if node.op_type == "Neg":
        return Converted(FunctionLayer("-#"), (node.input[0],))
    if node.op_type == "Reciprocal":
        return Converted(FunctionLayer("1 / #"), (node.input[0],))
    bounds = [np.ravel(ctx.const(name, "bound"))[0] if name else None for name in (*node.input[1:3], "", "")[:2]]
    if len(node.input) == 1:  # opset < 11: bounds are attributes
        a = ctx.attributes(node)
        bounds = [a.get("min"), a.get("max")]
    low, high = (wolfram_number(sign * math.inf if b is None else written_float(b)) for b, sign in zip(bounds, (-1, 1)))
    return Converted(FunctionLayer(f"Clip[#, {{{low}, {high}}}]"), (node.input[0],))  # Max[#, lo] would flatten #


SHAPE_CONVERTERS: dict[str, Callable[[Any, Context], Converted]] = {
    "Slice": _slice, "Concat": _concat, "ConstantOfShape": _constant_of_shape, "Expand": _expand,
    "Neg": _function, "Reciprocal": _function, "Clip": _function, "ReduceMean": _reduce("Mean"),
    "ReduceSum": _reduce("Total"), "ReduceMax": _reduce("Max"), "ReduceMin": _reduce("Min"),
    "ReduceProd": _reduce("Times"),
}
