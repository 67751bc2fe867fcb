"""torch's ``group_norm`` (``NormalizationLayer(group_number=g)``'s kernel, torch's ``nn.GroupNorm``) as ONNX, for
``export_onnx``: torch's own symbolic reshapes x to (0, g, -1), which onnxruntime cannot resolve for a batch of 0
(0 elements fit any size at the -1); this one reshapes to (batch, g, C/g, the rest of x's dims), the batch and the
rest read from Shape(x), then InstanceNormalization of the g groups (of a float64 x, cast to float32 and back:
onnxruntime has no InstanceNormalization of double), Reshape back to Shape(x), Mul by the weight and Add of the
bias, as torch's (``onnx_norms.group_norm_patterns`` imports both as one NormalizationLayer)."""

from __future__ import annotations

from typing import Any

import torch

from torch.onnx import JitScalarType, symbolic_helper, symbolic_opset9

from netgraph.export.onnx_symbolic_parts import dim_size, is_none, shape_slice, tensor_rank, unsqueezed

__all__ = ["group_norm"]


@symbolic_helper.parse_args("v", "i", "v", "v", "f", "b")
def group_norm(g: Any, x: Any, groups: int, weight: Any, bias: Any, eps: float, cudnn_enabled: bool) -> Any:
    """The symbolic of ``aten::group_norm``; torch's own where x's channels or rank are unknown."""
    rank, channels = tensor_rank(x), dim_size(x, 1)
    if rank is None or channels is None:
        return symbolic_opset9.group_norm(g, x, groups, weight, bias, eps, cudnn_enabled)
    dtype = JitScalarType.from_value(x).dtype()
    shape = g.op("Shape", x)
    parts = [shape_slice(g, shape, 0, 1),
             g.op("Constant", value_t=torch.tensor([groups, channels // groups], dtype=torch.int64))]
    if rank > 2:
        parts.append(shape_slice(g, shape, 2, rank))
    grouped = g.op("Reshape", x, g.op("Concat", *parts, axis_i=0))
    double = dtype == torch.float64  # ONNX has InstanceNormalization of double, onnxruntime has none: in float
    if double:
        grouped = g.op("Cast", grouped, to_i=JitScalarType.FLOAT.onnx_type())
    ones, zeros = (g.op("Constant", value_t=torch.full((groups,), v, dtype=torch.float32 if double else dtype))
                   for v in (1.0, 0.0))
    normed = g.op("InstanceNormalization", grouped, ones, zeros, epsilon_f=eps)
    if double:
        normed = g.op("Cast", normed, to_i=JitScalarType.DOUBLE.onnx_type())
    normed = g.op("Reshape", normed, shape)
    axes = list(range(1, rank - 1))
    for array, op in ((weight, "Mul"), (bias, "Add")):
        if not is_none(array):
            normed = g.op(op, normed, unsqueezed(g, array, axes) if axes else array)
    return normed
