"""torch's dynamo export of a 1-D linear resize (``F.interpolate(x, size=m, mode="linear")`` of (batch, channels, n),
or a scale giving a whole size) over a known length: no Resize, but its decomposition ``a + (b - a) * w``, where a and
b gather x's elements at the left and right neighbours of each output position (Transpose -> GatherND of constant
indices -> Transpose back) and w are the constant weights. The chain, its indices and weights those of torch's linear
resize (half-pixel centres, or ``align_corners``), imports as one ResizeLayer (``linear_gather_patterns``)."""

from __future__ import annotations

from typing import Any

import numpy as np

from netgraph.export.onnx_chains import NOT_THE_PATTERN, chain_patterns
from netgraph.export.onnx_ops import Context, Converted
from netgraph.layers import ResizeLayer

__all__ = ["linear_gather_patterns"]


def linear_gather_patterns(nodes: Any, ctx: Context) -> tuple[dict[int, Converted], set[int]]:
    """The final Add of each matched chain (by ``id``) -> its ResizeLayer fed by x, and the ids of the nodes it takes
    the place of; a chain that does not match is left to the nodes' own conversions."""
    return chain_patterns(nodes, ctx, "Add", _linear, NOT_THE_PATTERN)


def _linear(add: Any, ctx: Context) -> tuple[list, ResizeLayer, str] | None:
    mul = ctx.producers.get(add.input[1])
    sub = ctx.producers.get(mul.input[0]) if mul is not None and mul.op_type == "Mul" else None
    if sub is None or sub.op_type != "Sub" or sub.input[1] != add.input[0] or mul.input[1] not in ctx.constants:
        return None
    left, right = (_gathered(name, ctx) for name in (sub.input[1], sub.input[0]))
    if left is None or right is None or left[0] is not right[0]:
        return None
    transpose, x = left[0], left[0].input[0]
    shape = ctx.shapes.get(x)
    if shape is None or len(shape) != 3 or not isinstance(shape[2], int) or not _only_uses(ctx, {
            add.input[0]: {id(sub), id(add)}, sub.input[0]: {id(sub)}, sub.output[0]: {id(mul)},
            mul.output[0]: {id(add)}, transpose.output[0]: {id(left[1]), id(right[1])}}):
        return None
    scheme = _scheme(shape[2], left[2], right[2], ctx.constants[mul.input[1]])
    if scheme is None:
        return None
    nodes = [transpose, left[1], right[1], ctx.producers[add.input[0]], ctx.producers[sub.input[0]], sub, mul, add]
    return nodes, ResizeLayer([len(left[2])], scheme=scheme), x


def _gathered(name: str, ctx: Context) -> tuple[Any, Any, np.ndarray] | None:
    """(the Transpose moving the last axis first, the GatherND, its indices as a vector) of a tensor that is x's
    elements gathered along its last axis: Transpose(perm 2, 0, 1) -> GatherND (batch_dims 0) of constant (m, 1)
    indices -> Transpose(perm 1, 2, 0)."""
    back = ctx.producers.get(name)
    gather = ctx.producers.get(back.input[0]) if back is not None and back.op_type == "Transpose" else None
    if gather is None or gather.op_type != "GatherND" or list(ctx.attributes(back)["perm"]) != [1, 2, 0]:
        return None
    first, index = ctx.producers.get(gather.input[0]), ctx.constants.get(gather.input[1])
    if (first is None or first.op_type != "Transpose" or list(ctx.attributes(first)["perm"]) != [2, 0, 1]
            or index is None or index.ndim != 2 or index.shape[1] != 1 or ctx.attributes(gather).get("batch_dims", 0)):
        return None
    return first, gather, index[:, 0]


def _only_uses(ctx: Context, uses: dict[str, set[int]]) -> bool:
    """Whether each tensor is used by exactly the nodes named (by ``id``), and is no graph output."""
    return all(name not in ctx.graph_outputs and {id(c) for c, _ in ctx.consumers.get(name, [])} == users
               for name, users in uses.items())


def _scheme(n: int, left: np.ndarray, right: np.ndarray, weights: np.ndarray) -> str | None:
    """"Bin" or "Point" where the indices and weights are those of torch's linear resize of length n to
    ``len(left)`` with half-pixel centres or ``align_corners``; else None."""
    m = len(left)
    if np.shape(weights) != (m,) or np.shape(right) != (m,):
        return None
    j = np.arange(m, dtype=np.float64)
    sources = {"Bin": np.maximum((j + 0.5) * n / m - 0.5, 0.0),
               "Point": j * (n - 1) / (m - 1) if m > 1 else np.zeros(1)}
    for scheme, source in sources.items():
        low = np.floor(source).astype(np.int64)
        if (np.array_equal(left, low) and np.array_equal(right, np.minimum(low + 1, n - 1))
                and np.allclose(weights, np.clip(source - low, 0.0, 1.0), atol=1e-5, rtol=0)):
            return scheme
    return None
