"""ONNX ops that change an array's size.

* ``ConvTranspose`` -> DeconvolutionLayer (``auto_pad`` and pads uneven on a dim, ``output_padding``: a PartLayer
  after it; past the pads, zero input rows before it, a PaddingLayer; not ``output_shape``).
* ``Pad`` of non-batch dims -> PaddingLayer (modes constant, reflect -> "Reflected", edge -> "Fixed",
  wrap -> "Periodic"); ``Gather`` of the indices that our PaddingLayer's "Reflected", "Periodic" or "Fixed"
  export writes (``reflect_index``) -> that PaddingLayer.
* ``Resize`` -> ResizeLayer (``onnx_resize``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from netgraph.export.onnx_ops import Context, Converted, Unsupported, int_option, refuse, symmetric_pads, text
from netgraph.export.onnx_pad_lengths import padded_alike, padding_layer, padding_method
from netgraph.export.onnx_resize import resize
from netgraph.export.onnx_uses import sole_use
from netgraph.core.chain import NetChain
from netgraph.layers import ConvolutionLayer, DeconvolutionLayer, PaddingLayer, PartLayer

__all__ = ["SPATIAL_CONVERTERS", "conv_layer", "same_pads", "split_pads", "padding_gather", "pad_conv_patterns",
           "circular_pad_patterns"]

_PAD_MODES = {"reflect": "Reflected", "edge": "Fixed", "wrap": "Periodic"}


def conv_layer(node: Any, ctx: Context, a: dict | None = None) -> Converted:
    """A Conv node as a ConvolutionLayer, of its attributes or ``a``; of pads uneven on a dim (an even kernel's
    ``padding="same"``: one more zero after), a NetChain of a PaddingLayer of the zeros one side has more and the
    ConvolutionLayer padding what both sides have."""
    a = ctx.attributes(node) if a is None else a
    w = ctx.const(node.input[1], "kernel")
    bias = ctx.const(node.input[2], "bias") if len(node.input) > 2 and node.input[2] else False
    a = same_pads(a, [int(k) for k in w.shape[2:]], ctx.shapes.get(node.input[0]))
    both, extra = split_pads(a)
    conv = ConvolutionLayer(int(w.shape[0]), tuple(int(k) for k in w.shape[2:]), stride=int_option(a.get("strides"), 1),
                            padding_size=tuple(both) if extra else symmetric_pads(a),
                            dilation=int_option(a.get("dilations"), 1), channel_groups=int(a.get("group", 1)),
                            weights=w, biases=bias)
    if not extra:
        return Converted(conv, (node.input[0],))
    return Converted(NetChain([PaddingLayer([0, *extra]), conv]), (node.input[0],))


def split_pads(a: dict) -> tuple[list[int], list[list[int]] | None]:
    """Explicit pads uneven on some dim as (the pads both sides have, [before, after] more per dim); None for the
    latter where the pads are even (or not explicit: left to ``symmetric_pads``)."""
    pads = [int(p) for p in a.get("pads", ())]
    before, after = pads[:len(pads) // 2], pads[len(pads) // 2:]
    both = [min(b, e) for b, e in zip(before, after)]
    if text(a.get("auto_pad", "NOTSET")) != "NOTSET" or before == after or min(pads) < 0:
        return both, None
    return both, [[b - c, e - c] for b, e, c in zip(before, after, both)]


def same_pads(a: dict, kernel: list[int], shape: tuple | None) -> dict:
    """A Conv's or pool's ``auto_pad`` as explicit pads (torch writes ``padding="same"`` as SAME_UPPER, TensorFlow's
    converters write SAME at any stride): VALID pads nothing; SAME pads what makes ceil(n/s) windows of size n,
    (ceil(n/s)-1)s + d(k-1) + 1 - n in all (d(k-1) at stride 1, for any n), more after than before where that is odd
    (SAME_UPPER; SAME_LOWER more before). At stride > 1 the pads depend on the size: refused over unknown sizes."""
    mode = text(a.get("auto_pad", "NOTSET"))
    if mode == "VALID":
        return {**a, "auto_pad": "NOTSET", "pads": [0] * 2 * len(kernel)}
    if mode not in ("SAME_UPPER", "SAME_LOWER"):
        return a
    strides = list(a.get("strides", ())) or [1] * len(kernel)
    spatial = [None] * len(kernel) if shape is None else list(shape[len(shape) - len(kernel):])
    unknown = [n for n, s in zip(spatial, strides) if s != 1 and not isinstance(n, int)]
    if unknown:
        raise Unsupported(f"auto_pad={mode!r} at strides {strides} over spatial dims of unknown size (input shape "
                          f"{shape}): its pads depend on the sizes", attribute="auto_pad",
                          expected="spatial dims of known size where the stride is not 1", found=mode)
    dilations = list(a.get("dilations", ())) or [1] * len(kernel)
    total = [d * (k - 1) if s == 1 else max((-(-n // s) - 1) * s + d * (k - 1) + 1 - n, 0)
             for n, s, d, k in zip(spatial, strides, dilations, kernel)]
    first = [t // 2 if mode == "SAME_UPPER" else t - t // 2 for t in total]
    return {**a, "auto_pad": "NOTSET", "pads": first + [t - f for t, f in zip(total, first)]}


def _conv_transpose(node: Any, ctx: Context) -> Converted:
    """DeconvolutionLayer. Its output is the full transposed convolution, ``output_padding`` o rows longer at the
    end, cropped by the pads (before, after); the layer crops what both ends share, and a PartLayer after it the
    rest (torch's ``output_padding``: its first o rows). Where o passes the pads after (torch's ``padding=0``), the
    rows past the full output hold the biases alone: m = ceil((o - after) / s) zero rows at the input's end (a
    PaddingLayer before the layer) give m s more rows of just that, and the PartLayer crops the ones not asked for."""
    a = ctx.attributes(node)
    w = ctx.const(node.input[1], "kernel")
    if "output_shape" in a:
        refuse([Unsupported(f"output_shape={list(a['output_shape'])}", attribute="output_shape",
                            found=list(a["output_shape"]),
                            expected="no output_shape (pads give the size)")], "DeconvolutionLayer")
    kernel = [int(k) for k in w.shape[2:]]
    extra = [int(o) for o in a.get("output_padding", ())] or [0] * len(kernel)
    before, after = _transpose_pads(a, kernel, extra)
    strides = [int(s) for s in a.get("strides", ())] or [1] * len(kernel)
    zeros = [max(0, -(-(o - e) // s)) for o, e, s in zip(extra, after, strides)]  # zero input rows at the end
    cut = [e - o + m * s for e, o, m, s in zip(after, extra, zeros, strides)]  # output rows cropped at the end
    both = [min(b, c) for b, c in zip(before, cut)]
    groups = int(a.get("group", 1))
    bias = ctx.const(node.input[2], "bias") if len(node.input) > 2 and node.input[2] else False  # none: no biases
    layer = DeconvolutionLayer(int(w.shape[1]) * groups, tuple(kernel), stride=int_option(strides, 1),
                               padding_size=int_option(both, 0), dilation=int_option(a.get("dilations"), 1),
                               channel_groups=groups, weights=w, biases=bias)
    crops = [(b - k, c - k) for b, c, k in zip(before, cut, both)]
    layers = [PaddingLayer([[0, 0], *([0, m] for m in zeros)])] if any(zeros) else []
    layers.append(layer)
    if any(first or last for first, last in crops):
        layers.append(PartLayer(["All", *(f"{first + 1};;{-last - 1}" if first or last else "All"
                                          for first, last in crops)]))
    return Converted(layers[0] if len(layers) == 1 else NetChain(layers), (node.input[0],))


def _transpose_pads(a: dict, kernel: list[int], extra: list[int]) -> tuple[list[int], list[int]]:
    """A ConvTranspose's pads (before, after) per dim: explicit, none (VALID), or SAME's, which make an output of
    n * s from the full d(k - 1) + s(n - 1) + 1 (+ o) rows, whatever n: d(k - 1) + 1 + o - s in all, the more
    after (SAME_UPPER) or before (SAME_LOWER) where that is odd."""
    mode, spatial = text(a.get("auto_pad", "NOTSET")), len(kernel)
    if mode in ("NOTSET", "VALID"):
        pads = [int(p) for p in a.get("pads", ())] if mode == "NOTSET" else []
        pads = pads or [0] * 2 * spatial
        if min(pads) < 0:
            raise Unsupported(f"negative pads {pads}", attribute="pads", expected="pads >= 0", found=pads)
        return pads[:spatial], pads[spatial:]
    if mode not in ("SAME_UPPER", "SAME_LOWER"):
        raise Unsupported(f"auto_pad={mode!r}", attribute="auto_pad",
                          expected=("NOTSET", "VALID", "SAME_UPPER", "SAME_LOWER"), found=mode)
    strides = list(a.get("strides", ())) or [1] * spatial
    dilations = list(a.get("dilations", ())) or [1] * spatial
    total = [d * (k - 1) + 1 + o - s for k, s, d, o in zip(kernel, strides, dilations, extra)]
    if min(total) < 0:
        raise Unsupported(f"auto_pad={mode!r} with kernel {kernel} at strides {strides}: an output of n * stride is "
                          f"longer than the transposed convolution computes (pads {total} in all)",
                          attribute="auto_pad", expected="a kernel's reach d(k - 1) + 1 + output_padding of at least "
                                                        "the stride", found=mode)
    small = [t // 2 for t in total]
    large = [t - h for t, h in zip(total, small)]
    return (small, large) if mode == "SAME_UPPER" else (large, small)


def _pad(node: Any, ctx: Context) -> Converted:
    x = node.input[0]
    pairs, mode, value, pads = _pad_pairs(node, ctx)
    rank = len(pairs)
    if mode != "constant" and mode not in _PAD_MODES:
        raise Unsupported(f"mode={mode!r} (PaddingLayer pads with a constant, 'reflect', 'edge' or 'wrap')",
                          attribute="mode", expected=("constant", *_PAD_MODES), found=mode)
    if any(p < 0 for pair in pairs for p in pair) or any(pairs[0]):
        raise Unsupported(f"pads={pads}: PaddingLayer adds elements to non-batch dims (no negative pads, no batch)",
                          attribute="pads", expected="pads >= 0, none on the batch dim", found=pads)
    last = max((k for k in range(rank) if any(pairs[k])), default=0)
    if not last:
        return Converted(alias=x)
    padding = value if mode == "constant" else _PAD_MODES[mode]
    return Converted(PaddingLayer([pairs[k] for k in range(1, last + 1)], padding=padding), (x,))


def _pad_pairs(node: Any, ctx: Context) -> tuple[list[list[int]], str, float, list[int]]:
    """A Pad node's [before, after] per dim of its input, its mode, its constant value and its pads as given."""
    a, x = ctx.attributes(node), node.input[0]
    mode, rank = text(a.get("mode", "constant")), ctx.rank(x)
    if len(node.input) > 1:  # opset >= 11: pads, constant value, axes are inputs
        pads = [int(p) for p in np.ravel(ctx.const(node.input[1], "pads"))]
        value = float(np.ravel(ctx.const(node.input[2], "value"))[0]) if len(node.input) > 2 and node.input[2] else 0.0
        axes = np.ravel(ctx.const(node.input[3], "axes")) if len(node.input) > 3 and node.input[3] else None
    else:
        pads, value, axes = [int(p) for p in a.get("pads", ())], float(a.get("value", 0.0)), None
    if rank is None:
        raise Unsupported("padding an input of unknown rank", expected="an input of known rank", found="unknown rank")
    half = len(pads) // 2
    axes = list(range(half)) if axes is None else [int(k) + rank if k < 0 else int(k) for k in axes]
    pairs = [[0, 0] for _ in range(rank)]
    for k, before, after in zip(axes, pads[:half], pads[half:]):
        pairs[k] = [before, after]
    return pairs, mode, value, pads


