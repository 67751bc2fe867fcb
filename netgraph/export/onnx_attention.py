"""Attention as torch exports it -> an ``AttentionLayer`` (``causal_attention``, found before nodes are converted).

torch writes ``softmax(q k + mask) v`` (``scaled_dot_product_attention(..., is_causal=True)``, and our own
``AttentionLayer(mask="Causal")``) with the mask computed from the two sequence lengths:
``Where(Equal(Trilu(Expand(1, (m, n)), upper=0), 0), -inf, 0)`` (the dynamo exporter: float32's lowest value for
-inf, the same after the softmax, as no row is masked whole). So is nanoGPT's hand-written form,
``softmax(masked_fill(q k / sqrt(d), tril[:n, :n] == 0, -inf)) v``: a Where putting -inf where a constant lower
triangle of ones (or its leading rows and columns, cut to the length) is 0. Without a mask (an ``AttentionLayer()``,
a plain ``scaled_dot_product_attention``) ``softmax(q k) v``, k the Transpose of the key (the AttentionLayer's
own, or the swap of its last two dims torch writes, 4-D q, k, v then multi-head). The scores are scaled by
1 or 1/sqrt(d) in all (``score_rescaling`` "None" or "DimensionSqrt"): a Mul or Div after the score MatMul, and/or
q and k each times one constant c (``split_scale``), as torch writes the scaling. The final MatMul becomes an
``AttentionLayer("Dot")``, between ``TransposeLayer``s that put ONNX's (heads, length, features) layout into ours
where ONNX's own Transposes (of one use, taken in; a Shape of one read only into constants or the nodes
taken, as the multi-head d and mask lengths are) do not; the score MatMul, scaling, Softmax and the mask's nodes
are not converted. The Softmax must be over the last axis only (before opset 13 its default axis is 1, and it
normalises over all dims from its axis on). Every constant and perm is checked: a near-miss of the unmasked form
(another scale, k^T not the key's Transpose) stays nodes one by one.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import numpy as np

from netgraph.core.graph import NetGraph
from netgraph.core.ports import NetPort
from netgraph.export.onnx_chains import chain_patterns
from netgraph.export.onnx_names import known_dim
from netgraph.export.onnx_ops import Context, Converted, perm_of
from netgraph.export.onnx_uses import single_use_producer, sole_use, uses_besides
from netgraph.export.onnx_variance import one_element
from netgraph.layers import AttentionLayer, TransposeLayer

__all__ = ["causal_attention", "causal_mask", "masked_out"]

#: TransposeLayer perms (ours: level k goes to level perm[k]) from ONNX's layout of q, k^T, v and the output
#: to the AttentionLayer's, by rank of the non-batch dims: one head (m, k), (k, n), (n, v); several heads
#: (h, m, k), (h, k, n), (h, n, v) -> (m, h, k), (n, h, k), (n, h, v), and the output (m, h, v) -> (h, m, v).
_PERMS = {2: {"Query": None, "Key": (2, 1), "Value": None, "Output": None},
          3: {"Query": (2, 1, 3), "Key": (2, 3, 1), "Value": (2, 1, 3), "Output": (2, 1, 3)}}


def causal_attention(nodes: Any, ctx: Context) -> tuple[dict[int, Converted], set[int]]:
    """The last node of each attention (by ``id``: its final MatMul, or the Transpose after it taken in) -> its
    layer, and the ids of the nodes it takes the place of (score MatMul, scaling, Softmax, mask, Transposes)."""
    return chain_patterns(nodes, ctx, "MatMul", _match, ())


def _output_shape(output: str, shape: tuple | None, ctx: Context) -> None:
    """The attention's output ``shape`` where onnx's inference lost it (a mask cut to a computed length) and it is
    known: for the nodes after it (our layers infer no nested graph's shape there)."""
    if shape is not None and all(map(known_dim, shape)) and not all(map(known_dim, ctx.shapes.get(output) or "?")):
        ctx.shapes[output] = shape


def _attention_shape(query: tuple | None, value: tuple | None) -> tuple | None:
    """q's shape but v's features, where both are known and of one rank."""
    return (*query[:-1], value[-1]) if query is not None and value is not None and len(query) == len(value) else None


def _match(matmul: Any, ctx: Context) -> tuple[list[Any], NetGraph, tuple[str, str, str]] | None:
    """(the nodes taken, the last one's output the layer's, the layer, its q, k, v tensors) when ``matmul`` is
    ``softmax(q k^T) v``, ``softmax(q k^T + mask) v`` or ``softmax(masked_fill(q k^T, upper, -inf)) v``, q k^T
    unscaled or scaled by 1/sqrt(d) (``_scaled_scores``). Unmasked, k^T must be the Transpose of k taken in."""
    softmax = single_use_producer(matmul.input[0], ctx, "Softmax")
    level = _rank(matmul.output[0], ctx) or _rank(matmul.input[1], ctx)  # onnx may not tell the output's: v's
    if softmax is None or level not in _PERMS or matmul.input[1] in ctx.constants:
        return None
    axis = int(ctx.attributes(softmax).get("axis", 1 if ctx.opset < 13 else -1))  # before opset 13: from axis on
    if axis not in (-1, _rank(softmax.input[0], ctx)):
        return None
    for scores_name, mask, masking in _masks(softmax.input[0], ctx):
        scaled = _scaled_scores(scores_name, ctx, strict=masking is None) if mask is not None else None
        if scaled is None:
            continue
        (query, key_t), rescaling, scaling = scaled
        folded = {id(n) for n in (*scaling, *(mask or ()), softmax, matmul)}
        swap = _swapped_key(key_t, folded, ctx)
        ports = {"Query": query, "Key": key_t if swap is None else swap.input[0], "Value": matmul.input[1]}
        start = _PERMS[level] if swap is None else {**_PERMS[level], "Key": _PERMS[level]["Query"]}
        perms, inputs, before, after = _taken_transposes(ports, matmul, start, folded, ctx)
        if masking is None and swap is None and perms["Key"] is not None:
            return None  # unmasked: k^T a Transpose of k (another perm or none: node by node)
        before = [*([] if swap is None else [swap]), *before]
        shape = _attention_shape(ctx.shapes.get(scaling[-1].input[0]), ctx.shapes.get(matmul.input[1]))
        _output_shape(matmul.output[0], shape, ctx)
        for node in after:  # the Transpose taken in: its output's shape too
            _output_shape(node.output[0], _permuted(ctx.shapes.get(matmul.output[0]), node, ctx), ctx)
        layer = _layer(perms, rescaling, masking, level == 3)
        by_port = dict(zip(ports, inputs, strict=True))
        return [*before, *scaling, *mask, softmax, matmul, *after], layer, tuple(by_port[p] for p in layer.input_ports)
    return None


def _masks(tensor: str, ctx: Context) -> list[tuple[str, list[Any] | None, str | None]]:
    """(scores, the mask's nodes (None: not a mask), the AttentionLayer's mask) for each way the Softmax's input
    ``tensor`` can be masked scores: the scores themselves, unmasked, or ``_masked`` by an Add or Where."""
    masking = single_use_producer(tensor, ctx, "Add") or single_use_producer(tensor, ctx, "Where")
    masked = _masked(masking, ctx) if masking is not None else []
    return [(tensor, [], None), *((s, None if m is None else [masking, *m], "Causal") for s, m in masked)]


def _masked(node: Any, ctx: Context) -> list[tuple[str, list[Any] | None]]:
    """(scores, the mask's nodes or None) for each way ``node`` can mask them: an Add of torch's causal mask, or
    a Where putting -inf (``masked_fill``) where a test is true above the diagonal only."""
    if node.op_type == "Add":
        return [(scores, causal_mask(mask, ctx)) for scores, mask in (node.input, list(reversed(node.input)))]
    if node.input[1] in ctx.constants and masked_out(ctx.constants[node.input[1]]):
        return [(node.input[2], _above_diagonal(node.input[0], ctx))]
    return []


def _scaled_scores(tensor: str, ctx: Context, strict: bool) -> tuple[tuple[str, str], str, list[Any]] | None:
    """((q, k^T), the AttentionLayer's score rescaling, the nodes from the scaling to the score MatMul, which is
    last) of scores q k^T unscaled or scaled, by a Mul or Div after it and/or Muls of q and k^T by one constant c
    each (``split_scale``), by 1 or 1/sqrt(d) of q's d features in all; None for another form or scale. Muls of q
    and k^T by another scale are a near-miss: not ``strict``, q and k^T are their outputs (left node by node)."""
    node, after, scale = ctx.producers.get(tensor), [], 1.0
    if node is not None and node.op_type in ("Mul", "Div") and sole_use(tensor, ctx):
        factor = _scalar_factor(node, ctx)
        if factor is None:
            return None
        (tensor, scale), after, node = factor, [node], ctx.producers.get(factor[0])
    if (node is None or node.op_type != "MatMul" or not sole_use(tensor, ctx)
            or {*node.input} & ctx.constants.keys()):
        return None
    split = split_scale(node, ctx)
    if split is not None:
        operands, factor, muls = split
        rescaling = _rescaling(scale * factor * factor, operands[0], ctx, _tolerance([*after, *muls], ctx))
        if rescaling is not None:
            return operands, rescaling, [*after, *muls, node]
        if strict:
            return None
    rescaling = _rescaling(scale, node.input[0], ctx, _tolerance(after, ctx)) if after else "None"
    return None if rescaling is None else ((node.input[0], node.input[1]), rescaling, [*after, node])


def split_scale(scores: Any, ctx: Context) -> tuple[tuple[str, str], float, list[Any]] | None:
    """((q, k^T), c, the two Muls) where the MatMul ``scores`` is of q and k^T each multiplied by the constant c
    alone (the two Muls' constants equal), as export_onnx writes an AttentionLayer's scaling; else None."""
    muls = [single_use_producer(tensor, ctx, "Mul") for tensor in scores.input]
    factors = [_scalar_factor(mul, ctx) if mul is not None else None for mul in muls]
    if None in factors or factors[0][1] != factors[1][1]:
        return None
    return (factors[0][0], factors[1][0]), factors[0][1], muls


def _scalar_factor(node: Any, ctx: Context) -> tuple[str, float] | None:
    """(x, f) where the Mul or Div ``node`` is x times the constant f: a one-element constant of at most one dim or
    no more than x has, the other input (a Div's divisor: f its inverse); None for another node."""
    factors = [name for name in node.input if name in ctx.constants and ctx.constants[name].size == 1]
    data = [name for name in node.input if name not in factors]
    if len(factors) != 1 or len(data) != 1 or (node.op_type == "Div" and node.input[1] != factors[0]):
        return None
    element = one_element(factors[0], max(1, ctx.rank(data[0]) or 0), ctx)
    if element is None:
        return None
    return data[0], float(element) ** (-1 if node.op_type == "Div" else 1)


def _rescaling(scale: float, query: str, ctx: Context, rtol: float) -> str | None:
    """The AttentionLayer's score rescaling that is ``scale`` for q's d features: "None" (1) or "DimensionSqrt"
    (1/sqrt(d)), within relative tolerance ``rtol``; None for another scale (or d unknown)."""
    if np.isclose(scale, 1.0, rtol=rtol, atol=0):
        return "None"
    features = (ctx.shapes.get(query) or (None,))[-1]
    if isinstance(features, int) and np.isclose(scale, features ** -0.5, rtol=rtol, atol=0):
        return "DimensionSqrt"
    return None


def _tolerance(scaling: list[Any], ctx: Context) -> float:
    """A few units of rounding of the coarsest float among the constants of the ``scaling`` nodes (float64's where
    none is a float): how near the scale they make must be to 1 or 1/sqrt(d)."""
    floats = [ctx.constants[name].dtype for node in scaling for name in node.input if name in ctx.constants]
    return 4 * max((np.finfo(dtype).eps for dtype in floats if np.issubdtype(dtype, np.floating)),
                   default=np.finfo(np.float64).eps)


def _taken_transposes(ports: dict[str, str], matmul: Any, perms: dict[str, tuple | None], folded: set[int],
                      ctx: Context) -> tuple[dict[str, tuple | None], tuple[str, ...], list[Any], list[Any]]:
    """The TransposeLayer perms still needed, the layer's q, k, v tensors, and the Transposes taken in before and
    after the attention: each one ONNX's own that does the layout change a port's perm would (undo), of one use but
    Shapes read only into constants or the nodes ``folded`` (by id; the d of q's scale, a mask's lengths)."""
    perms, inputs, before, readers = dict(perms), [], [], Counter(ports.values())
    taken = {port: _transpose_taken(tensor, folded, ctx, readers[tensor]) for port, tensor in ports.items()}
    taken = {port: node if node is not None and _undoes(perm_of(node, ctx), _onnx_perm(perms[port])) else None
             for port, node in taken.items()}
    for port, tensor in ports.items():
        node = taken[port]  # one Transpose read by several ports (q and v of one x) is taken in by all or none
        if node is not None and all(taken[other] is node for other in ports if ports[other] == tensor):
            before = before if any(n is node for n in before) else [*before, node]
            tensor, perms[port] = node.input[0], None
        inputs.append(tensor)
    use = sole_use(matmul.output[0], ctx)
    after = [use[0]] if use and use[0].op_type == "Transpose" and perms["Output"] is not None else []
    if after and _undoes(perm_of(after[0], ctx), _onnx_perm(perms["Output"])):
        perms["Output"] = None
    return perms, tuple(inputs), before, after if perms["Output"] is None else []


def _swapped_key(key_t: str, folded: set[int], ctx: Context) -> Any:
    """The Transpose of k swapping its last two dims (``k.transpose(-2, -1)``, as torch writes k^T) that computes
    ``key_t`` and can be taken in (``_transpose_taken``); else None."""
    node = _transpose_taken(key_t, folded, ctx)
    if node is None:
        return None
    perm = perm_of(node, ctx)
    return node if perm == [*range(len(perm) - 2), len(perm) - 1, len(perm) - 2] else None


def _transpose_taken(tensor: str, folded: set[int], ctx: Context, readers: int = 1) -> Any:
    """The Transpose computing ``tensor`` where its ``readers`` uses are the attention's (one per port it feeds) and
    any other is a Shape whose value is only ``_folded_away``; else None."""
    node, uses = ctx.producers.get(tensor), uses_besides(tensor, ctx, ("Shape",))
    if node is None or node.op_type != "Transpose" or uses is None or len(uses) != readers:
        return None
    shapes = [c for c, _ in ctx.consumers.get(tensor, ()) if c.op_type == "Shape"]
    return node if all(_folded_away(shape, folded, ctx) for shape in shapes) else None


def _folded_away(node: Any, folded: set[int], ctx: Context) -> bool:
    """Whether ``node`` is one of the nodes ``folded``, or each of its outputs is a constant or read only by such
    nodes (checked through every use; none a graph output): converting without it loses nothing."""
    if id(node) in folded:
        return True
    return all(out in ctx.constants or (out not in ctx.graph_outputs and all(
        _folded_away(use, folded, ctx) for use, _ in ctx.consumers.get(out, ()))) for out in node.output)


def _permuted(shape: tuple | None, transpose: Any, ctx: Context) -> tuple | None:
    return None if shape is None else tuple(shape[i] for i in perm_of(transpose, ctx))


def _onnx_perm(perm: tuple | None) -> list[int]:
    """ONNX's Transpose perm (the batch dim first) doing what a TransposeLayer's (level k to level perm[k]) does."""
    onnx_perm = [0] * (len(perm or ()) + 1)
    for level, target in enumerate(perm or (), 1):
        onnx_perm[target] = level
    return onnx_perm if perm else []


def _undoes(perm: list[int], onnx_perm: list[int]) -> bool:
    """Whether the ONNX Transposes by ``perm`` and by ``onnx_perm`` are each other's inverse (one after the other
    changes nothing), both of one length; False for no ``onnx_perm`` (no layout change to undo)."""
    return len(perm) == len(onnx_perm) > 0 and all(perm[dim] == place for place, dim in enumerate(onnx_perm))


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


def _layer(perms: dict[str, tuple | None], rescaling: str, mask: str | None, multi_head: bool) -> Any:
    """The AttentionLayer (mask None: "None"); where a port has a perm, a NetGraph of Query, Key, Value -> it ->
    Output, each such port through a TransposeLayer of its perm (ONNX's layout into ours)."""
    attention = AttentionLayer("Dot", mask=mask or "None", score_rescaling=rescaling, multi_head=multi_head)
    if all(perm is None for perm in perms.values()):
        return attention
    layers: dict[str, Any] = {"attention": attention}
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
