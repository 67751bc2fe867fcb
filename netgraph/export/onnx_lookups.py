"""torch's padding masks of an integer input that is also an index: ``emb(idx) * (idx > 0).float().unsqueeze(-1)``,
``emb(idx).masked_fill((idx == 0).unsqueeze(-1), 0)``, ``idx.float()``. A port is Integer or Real, and our
comparisons are FunctionLayers on reals, so such an input was refused (``onnx_integer_inputs``). But an input that a
Gather of a constant table of n rows reads takes only the values 0 to n - 1 in the imported net (its EmbeddingLayer
refuses others, as torch's does; ONNX's Gather also takes -n to -1), so a comparison of it (or of its values moved:
``idx.unsqueeze(-1)``, or computed with scalar integer constants by Add, Sub, Mul: ``idx + 1 > 1``) with a scalar
constant (``Equal``, ``Greater``, ``Less``, ``GreaterOrEqual``, ``LessOrEqual``), or its Cast to float, is a lookup in a
table of n numbers: the comparison's answer (1 or 0) or the value itself for each index. That is an
``EmbeddingLayer(1, n)`` of the table (kept fixed in training, as the model's constants are: ``fixed_lookups``) and a
``PartLayer`` dropping its size-1 level (``lookup_patterns``); the input stays an Integer port and no comparison
reads it.

>>> _compared("Greater", np.arange(4), np.int64(0), True).tolist()  # the table of idx > 0 for 4 rows
[False, True, True, True]
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np

from netgraph.core.graph import NetGraph
from netgraph.export.onnx_casts import moves_values
from netgraph.export.onnx_names import FLOAT_CASTS
from netgraph.export.onnx_ops import Context, Converted
from netgraph.layers import EmbeddingLayer, PartLayer

__all__ = ["fixed_lookups", "lookup_patterns"]

_COMPARE = {"Equal": np.equal, "Greater": np.greater, "Less": np.less, "GreaterOrEqual": np.greater_equal,
            "LessOrEqual": np.less_equal}
_ARITHMETIC = {"Add": np.add, "Sub": np.subtract, "Mul": np.multiply}
_EXACT = 2 ** 24  # float32 holds every index below it


def lookup_patterns(nodes: Any, ctx: Context) -> tuple[dict[int, Converted], set[int]]:
    """Each comparison of an index input with a scalar constant, and each Cast of one to float (by ``id``) -> its
    lookup fed by the input, also after arithmetic with scalar constants (``idx + 1 > 1``: the table holds the
    answers for the values computed); and the ids of those arithmetic nodes that feed only lookups, which the lookups
    take the place of. The lookups' outputs are recorded in ``ctx.lookups``."""
    found: dict[int, Converted] = {}
    between: dict[int, Any] = {}
    for node in nodes:
        matched = _lookup(node, ctx)
        if matched is not None:
            found[id(node)] = Converted(_table_layer(ctx.real(matched[0]), ctx.rank(matched[1])), (matched[1],))
            ctx.lookups.add(node.output[0])
            between.update((id(n), n) for n in matched[2])
    claimed: set[int] = set()
    while True:  # an arithmetic node whose every reader is a lookup or a claimed node, from the last one back
        more = {i for i, n in between.items() if i not in claimed and n.output[0] not in ctx.graph_outputs and all(
            id(c) in found or id(c) in claimed for c, _ in ctx.consumers.get(n.output[0], ()))}
        if not more:
            return found, claimed
        claimed |= more


def _compared(op: str, values: np.ndarray, constant: np.ndarray, values_first: bool) -> np.ndarray:
    pair = (values, constant) if values_first else (constant, values)
    return _COMPARE[op](*pair)


def fixed_lookups(producers: Iterable[tuple[str, Any]], layers: Mapping[str, Any], ctx: Context) -> dict[tuple, int]:
    """Learning-rate multipliers of 0 for each lookup's table: the model's constants, fixed."""
    return {(name, "table"): 0 for name, node in producers if node.output[0] in ctx.lookups and name in layers}