def pad_conv_patterns(nodes: Any, ctx: Context) -> tuple[dict[int, Converted], set[int]]:
    """Each Conv fed by a Pad of zeros on its spatial dims alone (the Pad's one use) whose padding and the Conv's
    own are alike on both sides -> (the Conv's id -> its ConvolutionLayer with that padding, fed by the Pad's
    input), and the ids of those Pads: torch's TorchScript export of ConstantPad or ZeroPad before a Conv (the dynamo
    exporter fuses them itself), which then imports over a dynamic dim, where no PaddingLayer pads."""
    found: dict[int, Converted] = {}
    claimed: set[int] = set()
    for conv in nodes:
        pad = ctx.producers.get(conv.input[0]) if conv.op_type == "Conv" else None
        uses = ctx.consumers.get(conv.input[0], []) if pad is not None else []
        if pad is None or pad.op_type != "Pad" or len(uses) != 1 or conv.input[0] in ctx.graph_outputs:
            continue
        try:
            attributes = _fused_pads(pad, conv, ctx)
        except (Unsupported, ValueError, TypeError, KeyError, IndexError):  # not of this form, or malformed
            continue
        if attributes is not None:
            found[id(conv)] = Converted(conv_layer(conv, ctx, attributes).layer, (pad.input[0],))
            claimed.add(id(pad))
    return found, claimed


