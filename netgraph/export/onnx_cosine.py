"""torch's ``1 - F.cosine_similarity(a, b, dim=1)`` as its TorchScript exporter writes it:
Sub(1, Div(ReduceSum(a b), Max(Sqrt(ReduceSum(a a) ReduceSum(b b)), eps))), each ReduceSum over axis 1 of (batch, n)
vectors. The chain becomes one ``FunctionLayer`` of that formula (torch's clamp by eps kept: 1 where an embedding is
zero), as the Euclidean distance's Sub and ReduceL2 are two.
The operator's own scale-invariant form (``netgraph.layers.cosine``: each vector divided by Clip(ReduceMax(Abs),
tiny) first, the product of their squares clipped to at least 1 under a Sqrt) becomes one FunctionLayer of that
formula too."""

from __future__ import annotations

from typing import Any

from netgraph.export.onnx_chains import chain_patterns
from netgraph.export.onnx_ops import Context, Converted, squeeze_axes
from netgraph.export.onnx_variance import clip_minimum, is_number, one_element, op_producer, used_inside
from netgraph.layers.expression_errors import wolfram_number
from netgraph.layers.function import FunctionLayer

__all__ = ["cosine_patterns"]


def cosine_patterns(nodes: Any, ctx: Context) -> tuple[dict[int, Converted], set[int]]:
    """The Sub of each matched chain (by ``id``) -> its FunctionLayer fed by a and b, and the ids of the nodes it
    takes the place of; a chain that does not match is left to the nodes' own conversions."""
    return chain_patterns(nodes, ctx, "Sub", _cosine_distance, ())


def _cosine_distance(sub: Any, ctx: Context) -> tuple[list, FunctionLayer, tuple[str, str]] | None:
    """``_cosine`` or ``_scaled_cosine`` of ``sub`` where it is Sub(1, Div(...)); else None."""
    div = op_producer(sub.input[1], ctx, "Div")
    if div is None or not is_number(sub.input[0], 1.0, 1, ctx):
        return None
    return _cosine(sub, div, ctx) or _scaled_cosine(sub, div, ctx)


def _cosine(sub: Any, div: Any, ctx: Context) -> tuple[list, FunctionLayer, tuple[str, str]] | None:
    """The chain's nodes (the Sub last), the layer and (a, b); None where Sub(1, ``div``) is not torch's cosine
    distance."""
    dot, clamp = _product_sum(div.input[0], ctx), op_producer(div.input[1], ctx, "Max")
    root = op_producer(clamp.input[0], ctx, "Sqrt") if clamp is not None and len(clamp.input) == 2 else None
    both = op_producer(root.input[0], ctx, "Mul") if root is not None else None
    eps = one_element(clamp.input[1], 1, ctx) if clamp is not None else None
    if dot is None or both is None or eps is None:
        return None
    (a, b), squares = dot[1], [_product_sum(t, ctx) for t in both.input]
    if None in squares or [s[1] for s in squares] != [(a, a), (b, b)]:
        return None
    chain = [*dot[0], *squares[0][0], *squares[1][0], both, root, clamp, div, sub]
    if not used_inside(chain, ctx):
        return None
    formula = f"1 - Dot[#1, #2] / Max[Sqrt[Dot[#1, #1] Dot[#2, #2]], {wolfram_number(float(eps))}]"
    return chain, FunctionLayer(formula), (a, b)


def _scaled_cosine(sub: Any, div: Any, ctx: Context) -> tuple[list, FunctionLayer, tuple[str, str]] | None:
    """As ``_cosine``, for Sub(1, Div(ReduceSum(ua ub), Sqrt(Clip(ReduceSum(ua ua) ReduceSum(ub ub), low)))), each u
    x / its scale."""
    root = op_producer(div.input[1], ctx, "Sqrt")
    dot, clip = _product_sum(div.input[0], ctx), _clipped(root.input[0], ctx) if root is not None else None
    both = op_producer(clip[0].input[0], ctx, "Mul") if clip is not None else None
    if dot is None or both is None:
        return None
    scaled, squares = [_scaled(t, ctx) for t in dot[1]], [_product_sum(t, ctx) for t in both.input]
    if None in scaled or None in squares or [s[1] for s in squares] != [(x, x) for x in dot[1]]:
        return None
    chain = [*scaled[0][0], *scaled[1][0], *squares[0][0], *squares[1][0], both, *dot[0], clip[0], root, div, sub]
    if not used_inside(chain, ctx):
        return None
    (_, (a, low_a)), (_, (b, low_b)) = scaled
    unit = {x: f"{x} / Max[Max[Abs[{x}]], {wolfram_number(float(low))}]" for x, low in (("#1", low_a), ("#2", low_b))}
    least = wolfram_number(float(clip[1]))
    squares = " ".join(f"Dot[{u}, {u}]" for u in unit.values())
    formula = f"1 - Dot[{unit['#1']}, {unit['#2']}] / Sqrt[Max[{squares}, {least}]]"
    return chain, FunctionLayer(formula), (a, b)


def _scaled(tensor: str, ctx: Context) -> tuple[list, tuple[str, Any]] | None:
    """([Abs, ReduceMax, Clip, Div], (x, low)) where ``tensor`` is x / Clip(ReduceMax(Abs(x)) over axis 1, low)."""
    div = op_producer(tensor, ctx, "Div")
    clip = _clipped(div.input[1], ctx) if div is not None else None
    top = _reduced(clip[0].input[0], ctx, "ReduceMax", 1) if clip is not None else None
    absolute = op_producer(top.input[0], ctx, "Abs") if top is not None else None
    if absolute is None or absolute.input[0] != div.input[0] or ctx.rank(div.input[0]) != 2:
        return None
    return [absolute, top, clip[0], div], (div.input[0], clip[1])


def _clipped(tensor: str, ctx: Context) -> tuple[Any, Any] | None:
    """(the Clip, its low) where ``tensor`` is Clip(x, low) with a constant low > 0 and no high."""
    clip = op_producer(tensor, ctx, "Clip")
    low = clip_minimum(clip, 0, ctx)
    return (clip, low) if low is not None and low > 0 else None


def _reduced(tensor: str, ctx: Context, op: str, keepdims: int) -> Any:
    """The ``op`` node making ``tensor`` by reducing axis 1 of (batch, n) vectors (``_vectors``), ``keepdims`` as
    given; else None."""
    node = op_producer(tensor, ctx, op)
    if (node is None or not _vectors(node.input[:1], ctx) or ctx.attributes(node).get("keepdims", 1) != keepdims
            or squeeze_axes(node, ctx) != [1]):
        return None
    return node


def _product_sum(tensor: str, ctx: Context) -> tuple[list, tuple[str, str]] | None:
    """([Mul, ReduceSum], (x, y)) where ``tensor`` is ReduceSum(Mul(x, y)) over axis 1, dims dropped, of x and y
    (batch, n) vectors of the product's size (``_reduced``'s rule: a broadcast (batch, 1) is not a vector of n)."""
    total = _reduced(tensor, ctx, "ReduceSum", 0)
    product = op_producer(total.input[0], ctx, "Mul") if total is not None else None
    if product is None or not _vectors([*product.input, total.input[0]], ctx):
        return None
    return [product, total], (product.input[0], product.input[1])


def _vectors(tensors: Any, ctx: Context) -> bool:
    """Whether ``tensors`` are (batch, n) vectors of one size n (known, or named alike)."""
    shapes = [ctx.shapes.get(t) for t in tensors]
    return all(s is not None and len(s) == 2 for s in shapes) and len({s[1] for s in shapes}) == 1
