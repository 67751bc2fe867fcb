"""An array option's values in a spec: numbers only (``numbers``), and of another dtype than float32, which inline
arrays are read as, ``{array: [...], dtype: float64}`` (``array_dtype`` names it when writing, ``typed_values`` reads
it back exactly: float64 by its 17 significant digits, float16 and bfloat16 by each element's shortest decimal).

>>> array_dtype(torch.zeros(2, dtype=torch.float64)), array_dtype(torch.zeros(2))
('float64', None)
"""

from __future__ import annotations

import reprlib
from typing import Any

import torch

from netgraph.core.errors import did_you_mean
from netgraph.core.layer_values import array_dtype
from netgraph.core.naming_scope import quoted
from netgraph.core.options import beyond_range
from netgraph.spec.scalar_spans import OverflowedFloat
from netgraph.spec.yaml_nodes import YMap

__all__ = ["ARRAY_DTYPES", "ARRAY_KEYS", "array_dtype", "typed_values", "numbers"]

ARRAY_DTYPES = {"float16": torch.float16, "bfloat16": torch.bfloat16, "float32": torch.float32,
                "float64": torch.float64}  # an array's ``dtype:`` names, as torch names them
ARRAY_KEYS = ("shared", "array", "dtype")  # the keys of an array option written as a mapping


def typed_values(reader: Any, spec: YMap, values: Any, label: str, layer: tuple | None) -> Any:
    """``values`` (plain nested lists) as a tensor of the dtype ``spec['dtype']`` names, each value read exactly where
    that dtype holds it; FAILED (the problem recorded at ``dtype:``) for a name that is no array dtype, for no values,
    and for a finite value beyond the dtype's range (it would become inf). Values torch cannot read (ragged rows,
    text) are left to the layer, whose error names them."""
    name, loc = spec["dtype"], spec.value_locs["dtype"]
    if not isinstance(name, str) or name not in ARRAY_DTYPES:
        return reader.error(loc, f"{label}an array's dtype is one of {', '.join(ARRAY_DTYPES)}, found {quoted(name)}"
                            f"{did_you_mean(name, ARRAY_DTYPES) if isinstance(name, str) else ''}",
                            kind="option-value", expected=tuple(ARRAY_DTYPES), found=name, layer=layer)
    if values is None:
        return reader.error(loc, f"{label}dtype: {name} goes with the array's values, {{array: [...], dtype: {name}}}; "
                            f"found none", kind="missing-key", expected="array", layer=layer)
    try:
        exact = torch.as_tensor(values, dtype=torch.float64)
        typed = exact.to(ARRAY_DTYPES[name])  # as the writer checked each decimal reads back (one rounding of each)
    except (TypeError, ValueError, RuntimeError):
        return values
    big = beyond_range(exact, ARRAY_DTYPES[name])
    if big is not None:
        return reader.error(loc, f"{label}the array holds {big:.4g}, beyond {name}'s range (it would become inf)",
                            kind="option-value", found=big, layer=layer)
    return typed


def numbers(reader: Any, value: Any, loc: Any, label: str, layer: tuple | None, nested: bool) -> Any:
    """``value``, an array's values, unless a boolean is among them (true is no number: the schema refuses it too)
    or a decimal too large for any float (``1e400``, read as inf: an infinity is written ``.inf``); ``nested``: a
    boolean alone is left to the option (``biases: false`` leaves biases out)."""
    flagged = _first_unread(value)
    if isinstance(flagged, OverflowedFloat):
        return reader.error(loc, f"{label}the array holds {flagged}, beyond float64's range (it would become inf); "
                            f"write .inf for an infinity", layer=layer, kind="option-value", found=flagged)
    if flagged is None or (nested and not isinstance(value, list)):
        return value
    return reader.error(loc, f"{label}an array holds numbers, found the boolean {str(flagged).lower()} in "
                        f"{reprlib.repr(value)}; write 1 or 0", layer=layer, kind="value-type",
                        expected="numbers", found=flagged)


def _first_unread(value: Any) -> bool | OverflowedFloat | None:
    """The first boolean or overflowed decimal in ``value`` or its nested lists, else None."""
    if type(value) in _UNREAD:
        return value
    types = set(map(type, value)) if isinstance(value, list) else set()  # one pass in C over a row of numbers
    if not types.isdisjoint(_UNREAD):
        return next(v for v in value if type(v) in _UNREAD)
    return next((found for item in value if (found := _first_unread(item)) is not None), None) \
        if list in types else None


_UNREAD = {bool, OverflowedFloat}  # an array's items that read as no number it holds