def _fused_pads(pad: Any, conv: Any, ctx: Context) -> dict | None:
    """The Conv's attributes with the Pad's zeros added to its pads, where they are alike on both sides."""
    pairs, mode, value, _ = _pad_pairs(pad, ctx)
    a = ctx.attributes(conv)
    spatial = len(ctx.const(conv.input[1], "kernel").shape) - 2
    own = list(a.get("pads", ())) or [0] * 2 * spatial
    if (mode != "constant" or value != 0 or len(pairs) != spatial + 2 or any(pairs[0]) or any(pairs[1])
            or text(a.get("auto_pad", "NOTSET")) != "NOTSET" or any(p < 0 for pair in pairs for p in pair)):
        return None
    pads = [own[i] + pairs[i + 2][0] for i in range(spatial)] + [own[spatial + i] + pairs[i + 2][1]
                                                                 for i in range(spatial)]
    return {**a, "pads": pads} if pads[:spatial] == pads[spatial:] else None


def circular_pad_patterns(nodes: Any, ctx: Context) -> tuple[dict[int, Converted], set[int]]:
    """Each ``Concat(x[..., -a:], x, x[..., :b])`` along one non-batch axis (its Slices of x used there alone) -> a
    PaddingLayer "Periodic" of x, and the ids of those Slices: torch's TorchScript export of ``F.pad(x, ...,
    mode="circular")``, which a CatenateLayer could not import over a dynamic axis (the dynamo exporter writes a Pad
    of mode "wrap" itself). Alike for lengths of at least the pads (the ones torch pads); at a shorter one the Concat
    puts x whole in place of each end, where the PaddingLayer wraps around as often as needed. torch pads one axis
    after another (a one-input Concat along an axis it leaves): such a chain is one PaddingLayer of every axis."""
    matches: dict[int, tuple[str, dict[int, list[int]], set[int]]] = {}
    for concat in nodes:
        if concat.op_type != "Concat" or len(concat.input) not in (2, 3):
            continue
        try:
            matched = _circular(concat, ctx)
        except (Unsupported, ValueError, TypeError, KeyError, IndexError):  # not of this form, or malformed
            continue
        if matched is not None:
            x, axis, pair, slices = matched
            taken = {id(n) for n in slices}
            inner = _wrapped_before(x, concat, slices, ctx)
            before = matches.get(id(inner[0])) if inner is not None else None
            merged = padded_alike("Periodic", {axis: pair}, ("Periodic", before[1]) if before is not None else None)
            if merged is not None:
                del matches[id(inner[0])]
                matches[id(concat)] = (before[0], merged, taken | before[2] | inner[1] | {id(inner[0])})
            else:
                matches[id(concat)] = (x, {axis: pair}, taken)
    found = {key: padding_layer(x, "Periodic", pads) for key, (x, pads, _) in matches.items()}
    return found, set().union(*(taken for _, _, taken in matches.values()))