def _lookup(node: Any, ctx: Context) -> tuple[np.ndarray, str, list] | None:
    """(the table, the index input, the arithmetic nodes between them) where ``node`` compares an index input (or
    values computed from it with scalar constants) with a scalar constant or casts one to float; None otherwise."""
    if node.op_type == "Cast" and len(node.input) == 1:
        cast = FLOAT_CASTS.get(int(ctx.attributes(node).get("to", 0)))
        found = _index_values(node.input[0], ctx)
        if cast is None or found is None or not (abs(found[0]) < _EXACT).all():
            return None
        return cast(found[0]), found[1], found[2]
    if node.op_type not in _COMPARE or len(node.input) != 2:
        return None
    for at, (index, other) in enumerate((node.input, node.input[::-1])):
        constant = _scalar(other, ctx)
        found = _index_values(index, ctx) if constant is not None else None
        if found is not None:
            return _compared(node.op_type, found[0].astype(constant.dtype), constant, at == 0), found[1], found[2]
    return None


def _scalar(tensor: str, ctx: Context) -> np.ndarray | None:
    """The constant ``tensor`` holds as a 0-dim array, where it is one number; None otherwise."""
    constant = ctx.constants.get(tensor)
    return constant.reshape(()) if constant is not None and constant.size == 1 and constant.ndim <= 1 else None


def _index_values(tensor: str, ctx: Context, depth: int = 0) -> tuple[np.ndarray, str, list] | None:
    """(the values of ``tensor`` for each index 0 to n - 1, the index tensor they are computed from, the arithmetic
    nodes between) where ``tensor`` is an index input (``_index_range``) or computed from one by ``Add``, ``Sub`` or
    ``Mul`` with scalar integer constants (``idx + 1``), as ONNX computes them (in the constant's integer dtype)."""
    count = _index_range(tensor, ctx)
    if count is not None:
        return np.arange(count), tensor, []
    node = ctx.producers.get(tensor)
    if node is None or node.op_type not in _ARITHMETIC or len(node.input) != 2 or depth >= 8:
        return None
    for at, (data, other) in enumerate((node.input, node.input[::-1])):
        constant = _scalar(other, ctx)
        inner = _index_values(data, ctx, depth + 1) if constant is not None and constant.dtype.kind in "iu" else None
        if inner is not None:
            values = inner[0].astype(constant.dtype)
            pair = (values, constant) if at == 0 else (constant, values)
            return _ARITHMETIC[node.op_type](*pair), inner[1], [*inner[2], node]
    return None


def _index_range(tensor: str, ctx: Context, depth: int = 0) -> int | None:
    """n where ``tensor`` is an integer graph input that a Gather of a constant table of n rows (axis 0) reads as
    its indices (the least n of several), or such an input's values moved (``moves_values``: ``idx.unsqueeze(-1)``);
    None otherwise."""
    producer = ctx.producers.get(tensor)
    if producer is not None:
        moved = producer.input and moves_values(producer, 0, producer.input[0] in ctx.integers) and depth < 8
        return _index_range(producer.input[0], ctx, depth + 1) if moved else None
    if tensor not in ctx.integers or tensor in ctx.constants:
        return None
    counts = [ctx.constants[c.input[0]].shape[0] for c, i in ctx.consumers.get(tensor, ())
              if c.op_type == "Gather" and i == 1 and c.input[0] in ctx.constants
              and ctx.constants[c.input[0]].ndim >= 1 and int(ctx.attributes(c).get("axis", 0)) == 0]
    return min(counts) if counts else None


def _table_layer(table: np.ndarray, rank: int | None) -> NetGraph:
    """Each index's entry of ``table``, of the indices' shape (``rank`` dims with the batch)."""
    part = PartLayer([*["All"] * ((rank or 1) - 1), 1])
    return NetGraph({"table": EmbeddingLayer(1, len(table), weights=table.reshape(-1, 1)), "entry": part},
                    [("table", "entry")])
