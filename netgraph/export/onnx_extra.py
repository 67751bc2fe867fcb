"""More ONNX ops: GlobalAveragePool, GlobalMaxPool, HardSigmoid, Celu, ReduceL2, Tile, DepthToSpace, SpaceToDepth,
LRN; Split as Slices; the NaN guard after a masked Softmax.

Split has one output per part, which a ``Converted`` (one layer, one output) cannot give: ``split_as_slices``
rewrites each Split node into one Slice node per part before conversion, and each becomes a PartLayer.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from netgraph.core.chain import NetChain
from netgraph.core.graph import NetGraph
from netgraph.core.ports import NetPort
from netgraph.export.onnx_activations import expression_number, model_number
from netgraph.export.onnx_files import ONNX_DOMAINS
from netgraph.export.onnx_lrn import channel_window
from netgraph.export.onnx_ops import Context, Converted, Unsupported, text
from netgraph.export.onnx_shape_ops import SHAPE_CONVERTERS
from netgraph.layers import (AggregationLayer, CatenateLayer, ElementwiseLayer, ReshapeLayer, ThreadingLayer,
                             TransposeLayer)

__all__ = ["EXTRA_CONVERTERS", "nan_guard", "split_as_slices"]


def _global_pool(function: str) -> Callable[[Any, Context], Converted]:
    def convert(node: Any, ctx: Context) -> Converted:
        """(batch, C, spatial...) -> (batch, C, 1, ...): AggregationLayer over the spatial levels, reshaped."""
        shape = ctx.shapes.get(node.input[0])
        if shape is None or len(shape) < 3 or not isinstance(shape[1], int):
            raise Unsupported(f"an input of shape {shape} (needed: (batch, channels, spatial...) with known channels)",
                              expected="(batch, channels, spatial...) with known channels", found=shape)
        levels = list(range(2, len(shape)))
        aggregate = AggregationLayer(function, levels=levels if len(levels) > 1 else levels[0])
        return Converted(NetChain([aggregate, ReshapeLayer((shape[1], *[1] * len(levels)))]), (node.input[0],))
    return convert


def _hard_sigmoid(node: Any, ctx: Context) -> Converted:
    a = ctx.attributes(node)
    alpha = expression_number(a.get("alpha", 0.2), ctx, reciprocal=True)  # torch writes 1/6: read back as 1/6
    beta = expression_number(a.get("beta", 0.5), ctx)
    return Converted(ElementwiseLayer(f"Max[0, Min[1, {alpha} * # + {beta}]]"), (node.input[0],))


def _celu(node: Any, ctx: Context) -> Converted:
    given = ctx.attributes(node).get("alpha", 1.0)
    if given == 0:  # x / alpha
        raise Unsupported(f"its alpha must be nonzero, found {float(given)}", attribute="alpha", expected="nonzero",
                          found=float(given))
    alpha = expression_number(given, ctx)
    return Converted(ElementwiseLayer(f"If[# > 0, #, {alpha} * (Exp[# / {alpha}] - 1)]"), (node.input[0],))


def _reduce_l2(node: Any, ctx: Context) -> Converted:
    """Sqrt of the ReduceSum of squares (keepdims as ReduceSum's)."""
    total = SHAPE_CONVERTERS["ReduceSum"](node, ctx).layer
    return Converted(NetChain([ElementwiseLayer("# * #"), total, ElementwiseLayer("Sqrt")]), (node.input[0],))


def _tile(node: Any, ctx: Context) -> Converted:
    """Copies along one non-batch axis: a CatenateLayer of the input with itself."""
    repeats = [int(r) for r in np.ravel(ctx.const(node.input[1], "repeats"))]
    axes = [axis for axis, r in enumerate(repeats) if r != 1]
    shape = ctx.shapes.get(node.input[0])
    if len(axes) != 1 or axes[0] == 0 or repeats[axes[0]] < 1:
        raise Unsupported(f"repeats {repeats}: only copies along one non-batch axis map to CatenateLayer",
                          expected="copies along one non-batch axis", found=repeats)
    if shape is None or not isinstance(shape[axes[0]], int):
        raise Unsupported(f"Tile along axis {axes[0]}, whose size is dynamic: CatenateLayer needs known sizes",
                          expected="a known size", found=None if shape is None else shape[axes[0]])
    count = repeats[axes[0]]
    return Converted(CatenateLayer(level=axes[0], inputs=count), (node.input[0],) * count)


def _lrn(node: Any, ctx: Context) -> Converted:
    """x / (bias + alpha / size * (sum of x^2 over the channels c - (size - 1) // 2 ... c + size // 2))^beta, as ONNX
    defines it: a NetGraph squaring x, summing the window with a ConvolutionLayer of kernel 1 (a band of
    alpha / size, the bias its biases; a LinearLayer without spatial dims: ``channel_window``), and dividing x by its
    power beta."""
    a, shape = ctx.attributes(node), ctx.shapes.get(node.input[0])
    if shape is None or not 2 <= len(shape) <= 5 or not isinstance(shape[1], int):
        raise Unsupported(f"an input of shape {shape} (needed: (batch, channels, up to 3 spatial dims) with known "
                          f"channels)",
                          expected="(batch, channels, up to 3 spatial dims) with known channels", found=shape)
    size, channels = int(a["size"]), shape[1]
    bias = np.full(channels, model_number(a.get("bias", 1.0), ctx), ctx.real_dtype)
    window = channel_window(channels, len(shape) - 2, -((size - 1) // 2), size // 2,
                            model_number(a.get("alpha", 1e-4), ctx) / size, bias, ctx.real_dtype)
    layers = {"square": ElementwiseLayer("# * #"), "window": window,
              "divide": ThreadingLayer(f"#1 / #2^{expression_number(a.get('beta', 0.75), ctx)}")}
    edges = [(NetPort("Input"), "square", "window", NetPort("divide", "Input2")),
             (NetPort("Input"), NetPort("divide", "Input1"))]
    return Converted(NetGraph(layers, edges), (node.input[0],))


def split_as_slices(graph: Any, constants: dict[str, np.ndarray], shapes: dict[str, tuple | None],
                    attributes: Callable[[Any], dict[str, Any]], make_node: Callable[..., Any]) -> None:
    """Each Split node of ``graph`` (in place) -> one Slice per output, its bounds added to ``constants``;
    a Split whose sizes are not known stays (and is refused naming why)."""
    nodes = []
    for node in graph.node:
        ours = node.op_type == "Split" and node.domain in ONNX_DOMAINS  # not a custom op of that name
        sizes = _split_sizes(node, constants, shapes, attributes) if ours else None
        if sizes is None:
            nodes.append(node)
            continue
        axis, start = _split_axis(node, shapes, attributes), 0
        for index, (output, size) in enumerate(zip(node.output, sizes)):
            bounds = [f"{node.name or 'Split'}:{output}:{what}" for what in ("starts", "ends", "axes")]
            for name, value in zip(bounds, (start, start + size, axis)):
                constants[name] = np.array([value], np.int64)
            start += size
            if output:
                nodes.append(make_node("Slice", [node.input[0], *bounds], [output], name=f"{node.name}_{index}"))
    del graph.node[:]
    graph.node.extend(nodes)


def _split_axis(node: Any, shapes: dict, attributes: Callable) -> int:
    axis, shape = int(attributes(node).get("axis", 0)), shapes.get(node.input[0])
    return axis + len(shape) if axis < 0 and shape is not None else axis


def _split_sizes(node: Any, constants: dict, shapes: dict, attributes: Callable) -> list[int] | None:
    """The part sizes: the ``split`` input (or attribute, before opset 13), else equal parts of a known size."""
    a = attributes(node)
    if len(node.input) > 1 and node.input[1]:
        return [int(s) for s in np.ravel(constants[node.input[1]])] if node.input[1] in constants else None
    if "split" in a:
        return [int(s) for s in a["split"]]
    axis, shape = _split_axis(node, shapes, attributes), shapes.get(node.input[0])
    if shape is None or axis < 0 or axis >= len(shape) or not isinstance(shape[axis], int):
        return None
    parts = len(node.output)
    size = -(-shape[axis] // parts)  # opset 18's num_outputs: the last part may be smaller
    return [min(size, shape[axis] - size * i) for i in range(parts)]


def nan_guard(node: Any, ctx: Context) -> Converted | None:
    """``Where(IsNaN(s), 0, s)`` with ``s = Softmax(scores + mask)`` (how torch exports scaled_dot_product_attention
    with a boolean mask, zeroing fully masked rows): ``s`` itself when no row of the constant mask is fully masked;
    None when ``node`` is not this Where."""
    isnan = ctx.producers.get(node.input[0]) if node.op_type == "Where" and len(node.input) == 3 else None
    if isnan is None or isnan.op_type != "IsNaN" or isnan.input[0] != node.input[2] or not _zero(node.input[1], ctx):
        return None
    softmax = ctx.producers.get(node.input[2])
    add = softmax is not None and softmax.op_type == "Softmax" and ctx.producers.get(softmax.input[0])
    masks = [ctx.constants[name] for name in add.input if name in ctx.constants] if add and add.op_type == "Add" else []
    axis = int(ctx.attributes(softmax).get("axis", -1)) if softmax is not None else -1
    if len(masks) != 1 or axis != -1 or np.isneginf(masks[0]).all(axis=-1).any():
        raise Unsupported("Where(IsNaN(s), 0, s) maps to s only for s = Softmax(scores + a constant mask) over the "
                          "last axis without a fully masked row",
                          expected="s = Softmax(scores + a constant mask) over the last axis", found="another s")
    return Converted(alias=node.input[2])


def _is_nan(node: Any, ctx: Context) -> Converted:
    """The test of ``nan_guard``'s Where only (then unused)."""
    uses = ctx.consumers.get(node.output[0], [])
    if uses and all(c.op_type == "Where" and i == 0 and len(c.input) == 3 and c.input[2] == node.input[0]
                    for c, i in uses):
        return Converted(alias=node.input[0])
    raise Unsupported("IsNaN is only supported as the test of Where(IsNaN(s), 0, s) after a masked Softmax",
                      expected="the test of Where(IsNaN(s), 0, s)", found="another use")


def _zero(name: str, ctx: Context) -> bool:
    return name in ctx.constants and ctx.constants[name].size == 1 and not np.any(ctx.constants[name])


def _split(node: Any, ctx: Context) -> Converted:
    raise Unsupported("its part sizes are neither constants nor equal parts of a known size (Slices of known "
                      "bounds are what it maps to)",
                      expected="constant part sizes, or equal parts of a known size", found="computed part sizes")


def _depth_to_space(node: Any, ctx: Context) -> Converted:
    """DepthToSpace (``nn.PixelShuffle``: mode CRD; DCR) and SpaceToDepth (``nn.PixelUnshuffle``'s inverse form) of
    (batch, C, H, W) of known sizes: ONNX's own definition, a ReshapeLayer, TransposeLayer, ReshapeLayer chain."""
    shape, r = ctx.shapes.get(node.input[0]), int(ctx.attributes(node)["blocksize"])
    if shape is None or len(shape) != 4 or not all(isinstance(d, int) for d in shape[1:]):
        raise Unsupported(f"an input of shape {shape} (needed: (batch, C, H, W) of known sizes)",
                          expected="(batch, C, H, W) of known sizes", found=shape)
    c, h, w = shape[1:]
    if node.op_type == "SpaceToDepth":
        split, perm, out = (c, h // r, r, w // r, r), (0, 3, 5, 1, 2, 4), (c * r * r, h // r, w // r)
    elif text(ctx.attributes(node).get("mode", "DCR")) == "CRD":
        split, perm, out = (c // (r * r), r, r, h, w), (0, 1, 4, 2, 5, 3), (c // (r * r), h * r, w * r)
    else:
        split, perm, out = (r, r, c // (r * r), h, w), (0, 3, 4, 1, 5, 2), (c // (r * r), h * r, w * r)
    inner = [p - 1 for p in perm[1:]]  # ONNX's perm as ours: input level k goes to output level perm[k]
    swap = TransposeLayer(tuple(inner.index(k) + 1 for k in range(len(inner))))
    return Converted(NetChain([ReshapeLayer(split), swap, ReshapeLayer(out)]), (node.input[0],))


EXTRA_CONVERTERS: dict[str, Callable[[Any, Context], Converted]] = {
    "DepthToSpace": _depth_to_space, "SpaceToDepth": _depth_to_space,
    "GlobalAveragePool": _global_pool("Mean"), "GlobalMaxPool": _global_pool("Max"), "HardSigmoid": _hard_sigmoid,
    "Celu": _celu, "ReduceL2": _reduce_l2, "Tile": _tile, "Split": _split, "LRN": _lrn,
    "IsNaN": _is_nan}
