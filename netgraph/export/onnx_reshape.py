"""ONNX ``Reshape``, ``Flatten``, ``Squeeze`` and ``Unsqueeze`` of data, and tensors whose batch is "folded".

torch applies a layer to every element of a sequence (our NetMapOperator) by merging the leading dims
into the batch -- ``Flatten`` (axis k) or ``Reshape`` to (-1, ...) -- then ``Gemm``, then ``Reshape`` back
to (batch, n, ...). The importer keeps our tensors unmerged: an ONNX tensor (batch * n1 * ... * nf, d...)
is our (batch, n1, ..., nf, d...) with *fold* f (``Converted.fold``, ``Context.folds``). Row-wise layers on
a folded tensor are mapped over the f folded levels (NetMapOperator); the Reshape back unfolds it.

Reshape targets that torch computes from ``Shape`` (``x.view(x.size(0), -1)``) are read from the symbolic
shape values the importer derives (``Context.symbols``).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from netgraph.export.onnx_names import known_dim
from netgraph.export.onnx_ops import Context, Converted, Unsupported, mapped, perm_of, squeeze_axes
from netgraph.export.onnx_reversal import OPEN_END
from netgraph.layers import FlattenLayer, PartLayer, ReplicateLayer, ReshapeLayer

__all__ = ["RESHAPE_CONVERTERS", "fresh_value", "refined_shape", "reshape_converter", "symbolic_value"]

#: Ops that pass a 1-D shape value through unchanged (as data).
_PASS = ("Cast", "Identity", "Unsqueeze", "Squeeze", "Reshape")


def symbolic_value(node: Any, ctx: Context) -> tuple | None:
    """A shape computation's value as a tuple of ints and dim names, from known shapes and constants."""
    op = node.op_type
    if op == "Shape":
        shape = ctx.shapes.get(node.input[0])
        a = ctx.attributes(node)
        return None if shape is None else tuple(shape)[a.get("start", 0):a.get("end", None)]
    if op not in (*_PASS, "Concat", "Gather", "Mul", "Equal", "Where", "Slice"):
        return None
    values = [_value(name, ctx) for name in node.input]
    if op in _PASS and values and values[0] is not None:
        return values[0]
    if op == "Concat" and values and all(v is not None for v in values):
        return tuple(d for v in values for d in v)
    if op == "Gather" and values[0] is not None and values[1] is not None and all(isinstance(i, int) for i in values[1]):
        try:
            return tuple(values[0][i] for i in values[1])
        except IndexError:
            return None
    if op == "Mul" and None not in values[:2] and all(isinstance(d, int) for v in values[:2] for d in v):
        a, b = values[:2]  # products of known sizes (torch's dynamo exporter merges dims so), broadcast as numpy
        return tuple(int(d) for d in np.multiply(np.array(a, dtype=np.int64), np.array(b, dtype=np.int64)).ravel()) \
            if len(a) == len(b) or 1 in (len(a), len(b)) else None
    if op == "Equal" and None not in values[:2] and len(values[0]) == len(values[1]):
        same = [_equal(a, b) for a, b in zip(*values[:2])]
        return None if None in same else tuple(same)
    if op == "Where" and None not in values[:3] and len({len(v) for v in values[:3]}) == 1:
        return tuple(a if c else b for c, a, b in zip(*values[:3]))
    if op == "Slice" and len(values) == 1 and values[0] is not None:  # before opset 10: bounds as attributes
        a = ctx.attributes(node)
        bounds = [tuple(a.get("starts", ())), tuple(a.get("ends", ())), tuple(a.get("axes", (0,)))]
        values += bounds if all(len(b) == 1 for b in bounds) else [None]
    if op == "Slice" and values[0] is not None and all(v is not None for v in values[1:]) and len(values) in (3, 4, 5):
        if len(values) > 3 and tuple(values[3]) != (0,):
            return None
        step = values[4][0] if len(values) > 4 else 1
        return values[0][slice(values[1][0], values[2][0], step)]
    return None


def fresh_value(name: str, ctx: Context) -> tuple | None:
    """The shape value ``name`` computed again, its computed inputs first, from the shapes the conversion has learned
    since the first pass did it (a layer's own inference gives the sizes onnx lost after a Pad of computed pads:
    ``LayerShapes._infer_shape``); ``ctx.symbols`` keeps what is learned. None where it is no shape computation."""
    order: list[Any] = []
    seen, todo = {name}, [(name, False)]
    while todo:  # the computed tensors it is made from, each once, inputs before what reads them
        tensor, ready = todo.pop()
        node = ctx.producers.get(tensor)
        if ready:
            order.append(node)
        elif node is not None and tensor not in ctx.constants:
            todo.append((tensor, True))
            for t in node.input:
                if t and t not in seen:
                    seen.add(t)
                    todo.append((t, False))
    for node in order:
        value = symbolic_value(node, ctx)
        if value is not None:
            ctx.symbols[node.output[0]] = value
    return _value(name, ctx)


