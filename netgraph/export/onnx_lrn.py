"""torch's ``nn.LocalResponseNorm`` of inputs with 3 spatial dims, as both exporters write its window mean:
Reshape(x², (batch, 1, C, d, -1)) -> Pad of the channel axis -> AveragePool (size, 1, 1) -> Squeeze of axis 1 (the
TorchScript export: an If squeezing it or not) -> Reshape to x²'s shape. With a dynamic spatial dim, the merged -1
is a product of variable lengths, which no layer holds: the chain imports as its meaning, the mean of x² over a
window of channels (a ConvolutionLayer of kernel 1 on x² as it is; ``lrn_window_patterns``).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from netgraph.export.onnx_chains import NOT_THE_PATTERN, chain_patterns
from netgraph.export.onnx_ops import Context, Converted, Unsupported
from netgraph.export.onnx_uses import uses_besides
from netgraph.layers import ConvolutionLayer, LinearLayer

__all__ = ["channel_window", "lrn_window_patterns"]


def channel_window(channels: int, spatial: int, low: int, high: int, scale: float, bias: Any, dtype: type) -> Any:
    """Each channel c the sum of channels c + low ... c + high (those that exist) times ``scale``, plus ``bias``
    (False: none): a ConvolutionLayer of kernel 1 over ``spatial`` dims, a LinearLayer without; its weights of
    ``dtype`` (the model's real dtype)."""
    offsets = np.arange(channels)[None, :] - np.arange(channels)[:, None]  # [out, in]: in - out
    band = (((offsets >= low) & (offsets <= high)) * scale).astype(dtype)
    if not spatial:
        return LinearLayer(channels, weights=band, biases=bias)
    return ConvolutionLayer(channels, (1,) * spatial, weights=band.reshape(band.shape + (1,) * spatial), biases=bias)


def lrn_window_patterns(nodes: Any, ctx: Context) -> tuple[dict[int, Converted], set[int]]:
    """The last Reshape of each matched chain (by ``id``) -> its window layer fed by x², and the ids of the nodes
    it takes the place of; a chain that does not match is left to the nodes' own conversions."""
    return chain_patterns(nodes, ctx, "AveragePool", _window, (Unsupported, *NOT_THE_PATTERN))


def _one_use(tensor: str, ctx: Context, indices: tuple[int, ...] = (0,)) -> Any:
    """The one node using ``tensor`` at one of ``indices`` (-1: inside an If's branch), Shapes aside; else None."""
    uses = {id(c): (c, i) for c, i in uses_besides(tensor, ctx, ("Shape",)) or ()}  # an If: per branch
    [(node, index)] = uses.values() if len(uses) == 1 else [(None, None)]
    return node if index in indices else None


def _window(pool: Any, ctx: Context) -> tuple[list, ConvolutionLayer, str] | None:
    pad = ctx.producers.get(pool.input[0])
    split = ctx.producers.get(pad.input[0]) if pad is not None and pad.op_type == "Pad" else None
    if split is None or split.op_type != "Reshape" or _one_use(split.output[0], ctx) is not pad:
        return None
    x, shape = split.input[0], ctx.shapes.get(split.input[0])
    if shape is None or len(shape) != 5 or not isinstance(shape[1], int) or _one_use(pad.output[0], ctx) is not pool:
        return None
    target = ctx.symbols.get(split.input[1]) or tuple(ctx.const(split.input[1], "shape").ravel().tolist())
    if target[0] not in (0, shape[0]) or tuple(target[1:3]) != (1, shape[1]) or len(target) != 5:
        return None
    low, high, size = _padded_window(pad, pool, ctx)
    if size is None:
        return None
    squeeze = _one_use(pool.output[0], ctx, (0, -1))
    back = _one_use(squeeze.output[0], ctx) if squeeze is not None and _passes(squeeze, pool.output[0]) else None
    if back is None or back.op_type != "Reshape" or ctx.symbols.get(back.input[1]) != tuple(shape):
        return None
    layer = channel_window(shape[1], 3, low, high, 1.0 / size, False, ctx.real_dtype)
    return [split, pad, pool, squeeze, back], layer, x


def _padded_window(pad: Any, pool: Any, ctx: Context) -> tuple[int, int, int | None]:
    """The channel offsets ``low``, ``high`` of the window and its size, where the Pad adds zeros to axis 2 alone
    and the pool averages (size, 1, 1) with stride 1 over that padded axis; (0, 0, None) otherwise."""
    a, p = ctx.attributes(pool), ctx.attributes(pad)
    pads = ctx.const(pad.input[1], "pads").ravel().tolist() if len(pad.input) > 1 else p.get("pads")
    value = pad.input[2] if len(pad.input) > 2 else ""
    kernel = list(a.get("kernel_shape", ()))
    if (p.get("mode", b"constant") not in (b"constant", "constant") or len(pad.input) > 3 or pads is None
            or len(pads) != 10 or len(kernel) != 3 or kernel[1:] != [1, 1]
            or (value and np.any(ctx.const(value, "pad value") != 0))
            or any(v for i, v in enumerate(pads) if i not in (2, 7))
            or any(v != 1 for v in (*a.get("strides", [1] * 3), *a.get("dilations", [1] * 3)))
            or any(a.get("pads", [0] * 6)) or a.get("auto_pad", b"NOTSET") not in (b"NOTSET", "NOTSET")
            or a.get("ceil_mode", 0) or pads[2] + pads[7] != kernel[0] - 1):
        return 0, 0, None
    return -pads[2], kernel[0] - 1 - pads[2], kernel[0]


def _passes(node: Any, tensor: str) -> bool:
    """A Squeeze of ``tensor`` or an If whose branches each squeeze it or pass it on (the next Reshape undoes either)."""
    if node.op_type == "Squeeze":
        return True
    if node.op_type != "If":
        return False
    branches = [a.g for a in node.attribute if a.name in ("then_branch", "else_branch")]
    for graph in branches:
        steps = [n for n in graph.node if n.op_type != "Constant"]
        if (len(steps) != 1 or steps[0].op_type not in ("Squeeze", "Identity") or steps[0].input[0] != tensor
                or list(steps[0].output) != [o.name for o in graph.output]):
            return False
    return len(branches) == 2
