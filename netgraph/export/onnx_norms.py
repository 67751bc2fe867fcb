"""ONNX normalisations -> our normalisation layers.

* ``BatchNormalization`` (inference form) -> BatchNormalizationLayer, with ONNX's ``momentum`` (ours too: the weight
  of the old moving average).
* ``LayerNormalization`` over the last axis -> LayerNormalizationLayer; over several trailing axes ->
  NormalizationLayer over those levels ("Same" scaling).
* ``InstanceNormalization`` -> NormalizationLayer (aggregated over the spatial levels, arrays per channel).
* torch's ``nn.GroupNorm`` export (either exporter), Reshape(x, [0, g, -1]) (``export_onnx``'s: to (batch, g, C/g, ...)
  computed from Shape(x)) -> InstanceNormalization (g ones and zeros; ``export_onnx``'s of float64 between a Cast
  to float and one back to double) ->
  Reshape(., Shape(x)) -> Mul by the per-channel weight -> Add of the bias -> NormalizationLayer(group_number=g)
  (``group_norm_patterns``, matched before the nodes are converted one by one; x of rank >= 2; the Muls and Adds by
  per-channel constants that follow, either operand first, composed into its arrays).

A scale or bias torch's exporter wrote for a module without it (``affine=False``, ``elementwise_affine=False``,
``bias=False``: a Constant node of ones or zeros; from the dynamo exporter an initializer of ones or zeros that its
value_info metadata marks as folded by the exporter or as a buffer, never a module's parameter) and a
LayerNormalization without ``B`` give a layer without that array (``scaling=False``, ``biases=False``); see
``affine_array``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import numpy as np

from netgraph.core.plain_numbers import written_float
from netgraph.export.onnx_chains import NOT_THE_PATTERN, chain_patterns
from netgraph.export.onnx_ops import Context, Converted, Unsupported
from netgraph.export.onnx_reshape import fresh_value
from netgraph.export.onnx_uses import sole_use, sole_use_as_input_0
from netgraph.layers import BatchNormalizationLayer, LayerNormalizationLayer, NormalizationLayer

#: The name of a norm folded from nodes that share no scope (a compiled forward writes a norm inline)
NORM_KIND = "normalization"

__all__ = ["NORM_CONVERTERS", "NORM_KIND", "affine_array", "affine_steps", "arrays_at_levels", "dynamo_marks",
           "group_norm_patterns", "layer_norm_patterns", "one_example"]

#: The dynamo exporter's value_info metadata: a constant it folded, or where a tensor came from (a module's
#: parameter, a buffer, ...).
_FOLDED, _KIND = "pkg.onnxscript.optimizer.folded_from", "pkg.torch.export.graph_signature.InputSpec.kind"
_SIGNATURE = "pkg.torch.export.ExportedProgram.graph_signature"
_FLOAT, _DOUBLE = 1, 11  # ONNX's TensorProto.FLOAT and DOUBLE


def affine_array(node: Any, index: int, ctx: Context, what: str) -> Any:
    """A normalisation's scale (input 1) or bias (input 2) as its layer's array, or False for none: a bias left out,
    or what torch's exporter writes for a module without it: a Constant node of ones (scale) or zeros (bias), where
    a module's own parameters are initializers; from the dynamo exporter, an initializer of ones or zeros it folded
    from none of the module's tensors (LayerNorm's ``val_2``; see ``dynamo_marks``) or a buffer (BatchNorm's
    running variance and mean, which its optimiser shares with an equal folded scale and bias). Another initializer
    of ones or zeros stays an array (a module's, at its starting values), as does a Constant node of other values."""
    name = node.input[index] if len(node.input) > index else ""
    if not name:
        if index == 1:
            raise Unsupported("it has no scale input", expected="a scale input", found="none")
        return False
    value = ctx.const(name, what)
    producer = ctx.producers.get(name)
    made = (producer is not None and producer.op_type == "Constant") or name in ctx.exporter_made
    if made and np.all(value == (1.0 if index == 1 else 0.0)):
        return False
    return value


def dynamo_marks(graph: Any) -> tuple[frozenset[str], frozenset[str] | None]:
    """What the dynamo exporter's metadata says of ``graph``'s tensors, read in one walk of its value_info: the
    tensors it made (``exporter_made``) and the initializers holding the module's parameters (``parameters``)."""
    signature = _marks(graph).get(_SIGNATURE)
    owned, parameters = (None, None) if signature is None else (
        _program_tensors(signature), _program_tensors(signature, "PARAMETER"))
    made, folded = set(), set()
    for value in graph.value_info:
        marks = _marks(value)
        sources = set(re.findall(r"'([^']*)'", marks.get(_FOLDED, "")))
        if (owned is not None and sources and not owned & sources) or marks.get(_KIND) == "BUFFER":
            made.add(value.name)
        if parameters is not None and sources and sources <= parameters:
            folded.add(value.name)
    return frozenset(made), None if parameters is None else parameters | frozenset(folded)


def _program_tensors(signature: str, kinds: str = "PARAMETER|BUFFER|CONSTANT_TENSOR") -> frozenset[str]:
    """The targets of the exported program's tensors of ``kinds`` (default: parameters, buffers and constant
    tensors; the initializers the exporter names after them), from the graph signature in its metadata."""
    return frozenset(re.findall(rf"^\s*\S+: (?:{kinds}) target='([^']*)'", signature, re.M))


def _marks(value: Any) -> dict[str, str]:
    """A value's metadata (onnx >= 1.16, IR 10; none before)."""
    return {p.key: p.value for p in getattr(value, "metadata_props", ())}


def _batch_norm(node: Any, ctx: Context) -> Converted:
    """ONNX's ``momentum`` is ours (Wolfram's): the weight of the old moving average, 1 - torch's."""
    a = ctx.attributes(node)
    if a.get("training_mode", 0) or not a.get("spatial", 1):
        named = "training_mode" if a.get("training_mode", 0) else "spatial"
        raise Unsupported("training_mode=1 (statistics of the batch) or spatial=0 (statistics per element) has no "
                          "BatchNormalizationLayer equivalent at inference", attribute=named,
                          expected=0 if named == "training_mode" else 1, found=a[named])
    scale, bias = affine_array(node, 1, ctx, "scale"), affine_array(node, 2, ctx, "B")
    mean, var = (ctx.const(n, what) for n, what in zip(node.input[3:5], ("mean", "var")))
    momentum = written_float(a.get("momentum", 0.9))  # 0.7, not 0.699999988
    epsilon = written_float(a.get("epsilon", 1e-5))
    return Converted(BatchNormalizationLayer(epsilon=epsilon, momentum=momentum, scaling=scale, biases=bias,
                                             moving_mean=mean, moving_variance=var), (node.input[0],))


def _instance_norm(node: Any, ctx: Context) -> Converted:
    rank = ctx.rank(node.input[0])
    if rank is None or rank < 3:
        raise Unsupported(f"an input of rank {rank}: InstanceNormalization needs (batch, channels, spatial...)",
                          expected="rank >= 3", found=rank)
    scale, bias = affine_array(node, 1, ctx, "scale"), affine_array(node, 2, ctx, "bias")
    epsilon = written_float(ctx.attributes(node).get("epsilon", 1e-5))
    return Converted(NormalizationLayer("2;;", "Complement", epsilon=epsilon, scaling=scale, biases=bias),
                     (node.input[0],))


def _layer_norm(node: Any, ctx: Context) -> Converted:
    """Over the last axis: LayerNormalizationLayer; over several trailing axes: NormalizationLayer."""
    a, rank = ctx.attributes(node), ctx.rank(node.input[0])
    axis = int(a.get("axis", -1))
    axis = axis + rank if rank is not None and axis < 0 else axis
    scale, bias = affine_array(node, 1, ctx, "scale"), affine_array(node, 2, ctx, "bias")
    epsilon = written_float(a.get("epsilon", 1e-5))
    if rank is None or axis in (-1, rank - 1) or axis < 1:
        if axis not in (-1, (rank or 0) - 1):
            raise Unsupported("only LayerNormalization over the last dim maps to LayerNormalizationLayer",
                              attribute="axis", expected=-1, found=int(a.get("axis", -1)))
        return Converted(LayerNormalizationLayer(epsilon=epsilon, scaling=scale, biases=bias), (node.input[0],))
    if int(a.get("stash_type", 1)) != 1:
        raise Unsupported(f"stash_type={a['stash_type']} (statistics in another precision than float32)",
                          attribute="stash_type", expected=1, found=int(a["stash_type"]))
    shape = tuple(ctx.shapes[node.input[0]][axis:])
    if not all(isinstance(d, int) for d in shape):
        raise Unsupported(f"normalising over dims {shape}, not all of known size",
                          expected="dims of known size", found=shape)
    scale, bias = (v if v is False else np.broadcast_to(v, shape).copy() for v in (scale, bias))
    return Converted(NormalizationLayer(f"{axis};;", "Same", epsilon=epsilon, scaling=scale, biases=bias),
                     (node.input[0],))


def group_norm_patterns(nodes: Any, ctx: Context) -> tuple[dict[int, Converted], set[int]]:
    """The last node of each matched GroupNorm export (by ``id``) -> its NormalizationLayer fed by x, and the ids of
    the nodes it takes the place of; a chain that does not match is left to the nodes' own conversions."""
    return chain_patterns(nodes, ctx, "InstanceNormalization", _group_norm, (Unsupported, *NOT_THE_PATTERN), NORM_KIND)


def _group_norm(norm: Any, ctx: Context) -> tuple[list, NormalizationLayer, str] | None:
    """The nodes from the first Reshape to the last of the chain, the layer, and x; None where it does not match."""
    cast_in = _cast_to(ctx.producers.get(norm.input[0]), _FLOAT, ctx)
    first = ctx.producers.get(cast_in.input[0] if cast_in is not None else norm.input[0])
    if first is None or first.op_type != "Reshape" or len(norm.input) < 3:
        return None
    x, rank = first.input[0], ctx.rank(first.input[0])
    scale, bias = (ctx.const(n, what) for n, what in zip(norm.input[1:3], ("scale", "bias")))
    groups, channels = scale.size, (ctx.shapes.get(x) or (None, None))[1]
    if (rank is None or rank < 2 or not isinstance(channels, int) or not _into_groups(first, x, groups, ctx)
            or not np.all(scale == 1) or not np.all(bias == 0) or channels % groups
            or sole_use_as_input_0((cast_in or first).output[0], ctx, "InstanceNormalization",
                                   ignoring=("Shape",)) is not norm):
        return None
    cast_out = _cast_to(sole_use_as_input_0(norm.output[0], ctx, "Cast"), _DOUBLE, ctx) if cast_in else None
    if cast_in is not None and cast_out is None:
        return None
    back = sole_use_as_input_0((cast_out or norm).output[0], ctx, "Reshape", ignoring=("Shape",))
    sizes = ctx.producers.get(back.input[1]) if back is not None else None
    if (sizes is None or sizes.op_type != "Shape" or sizes.input[0] != x
            or ctx.attributes(sizes).get("start", 0) != 0 or "end" in ctx.attributes(sizes)):
        return None
    taken = [n for n in (first, cast_in, norm, cast_out, back) if n is not None]
    scaling, biases = affine_steps(taken, lambda name: _per_channel(name, channels, rank, ctx), ctx)
    # the number written, as torch meant it (1e-5): ONNX keeps it as float32, no runtime has double InstanceNorm
    epsilon = written_float(ctx.attributes(norm).get("epsilon", 1e-5))
    layer = NormalizationLayer("2;;", "Complement", epsilon=epsilon, group_number=groups, scaling=scaling,
                               biases=biases)
    return taken, layer, x


def _cast_to(node: Any, to: int, ctx: Context) -> Any:
    """``node`` where it is a Cast to ONNX type ``to`` of a tensor with no other use; else None."""
    ok = node is not None and node.op_type == "Cast" and ctx.attributes(node).get("to") == to
    return node if ok and sole_use(node.input[0], ctx, ignoring=("Shape",)) is not None else None


def _into_groups(reshape: Any, x: str, groups: int, ctx: Context) -> bool:
    """Whether the Reshape views x as (batch, groups, ...): torch's target (0, g, -1), or export_onnx's
    (batch, g, C/g, x's other dims) computed from Shape(x), which a batch of 0 can take. Reshape keeps the elements'
    order, so each group's channels and dims are the rest, whatever its dims."""
    target = fresh_value(reshape.input[1], ctx)
    batch = ctx.shapes[x][0]
    return target is not None and len(target) >= 3 and target[0] in (0, batch) and target[1] == groups


def layer_norm_patterns(nodes: Any, ctx: Context) -> tuple[dict[int, Converted], set[int]]:
    """A LayerNormalization without arrays (the exporter's ones and zeros) followed by Muls and Adds of constants of
    one example (``affine_steps``) -> one NormalizationLayer, those constants its arrays over the levels they vary
    along: our NormalizationLayer's export when its arrays span other levels than it aggregates (the default
    ``NormalizationLayer()``'s "Complement": F.layer_norm, then the arrays), which imported as a
    LayerNormalizationLayer and a ThreadingLayer and ConstantArrayLayer per array."""
    return chain_patterns(nodes, ctx, "LayerNormalization", _layer_norm_affine, (Unsupported, *NOT_THE_PATTERN),
                          NORM_KIND)


def _layer_norm_affine(norm: Any, ctx: Context) -> tuple[list, NormalizationLayer, str] | None:
    """The LayerNormalization and the Muls and Adds after it, the layer, and x; None where it does not match."""
    a, x, rank = ctx.attributes(norm), norm.input[0], ctx.rank(norm.input[0])
    axis = int(a.get("axis", -1))
    axis = axis + rank if rank is not None and axis < 0 else axis
    if (rank is None or not 1 <= axis < rank or int(a.get("stash_type", 1)) != 1
            or affine_array(norm, 1, ctx, "scale") is not False or affine_array(norm, 2, ctx, "bias") is not False):
        return None
    taken = [norm]
    arrays = affine_steps(taken, lambda name: one_example(name, rank, ctx), ctx)
    if all(v is False for v in arrays):
        return None
    placed = arrays_at_levels(arrays, ctx.shapes[x], tuple(range(axis, rank)))
    if placed is None:
        return None
    scaling, biases, named = placed
    layer = NormalizationLayer(f"{axis};;", named, epsilon=written_float(a.get("epsilon", 1e-5)), scaling=scaling,
                               biases=biases)
    return taken, layer, x


def arrays_at_levels(arrays: tuple, shape: tuple, aggregated: tuple[int, ...]) -> tuple[Any, Any, Any] | None:
    """The scale and bias of ``affine_steps`` (arrays of x's rank - 1 dims, or False) as a NormalizationLayer's
    arrays over the levels they vary along (all 1: ``aggregated``'s), and its ``scaling_levels`` ("Same",
    "Complement" or the levels; no arrays: "Complement"); None where a dim is not x's (of ``shape``, batch first)
    or of unknown size."""
    rank, present = len(shape), [v for v in arrays if v is not False]
    if not present:
        return False, False, "Complement"
    full = np.broadcast_shapes(*(v.shape for v in present))
    levels = tuple(k + 1 for k, n in enumerate(full) if n != 1) or aggregated
    sizes = tuple(shape[k] for k in levels)
    if not all(isinstance(n, int) for n in sizes) or any(n != 1 and n != shape[k + 1] for k, n in enumerate(full)):
        return None
    view = tuple(shape[k + 1] if k + 1 in levels else 1 for k in range(rank - 1))
    scaling, biases = (v if v is False else np.broadcast_to(v, view).reshape(sizes).copy() for v in arrays)
    complement = tuple(k for k in range(1, rank) if k not in aggregated)
    return scaling, biases, "Same" if levels == aggregated else "Complement" if levels == complement else list(levels)


def one_example(name: str, rank: int, ctx: Context) -> np.ndarray | None:
    """An initializer the same for every example (no dim along the batch but 1), as an array of x's rank - 1 dims,
    that can be a module's own array; None where it stays fixed (``_fixed``)."""
    value = ctx.constants.get(name)
    if value is None or _fixed(name, value, ctx) or value.ndim > rank or (value.ndim == rank and value.shape[0] != 1):
        return None
    value = np.asarray(value[0] if value.ndim == rank else value)
    return value.reshape((1,) * (rank - 1 - value.ndim) + value.shape)


def _fixed(name: str, value: np.ndarray, ctx: Context) -> bool:
    """Whether a constant is no array of the module's to learn: a Constant node or a number (``y * 2.0``: the dynamo
    exporter writes it as an initializer), a buffer or a value the exporter made, in a dynamo file anything but a
    parameter; or one read by other nodes too (one array in two places: taken into a layer, it would be untied)."""
    return (ctx.producers.get(name) is not None or value.size == 1 or name in ctx.exporter_made
            or (ctx.parameters is not None and name not in ctx.parameters) or len(ctx.consumers.get(name, ())) != 1)


def affine_steps(taken: list, read: Callable[[str], np.ndarray | None], ctx: Context) -> tuple[Any, Any]:
    """The scale and bias (False: none) of the Mul and Add nodes by constants that ``read`` takes (either operand; as
    it gives them, arrays broadcasting together) that follow ``taken``'s last node one after another, composed into
    one ``y * scale + bias``; appends them to ``taken``. The exporter's own ones and zeros (``affine=False``) add
    nothing."""
    scale = bias = False
    while (step := _affine_step(taken[-1].output[0], ctx)) is not None:
        name = step.input[1] if step.input[0] == taken[-1].output[0] else step.input[0]
        value = read(name)
        if value is None:
            break
        taken.append(step)
        made = ctx.producers.get(name) is not None or name in ctx.exporter_made
        if made and np.all(value == (1.0 if step.op_type == "Mul" else 0.0)):
            continue
        if step.op_type == "Mul":
            scale = value if scale is False else scale * value
            bias = bias if bias is False else bias * value
        else:
            bias = value if bias is False else bias + value
    return scale, bias


def _affine_step(tensor: str, ctx: Context) -> Any:
    """The one node using ``tensor`` (Shapes aside) where that is a Mul or an Add of it and another tensor."""
    use = sole_use(tensor, ctx, ignoring=("Shape",))
    node = use[0] if use is not None and use[0].op_type in ("Mul", "Add") else None
    return node if node is not None and len(node.input) == 2 and node.input[0] != node.input[1] else None


def _per_channel(name: str, channels: int, rank: int, ctx: Context) -> np.ndarray | None:
    """A constant of one value per channel, broadcast as (C, 1, ...) against x's dims after the batch, as (C,)."""
    value = ctx.constants.get(name)
    if value is None:
        return None
    value = np.asarray(value)
    while value.ndim > rank - 1 and value.shape[0] == 1:
        value = value[0]
    if value.ndim > rank - 1 or any(d != 1 for d in value.shape[1:]) or value.ndim < rank - 1 and value.size != 1:
        return None
    return np.broadcast_to(value.reshape(-1), (channels,)).copy() if value.size in (1, channels) else None


NORM_CONVERTERS: dict[str, Callable[[Any, Context], Converted]] = {
    "BatchNormalization": _batch_norm, "LayerNormalization": _layer_norm, "InstanceNormalization": _instance_norm,
}
