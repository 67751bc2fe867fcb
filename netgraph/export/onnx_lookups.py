"""torch's padding masks of an integer input that is also an index: ``emb(idx) * (idx > 0).float().unsqueeze(-1)``,
``emb(idx).masked_fill((idx == 0).unsqueeze(-1), 0)``, ``idx.float()``. A port is Integer or Real, and our
comparisons are FunctionLayers on reals, so such an input was refused (``onnx_integer_inputs``). But an input that a
Gather of a constant table of n rows reads takes only the values 0 to n - 1 in the imported net (its EmbeddingLayer
refuses others, as torch's does; ONNX's Gather also takes -n to -1), so a comparison of it (or of its values moved: ``idx.unsqueeze(-1)``) with a scalar constant
(``Equal``, ``Greater``, ``Less``, ``GreaterOrEqual``, ``LessOrEqual``), or its Cast to float, is a lookup in a table
of n numbers: the comparison's answer (1 or 0) or the value itself for each index. That is an
``EmbeddingLayer(1, n)`` of the table (kept fixed in training, as the model's constants are: ``fixed_lookups``) and a
``PartLayer`` dropping its size-1 level (``lookup_patterns``); the input stays an Integer port and no comparison
reads it.

>>> table_of("Greater", np.int64(0), 4, index_first=True).tolist()
[0.0, 1.0, 1.0, 1.0]
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np

from netgraph.core.graph import NetGraph
from netgraph.export.onnx_names import FLOAT_CASTS, VALUE_MOVES
from netgraph.export.onnx_ops import Context, Converted
from netgraph.layers import EmbeddingLayer, PartLayer

__all__ = ["fixed_lookups", "lookup_patterns", "table_of"]

_COMPARE = {"Equal": np.equal, "Greater": np.greater, "Less": np.less, "GreaterOrEqual": np.greater_equal,
            "LessOrEqual": np.less_equal}
_EXACT = 2 ** 24  # float32 holds every index below it


def lookup_patterns(nodes: Any, ctx: Context) -> tuple[dict[int, Converted], set[int]]:
    """Each comparison of an index input with a scalar constant, and each Cast of one to float (by ``id``) -> its
    lookup fed by the input; no other node is taken. Their outputs are recorded in ``ctx.lookups``."""
    found: dict[int, Converted] = {}
    for node in nodes:
        matched = _lookup(node, ctx)
        if matched is not None:
            found[id(node)] = Converted(_table_layer(matched[0], ctx.rank(matched[1])), (matched[1],))
            ctx.lookups.add(node.output[0])
    return found, set()


def table_of(op: str, constant: np.ndarray, count: int, index_first: bool, dtype: Any = np.int64) -> np.ndarray:
    """The answer of comparison ``op`` for each index 0 to ``count - 1`` (as ``dtype``) against ``constant`` (the
    index its first operand where ``index_first``), as float32."""
    indices = np.arange(count).astype(dtype)
    pair = (indices, constant) if index_first else (constant, indices)
    return _COMPARE[op](*pair).astype(np.float32)


def fixed_lookups(producers: Iterable[tuple[str, Any]], layers: Mapping[str, Any], ctx: Context) -> dict[tuple, int]:
    """Learning-rate multipliers of 0 for each lookup's table: the model's constants, fixed."""
    return {(name, "table"): 0 for name, node in producers if node.output[0] in ctx.lookups and name in layers}


def _lookup(node: Any, ctx: Context) -> tuple[np.ndarray, str] | None:
    """(the table, the index input) where ``node`` compares an index input with a scalar constant or casts one to
    float; None otherwise."""
    if node.op_type == "Cast" and len(node.input) == 1:
        cast = FLOAT_CASTS.get(int(ctx.attributes(node).get("to", 0)))
        count = _index_range(node.input[0], ctx)
        if cast is None or count is None or count >= _EXACT:
            return None
        return cast(np.arange(count)), node.input[0]
    if node.op_type not in _COMPARE or len(node.input) != 2:
        return None
    for at, (index, other) in enumerate((node.input, node.input[::-1])):
        constant, count = ctx.constants.get(other), _index_range(index, ctx)
        if constant is not None and count is not None and constant.size == 1 and constant.ndim <= 1:
            return table_of(node.op_type, constant.reshape(()), count, at == 0, constant.dtype), index
    return None


def _index_range(tensor: str, ctx: Context, depth: int = 0) -> int | None:
    """n where ``tensor`` is an integer graph input that a Gather of a constant table of n rows (axis 0) reads as
    its indices (the least n of several), or such an input's values moved (``VALUE_MOVES``: ``idx.unsqueeze(-1)``);
    None otherwise."""
    producer = ctx.producers.get(tensor)
    if producer is not None:
        moved = producer.op_type in VALUE_MOVES and producer.input and depth < 8
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
