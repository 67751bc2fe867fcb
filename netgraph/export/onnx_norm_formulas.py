"""A NormalizationLayer that export_onnx writes as its formula, not a LayerNormalization, -> that layer
(``formula_norm_patterns``): the statistic, Add of a constant epsilon -> Sqrt -> Div(1, .) or Reciprocal -> Mul
by y, then the Muls and Adds of one example's constants that ``onnx_norms.affine_steps`` takes, where

* ``method="RMS"``: the statistic ReduceMean(Mul(x, x) or Pow(x, 2)) over non-batch axes, keeping dims; y = x;
* ``unbiased=True``: the statistic torch's variance of x (``onnx_variance.variance_chain``: n - 1 in the
  divisor); y = Sub(x, ReduceMean(x)) over the same axes;
* the default standardisation over levels that are not trailing (no LayerNormalization): the statistic
  ReduceMean(Mul(c, c)) of c = Sub(x, ReduceMean(x)), y another such Sub, all over the same axes.

Each step is the one use of the one before (another form stays nodes one by one)."""

from __future__ import annotations

from typing import Any

from netgraph.export.onnx_chains import NOT_THE_PATTERN, chain_patterns
from netgraph.export.onnx_ops import Context, Converted, Unsupported, squeeze_axes
from netgraph.export.onnx_norms import NORM_KIND, affine_steps, arrays_at_levels, one_example
from netgraph.export.onnx_uses import sole_use
from netgraph.export.onnx_variance import is_number, variance_chain, written_number
from netgraph.layers import NormalizationLayer

__all__ = ["formula_norm_patterns"]

_NOT_MATCHED = (Unsupported, *NOT_THE_PATTERN)


def formula_norm_patterns(nodes: Any, ctx: Context) -> tuple[dict[int, Converted], set[int]]:
    """The last node of each matched RMS, unbiased or other standardising normalisation (by ``id``) -> its
    NormalizationLayer fed by x, and the ids of the nodes it takes the place of."""
    found, claimed = chain_patterns(nodes, ctx, "ReduceMean", _rms, _NOT_MATCHED, NORM_KIND)
    more, taken = chain_patterns([n for n in nodes if id(n) not in claimed], ctx, "Div", _unbiased, _NOT_MATCHED,
                                 NORM_KIND)
    return {**found, **more}, claimed | taken


def _rms(reduce: Any, ctx: Context) -> tuple[list, NormalizationLayer, str] | None:
    """The nodes from the square to the last array's, the layer, and x; None where they are not the pattern. The
    mean square of x's own centring alone (``_biased``) is a biased variance: a standardisation."""
    square, x = _square(reduce, ctx)
    axes = _reduced_axes(reduce, ctx)
    if square is None or axes is None:
        return None
    biased = _biased(square, reduce, x, axes, ctx)
    if biased is not None:
        return biased
    return _normalised([square, reduce], reduce, x, x, axes, ctx, method="RMS")


def _biased(square: Any, reduce: Any, centred: str, axes: tuple[int, ...],
            ctx: Context) -> tuple[list, Any, str] | None:
    """Where ``centred``, which ``square`` alone reads (not a graph output), is x - mean(x) over ``axes``: the
    standardisation of x by ``reduce``, the mean of the squares, its centring another x - mean(x); else None."""
    first = _centring(centred, axes, ctx)
    if (first is None or centred in ctx.graph_outputs
            or any(c is not square for c, _ in ctx.consumers.get(centred, ()))):
        return None
    x = first[0].input[0]
    second = _other_centring(x, first[0], axes, ctx)
    if second is None:
        return None
    return _normalised([*reversed(first), square, *reversed(second), reduce], reduce, second[0].output[0], x, axes,
                       ctx)


def _other_centring(x: str, besides: Any, axes: tuple[int, ...] | None, ctx: Context) -> tuple[Any, Any] | None:
    """(the Sub, the ReduceMean) of another centring of ``x`` over ``axes`` than the Sub ``besides``; else None."""
    other = next((c for c, _ in ctx.consumers.get(x, ()) if c.op_type == "Sub" and c.input[0] == x
                  and c is not besides), None)
    return None if other is None or axes is None else _centring(other.output[0], axes, ctx)


