"""torch's ``scaled_dot_product_attention(..., is_causal=True)`` of float64 tensors (a float64 ``AttentionLayer(
mask="Causal")``) as ONNX, for ``export_onnx``: torch's own symbolic builds its causal mask in the default dtype and
refuses any mask but a float32, float16 or bfloat16 one ("Unsupported type for attn_mask: 7"). This one writes
torch's nodes (Where(Equal(Trilu(Expand(1, (L, S))), 0), -inf, 0) added to the scaled scores, Softmax, MatMul) with
the mask in the query's dtype, so ``onnx_attention`` imports it back as that one layer; any other call is torch's."""

from __future__ import annotations

from typing import Any

import torch

from torch.onnx import JitScalarType, symbolic_helper, symbolic_opset14

from netgraph.export.onnx_symbolic_parts import is_none, shape_slice, tensor_rank

__all__ = ["ATTENTION_OPSET", "scaled_dot_product_attention"]

#: the first opset with Trilu, torch's causal mask (below it torch refuses the op, as before)
ATTENTION_OPSET = 14


@symbolic_helper.parse_args("v", "v", "v", "v", "f", "b", "v", "b")
def scaled_dot_product_attention(g: Any, query: Any, key: Any, value: Any, attn_mask: Any = None,
                                 dropout_p: float = 0.0, is_causal: bool = False, scale: Any = None,
                                 enable_gqa: bool = False) -> Any:
    """The symbolic of ``aten::scaled_dot_product_attention``: torch's, but for a causal one of doubles."""
    dtype = JitScalarType.from_value(query, JitScalarType.UNDEFINED)
    if not is_causal or dtype != JitScalarType.DOUBLE or dropout_p or enable_gqa:
        return symbolic_opset14.scaled_dot_product_attention(g, query, key, value, attn_mask, dropout_p, is_causal,
                                                             scale, enable_gqa)
    if is_none(scale):
        scale = _attention_scale(g, query)
    rank = tensor_rank(key)
    perm = [*range(rank - 2), rank - 1, rank - 2]
    root = g.op("Sqrt", scale)
    scores = g.op("MatMul", g.op("Mul", query, root), g.op("Mul", g.op("Transpose", key, perm_i=perm), root))
    weights = g.op("Softmax", g.op("Add", scores, _causal_mask(g, query, key)), axis_i=-1)
    return g.op("MatMul", weights, value)


def _constant(g: Any, number: float) -> Any:
    return g.op("Constant", value_t=torch.tensor([number], dtype=torch.float64))


def _attention_scale(g: Any, query: Any) -> Any:
    """1 / Sqrt(the query's last size), in double (torch's divides a float32 one by it)."""
    size = shape_slice(g, g.op("Shape", query), -1, 2**62)
    size = g.op("Cast", size, to_i=JitScalarType.DOUBLE.onnx_type())
    return g.op("Div", _constant(g, 1.0), g.op("Sqrt", size))


def _causal_mask(g: Any, query: Any, key: Any) -> Any:
    """torch's causal mask of (L, S), 0 on and below the diagonal and -inf above it, in double."""
    lengths = [shape_slice(g, g.op("Shape", x), -2, -1) for x in (query, key)]
    ones = g.op("Expand", _constant(g, 1.0), g.op("Concat", *lengths, axis_i=0))
    zero = _constant(g, 0.0)
    return g.op("Where", g.op("Equal", g.op("Trilu", ones, upper_i=0), zero), _constant(g, -float("inf")), zero)
