"""``x.var(dim)`` and ``x.std(dim)`` as torch's TorchScript exporter writes them (n - 1 in the divisor):
ReduceMean((x - ReduceMean(x, A))², A) * n / (n - 1), then a Sqrt for ``std``, where n is the count of the reduced
elements, ReduceProd(Gather(Shape(x), A)) (Cast to float; in a float64 model, then to double). Over a dynamic
length n is a size used as data, which no layer computes: the chain becomes one ``AggregationLayer("Variance")``
(``"StandardDeviation"`` with its Sqrt) of x over those levels, which counts each example's elements itself, so the
net runs at any length."""

from __future__ import annotations

from typing import Any

import numpy as np

from netgraph.core.plain_numbers import written_float
from netgraph.export.onnx_chains import NOT_THE_PATTERN, chain_patterns
from netgraph.export.onnx_ops import Context, Converted, Unsupported, squeeze_axes
from netgraph.export.onnx_shape_ops import reduction
from netgraph.export.onnx_uses import sole_use_as_input_0

__all__ = ["clip_minimum", "is_number", "one_element", "op_producer", "used_inside", "variance_chain",
           "variance_patterns", "written_number"]

_FLOATS = (1, 11)  # ONNX's FLOAT and DOUBLE: a count cast to either is the same number


def variance_patterns(nodes: Any, ctx: Context) -> tuple[dict[int, Converted], set[int]]:
    """The Div (or the Sqrt after it) of each matched chain (by ``id``) -> its AggregationLayer fed by x, and the
    ids of the nodes it takes the place of; a chain that does not match is left to the nodes' own conversions."""
    return chain_patterns(nodes, ctx, "Div", variance_chain, (Unsupported, *NOT_THE_PATTERN))


def op_producer(tensor: str, ctx: Context, *ops: str) -> Any:
    """The node making ``tensor`` where it is one of ``ops``; else None."""
    node = ctx.producers.get(tensor)
    return node if node is not None and node.op_type in ops else None


def variance_chain(div: Any, ctx: Context) -> tuple[list, Any, str] | None:
    """The chain's nodes from the first ReduceMean to the Div (or its Sqrt), the layer, and x; None where the chain
    is not torch's variance of a size-counted n."""
    scaled, less = op_producer(div.input[0], ctx, "Mul"), op_producer(div.input[1], ctx, "Sub")
    if scaled is None or less is None or not is_number(less.input[1], 1.0, ctx.rank(div.output[0]), ctx):
        return None
    count = _uncast(less.input[0], ctx)  # a float64 export casts n to float, then to double for each use
    mean_square = next((op_producer(t, ctx, "ReduceMean") for t in scaled.input if _uncast(t, ctx) != count), None)
    if mean_square is None or count not in (_uncast(t, ctx) for t in scaled.input):
        return None
    square = op_producer(mean_square.input[0], ctx, "Mul")
    centred = op_producer(square.input[0], ctx, "Sub") if square is not None and len(set(square.input)) == 1 else None
    mean = op_producer(centred.input[1], ctx, "ReduceMean") if centred is not None else None
    if mean is None or mean.input[0] != centred.input[0] or not ctx.attributes(mean).get("keepdims", 1):
        return None
    x, axes = centred.input[0], squeeze_axes(mean_square, ctx)
    if axes is None or axes != squeeze_axes(mean, ctx) or not _counts(count, x, axes, ctx):
        return None
    chain = [mean, centred, square, mean_square, scaled, less, div]
    root = sole_use_as_input_0(div.output[0], ctx, "Sqrt")
    chain += [root] if root is not None else []
    if not used_inside(chain, ctx):
        return None
    layer = reduction("StandardDeviation" if root is not None else "Variance", mean_square, ctx).layer
    return chain, layer, x


def _uncast(tensor: str, ctx: Context) -> str:
    """The tensor that ``tensor`` is Casts to float32 or float64 of (itself where no such Cast computes it)."""
    while (cast := op_producer(tensor, ctx, "Cast")) is not None and ctx.attributes(cast).get("to") in _FLOATS:
        tensor = cast.input[0]
    return tensor


def is_number(tensor: str, number: float, rank: int | None, ctx: Context) -> bool:
    """Whether ``tensor`` is a constant ``one_element`` (no more dims than ``rank``) equal to ``number``."""
    element = one_element(tensor, rank, ctx)
    return element is not None and float(element) == number


def one_element(tensor: str, rank: int | None, ctx: Context) -> Any:
    """The element of ``tensor`` where it is a constant of one element that broadcasts to no more than ``rank`` dims
    (the result's, so the constant adds none); else None."""
    value = ctx.constants.get(tensor)
    if value is None or value.size != 1 or (value.ndim and (rank is None or value.ndim > rank)):
        return None
    return value.reshape(-1)[0]


def clip_minimum(clip: Any, rank: int | None, ctx: Context) -> Any:
    """The minimum of ``clip`` where it is a Clip with a constant ``one_element`` minimum and no maximum (opset 11
    on: its inputs); else None (also for a ``clip`` of None)."""
    if clip is None or clip.op_type != "Clip" or len(clip.input) < 2 or (len(clip.input) > 2 and clip.input[2]):
        return None
    return one_element(clip.input[1], rank, ctx)


def written_number(tensor: str, rank: int | None, ctx: Context) -> float | None:
    """``one_element`` as the float it was written from (float32 0.001 as 0.001, not 0.0010000000474974513);
    else None."""
    element = one_element(tensor, rank, ctx)
    return None if element is None else written_float(element)


def _counts(count: str, x: str, axes: list[int], ctx: Context) -> bool:
    """Whether ``count`` is the number of x's elements along ``axes`` as computed from x's shape: [Cast of] ReduceProd
    of Gather(Shape(x), axes). A constant count, even of that number, is not: those nodes then import one by one."""
    cast = op_producer(count, ctx, "Cast")
    product = op_producer(cast.input[0] if cast is not None else count, ctx, "ReduceProd")
    gather = op_producer(product.input[0], ctx, "Gather") if product is not None else None
    shape = op_producer(gather.input[0], ctx, "Shape") if gather is not None else None
    if shape is None or shape.input[0] != x or ctx.attributes(shape).get("start", 0) or "end" in ctx.attributes(shape):
        return False
    picked = ctx.constants.get(gather.input[1])
    rank = ctx.rank(x)
    return picked is not None and rank is not None and sorted(int(a) % rank for a in np.ravel(picked)) == axes


def used_inside(chain: list, ctx: Context) -> bool:
    """Whether every output of the chain but its last is used only by the chain's nodes (else it is needed too)."""
    ids = {id(n) for n in chain}
    return all(out not in ctx.graph_outputs and all(id(c) in ids for c, _ in ctx.consumers.get(out, []))
               for node in chain[:-1] for out in node.output)