def _centring(tensor: str, axes: tuple[int, ...], ctx: Context) -> tuple[Any, Any] | None:
    """(the Sub, the ReduceMean) where ``tensor`` is x - mean(x over ``axes``), the mean read by that Sub alone."""
    sub = ctx.producers.get(tensor)
    mean = ctx.producers.get(sub.input[1]) if sub is not None and sub.op_type == "Sub" else None
    if (mean is None or mean.op_type != "ReduceMean" or mean.input[0] != sub.input[0]
            or _reduced_axes(mean, ctx) != axes or sole_use(mean.output[0], ctx) is None):
        return None
    return sub, mean


def _unbiased(div: Any, ctx: Context) -> tuple[list, NormalizationLayer, str] | None:
    """From torch's variance's Div: its nodes, the centring's and the rest to the last array's, the layer, and x."""
    matched = variance_chain(div, ctx)
    if matched is None or matched[0][-1] is not div:  # a Sqrt after it: a standard deviation
        return None
    variance, _, x = matched
    axes = _reduced_axes(variance[3], ctx)  # the ReduceMean of the squares
    centring = _other_centring(x, variance[1], axes, ctx)
    if centring is None:
        return None
    return _normalised([*variance, *reversed(centring)], div, centring[0].output[0], x, axes, ctx, unbiased=True)


def _normalised(taken: list, statistic: Any, y: str, x: str, axes: tuple[int, ...], ctx: Context,
                **options: Any) -> tuple[list, NormalizationLayer, str] | None:
    """``taken`` (the nodes computing ``statistic``'s output and ``y`` from x) then + epsilon, Sqrt, 1 / ., * y and
    the arrays, as a NormalizationLayer of ``options`` over ``axes``, x's levels; None where they are not that."""
    plus = _only_use(statistic, "Add", ctx)
    rank = ctx.rank(x)
    epsilon = _other_constant(plus, statistic.output[0], rank, ctx)
    root = _only_use(plus, "Sqrt", ctx)
    inverse = _only_use(root, "Reciprocal", ctx) or _only_use(root, "Div", ctx)
    if epsilon is None or inverse is None or (inverse.op_type == "Div" and (
            inverse.input[1] != root.output[0] or not is_number(inverse.input[0], 1.0, rank, ctx))):
        return None
    scaled = _only_use(inverse, "Mul", ctx)
    if scaled is None or sorted(scaled.input) != sorted((y, inverse.output[0])) or (
            y != x and sole_use(y, ctx) is None):
        return None
    taken += [plus, root, inverse, scaled]
    placed = arrays_at_levels(affine_steps(taken, lambda name: one_example(name, rank, ctx), ctx), ctx.shapes[x],
                              axes)
    if placed is None:
        return None
    scaling, biases, named = placed
    levels = f"{axes[0]};;" if axes == tuple(range(axes[0], rank)) else list(axes)
    return taken, NormalizationLayer(levels, named, epsilon=epsilon, scaling=scaling, biases=biases, **options), x


def _square(reduce: Any, ctx: Context) -> tuple[Any, str | None]:
    """(the node squaring x, x) where the ReduceMean's input is x * x or x ** 2 and has no other use; else None's."""
    node = ctx.producers.get(reduce.input[0])
    if node is None or sole_use(node.output[0], ctx) is None or len(node.input) != 2:
        return None, None
    if node.op_type == "Mul" and node.input[0] == node.input[1]:
        return node, node.input[0]
    squared = node.op_type == "Pow" and is_number(node.input[1], 2.0, ctx.rank(node.input[0]), ctx)
    return (node, node.input[0]) if squared else (None, None)


def _reduced_axes(reduce: Any, ctx: Context) -> tuple[int, ...] | None:
    """A ReduceMean's axes (``squeeze_axes``) where it keeps the dims and names some, none the batch's; else None."""
    a, axes = ctx.attributes(reduce), squeeze_axes(reduce, ctx)
    if not axes or not a.get("keepdims", 1) or a.get("noop_with_empty_axes", 0) or min(axes) < 1:
        return None
    return tuple(axes)


def _only_use(node: Any, op: str, ctx: Context) -> Any:
    """The one node reading ``node``'s output where it is an ``op``; else None (also for a ``node`` of None)."""
    use = sole_use(node.output[0], ctx) if node is not None else None
    return use[0] if use is not None and use[0].op_type == op else None


def _other_constant(node: Any, tensor: str, rank: int | None, ctx: Context) -> float | None:
    """The number ``node`` (an Add of ``tensor``, of ``rank`` dims) adds: a constant of one element and no more dims
    (``written_number``); else None."""
    if node is None or len(node.input) != 2 or tensor not in node.input or node.input[0] == node.input[1]:
        return None
    return written_number(node.input[1] if node.input[0] == tensor else node.input[0], rank, ctx)