def refined_shape(node: Any, ctx: Context) -> tuple | None:
    """A Reshape's, Transpose's or Slice's output shape with the dims onnx's inference could not tell (``unk__N``)
    taken from its input's shape and its target as the importer computed it (onnx does not propagate sizes through a
    Div or Cast: nanoGPT's ``view(b, n, h, c // h)``; nor through a reversal of a dynamic axis), so that a Shape of it
    reads them; None when nothing is learned."""
    out, source = ctx.shapes.get(node.output[0]), ctx.shapes.get(node.input[0]) if node.input else None
    if source is None or (out is not None and all(map(known_dim, out))):
        return None
    if node.op_type == "Transpose":
        told = tuple(source[p] for p in perm_of(node, ctx))
    elif node.op_type == "Reshape" and not ctx.attributes(node).get("allowzero", 0) and len(node.input) > 1:
        target = _value(node.input[1], ctx) or ()
        told = tuple(source[i] if d == 0 and i < len(source) else d for i, d in enumerate(target))
    elif node.op_type == "Slice" and len(node.input) > 2:
        told = _sliced_shape(node, ctx, source)
    else:
        return None
    if out is None:  # onnx told nothing, not even the rank (at opset 13, after a Split by computed sizes)
        return told if told and all(known_dim(t) and t != -1 for t in told) else None
    if len(told) != len(out):
        return None
    refined = tuple(d if known_dim(d) or not known_dim(t) or t == -1 else t for d, t in zip(out, told))
    return refined if refined != tuple(out) else None


def _sliced_shape(node: Any, ctx: Context, source: tuple) -> tuple:
    """A Slice's output shape as far as it keeps its input's sizes: the axes it takes whole, forwards or reversed
    (``torch.flip``: start -1, end -(2**63 - 1), step -1), keep theirs; other sliced axes are '?'."""
    bounds = [_value(name, ctx) if name else () for name in (*node.input[1:5], "", "")[:4]]  # () if not given
    if not bounds[0] or any(b is None or not all(isinstance(v, int) for v in b) for b in bounds):
        return ()  # a bound not constant, or computed from a length (a symbol)
    starts, ends, axes, steps = bounds
    told = list(source)
    for start, end, axis, step in zip(starts, ends, axes or range(len(starts)), steps or (1,) * len(starts)):
        whole = ((step == 1 and start == 0 and end >= OPEN_END)
                 or (step == -1 and (start == -1 or start >= OPEN_END) and end <= -OPEN_END))
        if not whole and -len(told) <= axis < len(told):
            told[axis] = "?"
    return tuple(told)


def _equal(a: Any, b: Any) -> int | None:
    """1 or 0 when two dims are known (un)equal; a named dim is a size >= 1, so never -1 or 0."""
    if isinstance(a, int) and isinstance(b, int):
        return int(a == b)
    known = a if isinstance(a, int) else b
    return 0 if isinstance(known, int) and known <= 0 else None


#: The most elements of a constant read as a shape value (a shape's dims, an index; a longer one is no shape)
_SHAPE_VALUE_ELEMENTS = 64


def _value(name: str, ctx: Context) -> tuple | None:
    """The 1-D integer constant or shape value ``name`` as a tuple; None for another (or a long) one."""
    if name in ctx.constants:
        array = ctx.constants[name]
        return tuple(int(v) for v in np.ravel(array)) if array.dtype.kind in "iu" and array.ndim <= 1 and \
            array.size <= _SHAPE_VALUE_ELEMENTS else None
    return ctx.symbols.get(name)


def _known(dim: Any) -> bool:
    return isinstance(dim, int) or (isinstance(dim, str) and dim not in ("?", ""))


