"""torch's export of a sequence's positions -> SequenceIndicesLayer.

``torch.arange(x.shape[1]).expand(x.shape[0], -1)`` (and ``.clamp(max=n - 1)``), as SequenceIndicesLayer compiles,
exports as ``Range(0, Cast(Gather(Shape(x), 1)), 1)`` -> ``Expand`` to (batch, 1) (-> ``Clip`` at n - 1). A dynamic
length makes the Range's limit a size computed from a dynamic dim, which a node of its own cannot import; the whole
chain, matched before the nodes are converted one by one, is one layer fed by x (``indices_patterns``).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from netgraph.export.onnx_chains import NOT_THE_PATTERN, chain_patterns
from netgraph.export.onnx_ops import Context, Converted
from netgraph.layers import SequenceIndicesLayer

__all__ = ["indices_patterns"]

_INT64 = 7  # onnx.TensorProto.INT64


def indices_patterns(nodes: Any, ctx: Context) -> tuple[dict[int, Converted], set[int]]:
    """The last node of each matched chain (by ``id``) -> its SequenceIndicesLayer fed by x, and the ids of the
    nodes it takes the place of; a chain that does not match is left to the nodes' own conversions (which refuse
    the Range)."""
    return chain_patterns(nodes, ctx, "Range", _positions, NOT_THE_PATTERN)


def _positions(rng: Any, ctx: Context) -> tuple[list, SequenceIndicesLayer, str] | None:
    """The chain's nodes (the last one gives the positions), the layer and x; None where it does not match."""
    if not (_constant(rng.input[0], ctx) == 0 and _constant(rng.input[2], ctx) == 1):
        return None
    limit = _length_of(rng.input[1], ctx)
    if limit is None:
        return None
    sizes, x = limit
    expand = _only_use(rng.output[0], ctx, "Expand")
    target = None if expand is None else ctx.symbols.get(expand.input[1])
    shape = ctx.shapes.get(x)
    if target is None or shape is None or len(target) != 2 or target[0] != shape[0] or target[1] not in (1, shape[1]):
        return None
    taken, n = [*sizes, rng, expand], None
    clip = _only_use(expand.output[0], ctx, "Clip")
    if clip is not None and len(clip.input) == 3 and not clip.input[1] and _constant(clip.input[2], ctx) is not None:
        taken, n = [*taken, clip], int(_constant(clip.input[2], ctx)) + 1
        if n < 1:
            return None
    return taken, SequenceIndicesLayer(n), x


def _length_of(limit: str, ctx: Context) -> tuple[list, str] | None:
    """The nodes computing ``limit`` as the length of x (dim 1 of its shape: Shape, Gather [, Cast]), used by the
    Range alone, and x; None otherwise."""
    taken, tensor = [], limit
    cast = ctx.producers.get(tensor)
    if cast is not None and cast.op_type == "Cast":
        if ctx.attributes(cast).get("to") != _INT64 or _uses(tensor, ctx) != 1:
            return None
        taken.append(cast)
        tensor = cast.input[0]
    gather = ctx.producers.get(tensor)
    if gather is None or gather.op_type != "Gather" or _constant(gather.input[1], ctx) != 1 or _uses(tensor, ctx) != 1:
        return None
    shape = ctx.producers.get(gather.input[0])
    if (shape is None or shape.op_type != "Shape" or set(ctx.attributes(shape)) - {"start"}
            or ctx.attributes(shape).get("start", 0) != 0 or _uses(gather.input[0], ctx) != 1):
        return None
    return [shape, gather, *taken], shape.input[0]


def _constant(name: str, ctx: Context) -> Any:
    """A scalar constant's value, else None."""
    value = ctx.constants.get(name)
    return None if value is None or np.size(value) != 1 else np.ravel(value)[0]


def _uses(tensor: str, ctx: Context) -> int:
    return len(ctx.consumers.get(tensor, ())) + (tensor in ctx.graph_outputs)


def _only_use(tensor: str, ctx: Context, op: str) -> Any:
    """The one node (an ``op``, at input 0) using ``tensor``; else None."""
    uses = ctx.consumers.get(tensor, ())
    if tensor in ctx.graph_outputs or len(uses) != 1 or uses[0][0].op_type != op or uses[0][1] != 0:
        return None
    return uses[0][0]
