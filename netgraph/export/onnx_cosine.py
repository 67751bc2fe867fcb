"""torch's ``1 - F.cosine_similarity(a, b, dim=1)`` (a ``NetPairEmbeddingOperator(..., distance="Cosine")``'s
distance) as its TorchScript exporter writes it: Sub(1, Div(ReduceSum(a b), Max(Sqrt(ReduceSum(a a) ReduceSum(b b)),
eps))), each ReduceSum over axis 1 of (batch, n) vectors. The chain becomes one ``FunctionLayer`` of that formula
(torch's clamp by eps kept: 1 where an embedding is zero), as the Euclidean distance's Sub and ReduceL2 are two."""

from __future__ import annotations

from typing import Any

from netgraph.export.onnx_chains import Matched, shared_scope
from netgraph.export.onnx_ops import Context, Converted, squeeze_axes
from netgraph.export.onnx_variance import is_number, one_element
from netgraph.layers.function import FunctionLayer

__all__ = ["cosine_patterns"]


def cosine_patterns(nodes: Any, ctx: Context) -> tuple[dict[int, Converted], set[int]]:
    """The Sub of each matched chain (by ``id``) -> its FunctionLayer fed by a and b, and the ids of the nodes it
    takes the place of; a chain that does not match is left to the nodes' own conversions."""
    found: dict[int, Converted] = {}
    claimed: set[int] = set()
    for node in nodes:
        matched = _cosine(node, ctx) if node.op_type == "Sub" else None
        if matched is not None:
            taken, layer, inputs = matched
            found[id(taken[-1])] = Matched(layer, inputs, scope=shared_scope(taken))
            claimed.update(id(n) for n in taken[:-1])
    return found, claimed


def _producer(tensor: str, ctx: Context, op: str) -> Any:
    node = ctx.producers.get(tensor)
    return node if node is not None and node.op_type == op else None


def _cosine(sub: Any, ctx: Context) -> tuple[list, FunctionLayer, tuple[str, str]] | None:
    """The chain's nodes (the Sub last), the layer and (a, b); None where it is not torch's cosine distance."""
    div = _producer(sub.input[1], ctx, "Div")
    if div is None or not is_number(sub.input[0], 1.0, 1, ctx):
        return None
    dot, clamp = _product_sum(div.input[0], ctx), _producer(div.input[1], ctx, "Max")
    root = _producer(clamp.input[0], ctx, "Sqrt") if clamp is not None and len(clamp.input) == 2 else None
    both = _producer(root.input[0], ctx, "Mul") if root is not None else None
    eps = one_element(clamp.input[1], 1, ctx) if clamp is not None else None
    if dot is None or both is None or eps is None:
        return None
    (a, b), squares = dot[1], [_product_sum(t, ctx) for t in both.input]
    if None in squares or [s[1] for s in squares] != [(a, a), (b, b)]:
        return None
    chain = [*dot[0], *squares[0][0], *squares[1][0], both, root, clamp, div, sub]
    if not _inside(chain, ctx):
        return None
    bound = f"{float(eps):.17g}".replace("e", "*^")
    return chain, FunctionLayer(f"1 - Dot[#1, #2] / Max[Sqrt[Dot[#1, #1] Dot[#2, #2]], {bound}]"), (a, b)


def _product_sum(tensor: str, ctx: Context) -> tuple[list, tuple[str, str]] | None:
    """([Mul, ReduceSum], (x, y)) where ``tensor`` is ReduceSum(Mul(x, y)) over axis 1 of (batch, n), dims dropped."""
    total = _producer(tensor, ctx, "ReduceSum")
    product = _producer(total.input[0], ctx, "Mul") if total is not None else None
    if (product is None or ctx.rank(product.input[0]) != 2 or ctx.rank(product.input[1]) != 2
            or ctx.attributes(total).get("keepdims", 1) or squeeze_axes(total, ctx) != [1]):
        return None
    return [product, total], (product.input[0], product.input[1])


def _inside(chain: list, ctx: Context) -> bool:
    """Whether every output of the chain but its last is used only by the chain's nodes."""
    ids = {id(n) for n in chain}
    return all(out not in ctx.graph_outputs and all(id(c) in ids for c, _ in ctx.consumers.get(out, []))
               for node in chain[:-1] for out in node.output)
