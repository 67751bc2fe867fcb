"""A NormalizationLayer(method="RMS")'s export, ``x * rsqrt(mean(x^2, axes) + epsilon)`` then its arrays, -> that
layer (``rms_patterns``): Mul(x, x) or Pow(x, 2) -> ReduceMean over non-batch axes, keepdims -> Add of a constant
epsilon -> Sqrt -> Div(1, .) or Reciprocal -> Mul by x, then the Muls and Adds of one example's constants that
``onnx_norms.affine_steps`` takes; each step the one use of the one before (another form stays nodes one by one)."""

from __future__ import annotations

from typing import Any

import numpy as np

from netgraph.export.onnx_chains import NOT_THE_PATTERN, chain_patterns
from netgraph.export.onnx_ops import Context, Converted, Unsupported, sole_use
from netgraph.export.onnx_norms import affine_steps, arrays_at_levels, one_example
from netgraph.layers import NormalizationLayer

__all__ = ["rms_patterns"]


def rms_patterns(nodes: Any, ctx: Context) -> tuple[dict[int, Converted], set[int]]:
    """The last node of each matched RMS normalisation (by ``id``) -> its NormalizationLayer fed by x, and the ids of
    the nodes it takes the place of."""
    return chain_patterns(nodes, ctx, "ReduceMean", _rms, (Unsupported, *NOT_THE_PATTERN))


def _rms(reduce: Any, ctx: Context) -> tuple[list, NormalizationLayer, str] | None:
    """The nodes from the square to the last array's, the layer, and x; None where they are not the pattern."""
    square, x = _square(reduce, ctx)
    rank, axes = ctx.rank(x), _reduced_axes(reduce, ctx)
    if square is None or rank is None or axes is None or not all(1 <= a < rank for a in axes):
        return None
    plus = _only_use(reduce, "Add", ctx)
    epsilon = _other_constant(plus, reduce.output[0], ctx)
    root = _only_use(plus, "Sqrt", ctx)
    inverse = _only_use(root, "Reciprocal", ctx) or _only_use(root, "Div", ctx)
    if epsilon is None or inverse is None or (inverse.op_type == "Div" and (
            inverse.input[1] != root.output[0] or not _is_one(ctx.constants.get(inverse.input[0])))):
        return None
    scaled = _only_use(inverse, "Mul", ctx)
    if scaled is None or sorted(scaled.input) != sorted((x, inverse.output[0])):
        return None
    taken = [square, reduce, plus, root, inverse, scaled]
    placed = arrays_at_levels(affine_steps(taken, lambda name: one_example(name, rank, ctx), ctx), ctx.shapes[x],
                              axes)
    if placed is None:
        return None
    scaling, biases, named = placed
    levels = f"{axes[0]};;" if axes == tuple(range(axes[0], rank)) else list(axes)
    layer = NormalizationLayer(levels, named, epsilon=epsilon, method="RMS", scaling=scaling, biases=biases)
    return taken, layer, x


def _square(reduce: Any, ctx: Context) -> tuple[Any, str | None]:
    """(the node squaring x, x) where the ReduceMean's input is x * x or x ** 2 and has no other use; else None's."""
    node = ctx.producers.get(reduce.input[0])
    if node is None or sole_use(node.output[0], ctx) is None or len(node.input) != 2:
        return None, None
    if node.op_type == "Mul" and node.input[0] == node.input[1]:
        return node, node.input[0]
    power = ctx.constants.get(node.input[1]) if node.op_type == "Pow" else None
    return (node, node.input[0]) if power is not None and power.size == 1 and float(power) == 2.0 else (None, None)


def _reduced_axes(reduce: Any, ctx: Context) -> tuple[int, ...] | None:
    """The ReduceMean's axes (an attribute before opset 18, a constant input from it), made positive and sorted,
    where it keeps the dims and names some; else None."""
    a, rank = ctx.attributes(reduce), ctx.rank(reduce.input[0])
    axes = a.get("axes") if len(reduce.input) < 2 else ctx.constants.get(reduce.input[1])
    if axes is None or rank is None or not a.get("keepdims", 1) or a.get("noop_with_empty_axes", 0):
        return None
    axes = sorted({int(k) % rank for k in np.asarray(axes).reshape(-1)})
    return tuple(axes) or None


def _only_use(node: Any, op: str, ctx: Context) -> Any:
    """The one node reading ``node``'s output where it is an ``op``; else None (also for a ``node`` of None)."""
    use = sole_use(node.output[0], ctx) if node is not None else None
    return use[0] if use is not None and use[0].op_type == op else None


def _other_constant(node: Any, tensor: str, ctx: Context) -> float | None:
    """The number ``node`` (an Add of ``tensor``) adds: a constant of one element, as the float it was written from
    (float32 0.001 as 0.001); else None."""
    if node is None or len(node.input) != 2 or tensor not in node.input or node.input[0] == node.input[1]:
        return None
    value = ctx.constants.get(node.input[1] if node.input[0] == tensor else node.input[0])
    if value is None or value.size != 1:
        return None
    return float(np.format_float_positional(value.reshape(-1)[0], unique=True))


def _is_one(value: np.ndarray | None) -> bool:
    return value is not None and value.size == 1 and float(value) == 1.0
