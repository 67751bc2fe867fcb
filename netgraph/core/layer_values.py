"""Option values compared, hashed and shown as a layer does (tensors by value, NaN equal to NaN)."""

from __future__ import annotations

import math
import reprlib
from collections.abc import Mapping
from typing import Any

import torch

from netgraph.core.shared import same_values

__all__ = ["same_option", "hashed_option", "short_option", "short_sequence", "array_dtype"]


def same_option(a: Any, b: Any, _agreed: set | None = None) -> bool:
    """Whether two option values are equal (tensors by shape, dtype and values; NaN equal to NaN). A value is equal to
    itself, and a pair of lists found equal is compared once (``_agreed``: their ids), so lists held many times (``x =
    [x, x]`` thirty times) are not compared once per path to them."""
    if a is b:
        return True
    if isinstance(a, torch.Tensor) or isinstance(b, torch.Tensor):
        return (isinstance(a, torch.Tensor) and isinstance(b, torch.Tensor) and a.shape == b.shape
                and a.dtype == b.dtype and same_values(a, b))
    mappings = isinstance(a, Mapping) and isinstance(b, Mapping)
    if mappings or isinstance(a, (tuple, list)) and isinstance(b, (tuple, list)):
        agreed = set() if _agreed is None else _agreed
        if (id(a), id(b)) in agreed:
            return True
        same = (a.keys() == b.keys() and all(same_option(a[k], b[k], agreed) for k in a) if mappings else
                len(a) == len(b) and all(same_option(x, y, agreed) for x, y in zip(a, b)))
        if same:
            agreed.add((id(a), id(b)))
        return same
    return a == b or (_is_nan(a) and _is_nan(b))  # NaN equals NaN, as in arrays (same_values)


def _is_nan(value: Any) -> bool:
    return isinstance(value, float) and math.isnan(value)


def hashed_option(value: Any, _done: dict | None = None) -> Any:
    """A hashable stand-in for ``value`` that agrees with ``same_option`` (tensors by shape and dtype; a list, tuple
    or mapping by the hash of its items' stand-ins, each distinct one worked out once: ``_done``, id -> stand-in)."""
    if isinstance(value, torch.Tensor):
        return ("tensor", tuple(value.shape), value.dtype)
    if isinstance(value, (Mapping, tuple, list)):
        done = {} if _done is None else _done
        if id(value) not in done:
            done[id(value)] = hash(frozenset((k, hashed_option(v, done)) for k, v in value.items())
                                   if isinstance(value, Mapping) else tuple(hashed_option(v, done) for v in value))
        return done[id(value)]
    if _is_nan(value):
        return "nan"  # hash(nan) is the object's since Python 3.10: equal NaNs must hash alike
    try:
        hash(value)
    except TypeError:
        return type(value).__name__
    return value


def array_dtype(value: Any) -> str | None:
    """The dtype a repr shows and a spec writes (``dtype:``) beside tensor ``value``'s values: its dtype's name, None
    for float32 (what an inline array is read as) and for anything but a floating tensor."""
    if not isinstance(value, torch.Tensor) or not value.is_floating_point() or value.dtype == torch.float32:
        return None
    return str(value.dtype).removeprefix("torch.")


def short_option(value: Any, shape: bool = False) -> str:
    """An option as a layer's repr shows it (a large array by its shape; a one-dimension shape as its size; an array
    of another float dtype than float32, which arrays given as lists are, with that dtype: ``[0.1] (float64)``)."""
    if isinstance(value, torch.Tensor):
        dtype = array_dtype(value) or ""
        if value.numel() > 6:
            return f"<array {tuple(value.shape)}{' ' * bool(dtype)}{dtype}>"
        return f"{value.tolist()!r}{f' ({dtype})' * bool(dtype)}"
    return short_sequence(value[0] if shape and type(value) is tuple and len(value) == 1 else value)  # (3,) as 3


_LONG = 20  # a list or tuple of more items is shown by its first few
_FIRST = reprlib.Repr()
_FIRST.maxlist = _FIRST.maxtuple = 6
_FIRST.maxstring = _FIRST.maxlong = _FIRST.maxother = 80  # an item's repr whole up to 80 characters (was 30 and 40)


def short_sequence(value: Any) -> str:
    """``repr(value)``, but a list or tuple of over 20 items as its first 6, an ellipsis and the count
    (``[1, 2, 3, 4, 5, 6, ... 50000 items]``): a layer's or coder's repr stays short."""
    if not isinstance(value, (list, tuple)) or len(value) <= _LONG:
        return repr(value)
    shown = _FIRST.repr(value)
    return f"{shown[:-1]} {len(value)} items{shown[-1]}"
