"""Causal attention as torch exports it -> ``AttentionLayer(mask="Causal")``.

torch writes ``softmax(q k + mask) v`` (``scaled_dot_product_attention(..., is_causal=True)``, and our own
``AttentionLayer(mask="Causal")``) with the mask computed from the two sequence lengths:
``Where(Equal(Trilu(Expand(1, (m, n)), upper=0), 0), -inf, 0)`` (the dynamo exporter: float32's lowest value for
-inf, the same after the softmax, as no row is masked whole). No node of it maps to a layer on its own,
so the pattern is found before nodes are converted (``causal_attention``): the final MatMul becomes an
``AttentionLayer("Dot", mask="Causal")`` without rescaling (torch has already scaled q and k), between
``TransposeLayer``s that put ONNX's (heads, length, features) layout into ours, and the score MatMul, Add,
Softmax and the mask's nodes are not converted. The Softmax must be over the last axis only (before opset 13 its
default axis is 1, and it normalises over all dims from its axis on). So is nanoGPT's hand-written form,
``softmax(masked_fill(q k / sqrt(d), tril[:n, :n] == 0, -inf)) v``: a Where putting -inf where a constant lower
triangle of ones (or its leading rows and columns, cut to the length) is 0, of scores unscaled or scaled by
1/sqrt(d) (the AttentionLayer's ``"DimensionSqrt"``).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from netgraph.core.graph import NetGraph
from netgraph.core.ports import NetPort
from netgraph.export.onnx_names import known_dim
from netgraph.export.onnx_ops import Context, Converted, single_use_producer
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
            (query, key, value, level, rescaling), taken = match
            found[id(node)] = Converted(_layer(level, rescaling), (query, key, value))
            _output_shape(node.output[0], ctx.shapes.get(query), ctx.shapes.get(value), ctx)
            claimed.update(id(n) for n in taken)
    return found, claimed


def _output_shape(output: str, query: tuple | None, value: tuple | None, ctx: Context) -> None:
    """The attention's output shape, q's but v's features, where onnx's inference lost it (a mask cut to a computed
    length) and q's and v's are known: for the nodes after it (our layers infer no nested graph's shape there)."""
    if query is not None and value is not None and len(query) == len(value):
        shape = (*query[:-1], value[-1])
        if all(map(known_dim, shape)) and not all(map(known_dim, ctx.shapes.get(output) or ("?",))):
            ctx.shapes[output] = shape


def _match(matmul: Any, ctx: Context) -> tuple[tuple[str, str, str, int, str], list[Any]] | None:
    """((q, k^T, v tensors, non-batch rank, score rescaling), nodes taken) when ``matmul`` is
    ``softmax(q k^T + mask) v`` or ``softmax(masked_fill(s q k^T, upper, -inf)) v``."""
    softmax = single_use_producer(matmul.input[0], ctx, "Softmax")
    masking = softmax and (single_use_producer(softmax.input[0], ctx, "Add")
                           or single_use_producer(softmax.input[0], ctx, "Where"))
    level = _rank(matmul.output[0], ctx) or _rank(matmul.input[1], ctx)  # onnx may not tell the output's: v's
    if masking is None or level not in _PERMS or matmul.input[1] in ctx.constants:
        return None
    axis = int(ctx.attributes(softmax).get("axis", 1 if ctx.opset < 13 else -1))  # before opset 13: from axis on
    if axis not in (-1, _rank(softmax.input[0], ctx)):
        return None
    for scores_name, mask in _masked(masking, ctx):
        scaled = _scaled_scores(scores_name, ctx)
        if scaled is not None and mask is not None:
            scores, rescaling, scaling = scaled
            return ((scores.input[0], scores.input[1], matmul.input[1], level, rescaling),
                    [scores, *scaling, masking, softmax, *mask])
    return None


def _masked(node: Any, ctx: Context) -> list[tuple[str, list[Any] | None]]:
    """(scores, the mask's nodes or None) for each way ``node`` can mask them: an Add of torch's causal mask, or
    a Where putting -inf (``masked_fill``) where a test is true above the diagonal only."""
    if node.op_type == "Add":
        return [(scores, causal_mask(mask, ctx)) for scores, mask in (node.input, list(reversed(node.input)))]
    if node.input[1] in ctx.constants and masked_out(ctx.constants[node.input[1]]):
        return [(node.input[2], _above_diagonal(node.input[0], ctx))]
    return []


def _scaled_scores(tensor: str, ctx: Context) -> tuple[Any, str, list[Any]] | None:
    """(the MatMul q k^T, the AttentionLayer's score rescaling, the Mul or Div between) of scores unscaled, or
    scaled by 1/sqrt(d) of q's d features; None for another form (or another scale)."""
    node, scaling = ctx.producers.get(tensor), []
    if node is not None and node.op_type in ("Mul", "Div") and len(ctx.consumers.get(tensor, ())) == 1:
        factors = [name for name in node.input if name in ctx.constants and ctx.constants[name].size == 1]
        scores = [name for name in node.input if name not in factors]
        if len(factors) != 1 or len(scores) != 1 or (node.op_type == "Div" and node.input[1] != factors[0]):
            return None
        scale = float(np.ravel(ctx.constants[factors[0]])[0]) ** (-1 if node.op_type == "Div" else 1)
        node, scaling = ctx.producers.get(scores[0]), [node]
        if node is None or node.op_type != "MatMul" or len(ctx.consumers.get(scores[0], ())) != 1:
            return None
        features = (ctx.shapes.get(node.input[0]) or (None,))[-1]
        if not isinstance(features, int) or not np.isclose(scale, features ** -0.5, rtol=1e-6, atol=0):
            return None
    elif node is None or node.op_type != "MatMul" or len(ctx.consumers.get(tensor, ())) != 1:
        return None
    if {*node.input} & ctx.constants.keys():
        return None
    return node, "DimensionSqrt" if scaling else "None", scaling


def _above_diagonal(tensor: str, ctx: Context) -> list[Any] | None:
    """The nodes of a test true exactly above the diagonal (``tril == 0``, through a bool Cast): a constant one,
    or Equal(t, 0) of leading rows and columns (Slices from 0, ``bias[:, :, :n, :n]``) of a constant t that is 0
    exactly above its diagonal, which every such part of it is too; None for another test."""
    nodes, node = [], ctx.producers.get(tensor)
    if node is not None and node.op_type == "Cast" and tensor not in ctx.constants:
        nodes, tensor = [node], node.input[0]
    if tensor in ctx.constants:
        return nodes if _upper(ctx.constants[tensor] != 0) else None
    equal = ctx.producers.get(tensor)
    if equal is None or equal.op_type != "Equal" or not _is(equal.input[1:], (0,), ctx):
        return None
    nodes, tensor = [*nodes, equal], equal.input[0]
    while tensor not in ctx.constants:
        part = ctx.producers.get(tensor)
        if (part is None or part.op_type != "Slice" or not _is(part.input[1:2], (0,), ctx)
                or (len(part.input) > 4 and part.input[4] and not _is(part.input[4:5], (1,), ctx))):
            return None
        nodes, tensor = [*nodes, part], part.input[0]
    return nodes if _upper(ctx.constants[tensor] == 0) else None


def _upper(test: np.ndarray) -> bool:
    """Whether ``test`` (of at least 2 dims, the others of size 1) is true exactly above its diagonal."""
    return (test.ndim >= 2 and all(d == 1 for d in test.shape[:-2]) and test.shape[-1] > 1
            and bool(np.array_equal(test.reshape(test.shape[-2:]), np.triu(np.ones(test.shape[-2:], bool), 1))))


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


def _layer(level: int, rescaling: str) -> NetGraph:
    """Query, Key (k^T as ONNX has it), Value -> AttentionLayer(mask="Causal") -> Output, in ONNX's layout."""
    perms = _PERMS[level]
    layers: dict[str, Any] = {"attention": AttentionLayer("Dot", mask="Causal", score_rescaling=rescaling,
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
