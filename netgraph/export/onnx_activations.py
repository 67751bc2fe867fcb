"""ONNX activations with an option: Gelu, Elu, Selu, LeakyRelu (ElementwiseLayer); PRelu and
Where(x > 0, x, slope * x) (ParametricRampLayer; x <= 0 swapped too); Where(x >= 0, x, slope * x) of one slope (an
ElementwiseLayer: its gradient at 0 is 1, ParametricRampLayer's the slope).

The defaults map to named functions (``Gelu`` -> ``"GELU"``, ``Elu`` with alpha 1 -> ``"ELU"``, ``Selu`` -> ``"SELU"``);
other options to an ElementwiseLayer expression of ONNX's (or torch's) own definition, its constant as the model
computes with it (``model_number``): in a float32 model the float32's exact value (the product rounds as ONNX's does),
in a float64 model the number written (0.2, not 0.20000000298023224; HardSigmoid's alpha 1/6 as 1/6).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from netgraph.core.plain_numbers import written_float
from netgraph.export.onnx_logic import LOGIC_CONVERTERS
from netgraph.export.onnx_ops import Context, Converted, Unsupported, text
from netgraph.layers import ElementwiseLayer, ParametricRampLayer
from netgraph.layers.expression_errors import wolfram_number

__all__ = ["ACTIVATION_CONVERTERS", "expression_number", "model_number"]

#: torch's tanh approximation of GELU (its ``approximate="tanh"``): 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))
_GELU_TANH = "0.5 * # * (1 + Tanh[0.7978845608028654 * (# + 0.044715 * # * # * #)])"


def model_number(value: Any, ctx: Context, reciprocal: bool = False) -> float:
    """A FLOAT attribute (a Python float) or a constant's element as the model computes with it: in a float32 model
    the float32's exact value (0.2 is 0.20000000298023224: products round as ONNX's do); in a float64 model the number
    written (``written_float``: 0.2; a float64 constant its own value). ``reciprocal``: a whole number's reciprocal
    where the float32 is that one's (torch's Hardsigmoid writes 1/6 as alpha; elsewhere 0.16666667 is as typed)."""
    exact = float(np.float32(value))
    if ctx.real_dtype != np.float64:
        return exact
    narrow = type(value) is float or getattr(value, "dtype", None) == np.float32
    whole = round(1 / exact) if reciprocal and narrow and math.isfinite(exact) and 0 < exact < 0.5 else 0
    return 1 / whole if whole and float(np.float32(1 / whole)) == exact else written_float(value)


def expression_number(value: Any, ctx: Context, reciprocal: bool = False) -> str:
    """``model_number`` as an expression's literal."""
    return wolfram_number(model_number(value, ctx, reciprocal))


def _gelu(node: Any, ctx: Context) -> Converted:
    approximate = text(ctx.attributes(node).get("approximate", b"none"))
    if approximate not in ("none", "tanh"):
        raise Unsupported(f"approximate={approximate!r} is neither 'none' (GELU) nor 'tanh'", attribute="approximate",
                          expected=("none", "tanh"), found=approximate)
    return Converted(ElementwiseLayer("GELU" if approximate == "none" else _GELU_TANH), (node.input[0],))


def _elu(node: Any, ctx: Context) -> Converted:
    alpha = float(ctx.attributes(node).get("alpha", 1.0))
    function = "ELU" if alpha == 1.0 else f"If[# > 0, #, {expression_number(alpha, ctx)} * (Exp[#] - 1)]"
    return Converted(ElementwiseLayer(function), (node.input[0],))


#: ONNX's Selu defaults (float32), those of SELU and torch.selu.
_SELU = (np.float32(1.67326319217681884765625), np.float32(1.05070102214813232421875))


def _selu(node: Any, ctx: Context) -> Converted:
    """``"SELU"`` at ONNX's default alpha and gamma, else its definition gamma (x > 0 ? x : alpha (e^x - 1))."""
    a = ctx.attributes(node)
    alpha, gamma = (np.float32(a.get(k, d)) for k, d in zip(("alpha", "gamma"), _SELU))
    function = ("SELU" if (alpha, gamma) == _SELU else
                f"{expression_number(gamma, ctx)} * If[# > 0, #, {expression_number(alpha, ctx)} * (Exp[#] - 1)]")
    return Converted(ElementwiseLayer(function), (node.input[0],))


def _leaky_relu(node: Any, ctx: Context) -> Converted:
    """A fixed slope: an ElementwiseLayer (ParametricRampLayer's slope would be trained)."""
    alpha = float(ctx.attributes(node).get("alpha", 0.01))
    return Converted(ElementwiseLayer(f"If[# > 0, #, {expression_number(alpha, ctx)} * #]"), (node.input[0],))


