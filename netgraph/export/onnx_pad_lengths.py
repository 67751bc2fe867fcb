"""A PaddingLayer's "Reflected", "Periodic" or "Fixed" padding of a variable length, as ``export_onnx`` writes it:
a Gather along that axis at source indices computed from the input's length (``reflect_index`` traced: Shape,
Range, Mod, Where, Clip, ...), which no layer imports op by op (a size used as data). The indices' computation is
run at import for several lengths (onnx's reference evaluator, node by node); where they are, at every length
tried, a padding method's indices of one (before, after), the Gather and that computation are one PaddingLayer
(``variable_padding_patterns``), also of several axes padded one after another alike."""

from __future__ import annotations

from typing import Any

import numpy as np

from netgraph.export.deps import require
from netgraph.export.onnx_ops import Context, Converted
from netgraph.layers import PaddingLayer
from netgraph.layers.resize import PADDING_METHODS, reflect_index

__all__ = ["variable_padding_patterns"]

#: the lengths the indices are computed at: 1, the ones shorter and longer than a padding (wrapping around)
_LENGTHS = (1, 2, 3, 5, 8)


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
        if (merged is not None and merged[1] == method and axis not in merged[2] and x not in ctx.graph_outputs
                and all(id(c) in readers for c, _ in ctx.consumers.get(x, ()))):
            del matches[id(inner)]
            matches[id(gather)] = (merged[0], method, {**merged[2], axis: pair}, taken | merged[3] | {id(inner)})
        else:
            matches[id(gather)] = (x, method, {axis: pair}, taken)
    found = {key: Converted(PaddingLayer([pads.get(k, [0, 0]) for k in range(1, max(pads) + 1)], padding=method),
                            (x,)) for key, (x, method, pads, _) in matches.items()}
    return found, set().union(*(taken for *_, taken in matches.values()))


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
    runs = {n: _indices(computation, sources, shape[axis], n, index, ctx) for n in _LENGTHS}
    if any(v is None or v.ndim != 1 for v in runs.values()) or any(  # the same whatever the other dims' sizes
            not np.array_equal(_indices(computation, sources, shape[axis], n, index, ctx, others=3), runs[n])
            for n in _LENGTHS[:2]):
        return None
    added = {len(v) - n for n, v in runs.items()}
    if len(added) != 1 or (extra := added.pop()) <= 0:
        return None
    for before in range(extra + 1):
        for method in PADDING_METHODS:
            if all(np.array_equal(reflect_index(n, before, extra - before, method).numpy(), indices)
                   for n, indices in runs.items()):
                return x, method, axis, [before, extra - before], {id(node) for node in computation}
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


def _indices(computation: list, sources: set[str], length: str, n: int, index: str, ctx: Context,
             others: int = 1) -> np.ndarray | None:
    """The indices the computation gives where the dim ``length`` is ``n`` (the tensors it reads the shapes of: zeros,
    their other dims ``others`` where not known); None where it fails."""
    evaluator = require("onnx.reference").ReferenceEvaluator
    if any(ctx.shapes.get(t) is None for t in sources):
        return None
    values: dict[str, Any] = {t: np.zeros([n if d == length else d if isinstance(d, int) else others
                                          for d in ctx.shapes[t]], dtype=np.float32) for t in sources}
    try:
        for node in computation:
            inputs = {t: values[t] if t in values else ctx.constants[t] for t in node.input if t}
            outputs = evaluator(node).run(None, inputs)
            values.update((name, np.asarray(v)) for name, v in zip(node.output, outputs) if name)
    except Exception:  # noqa: BLE001 - the reference evaluator's errors share no base: then it is no padding
        return None
    result = values.get(index)
    return None if result is None else result.astype(np.int64)
