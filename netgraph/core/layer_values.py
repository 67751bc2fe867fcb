"""Option values compared, hashed and shown as a layer does (tensors by value, NaN equal to NaN)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import torch

from netgraph.core.shared import same_values

__all__ = ["same_option", "hashed_option", "short_option"]


def same_option(a: Any, b: Any) -> bool:
    """Whether two option values are equal (tensors by shape, dtype and values; NaN equal to NaN)."""
    if isinstance(a, torch.Tensor) or isinstance(b, torch.Tensor):
        return (isinstance(a, torch.Tensor) and isinstance(b, torch.Tensor) and a.shape == b.shape
                and a.dtype == b.dtype and same_values(a, b))
    if isinstance(a, Mapping) and isinstance(b, Mapping):
        return a.keys() == b.keys() and all(same_option(a[k], b[k]) for k in a)
    if isinstance(a, (tuple, list)) and isinstance(b, (tuple, list)):
        return len(a) == len(b) and all(same_option(x, y) for x, y in zip(a, b))
    return a is b or a == b or (_is_nan(a) and _is_nan(b))  # NaN equals NaN, as in arrays (same_values)


def _is_nan(value: Any) -> bool:
    return isinstance(value, float) and math.isnan(value)


def hashed_option(value: Any) -> Any:
    """A hashable stand-in for ``value`` that agrees with ``same_option`` (tensors by shape and dtype)."""
    if isinstance(value, torch.Tensor):
        return ("tensor", tuple(value.shape), value.dtype)
    if isinstance(value, Mapping):
        return frozenset((k, hashed_option(v)) for k, v in value.items())
    if isinstance(value, (tuple, list)):
        return tuple(hashed_option(v) for v in value)
    if _is_nan(value):
        return "nan"  # hash(nan) is the object's since Python 3.10: equal NaNs must hash alike
    try:
        hash(value)
    except TypeError:
        return type(value).__name__
    return value


def short_option(value: Any, shape: bool = False) -> str:
    """An option as a layer's repr shows it (a large array by its shape; a one-dimension shape as its size)."""
    if isinstance(value, torch.Tensor):
        return f"<array {tuple(value.shape)}>" if value.numel() > 6 else repr(value.tolist())
    return repr(value[0] if shape and type(value) is tuple and len(value) == 1 else value)  # a Shape (3,) as typed: 3
