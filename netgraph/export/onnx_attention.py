"""Causal attention as torch exports it -> ``AttentionLayer(mask="Causal")``.

torch writes ``softmax(q k + mask) v`` (``scaled_dot_product_attention(..., is_causal=True)``, and our own
``AttentionLayer(mask="Causal")``) with the mask computed from the two sequence lengths:
``Where(Equal(Trilu(Expand(1, (m, n)), upper=0), 0), -inf, 0)`` (the dynamo exporter: float32's lowest value for
-inf, the same after the softmax, as no row is masked whole). No node of it maps to a layer on its own,
so the pattern is found before nodes are converted (``causal_attention``): the final MatMul becomes an
``AttentionLayer("Dot", mask="Causal")`` without rescaling (torch has already scaled q and k), between
``TransposeLayer``s that put ONNX's (heads, length, features) layout into ours, and the score MatMul, Add,
Softmax and the mask's nodes are not converted. The Softmax must be over the last axis only (before opset 13 its
default axis is 1, and it normalises over all dims from its axis on).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from netgraph.core.graph import NetGraph
from netgraph.core.ports import NetPort
from netgraph.export.onnx_ops import Context, Converted
from netgraph.layers import AttentionLayer, TransposeLayer

__all__ = ["causal_attention", "causal_mask", "masked_out"]

#: TransposeLayer perms (ours: level k goes to level perm[k]) from ONNX's layout of q, k^T, v and the output
#: to the AttentionLayer's, by rank of the non-batch dims: one head (m, k), (k, n), (n, v); several heads
#: (h, m, k), (h, k, n), (h, n, v) -> (m, h, k), (n, h, k), (n, h, v), and the output (m, h, v) -> (h, m, v).
_PERMS = {2: {"Query": None, "Key": (2, 1), "Value": None, "Output": None},
          3: {"Query": (2, 1, 3), "Key": (2, 3, 1), "Value": (2, 1, 3), "Output": (2, 1, 3)}}


def causal_attention(nodes: Any, ctx: Context) -> tuple[dict[int, Converted], set[int]]:
    """The final MatMul of each causal attention (by ``id``) -> its layer, and the ids of the nodes it takes
    the place of (score MatMul, Add, Softmax, mask), which are not to be converted."""
    found: dict[int, Converted] = {}
    claimed: set[int] = set()
    for node in nodes:
        match = _match(node, ctx) if node.op_type == "MatMul" else None
        if match is not None:
            (query, key, value, level), taken = match
            found[id(node)] = Converted(_layer(level), (query, key, value))
            claimed.update(id(n) for n in taken)
    return found, claimed


def _match(matmul: Any, ctx: Context) -> tuple[tuple[str, str, str, int], list[Any]] | None:
    """((q, k^T, v tensors, non-batch rank), nodes taken) when ``matmul`` is ``softmax(q k^T + mask) v``."""
    softmax = _only_use(matmul.input[0], "Softmax", ctx)
    add = softmax and _only_use(softmax.input[0], "Add", ctx)
    if add is None or _rank(matmul.output[0], ctx) not in _PERMS or matmul.input[1] in ctx.constants:
        return None
    axis = int(ctx.attributes(softmax).get("axis", 1 if ctx.opset < 13 else -1))  # before opset 13: from axis on
    if axis not in (-1, _rank(softmax.input[0], ctx)):
        return None
    for scores_name, mask_name in (add.input, reversed(add.input)):
        scores, mask = _only_use(scores_name, "MatMul", ctx), causal_mask(mask_name, ctx)
        if scores is not None and mask is not None and not {*scores.input} & ctx.constants.keys():
            level = _rank(matmul.output[0], ctx)
            return (scores.input[0], scores.input[1], matmul.input[1], level), [scores, add, softmax, *mask]
    return None


def _only_use(tensor: str, op_type: str, ctx: Context) -> Any:
    """The node computing ``tensor`` if it is an ``op_type`` and ``tensor`` has no other use, else None."""
    node = ctx.producers.get(tensor)
    if node is None or node.op_type != op_type or len(ctx.consumers.get(tensor, ())) != 1:
        return None
    return node if tensor not in ctx.graph_outputs else None


def causal_mask(tensor: str, ctx: Context) -> list[Any] | None:
    """The Where, Equal, Trilu and Expand nodes of ``Where(Equal(Trilu(Expand(1, ..), upper=0), 0), -inf, 0)``."""
    where = ctx.producers.get(tensor)
    if where is None or where.op_type != "Where" or not _is(where.input[2:], (0.0,), ctx):
        return None
    if where.input[1] not in ctx.constants or not masked_out(ctx.constants[where.input[1]]):
        return None
    equal = ctx.producers.get(where.input[0])
    if equal is None or equal.op_type != "Equal" or not _is(equal.input[1:], (0,), ctx):
        return None
    trilu = ctx.producers.get(equal.input[0])
    if trilu is None or trilu.op_type != "Trilu" or int(ctx.attributes(trilu).get("upper", 1)) != 0:
        return None
    if len(trilu.input) > 1 and trilu.input[1] and not _is(trilu.input[1:2], (0,), ctx):
        return None  # a diagonal other than the main one
    expand = ctx.producers.get(trilu.input[0])
    if expand is None or expand.op_type != "Expand" or not _is(expand.input[:1], (1,), ctx):
        return None
    return [where, equal, trilu, expand]


def masked_out(values: np.ndarray) -> bool:
    """Whether all ``values`` (some) are -inf or their float type's lowest value, which torch's dynamo exporter writes
    for -inf in a causal mask (a score plus either is 0 after the softmax)."""
    return bool(values.size) and values.dtype.kind == "f" and bool(np.all(values <= np.finfo(values.dtype).min))


def _is(tensors: Any, values: tuple, ctx: Context) -> bool:
    """Each of ``tensors`` is a constant holding only the corresponding value."""
    return all(t in ctx.constants and ctx.constants[t].size and np.all(ctx.constants[t] == v)
               for t, v in zip(tensors, values, strict=True))


def _rank(tensor: str, ctx: Context) -> int | None:
    rank = ctx.rank(tensor)
    return None if rank is None else rank - 1


def _layer(level: int) -> NetGraph:
    """Query, Key (k^T as ONNX has it), Value -> AttentionLayer(mask="Causal") -> Output, in ONNX's layout."""
    perms = _PERMS[level]
    layers: dict[str, Any] = {"attention": AttentionLayer("Dot", mask="Causal", score_rescaling="None",
                                                          multi_head=level == 3)}
    edges: list[tuple] = []
    for port in ("Query", "Key", "Value"):
        source: Any = NetPort(port)
        if perms[port] is not None:
            layers[port.lower()] = TransposeLayer(perms[port])
            edges.append((source, NetPort(port.lower(), "Input")))
            source = NetPort(port.lower(), "Output")
        edges.append((source, NetPort("attention", port)))
    output: Any = NetPort("attention", "Output")
    if perms["Output"] is not None:
        layers["output"] = TransposeLayer(perms["Output"])
        edges.append((output, NetPort("output", "Input")))
        output = NetPort("output", "Output")
    edges.append((output, NetPort("Output")))
    return NetGraph(layers, edges)