def _prelu(node: Any, ctx: Context) -> Converted:
    return Converted(_ramp(ctx.const(node.input[1], "slope"), node.input[0], ctx), (node.input[0],))


def _ramp(slope: np.ndarray, x: str, ctx: Context) -> Any:
    """x where x > 0, slope * x at 0 and below, the slope (in the model's real dtype) broadcast to x:
    ParametricRampLayer over the levels where the slope has more than one element (``levels=[]``, one slope, when it
    has one)."""
    slope, rank = ctx.real(slope), ctx.rank(x)
    if rank is None or slope.ndim > rank:
        raise Unsupported(f"a slope of shape {slope.shape} for an input of unknown or lower rank",
                          expected="an input of known rank, at least the slope's", found=tuple(slope.shape))
    aligned = (1,) * (rank - slope.ndim) + slope.shape
    if aligned[0] != 1:
        raise Unsupported(f"a slope of shape {slope.shape} varies along the batch dim",
                          expected="a slope constant along the batch dim", found=tuple(slope.shape))
    levels = [d for d in range(1, rank) if aligned[d] != 1]
    values = slope.reshape([aligned[d] for d in levels])
    return ParametricRampLayer(levels, slope=values) if levels else ParametricRampLayer([], slope=values)


def _ramp_parts(node: Any, ctx: Context) -> tuple[str, np.ndarray, bool] | None:
    """``Where(x > 0, x, slope * x)`` (how our ParametricRampLayer exports) or ``Where(x <= 0, slope * x, x)``: (x,
    slope, True); of ``x >= 0`` or ``x < 0`` (x where x is 0: a gradient of 1 there), a single slope: (x, slope,
    False); None: any other Where."""
    if node.op_type != "Where" or len(node.input) != 3:
        return None
    test = ctx.producers.get(node.input[0])
    if test is None or test.op_type not in _TESTS or len(test.input) != 2:
        return None
    strict, swapped = _TESTS[test.op_type]
    x, scaled = (node.input[2], node.input[1]) if swapped else node.input[1:]
    other = ctx.producers.get(scaled)
    zero = test.input[0] == x and test.input[1] in ctx.constants and not np.any(ctx.constants[test.input[1]])
    if not zero or other is None or other.op_type != "Mul" or x not in other.input:
        return None
    slope = [name for name in other.input if name != x]
    if len(slope) != 1 or slope[0] not in ctx.constants:
        return None
    values, rank = ctx.constants[slope[0]], ctx.rank(x)
    single = values.size == 1 and rank is not None and values.ndim <= rank
    return (x, values, strict) if strict or single else None


def _where(node: Any, ctx: Context) -> Converted:
    """Where(x > 0, x, slope * x) (or x <= 0 swapped): a ParametricRampLayer, whose gradient at 0 is the slope; of
    x >= 0 (or x < 0 swapped) and one slope, an ElementwiseLayer, gradient 1 at 0; any other Where a FunctionLayer
    (onnx_logic)."""
    parts = _ramp_parts(node, ctx)
    if parts is None:
        return LOGIC_CONVERTERS["Where"](node, ctx)
    x, slope, strict = parts
    if strict:
        return Converted(_ramp(slope, x, ctx), (x,))
    return Converted(ElementwiseLayer(f"If[# >= 0, #, {expression_number(np.ravel(slope)[0], ctx)} * #]"), (x,))


def _test(node: Any, ctx: Context) -> Converted:
    """``x > 0`` (``x >= 0``, ``x <= 0``, ``x < 0``) tested by leaky ramps only: nothing (each Where becomes a layer
    of x); else a FunctionLayer of 1 where it holds (onnx_logic)."""
    uses = ctx.consumers.get(node.output[0], [])
    if uses and node.output[0] not in ctx.graph_outputs and all(i == 0 and _ramp_parts(c, ctx) for c, i in uses):
        return Converted(alias=node.input[0])
    return LOGIC_CONVERTERS[node.op_type](node, ctx)


#: the compares of a leaky ramp's Where: (strict, as ParametricRampLayer's x > 0; swapped, the slope's branch first)
_TESTS = {"Greater": (True, False), "LessOrEqual": (True, True), "GreaterOrEqual": (False, False),
          "Less": (False, True)}
ACTIVATION_CONVERTERS: dict[str, Callable[[Any, Context], Converted]] = {
    **LOGIC_CONVERTERS, "Gelu": _gelu, "Elu": _elu, "Selu": _selu, "LeakyRelu": _leaky_relu, "PRelu": _prelu,
    "Where": _where,
    **{op: _test for op in _TESTS}}
