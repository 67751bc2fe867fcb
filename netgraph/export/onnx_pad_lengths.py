"""A PaddingLayer's "Reflected", "Periodic" or "Fixed" padding of a variable length, as ``export_onnx`` writes it:
a Gather along that axis at source indices computed from the input's length (``reflect_index`` traced: Shape,
Range, Mod, Where, Clip, ...), which no layer imports op by op (a size used as data). The indices' computation is
run at import for several lengths (onnx's reference evaluator, node by node); where they are, at every length
tried, a padding method's indices of one (before, after), the Gather and that computation are one PaddingLayer
(``variable_padding_patterns``), also of several axes padded one after another alike."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from netgraph.export.deps import require
from netgraph.export.onnx_files import ONNX_DOMAINS
from netgraph.export.onnx_fold import FOLDABLE, constant_limit
from netgraph.export.onnx_ops import THREADING_OPS, Context, Converted
from netgraph.layers import PaddingLayer
from netgraph.layers.resize import PADDING_METHODS, reflect_index

__all__ = ["padding_layer", "padded_alike", "padding_method", "variable_padding_patterns"]

#: the lengths the indices are computed at: 1, the ones shorter and longer than a padding (wrapping around); then
#: also past the computation's largest constant plus the padding, and at a prime (``_more_lengths``)
_LENGTHS = (1, 2, 3, 5, 8)
_PRIME, _LONGEST = 1009, 4096
#: The ops an index computation may hold: small shape arithmetic (no subgraphs, nothing random), as onnx_fold's.
_SHAPE_OPS = FOLDABLE | {"Shape", "Cast", "Identity", "Unsqueeze", "Expand", "NonZero", "Clip", "Less", "Greater",
                         "LessOrEqual", "GreaterOrEqual", "And", "Or", "Xor"}
_BROADCASTING = frozenset({*THREADING_OPS, "Mod", "Equal", "Where", "Clip", "Less", "Greater", "LessOrEqual",
                           "GreaterOrEqual", "And", "Or", "Xor"})


def variable_padding_patterns(nodes: Any, ctx: Context) -> tuple[dict[int, Converted], set[int]]:
    """Each Gather that pads a variable length (by id) -> its PaddingLayer of the Gather's data, and the ids of the
    nodes computing its indices; a Gather whose data another such Gather padded alike (its one reader) takes it in."""
    matches: dict[int, tuple[str, str, dict[int, list[int]], set[int]]] = {}
    producers = {id(n) for n in nodes}
    for gather in nodes:
        found = _padding(gather, ctx) if gather.op_type == "Gather" else None
        if found is None:
            continue
        x, method, axis, pair, taken = found
        inner = ctx.producers.get(x)
        merged = matches.get(id(inner)) if inner is not None and id(inner) in producers else None
        readers = {id(gather)} | taken
        pads = padded_alike(method, {axis: pair}, merged[1:3] if merged is not None else None)
        if (pads is not None and x not in ctx.graph_outputs
                and all(id(c) in readers for c, _ in ctx.consumers.get(x, ()))):
            del matches[id(inner)]
            matches[id(gather)] = (merged[0], method, pads, taken | merged[3] | {id(inner)})
        else:
            matches[id(gather)] = (x, method, {axis: pair}, taken)
    found = {key: padding_layer(x, method, pads) for key, (x, method, pads, _) in matches.items()}
    return found, set().union(*(taken for *_, taken in matches.values()))


def padding_layer(x: str, method: str, pads: dict[int, Any]) -> Converted:
    """The PaddingLayer by ``method`` of ``x`` by ``pads`` ([before, after] by axis; axes not named unpadded)."""
    return Converted(PaddingLayer([list(pads.get(k, (0, 0))) for k in range(1, max(pads) + 1)], padding=method), (x,))


def _padding(gather: Any, ctx: Context) -> tuple[str, str, int, list[int], set[int]] | None:
    """(x, the method, the axis, [before, after], the ids of the index computation's nodes) of a Gather of x along a
    variable length at indices computed from x's shape alone; None where it is not one."""
    x, index = gather.input[0], gather.input[1]
    shape = ctx.shapes.get(x)
    axis = int(ctx.attributes(gather).get("axis", 0))
    axis = axis + len(shape) if shape is not None and axis < 0 else axis
    if shape is None or not 0 < axis < len(shape) or isinstance(shape[axis], int) or index in ctx.constants:
        return None
    found = _computation(index, ctx)
    if found is None or not _read_there_alone(found[0], gather, ctx):
        return None
    computation, sources = found
    indices = _Indices(computation, sources, shape[axis], index, ctx)
    runs = {n: indices(n) for n in _LENGTHS}
    if any(v is None or v.ndim != 1 for v in runs.values()) or any(  # the same whatever the other dims' sizes
            not np.array_equal(indices(n, others=3), runs[n]) for n in _LENGTHS[:2]):
        return None
    added = {len(v) - n for n, v in runs.items()}
    if len(added) != 1 or (extra := added.pop()) <= 0 or (more := _more_lengths(computation, extra, ctx)) is None:
        return None
    runs.update((n, indices(n)) for n in more)
    if any(v is None or v.shape != (n + extra,) for n, v in runs.items()):
        return None
    found = padding_method(runs, extra)
    return None if found is None else (x, found[0], axis, [found[1], extra - found[1]], {id(n) for n in computation})


def padded_alike(method: str, pads: dict[int, Any], inner: tuple[str, dict[int, Any]] | None) -> dict | None:
    """The pads by axis of a padding by ``method`` of ``pads`` and of the one before it, ``inner`` (its method and
    pads), as one padding, where that is by the same method along other axes; else None."""
    if inner is None or inner[0] != method or set(inner[1]) & set(pads):
        return None
    return {**inner[1], **pads}


def padding_method(runs: dict[int, np.ndarray], extra: int) -> tuple[str, int] | None:
    """(the method, the padding before) whose indices (``reflect_index``) of each length n are ``runs[n]``, a padding
    by ``extra`` in all; None where no method's are."""
    for before in range(extra + 1):
        for method in PADDING_METHODS:
            if all(np.array_equal(reflect_index(n, before, extra - before, method).numpy(), indices)
                   for n, indices in runs.items()):
                return method, before
    return None


def _computation(index: str, ctx: Context) -> tuple[list, set[str]] | None:
    """The nodes computing ``index`` from constants and the shapes of tensors (x's, or the input's it was padded from),
    inputs first, and those tensors; None where any tensor's values go in (a graph input, x)."""
    order: list = []
    seen: set[str] = set()
    sources: set[str] = set()

    def visit(tensor: str) -> bool:
        if not tensor or tensor in ctx.constants or tensor in seen:
            return True
        node = ctx.producers.get(tensor)
        if node is None or len(order) > 64:
            return False
        seen.add(tensor)
        if node.op_type == "Shape":
            sources.add(node.input[0])
        elif not all(visit(t) for t in node.input):
            return False
        order.append(node)
        return True
    return (order, sources) if visit(index) else None


def _read_there_alone(computation: list, gather: Any, ctx: Context) -> bool:
    """Whether each tensor the computation makes is read by it or the Gather alone (no graph output)."""
    inside = {id(n) for n in computation} | {id(gather)}
    return all(out not in ctx.graph_outputs and all(id(c) in inside for c, _ in ctx.consumers.get(out, ()))
               for node in computation for out in node.output if out)


def _more_lengths(computation: list, extra: int, ctx: Context) -> tuple[int, ...] | None:
    """Lengths past the computation's largest constant plus the padding ``extra`` (a computation that agrees with a
    padding up to a constant, ``Clip(..., Min(n - 1, 7))``, differs there) and a prime; None where that is past
    ``_LONGEST`` (not checked: no padding)."""
    values = [np.abs(ctx.constants[t]) for node in computation for t in node.input if t in ctx.constants]
    largest = max((float(v.max()) for v in values if v.size and v.dtype.kind in "iuf"), default=0.0)
    past = largest + extra + 1
    return None if not math.isfinite(past) or past > _LONGEST else (int(past), int(past) + 1, _PRIME)


class _Indices:
    """The indices a computation gives at a length, run node by node at the file's opset (each node a one-node model
    for onnx's reference evaluator), each node's output sized before it is computed (``_output_size``)."""

    def __init__(self, computation: list, sources: set[str], length: str, index: str, ctx: Context):
        self.computation, self.sources, self.length, self.index, self.ctx = computation, sources, length, index, ctx
        self.evaluators: list | None = None

    def __call__(self, n: int, others: int = 1) -> np.ndarray | None:
        """The indices where the dim ``length`` is ``n`` (the tensors whose shapes it reads: zeros, their other dims
        ``others`` where not known); None where a node is no shape op, fails, or computes too much."""
        ctx, limit = self.ctx, constant_limit(True)[0]
        if self.evaluators is None:
            self.evaluators = _evaluators(self.computation, ctx) if self.computation else []
        if not self.evaluators or any(ctx.shapes.get(t) is None for t in self.sources):
            return None
        values: dict[str, Any] = {t: np.broadcast_to(np.float32(0), [  # a view: only its shape is read
            n if d == self.length else d if isinstance(d, int) else others for d in ctx.shapes[t]])
            for t in self.sources}
        try:
            for node, evaluator in zip(self.computation, self.evaluators):
                inputs = {t: values[t] if t in values else ctx.constants[t] for t in node.input if t}
                size = _output_size(node, [inputs[t] for t in node.input if t], ctx)
                if size is None or size > limit:
                    return None
                outputs = evaluator.run(None, inputs)
                values.update((name, np.asarray(v)) for name, v in zip(node.output, outputs) if name)
        except Exception:  # noqa: BLE001 - the reference evaluator's errors share no base: then it is no padding
            return None
        result = values.get(self.index)
        return None if result is None else result.astype(np.int64)


def _evaluators(computation: list, ctx: Context) -> list | None:
    """A reference evaluator per node, of a one-node model at the file's opset (``ctx.opset``); None where a node is
    no shape op (``_SHAPE_OPS``: a Loop or Scan could run for ever) or cannot be evaluated."""
    onnx = require("onnx")
    if any(node.op_type not in _SHAPE_OPS or node.domain not in ONNX_DOMAINS for node in computation):
        return None
    values = [onnx.helper.make_tensor_value_info(t, onnx.TensorProto.UNDEFINED, None)
              for node in computation for t in (*node.input, *node.output) if t]
    named = {v.name: v for v in values}
    try:
        return [require("onnx.reference").ReferenceEvaluator(onnx.helper.make_model(onnx.helper.make_graph(
            [node], "node", [named[t] for t in node.input if t], [named[t] for t in node.output if t]),
            opset_imports=[onnx.helper.make_opsetid("", ctx.opset)])) for node in computation]
    except Exception:  # noqa: BLE001 - onnx's errors share no base: then it is no padding
        return None


def _output_size(node: Any, inputs: list[np.ndarray], ctx: Context) -> int | None:
    """The most elements ``node`` computes from ``inputs``, known before computing it; None where it cannot be."""
    try:
        if node.op_type == "Range":
            start, limit, delta = (float(np.ravel(v)[0]) for v in inputs[:3])
            return max(math.ceil((limit - start) / delta), 0) if delta else None
        if node.op_type == "ConstantOfShape":
            return math.prod(max(int(d), 0) for d in np.ravel(inputs[0]))
        if node.op_type == "Expand":
            return math.prod(np.broadcast_shapes(inputs[0].shape, tuple(int(d) for d in np.ravel(inputs[1]))))
        if node.op_type in _BROADCASTING:
            return math.prod(np.broadcast_shapes(*(v.shape for v in inputs)))
    except (ValueError, TypeError, IndexError, OverflowError):
        return None
    if node.op_type == "Shape":
        return inputs[0].ndim
    if node.op_type == "Gather":  # data's dims but the axis, and the indices' dims
        dims, axis = inputs[0].shape, int(ctx.attributes(node).get("axis", 0))
        return math.prod(dims) // max(dims[axis], 1) * inputs[1].size if -len(dims) <= axis < len(dims) else None
    return sum(v.size * max(v.ndim, 1) for v in inputs)  # a reshape, slice, concat, NonZero, unary op
