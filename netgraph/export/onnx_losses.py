"""A ContrastiveLossLayer as export_onnx writes it, in its own files only -> that one layer
(``contrastive_loss_patterns``, found before the nodes are converted): ``Where(Greater(t, 0), Mul(c, c), Mul(x, x))``
with c = ``Clip(Sub(margin, x), 0)``, then ``Unsqueeze`` at the end, ``Flatten`` from axis 1 and ``ReduceMean`` over
axis 1 without keeping it, t an integer tensor of x's shape (the layer's Integer ``Target``) that nothing else
reads. Another form (a float t, another axis or constant) stays nodes one by one."""

from __future__ import annotations

from typing import Any

from netgraph.export.onnx_chains import NOT_THE_PATTERN, chain_patterns
from netgraph.export.onnx_ops import Context, Converted, squeeze_axes
from netgraph.export.onnx_uses import single_use_producer, sole_use
from netgraph.export.onnx_variance import clip_minimum, is_number, written_number
from netgraph.layers import ContrastiveLossLayer

__all__ = ["contrastive_loss_patterns"]


def contrastive_loss_patterns(nodes: Any, ctx: Context) -> tuple[dict[int, Converted], set[int]]:
    """The ReduceMean of each matched contrastive loss (by ``id``) -> its layer fed by x and t, and the ids of the
    nodes it takes the place of; none outside export_onnx's files (another tool's integer t may hold 2 or -1, which
    the layer refuses) and none of a t read elsewhere too (its port would be Integer and Real)."""
    if not ctx.netgraph_file:
        return {}, set()
    found, claimed = chain_patterns(nodes, ctx, "ReduceMean", _contrastive, NOT_THE_PATTERN, "contrastive_loss")
    shared = {t for t in (m.inputs[1] for m in found.values()) if not _only_losses_read(t, claimed, ctx)}
    if not shared:
        return found, claimed
    return chain_patterns(nodes, ctx, "ReduceMean", lambda node, c: _contrastive(node, c, shared), NOT_THE_PATTERN,
                          "contrastive_loss")


def _only_losses_read(target: str, claimed: set[int], ctx: Context) -> bool:
    """Whether every use of ``target`` (its sizes aside) is the Greater of a matched loss (the nodes ``claimed``)."""
    return target not in ctx.graph_outputs and all(
        node.op_type == "Shape" or node.op_type == "Greater" and id(node) in claimed
        for node, _ in ctx.consumers.get(target, ()))


def _contrastive(reduce: Any, ctx: Context, shared: set[str] = frozenset()
                 ) -> tuple[list, ContrastiveLossLayer, tuple[str, str]] | None:
    """The nodes from the Greater to ``reduce``, the layer, and (x, t); None where they are not the pattern or t is
    ``shared`` (read elsewhere too)."""
    if int(ctx.attributes(reduce).get("keepdims", 1)) != 0 or squeeze_axes(reduce, ctx, 2) != [1]:
        return None
    flatten = single_use_producer(reduce.input[0], ctx, "Flatten")
    if flatten is None or int(ctx.attributes(flatten).get("axis", 1)) != 1:
        return None
    unsqueeze = single_use_producer(flatten.input[0], ctx, "Unsqueeze")
    where = single_use_producer(unsqueeze.input[0], ctx, "Where") if unsqueeze is not None else None
    rank = ctx.rank(where.output[0]) if where is not None else None
    if rank is None or squeeze_axes(unsqueeze, ctx, rank) != [rank]:
        return None
    greater, far, near = (single_use_producer(where.input[i], ctx, op)
                          for i, op in enumerate(("Greater", "Mul", "Mul")))
    if greater is None or far is None or near is None or not is_number(greater.input[1], 0, rank, ctx):
        return None
    target, x = greater.input[0], near.input[0]
    if target in shared:
        return None
    clip = _squared(far, ctx)
    low = clip_minimum(clip, rank, ctx)  # c = Clip(Sub(margin, x), 0), no max
    sub = ctx.producers.get(clip.input[0]) if low is not None and float(low) == 0.0 else None
    if (sub is None or sub.op_type != "Sub" or sub.input[1] != x or near.input[1] != x
            or not sole_use(sub.output[0], ctx) or not _same_integer_shape(x, target, ctx)):
        return None
    margin = written_number(sub.input[0], rank, ctx)
    if margin is None:
        return None
    return [greater, sub, clip, far, near, where, unsqueeze, flatten, reduce], ContrastiveLossLayer(margin), (x, target)


def _squared(mul: Any, ctx: Context) -> Any:
    """The node computing c where ``mul`` is Mul(c, c), its only use; else None."""
    c = mul.input[0]
    if mul.input[1] != c or c in ctx.graph_outputs or any(use is not mul for use, _ in ctx.consumers.get(c, ())):
        return None
    return ctx.producers.get(c)


def _same_integer_shape(x: str, target: str, ctx: Context) -> bool:
    """Whether ``target`` is of an integer type and of ``x``'s known shape (the batch aside)."""
    x_shape, t_shape = ctx.shapes.get(x), ctx.shapes.get(target)
    return (target in ctx.integers and x_shape is not None and t_shape is not None
            and tuple(x_shape[1:]) == tuple(t_shape[1:]) and len(x_shape) == len(t_shape))
