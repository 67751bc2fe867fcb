"""ONNX normalisations -> our normalisation layers.

* ``BatchNormalization`` (inference form) -> BatchNormalizationLayer, with ONNX's ``momentum`` (ours too: the weight
  of the old moving average).
* ``LayerNormalization`` over the last axis -> LayerNormalizationLayer; over several trailing axes ->
  NormalizationLayer over those levels ("Same" scaling).
* ``InstanceNormalization`` -> NormalizationLayer (aggregated over the spatial levels, arrays per channel).

A scale or bias torch's exporter wrote for a module without it (``affine=False``, ``elementwise_affine=False``,
``bias=False``: a Constant node of ones or zeros) and a LayerNormalization without ``B`` give a layer without that
array (``scaling=False``, ``biases=False``); see ``affine_array``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from netgraph.export.onnx_ops import Context, Converted, Unsupported
from netgraph.layers import BatchNormalizationLayer, LayerNormalizationLayer, NormalizationLayer

__all__ = ["NORM_CONVERTERS", "affine_array"]


def affine_array(node: Any, index: int, ctx: Context, what: str) -> Any:
    """A normalisation's scale (input 1) or bias (input 2) as its layer's array, or False for none: a bias left out,
    or what torch's exporter writes for a module without it: a Constant node of ones (scale) or zeros (bias), where
    a module's own parameters are initializers. An initializer of ones or zeros stays an array (a module's, at its
    starting values), as does a Constant node of other values."""
    name = node.input[index] if len(node.input) > index else ""
    if not name:
        if index == 1:
            raise Unsupported("it has no scale input")
        return False
    value = ctx.const(name, what)
    producer = ctx.producers.get(name)
    if producer is not None and producer.op_type == "Constant" and np.all(value == (1.0 if index == 1 else 0.0)):
        return False
    return value


def _batch_norm(node: Any, ctx: Context) -> Converted:
    """ONNX's ``momentum`` is ours (Wolfram's): the weight of the old moving average, 1 - torch's."""
    a = ctx.attributes(node)
    if a.get("training_mode", 0) or not a.get("spatial", 1):
        raise Unsupported("training_mode=1 (statistics of the batch) or spatial=0 (statistics per element) has no "
                          "BatchNormalizationLayer equivalent at inference")
    scale, bias = affine_array(node, 1, ctx, "scale"), affine_array(node, 2, ctx, "B")
    mean, var = (ctx.const(n, what) for n, what in zip(node.input[3:5], ("mean", "var")))
    momentum = float(np.format_float_positional(np.float32(a.get("momentum", 0.9))))  # 0.7, not 0.699999988
    return Converted(BatchNormalizationLayer(epsilon=float(a.get("epsilon", 1e-5)), momentum=momentum, scaling=scale,
                                             biases=bias, moving_mean=mean, moving_variance=var), (node.input[0],))


def _instance_norm(node: Any, ctx: Context) -> Converted:
    rank = ctx.rank(node.input[0])
    if rank is None or rank < 3:
        raise Unsupported(f"an input of rank {rank}: InstanceNormalization needs (batch, channels, spatial...)")
    scale, bias = affine_array(node, 1, ctx, "scale"), affine_array(node, 2, ctx, "bias")
    epsilon = float(ctx.attributes(node).get("epsilon", 1e-5))
    return Converted(NormalizationLayer("2;;", "Complement", epsilon=epsilon, scaling=scale, biases=bias),
                     (node.input[0],))


def _layer_norm(node: Any, ctx: Context) -> Converted:
    """Over the last axis: LayerNormalizationLayer; over several trailing axes: NormalizationLayer."""
    a, rank = ctx.attributes(node), ctx.rank(node.input[0])
    axis = int(a.get("axis", -1))
    axis = axis + rank if rank is not None and axis < 0 else axis
    scale, bias = affine_array(node, 1, ctx, "scale"), affine_array(node, 2, ctx, "bias")
    epsilon = float(a.get("epsilon", 1e-5))
    if rank is None or axis in (-1, rank - 1) or axis < 1:
        if axis not in (-1, (rank or 0) - 1):
            raise Unsupported("only LayerNormalization over the last dim maps to LayerNormalizationLayer")
        return Converted(LayerNormalizationLayer(epsilon=epsilon, scaling=scale, biases=bias), (node.input[0],))
    if int(a.get("stash_type", 1)) != 1:
        raise Unsupported(f"stash_type={a['stash_type']} (statistics in another precision than float32)")
    shape = tuple(ctx.shapes[node.input[0]][axis:])
    if not all(isinstance(d, int) for d in shape):
        raise Unsupported(f"normalising over dims {shape}, not all of known size")
    scale, bias = (v if v is False else np.broadcast_to(v, shape).astype(np.float32) for v in (scale, bias))
    return Converted(NormalizationLayer(f"{axis};;", "Same", epsilon=epsilon, scaling=scale, biases=bias),
                     (node.input[0],))


NORM_CONVERTERS: dict[str, Callable[[Any, Context], Converted]] = {
    "BatchNormalization": _batch_norm, "LayerNormalization": _layer_norm, "InstanceNormalization": _instance_norm,
}