def _wrapped_before(x: str, concat: Any, slices: list, ctx: Context) -> tuple[Any, set[int]] | None:
    """(the node computing ``x``, the ids of the one-input Concats passed on the way) where x, read by ``concat`` and
    its ``slices`` alone, comes from a node through Concats of one input (torch's pad of an axis left as it is);
    None where x is read elsewhere or is a graph output."""
    readers = {id(concat), *(id(n) for n in slices)}
    if x in ctx.graph_outputs or any(id(c) not in readers for c, _ in ctx.consumers.get(x, ())):
        return None
    passed: set[int] = set()
    node = ctx.producers.get(x)
    while node is not None and node.op_type == "Concat" and len(node.input) == 1 and sole_use(node.input[0], ctx):
        passed.add(id(node))
        node = ctx.producers.get(node.input[0])
    return None if node is None else (node, passed)


def _circular(concat: Any, ctx: Context) -> tuple[str, int, list[int], list[Any]] | None:
    """(x, the axis, its [before, after], the Slice nodes) when ``concat`` wraps x around one axis, else None."""
    rank = ctx.rank(concat.input[0])
    axis = int(ctx.attributes(concat)["axis"])
    axis = axis + rank if axis < 0 and rank is not None else axis
    if rank is None or not 0 < axis < rank:
        return None
    parts = [(name, ctx.producers.get(name)) for name in concat.input]
    sliced = {i: node for i, (_, node) in enumerate(parts) if node is not None and node.op_type == "Slice"}
    whole = [i for i in range(len(parts)) if i not in sliced]
    if len(whole) != 1 or not sliced:
        return None
    x, at = parts[whole[0]][0], whole[0]
    pair = [0, 0]
    for i, node in sliced.items():
        span = _span(node, ctx, rank)
        uses = ctx.consumers.get(node.output[0], [])
        if (node.input[0] != x or span is None or span[0] != axis or len(uses) != 1
                or node.output[0] in ctx.graph_outputs):
            return None
        start, end = span[1:]
        if i < at and start < 0 and end >= 2**62:  # the last -start elements, before x
            pair[0] = -start
        elif i > at and start == 0 and end > 0:  # the first end elements, after x
            pair[1] = end
        else:
            return None
    return x, axis, pair, list(sliced.values())


