"""numpy's and torch's numbers as Python's: one rule for every place that takes a number (layer options,
distribution parameters, rule values, net_train's options), so that they compare, hash and write as the
numbers written.

A narrower float (float16, float32) is the decimal written: its shortest decimal at its own precision where that
reads back as the same narrow value, np.float32(0.1) is 0.1, not 0.10000000149011612; a whole number below 2**53
keeps its stored value, which that decimal may round (np.float16(65504) is 65504.0, not 6.55e+04; np.float32(123456789)
is 123456792.0, not 1.2345679e+08); a larger one, written with an exponent anyway, the shortest decimal
(np.float32(1e20) is 1e+20, not 1.0000000200408773e+20).
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any

import numpy as np
import torch


#: whole numbers below this keep their stored value (written without an exponent); above, the shortest decimal
_EXACT_WHOLE = 2.0 ** 53


def plain_number(value: Any) -> Any:
    """``value`` as Python's int, float, bool (or str) when it is a numpy scalar or a 0-d array or tensor;
    ``value`` itself otherwise.

    >>> plain_number(np.float32(0.1)), plain_number(np.float16(65504)), plain_number(torch.tensor(0.3))
    (0.1, 65504.0, 0.3)
    >>> plain_number(np.float32(123456789)), plain_number(np.array(7)), plain_number("a")
    (123456792.0, 7, 'a')
    """
    if isinstance(value, torch.Tensor):
        if value.dim() != 0:
            return value
        value = value.detach().cpu()
        if value.dtype == torch.bfloat16:  # numpy has no bfloat16
            return _bfloat16_written(value)
        value = value.numpy()
    if isinstance(value, np.generic) or isinstance(value, np.ndarray) and value.ndim == 0:
        written = as_written(np.asarray(value))
        return (value if written is None else written).item()
    return value


def written_float(value: Any) -> float:
    """A float32 (an ONNX FLOAT attribute, which reads as Python's float, or constant) as ``plain_number`` writes every
    number: the decimal it was written from, 1e-5, not 9.99999974738e-06 (a whole number its value, 123456792); a
    float64 constant's value is its own (2**24 + 1, 1e300)."""
    return float(plain_number(np.float32(value) if type(value) is float else value))


def as_written(array: np.ndarray) -> np.ndarray | None:
    """A float16 or float32 ``array`` as float64, each element the decimal written (see the module); None for any
    other dtype. Each element goes through its decimal: 1M elements take about a second and 130 MiB."""
    if array.dtype.kind != "f" or array.dtype.itemsize >= 8:
        return None
    exact = array.astype(np.float64)
    written = array.astype(str).astype(np.float64)  # numpy's shortest decimals at the array's own precision
    whole = (exact == np.floor(exact)) & (np.abs(exact) < _EXACT_WHOLE)  # an integer float64 holds exactly
    keep = (written.astype(array.dtype) == array) & ~whole & np.isfinite(exact)
    return np.where(keep, written, exact)


def _bfloat16_written(value: torch.Tensor) -> float:
    """A 0-d bfloat16 tensor's decimal written (its 8 bits need at most 4 digits), as ``as_written``'s."""
    exact = float(value)
    if math.isfinite(exact) and not (exact == math.floor(exact) and abs(exact) < _EXACT_WHOLE):
        for digits in range(1, 5):
            if torch.tensor(written := float(f"{exact:.{digits}g}"), dtype=torch.bfloat16) == value:
                return written
    return exact


def plain_numbers(layer: Any, arrays: bool = False) -> bool:
    """Replace numpy scalars in ``layer``'s options (inside lists and tuples too) by Python's int, float or bool, as
    Python's own numbers are what layers check for; True when any was replaced (the layer then checks again).
    ``arrays``: numpy arrays by their lists too (a coder's options: labels from ``list(np.unique(y))`` are numpy
    scalars, which YAML cannot write; ``plain_value``)."""
    changed = False
    for field in dataclasses.fields(layer):
        value = getattr(layer, field.name)
        plain = plain_value(value, arrays)
        if plain is not value:
            object.__setattr__(layer, field.name, plain)
            changed = True
    return changed


def plain_value(value: Any, arrays: bool = False, _done: dict | None = None) -> Any:
    """``value`` with numpy scalars replaced by Python's (np.int64(3) -> 3, np.str_ -> str) at any depth of lists and
    tuples, a real 0-d tensor by its number (in lists and tuples too; not a meta tensor, which has none: the option
    check refuses it), and with ``arrays`` numpy arrays by their lists too (a layer's array option stays an array);
    ``value`` itself where nothing is replaced. Narrower floats, and their arrays, are the decimals written. A list
    held many times is walked once (``_done``: id -> its plain value; ``x = [x, x]`` thirty times is 31 lists), and
    one holding itself is kept as it is there.

    >>> plain_value([[np.int64(1)], (np.str_("a"), np.array([2]), np.array([0.1], np.float32))], arrays=True)
    [[1], ('a', [2], [0.1])]
    """
    if isinstance(value, torch.Tensor) and value.dim() == 0 and not value.requires_grad and not value.is_meta \
            and not value.is_complex() and value.dtype != torch.bool:  # a real 0-d tensor: a number
        return plain_number(value)
    if type(value).__module__ == "numpy":
        if getattr(value, "ndim", None) == 0 and hasattr(value, "item"):
            return plain_number(value)
        if not arrays or not hasattr(value, "tolist"):
            return value
        written = as_written(value) if isinstance(value, np.ndarray) else None
        return (value if written is None else written).tolist()
    if isinstance(value, (list, tuple)) and type(value) in (list, tuple):
        if not any(k is list or k is tuple or k.__module__ == "numpy" or issubclass(k, torch.Tensor)
                   for k in set(map(type, value))):
            return value  # nothing to replace, found in one pass in C (a 16M-item array option: 0.3 s, not 5 s)
        done = {} if _done is None else _done
        if id(value) in done:
            return done[id(value)]
        done[id(value)] = value  # (inside itself: itself)
        items = [plain_value(v, arrays, done) for v in value]
        done[id(value)] = type(value)(items) if any(a is not b for a, b in zip(items, value)) else value
        return done[id(value)]
    return value
