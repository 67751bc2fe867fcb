"""ONNX's MaxPool and AveragePool -> PoolingLayer (``ceil_mode``, ``dilations`` of a max; an average counting its
padding: the window's total over its whole size, or with ``ceil_mode`` over known sizes the padding made explicit;
one not counting it, of pads uneven on a dim: the total over the zero-padded input divided by the count of inputs);
an AveragePool counting its padding times the window's size (our Total's export) -> one "Total" PoolingLayer
(``total_pool_patterns``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from netgraph.core.chain import NetChain
from netgraph.core.graph import NetGraph
from netgraph.core.ports import NetPort
from netgraph.export.onnx_chains import NOT_THE_PATTERN, chain_patterns
from netgraph.export.onnx_ops import Context, Converted, Unsupported, int_option, refuse, symmetric_pads
from netgraph.export.onnx_spatial import same_pads, split_pads
from netgraph.export.onnx_uses import sole_use
from netgraph.layers import ElementwiseLayer, PaddingLayer, PartLayer, PoolingLayer, ThreadingLayer

__all__ = ["POOL_CONVERTERS", "total_pool_patterns"]


def _pool(function: str) -> Callable[[Any, Context], Converted]:
    def convert(node: Any, ctx: Context) -> Converted:
        a, shape = ctx.attributes(node), ctx.shapes.get(node.input[0])
        a = same_pads(a, list(a["kernel_shape"]), shape)
        refuse(_pool_problems(a, shape, function), "PoolingLayer")
        counted = function == "Mean" and a.get("count_include_pad", 0) and any(a.get("pads", ()))
        kernel = list(a["kernel_shape"])
        dilations = list(a.get("dilations", ())) or [1] * len(kernel)
        ceil = bool(a.get("ceil_mode", 0)) and _ceil_changes_size(shape, kernel, list(a.get("strides", ())),
                                                                  list(a.get("pads", ())), dilations)
        if counted and ceil:
            return Converted(_counted_ceil(a, shape), (node.input[0],))
        both, extra = split_pads(a)
        if function == "Mean" and not counted and extra:
            return Converted(_uncounted_uneven(a, both, extra, shape if ceil else None), (node.input[0],))
        pool = PoolingLayer(tuple(kernel), stride=int_option(a.get("strides"), 1),
                            padding_size=tuple(both) if extra else symmetric_pads(a),
                            dilation=int_option(dilations, 1) if any(d != 1 for d in dilations) else 1,
                            function="Total" if counted else function, ceil_mode=ceil)
        if counted:  # the padding's zeros counted in every window: the window's total over its whole size
            pool = NetChain([pool, ElementwiseLayer(f"# / {int(np.prod(a['kernel_shape']))}")])
        if extra:  # the extra padding first: zeros where a Total counts them, -inf where a Max ignores them
            pool = NetChain([PaddingLayer([0, *extra], padding=0.0 if counted else float("-inf")), pool])
        return Converted(pool, (node.input[0],))
    return convert


def _pool_problems(a: dict, shape: tuple | None, function: str) -> list:
    """The options of a pooling node that PoolingLayer cannot follow (each named with its value): dilations of an
    average (torch's has none), ceil_mode of an average counting its padding over unknown sizes (a partial window's
    divisor depends on the size)."""
    pads, kernel = list(a.get("pads", ())), list(a["kernel_shape"])
    dilations = list(a.get("dilations", ())) or [1] * len(kernel)
    problems = []
    known = shape is not None and all(isinstance(d, int) for d in shape[len(shape) - len(kernel):])
    if function == "Mean" and not a.get("count_include_pad", 0) and split_pads(a)[1] and a.get("ceil_mode", 0) and (
            not known):
        problems.append(Unsupported(f"pads={pads} uneven on a dim of an average not counting its padding, with "
                                    f"ceil_mode=1 over spatial dims of unknown size (input shape {shape})",
                                    attribute="pads", expected="pads even on each dim", found=pads))
    if function != "Max" and any(d != 1 for d in dilations):
        problems.append(Unsupported(f"dilations={dilations} (PoolingLayer dilates 'Max' only)", attribute="dilations",
                                    expected=[1] * len(dilations), found=dilations))
    counted = function == "Mean" and a.get("count_include_pad", 0) and any(pads)
    if counted and a.get("ceil_mode", 0) and not known and _ceil_changes_size(shape, kernel,
                                                                              list(a.get("strides", ())), pads,
                                                                              dilations):
        problems.append(f"ceil_mode=1 (a partial last window) with count_include_pad=1 and pads over spatial dims of "
                        f"unknown size (input shape {shape}; its divisor depends on the size)")
    return problems


def _uncounted_uneven(a: dict, both: list[int], extra: list, ceil_shape: tuple | None) -> NetGraph:
    """An average not counting its padding, of pads uneven on a dim: the window's total over the input padded with
    zeros (the extra ones first, then the pool's own, alike on both sides) divided by the same total over ones
    (``#^0``: 1 for every number, ±∞ and NaN too), each window's count of input elements. With ``ceil_mode`` adding
    a partial last window (over the known sizes ``ceil_shape``), all the padding is explicit, zeros completing that
    window too (a window starting in the right padding, which ONNX drops, would need pads of a kernel's size or more,
    which ONNX forbids)."""
    kernel = tuple(a["kernel_shape"])
    strides = list(a.get("strides", ())) or [1] * len(kernel)
    pads = [0, *extra]
    if ceil_shape is not None:
        spatial = ceil_shape[len(ceil_shape) - len(kernel):]
        pairs = [(b + p, b + e) for b, (p, e) in zip(both, extra)]  # (before, after) in all
        wanted = [_ceil_size(n, k, s, p, e) for n, k, s, (p, e) in zip(spatial, kernel, strides, pairs)]
        grow = [max(0, (w - 1) * s + k - (n + p + e)) for w, n, k, s, (p, e) in zip(wanted, spatial, kernel, strides,
                                                                                  pairs)]
        pads, both = [[0, 0], *([p, e + g] for (p, e), g in zip(pairs, grow))], [0] * len(kernel)

    def total() -> NetChain:
        return NetChain([PaddingLayer(pads, padding=0.0), PoolingLayer(kernel, stride=tuple(strides),
                                                                         padding_size=tuple(both), function="Total")])
    layers = {"total": total(), "ones": ElementwiseLayer("#^0"), "count": total(),
              "mean": ThreadingLayer("Divide")}
    return NetGraph(layers, [(NetPort("Input"), "total", NetPort("mean", "Input1")),
                             (NetPort("Input"), "ones", "count", NetPort("mean", "Input2"))])


def _counted_ceil(a: dict, shape: tuple) -> NetChain:
    """torch's ceil_mode average counting its padding (before, after: even or not, SAME's), over known sizes: the
    zeros padded first (PaddingLayer), then a Mean with ceil_mode and no padding, whose divisor is each window's part
    inside the padded input, as torch's; where that keeps a last window starting in the right padding (torch drops
    it), a PartLayer crops it."""
    kernel = list(a["kernel_shape"])
    strides = list(int_option(a.get("strides"), 1)) if a.get("strides") else [1] * len(kernel)
    spatial = list(shape[len(shape) - len(kernel):])
    pads = [int(p) for p in a.get("pads", ())] or [0] * 2 * len(kernel)
    pairs = list(zip(pads[:len(kernel)], pads[len(kernel):]))
    wanted = [_ceil_size(n, k, s, b, e) for n, k, s, (b, e) in zip(spatial, kernel, strides, pairs)]
    kept = [_ceil_size(n + b + e, k, s, 0, 0) for n, k, s, (b, e) in zip(spatial, kernel, strides, pairs)]
    layers = [PaddingLayer([[0, 0], *map(list, pairs)]),
              PoolingLayer(tuple(kernel), stride=tuple(strides), function="Mean", ceil_mode=True)]
    if wanted != kept:
        layers.append(PartLayer(["All", *(f"1;;{w}" if w != k else "All" for w, k in zip(wanted, kept))]))
    return NetChain(layers)


def _ceil_size(n: int, k: int, s: int, before: int, after: int) -> int:
    """torch's ceil_mode output size: windows up to a partial last one, less one starting in the right padding."""
    out = -(-(n + before + after - k) // s) + 1
    return out - 1 if (out - 1) * s >= n + before else out


def _ceil_changes_size(shape: tuple | None, kernel: list, strides: list, pads: list, dilations: list) -> bool:
    """Whether rounding the output size up adds a window in some spatial dim (True when a size is unknown)."""
    spatial = None if shape is None else shape[len(shape) - len(kernel):]
    if spatial is None or not all(isinstance(d, int) and d > 0 for d in spatial):
        return True
    strides, pads = strides or [1] * len(kernel), pads or [0] * 2 * len(kernel)
    for i, (size, k, s, d) in enumerate(zip(spatial, kernel, strides, dilations)):
        span = size + pads[i] + pads[i + len(kernel)] - d * (k - 1) - 1
        if span % s and (span // s + 1) * s < size + pads[i]:  # a further window, starting inside the input
            return True
    return False


def total_pool_patterns(nodes: Any, ctx: Context) -> tuple[dict[int, Converted], set[int]]:
    """Each Mul (by ``id``) of an AveragePool's one use by its window's size -> a "Total" PoolingLayer fed by the pool's
    input, and the ids of those AveragePools; other chains are left to the nodes' own conversions."""
    return chain_patterns(nodes, ctx, "AveragePool", _total, (Unsupported, *NOT_THE_PATTERN))


def _total(pool: Any, ctx: Context) -> tuple[list, PoolingLayer, str] | None:
    """An AveragePool counting its padding (or with none), no ceil_mode, no dilations, whose one use is a Mul by a
    constant that is the window's size throughout and broadcasts into the pool's output: ([pool, mul], the layer, x)."""
    a, out = ctx.attributes(pool), pool.output[0]
    kernel, pads = list(a["kernel_shape"]), list(a.get("pads", ()))
    use = sole_use(out, ctx)
    if (use is None or use[0].op_type != "Mul" or a.get("ceil_mode", 0)
            or (any(pads) and not a.get("count_include_pad", 0)) or any(d != 1 for d in a.get("dilations", ()))):
        return None
    mul = use[0]
    factor = ctx.constants.get(mul.input[1 - use[1]])
    shape = ctx.shapes.get(out)
    if factor is None or not factor.size or np.any(factor != np.prod(kernel)):
        return None
    if factor.size > 1 and not _broadcasts_into(factor.shape, shape):
        return None
    layer = PoolingLayer(tuple(kernel), stride=int_option(a.get("strides"), 1), padding_size=symmetric_pads(a),
                         function="Total")
    return [pool, mul], layer, pool.input[0]


def _broadcasts_into(small: tuple, shape: tuple | None) -> bool:
    """Whether an array of shape ``small`` broadcasts into ``shape`` without adding or widening a dim."""
    if shape is None or len(small) > len(shape):
        return False
    return all(n == 1 or n == d for n, d in zip(reversed(small), reversed(shape)))


POOL_CONVERTERS: dict[str, Callable[[Any, Context], Converted]] = {"MaxPool": _pool("Max"),
                                                                   "AveragePool": _pool("Mean")}