def _span(node: Any, ctx: Context, rank: int) -> tuple[int, int, int] | None:
    """A Slice's (axis, start, end) where it takes one axis with step 1 (opset >= 10), else None."""
    if len(node.input) < 4 or not node.input[3]:
        return None
    starts, ends, axes = (np.ravel(ctx.const(node.input[i], what)) for i, what in ((1, "starts"), (2, "ends"),
                                                                                     (3, "axes")))
    steps = np.ravel(ctx.const(node.input[4], "steps")) if len(node.input) > 4 and node.input[4] else [1]
    if len(starts) != 1 or len(ends) != 1 or len(axes) != 1 or int(steps[0]) != 1:
        return None
    axis = int(axes[0]) + (rank if int(axes[0]) < 0 else 0)
    return axis, int(starts[0]), int(ends[0])


def padding_gather(node: Any, ctx: Context) -> Converted | None:
    """A Gather of constant indices along one non-batch axis that pads it ("Reflected", "Periodic" or
    "Fixed", as our export writes): that PaddingLayer, taking in the Gathers before it that pad other axes
    alike (our export writes one per padded level); else None."""
    padded = _gather_padding(node, ctx)
    if padded is None:
        return None
    x, method, pairs = padded
    while True:
        inner = ctx.producers.get(x)
        inner_padding = _gather_padding(inner, ctx) if inner is not None and inner.op_type == "Gather" else None
        merged = padded_alike(method, pairs, inner_padding[1:] if inner_padding is not None else None)
        if merged is None or sole_use(x, ctx) is None:
            break
        x, pairs = inner_padding[0], merged
    return padding_layer(x, method, pairs)


def _gather_padding(node: Any, ctx: Context) -> tuple[str, str, dict[int, tuple[int, int]]] | None:
    """(input, method, {axis: (before, after)}) of a Gather that pads one axis; else None."""
    index, shape = ctx.constants.get(node.input[1]), ctx.shapes.get(node.input[0])
    if index is None or index.ndim != 1 or index.dtype.kind not in "iu" or not shape or node.input[0] in ctx.constants:
        return None
    axis = int(ctx.attributes(node).get("axis", 0))
    axis = axis + len(shape) if axis < 0 else axis
    n = shape[axis] if 0 < axis < len(shape) else None
    if not isinstance(n, int) or len(index) <= n:
        return None
    extra = len(index) - n
    found = padding_method({n: np.where(index < 0, index + n, index)}, extra)
    return None if found is None else (node.input[0], found[0], {axis: (found[1], extra - found[1])})


SPATIAL_CONVERTERS: dict[str, Callable[[Any, Context], Converted]] = {
    "Conv": conv_layer, "ConvTranspose": _conv_transpose, "Pad": _pad, "Resize": resize,
}