def _rest(dims: tuple, source: tuple) -> tuple:
    """Target dims after the batch, 0 copied from the source and -1 solved where the sizes are known."""
    dims = tuple(source[i + 1] if d == 0 and i + 1 < len(source) else d for i, d in enumerate(dims))
    if dims.count(-1) == 1 and all(isinstance(d, int) for d in (*dims, *source[1:])):
        known = math.prod(d for d in dims if d != -1)
        dims = tuple(math.prod(source[1:]) // known if d == -1 else d for d in dims) if known else dims
    return dims


def _reshaped(node: Any, ctx: Context, first: Any, rest: tuple, fold: int, out_fold: int) -> Converted:
    x, source = node.input[0], ctx.shapes[node.input[0]]
    if tuple(rest) == tuple(source[1:]) and all(map(_known, rest)):
        # to its own shape (x.view(b, c, h, w) of (b, c, h, w)), or the merged batch split again with the dims after it
        # as they were, also of dynamic size (the dynamo exporter's kᵀ: (b h, d, n) -> (b, h, d, n))
        return Converted(alias=x, fold=out_fold)
    kept = _kept_dims(rest, source[1:]) if fold == out_fold else 0
    if kept and all(isinstance(d, int) and (d > 0 or d == -1) for d in rest[kept:]):
        # (batch, n, 16) -> (batch, n, 4, 4) with n dynamic: a ReshapeLayer mapped over the kept levels
        return Converted(mapped(ReshapeLayer(tuple(rest[kept:])), fold + kept), (x,), fold=out_fold)
    if not all(isinstance(d, int) and (d > 0 or d == -1) for d in rest):
        raise Unsupported(f"its target dims after the batch {rest} are not all known sizes",
                          expected="known sizes", found=rest)
    if ctx.shapes.get(node.output[0]) is None and -1 not in rest:
        ctx.shapes[node.output[0]] = (first, *rest)  # what shape inference could not tell, for later nodes
    if tuple(rest) == tuple(source[1:]):
        return Converted(alias=x, fold=out_fold)
    return Converted(mapped(ReshapeLayer(tuple(rest)), fold), (x,), fold=out_fold)


def _kept_dims(target: tuple, source: tuple) -> int:
    """How many leading dims of a reshape's target are the source's own dims of unknown (named) size: all of them
    when the source has more (``squeeze(-1)`` of (batch, n, 1)), else all but the last."""
    kept, most = 0, min(len(target) - (len(source) <= len(target)), len(source))
    while (kept < most and isinstance(target[kept], str) and _known(target[kept])
           and target[kept] == source[kept]):
        kept += 1
    return kept


def reshape_converter(node: Any, ctx: Context) -> Converted:
    """Reshape (and Squeeze, Unsqueeze) of data: a ReshapeLayer (mapped over folded levels), an alias, or a
    fold or unfold of the batch (see the module docstring)."""
    x, fold = node.input[0], ctx.folds.get(node.input[0], 0)
    source = ctx.shapes.get(x)
    axes = squeeze_axes(node, ctx, len(source)) if source and node.op_type in ("Squeeze", "Unsqueeze") else None
    if node.op_type == "Squeeze" and not fold and 0 in (axes or ()):
        raise Unsupported("it squeezes axis 0, the batch dim (a model traced at batch 1 that drops it)",
                          attribute="axes", expected="axes after the batch dim", found=0)
    if node.op_type == "Squeeze" and not fold and (part := _squeezed_part(node, ctx, source, axes)) is not None:
        return part
    target = (ctx.symbols.get(node.input[1]) if node.op_type == "Reshape" else None) or ctx.shapes.get(node.output[0])
    if source and node.op_type in ("Unsqueeze", "Squeeze") and not (target and all(map(known_dim, target))):
        target = _unsqueezed(node, source, axes) or target  # onnx's inference lost (some of) it, ours not
    if target is None and node.op_type == "Reshape":  # a constant target onnx's inference did not apply
        target = _value(node.input[1], ctx)
    if not target or not source:
        raise Unsupported("its input or output shape is not known (or is a scalar without a batch dim)",
                          expected="known input and output shapes", found=(source, target))
    target = (*(source[0:1] if target[0] == 0 else ()), *target[target[0] == 0:])  # 0 copies the batch dim
    if not fold and (unit := _unit_axis(source, target)) is not None:
        ctx.shapes[node.output[0]] = (*source[:unit], 1, *source[unit:])  # the source's dim names, not onnx's
        return Converted(ReplicateLayer(1, level=-1 if unit == len(source) else unit), (x,))
    if _known(source[0]) and target[0] == source[0]:
        return _reshaped(node, ctx, source[0], _rest(tuple(target[1:]), source), fold, fold)
    if not fold and _batch_first(source, target):  # x.view(-1, 16 * 4 * 4) of (batch, 16, 4, 4): -1 is the batch
        ctx.shapes[node.output[0]] = (source[0], *target[1:])
        return _reshaped(node, ctx, source[0], tuple(target[1:]), 0, 0)
    merged = len(source) - len(target)
    if (merged > 0 and (target[0] == -1 or (isinstance(target[0], str) and target[0] != source[0]))
            and tuple(target[1:]) == tuple(source[merged + 1:]) and target[0] not in ctx.batch_dims):
        if not fold:
            _note_folded_sizes(node, ctx, source[1:merged + 1])
        _note_fold_levels(ctx, node.output[0], x, source[1:merged + 1])
        return Converted(alias=x, fold=fold + merged)  # (batch, n, d...) -> (batch * n, d...): fold the batch
    inner = len(target) - len(source)  # the levels a map inside a map unfolds: its batch holds the outer map's
    levels = ctx.fold_levels.get(x)
    if (fold and 0 < inner < fold and levels is not None and tuple(target[1:1 + inner]) == tuple(levels[-inner:])
            and target[0] not in ctx.batch_dims and not _unfolds_all(target, source, fold)):
        ctx.fold_levels[node.output[0]] = levels[:-inner]  # the innermost folded levels split off again
        return _reshaped(node, ctx, target[0], _rest(tuple(target[1 + inner:]), source), fold, fold - inner)
    if fold and len(target) >= 1 + fold:  # back to (batch, n1, ..., nf, rest): unfold
        rest = _rest(tuple(target[1 + fold:]), source)
        _refuse_other_unfold(source, target, rest, levels, fold)
        if ctx.shapes.get(node.output[0]) is None and -1 not in (*target[:1 + fold], *rest):  # the unfolded levels too
            ctx.shapes[node.output[0]] = (*target[:1 + fold], *rest)
        return _reshaped(node, ctx, target[0], rest, fold, 0)
    if not fold and isinstance(target[0], int) == isinstance(source[0], int) and node.op_type != "Reshape":
        return _reshaped(node, ctx, target[0], tuple(target[1:]), 0, 0)
    raise Unsupported(f"reshaping {source} to {target} mixes the batch dim with others",
                      expected="the batch dim kept apart", found=(source, target))


def _refuse_other_unfold(source: tuple, target: tuple, rest: tuple, levels: tuple | None, fold: int) -> None:
    """Unsupported for a Reshape back of a batch of ``fold`` folded ``levels`` whose split sizes are not those levels
    (where both are known sizes), or whose ``rest`` holds other than the source's elements after the batch: the
    batch's rows would be read as levels they are not (``view(-1, 2, 3)`` of (12b, 6) folded from (b, 3, 4, 6))."""
    split = tuple(target[1:1 + fold])
    other = levels is not None and any(isinstance(a, int) and isinstance(b, int) and a not in (b, -1)
                                       for a, b in zip(split, levels))
    if other or not _unfolds_all(target, source, fold):
        said = "of unknown sizes" if levels is None else tuple(levels)
        if not known_dim(target[0]):  # a size not known at import: maybe the folded batch itself, unfolding nothing
            raise Unsupported(f"reshaping {source} to {target}: its first dim cannot be told apart from the batch "
                              f"folded with {said}, so its next dims {split} may split that batch's levels or its "
                              f"dims after them, {tuple(source[1:])}", expected="a first dim told apart from the "
                              "folded batch", found=(source, target))
        raise Unsupported(f"reshaping {source} to {target} unfolds the batch's folded levels {said} as {split}, and "
                          f"its dims after them as {rest}, where the source's are {tuple(source[1:])}",
                          expected=f"the folded levels {said}", found=(source, target))


def _note_folded_sizes(node: Any, ctx: Context, sizes: tuple) -> None:
    """The sizes (or length names) merged into the output's batch, by the name onnx gives that dim (a shape computed
    from it, a fold's initial state, then gets them)."""
    out = ctx.shapes.get(node.output[0])
    if out and isinstance(out[0], str) and out[0] not in ctx.batch_dims:
        ctx.folded_sizes[out[0]] = tuple(sizes)


def _note_fold_levels(ctx: Context, tensor: str, source: str, sizes: tuple | None) -> None:
    """``tensor``'s folded levels: ``source``'s then ``sizes`` (folded into its batch after them); unknown (None)
    where ``source``'s or ``sizes`` are."""
    before = ctx.fold_levels.get(source) if ctx.folds.get(source, 0) else ()
    ctx.fold_levels[tensor] = None if before is None or sizes is None else (*before, *sizes)


def _unfolds_all(target: tuple, source: tuple, fold: int) -> bool:
    """Whether ``target`` can be ``source`` of ``fold`` levels all unfolded: (batch, n1, ..., nf, rest), its rest
    holding the source's elements after the batch where both are known sizes (Flatten's (N * ..., 1) back to (b, 3, 4,
    5) drops the 1)."""
    rest = _rest(tuple(target[1 + fold:]), source)
    sizes = (*rest, *source[1:])
    return len(target) >= 1 + fold and (not all(isinstance(d, int) and d > 0 for d in sizes)
                                        or math.prod(rest) == math.prod(source[1:]))


def _batch_first(source: tuple, target: tuple) -> bool:
    """Whether a target of first dim -1 (or unknown) holds in its other dims, all known sizes, exactly the source's
    elements after the batch, so that its first dim is the batch."""
    sizes = (*source[1:], *target[1:])
    return (not isinstance(target[0], int) or target[0] == -1) and len(target) > 1 and all(
        isinstance(d, int) and d > 0 for d in sizes) and math.prod(source[1:]) == math.prod(target[1:])


def _squeezed_part(node: Any, ctx: Context, source: tuple | None, axes: list[int] | None) -> Converted | None:
    """Squeeze (of ``axes``) of one axis k of size 1 where another dim is variable (``squeeze(1)`` of (batch, 1, h,
    w)), which no ReshapeLayer can take: PartLayer of element 1 at level k; its output shape the source's without
    that dim."""
    if axes is None or len(axes) != 1 or all(isinstance(d, int) for d in source[1:]):
        return None
    k = axes[0]
    if k >= len(source) or k == 0 or source[k] != 1:
        return None
    ctx.shapes[node.output[0]] = (*source[:k], *source[k + 1:])  # the source's dim names, not onnx's new ones
    return Converted(PartLayer([*["All"] * (k - 1), 1]), (node.input[0],))


def _unit_axis(source: tuple, target: tuple) -> int | None:
    """The axis k > 0 where ``target`` is ``source`` with a dim of size 1 put in, beside dims of variable size (which no
    ReshapeLayer takes): torch's ``unsqueeze(1)`` of (batch, c, h, w), or ``view(b, 1, c, h, -1)`` (its -1 the last
    dim); else None."""
    if len(target) != len(source) + 1 or all(isinstance(d, int) for d in source[1:]) or target[0] != source[0]:
        return None
    for k in range(1, len(target)):
        rest = (*target[:k], *target[k + 1:])
        if target[k] == 1 and all(r == d or (r == -1 and i == len(source) - 1) for i, (r, d) in
                                  enumerate(zip(rest, source))):
            return k
    return None


def _unsqueezed(node: Any, source: tuple, axes: list[int] | None) -> tuple | None:
    """Unsqueeze's (or Squeeze's) output shape from its input's and its constant ``axes``."""
    if axes is None:
        return None
    if node.op_type == "Squeeze":
        return tuple(d for k, d in enumerate(source) if k not in axes)
    dims = list(source)
    for axis in axes:
        dims.insert(axis, 1)
    return tuple(dims)


def _flatten(node: Any, ctx: Context) -> Converted:
    """Flatten (axis k): FlattenLayer of the dims from k on; k > 1 also folds dims 1..k-1 into the batch."""
    x, fold, rank = node.input[0], ctx.folds.get(node.input[0], 0), ctx.rank(node.input[0])
    given = int(ctx.attributes(node).get("axis", 1))
    if rank is None:
        raise Unsupported("Flatten of an input of unknown rank", expected="an input of known rank",
                          found="unknown rank")
    axis = given + rank if given < 0 else given  # a negative axis counts from the end
    if axis < 1:
        raise Unsupported(f"Flatten with axis {given} (axis 0 of a rank-{rank} input: merging the batch dim)",
                          attribute="axis", expected="an axis after the batch", found=given)
    merged, out_fold = rank - axis, fold + axis - 1
    _note_fold_levels(ctx, node.output[0], x, ctx.shapes[x][1:axis] if ctx.shapes.get(x) else None)
    if merged < 0:
        raise Unsupported(f"Flatten with axis {given}, past the last dim of a rank-{rank} input", attribute="axis",
                          expected=f"an axis from {-rank} to {rank}", found=given)
    if merged == 1:  # one dim left (of a variable length too): nothing to flatten
        return Converted(alias=x, fold=out_fold)
    if fold == 0 and axis == 1 and merged:
        return Converted(FlattenLayer(), (x,))
    if merged == 0:  # axis = rank: every dim folded into the batch, each element a vector of 1: (N * ..., 1)
        return Converted(ReplicateLayer(1, level=-1), (x,), fold=out_fold)
    return Converted(FlattenLayer(-(merged - 1)), (x,), fold=out_fold)  # the last levels: folds stay in front


RESHAPE_CONVERTERS = {"Reshape": reshape_converter, "Flatten": _flatten, "Unsqueeze": reshape_converter}
