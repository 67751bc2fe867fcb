"""``as_tensor``: ``torch.as_tensor`` for data from users, also numpy arrays torch refuses as they are.

>>> import numpy
>>> as_tensor(numpy.arange(3, dtype=">f4")).tolist(), as_tensor(numpy.arange(3)[::-1]).tolist()
([0.0, 1.0, 2.0], [2, 1, 0])
>>> as_tensor([1e300, 1.0]).dtype
torch.float64
"""

from __future__ import annotations

import numbers
import sys
from typing import Any

import numpy
import torch

__all__ = ["as_tensor", "native_array", "bfloat16_tensor", "unread_dtype"]


def native_array(value: Any) -> Any:
    """A numpy array in the other byte order (big-endian ``'>f4'`` on this machine), with negative strides
    (``a[::-1]``) or read-only (torch warns on sharing it: writes through the tensor would be undefined) as a
    native, contiguous, writeable copy with the same values; any other value as it is (a writeable array: no copy)."""
    if isinstance(value, numpy.ndarray) and (not value.dtype.isnative or any(s < 0 for s in value.strides)
                                             or not value.flags.writeable):
        return numpy.array(value, dtype=value.dtype.newbyteorder("="), order="C")
    return value


def bfloat16_tensor(value: Any) -> torch.Tensor | None:
    """A numpy array of ml_dtypes' bfloat16 (onnx's reading of a BFLOAT16 initializer; torch takes no such array) as
    a bfloat16 tensor of the same bits, else None.

    >>> import ml_dtypes
    >>> bfloat16_tensor(numpy.array([1.5, -2.0], dtype=ml_dtypes.bfloat16)), bfloat16_tensor(numpy.zeros(1))
    (tensor([ 1.5000, -2.0000], dtype=torch.bfloat16), None)
    """
    if isinstance(value, numpy.ndarray) and value.dtype.name == "bfloat16" and value.dtype.itemsize == 2:
        return torch.from_numpy(numpy.array(value, order="C").view(numpy.int16)).view(torch.bfloat16)
    return None


def unread_dtype(value: Any) -> str | None:
    """The name of a numpy array's dtype of ml_dtypes' that ``as_tensor`` does not read (float8, int4: torch takes no
    such array), else None."""
    if isinstance(value, numpy.ndarray) and value.dtype.type.__module__.startswith("ml_dtypes") \
            and value.dtype.name != "bfloat16":
        return value.dtype.name
    return None


def _is_masked_array(value: Any) -> bool:
    """Whether ``value`` is a numpy masked array; numpy loads numpy.ma lazily, and a value can only be one once it
    is loaded (so plain data does not import it)."""
    return (ma := sys.modules.get("numpy.ma")) is not None and isinstance(value, ma.MaskedArray)


def as_tensor(value: Any, **kwargs: Any) -> torch.Tensor:
    """``torch.as_tensor(value, **kwargs)``, a numpy array first made ``native_array`` (torch refuses it otherwise); a
    ValueError for a masked array with masked entries, whose stored numbers there are no data (torch would read
    them). Python's floats that float32 cannot hold (``[1e300]``) come as float64, not as infinities, so the
    caller's range check sees them."""
    if _is_masked_array(value) and (masked := int(numpy.ma.count_masked(value))):
        raise ValueError(f"it has {masked} masked (missing) value{'s' * (masked > 1)}, whose stored numbers are no "
                         f"data; fill them (x.filled(0.0)) or drop those examples")
    if _same_shape_arrays(value):  # torch reads them number by number (10x slower, with a warning): stacked
        value = numpy.stack([native_array(v) for v in value])
    if (bf16 := bfloat16_tensor(value)) is not None:
        return bf16.to(**kwargs)
    try:
        x = torch.as_tensor(native_array(value), **kwargs)
    except (TypeError, ValueError, RuntimeError) as exc:
        if type(value) in (list, tuple) and (place := _no_number(value, "")):
            raise ValueError(place) from exc
        raise
    if not kwargs and type(value) in (list, tuple, float) and x.dtype == torch.float32 and bool(x.isinf().any()):
        return torch.as_tensor(value, dtype=torch.float64)  # Python's floats past float32's range (1e300): kept
    return x


def _same_shape_arrays(value: Any) -> bool:
    """Whether ``value`` is a list or tuple of numpy arrays of one shape."""
    return (type(value) in (list, tuple) and len(value) > 0 and all(type(v) is numpy.ndarray for v in value)
            and len({v.shape for v in value}) == 1)


def _no_number(value: Any, path: str) -> str:
    """'item [1][2] is None, not a number' for the first item of nested lists that is no number, array or tensor
    ('' when there is none: lists of different lengths, say)."""
    for i, item in enumerate(value):
        where = f"{path}[{i}]"
        if type(item) in (list, tuple):
            if found := _no_number(item, where):
                return found
        elif isinstance(item, str):
            return f"item {where} is the text {item!r:.40}, not a number{_csv_hint(item)}"
        elif not isinstance(item, (numbers.Number, numpy.ndarray, numpy.generic, torch.Tensor)):
            return f"item {where} is {item!r:.40}, not a number" if item is None else \
                f"item {where} is {type(item).__name__} {item!r:.40}, not a number"
    return ""


def _csv_hint(text: str) -> str:
    """' (a .csv's cells are text: ...)' for a text that reads as a number, as the csv module gives a cell ('' else)."""
    try:
        float(text)
    except ValueError:
        return ""
    return " (a .csv's cells are text: convert them, float(cell))"
