"""Pieces of netgraph's TorchScript symbolics (``onnx_group_symbolic``, ``onnx_attention_symbolic``) written with
torch's public graph API (``g.op``, a value's ``type()`` and ``node()``), not the exporter's private helpers: a
tensor's rank and a dim's size where known, whether an optional argument is None, a slice of a shape and an
Unsqueeze, each in the form of the graph's opset (attributes before opsets 10 and 13, constant inputs from them)."""

from __future__ import annotations

from typing import Any

import torch

__all__ = ["tensor_rank", "dim_size", "is_none", "shape_slice", "unsqueezed"]


def tensor_rank(x: Any) -> int | None:
    """The rank of the tensor value ``x``; None where the trace does not know it (or ``x`` is no tensor)."""
    kind = x.type()
    return kind.dim() if kind.kind() == "TensorType" else None


def dim_size(x: Any, dim: int) -> int | None:
    """The size of ``x``'s dim ``dim``; None where the trace does not know it."""
    kind = x.type()
    sizes = kind.varyingSizes() if kind.kind() == "TensorType" else None
    return sizes[dim] if sizes is not None and -len(sizes) <= dim < len(sizes) else None


def is_none(value: Any) -> bool:
    """Whether the optional argument ``value`` is None (absent, or a None constant of the trace)."""
    return value is None or value.node().mustBeNone()


def _ints(g: Any, values: list[int]) -> Any:
    return g.op("Constant", value_t=torch.tensor(values, dtype=torch.int64))


def shape_slice(g: Any, shape: Any, start: int, end: int) -> Any:
    """``shape[start:end]`` of the 1-d ``shape``: Slice's attributes before opset 10, its inputs from it."""
    if g.opset < 10:
        return g.op("Slice", shape, axes_i=[0], starts_i=[start], ends_i=[end])
    return g.op("Slice", shape, _ints(g, [start]), _ints(g, [end]), _ints(g, [0]))


def unsqueezed(g: Any, x: Any, axes: list[int]) -> Any:
    """``x`` with size-1 dims inserted at ``axes``: Unsqueeze's attribute before opset 13, its input from it."""
    if g.opset < 13:
        return g.op("Unsqueeze", x, axes_i=axes)
    return g.op("Unsqueeze", x, _ints(g, axes))
