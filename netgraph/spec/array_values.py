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

from netgraph.core.array_items import first_odd_item, path_of_magnitude, ragged_row
from netgraph.core.errors import did_you_mean
from netgraph.core.layer_values import array_dtype
from netgraph.core.naming_scope import quoted
from netgraph.core.options import beyond_range
from netgraph.spec.scalar_spans import OverflowedFloat
from netgraph.spec.yaml_nodes import YMap

__all__ = ["ARRAY_DTYPES", "ARRAY_KEYS", "array_dtype", "typed_values", "numbers", "array_item_at", "item_loc",
           "faulty_item_at"]

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
        return reader.error(array_item_at(spec, big) or loc, f"{label}the array holds {big:.4g}, beyond {name}'s "
                            f"range (it would become inf)",
                            kind="option-value", found=big, layer=layer)
    return typed


def numbers(reader: Any, value: Any, loc: Any, label: str, layer: tuple | None, nested: bool,
            written: Any = None, option: str | None = None) -> Any:
    """``value``, an array's values, unless a boolean is among them (true is no number: the schema refuses it too),
    a decimal too large for any float (``1e400``, read as inf: an infinity is written ``.inf``) or an item of a list
    that is no number (text, null): told at that item's place in ``written`` (the YAML list ``value`` was read from),
    with its 1-based index path; ``nested``: a boolean alone is left to the option (``biases: false`` leaves biases
    out)."""
    flagged = _first_unread(value)
    if flagged is None or (nested and not isinstance(value, list)):
        return value
    item, path = flagged
    at, where, fields = item_loc(written, path) or loc, f" at {list(path)}" if path else "", \
        {"layer": layer, "option": option, "found": item}
    if isinstance(item, OverflowedFloat):
        return reader.error(at, f"{label}the array holds {item}{where}, beyond float64's range (it would become "
                            f"inf); write .inf for an infinity", kind="option-value", **fields)
    what = f"the boolean {str(item).lower()}" if isinstance(item, bool) else "null" if item is None \
        else f"the text {quoted(item)}" if isinstance(item, str) else f"{type(item).__name__} {reprlib.repr(item)}"
    return reader.error(at, f"{label}an array holds numbers, found {what}{where}"
                        f"{'; write 1 or 0' if isinstance(item, bool) else ''}", kind="value-type",
                        expected="numbers", **fields)


def array_item_at(written: Any, found: Any) -> Any:
    """Where in the YAML array ``written`` (a list, or a mapping with ``array:``) is the item a problem with its
    values names: the first row unlike its sibling, else the number of magnitude ``found``; else None."""
    values = written.get("array") if isinstance(written, YMap) else written
    if not isinstance(values, list):
        return None
    ragged = ragged_row(values)
    path = ragged[0] if ragged else path_of_magnitude(values, abs(found)) if isinstance(found, float) else None
    return item_loc(values, path) if path else getattr(values, "loc", None)


def faulty_item_at(value: Any, item: int | None, found: Any) -> Any:
    """Where in a YAML list of scalars (a shape, a kernel) is the item a problem is about: its 0-based ``item``
    where the problem gives one, else the first item equal to ``found`` where that is a scalar; else None."""
    if not hasattr(value, "item_locs") or any(isinstance(v, (list, dict)) for v in value):
        return None  # no YAML list of scalars
    if item is None and not isinstance(found, (list, tuple)):
        item = next((i for i, v in enumerate(value) if type(v) is type(found) and v == found), None)
    return value.item_locs[item] if item is not None and 0 <= item < len(value) else None


def item_loc(written: Any, path: tuple[int, ...]) -> Any:
    """Where the item at 1-based index ``path`` of YAML list ``written`` is, or None (not read from YAML)."""
    loc = None
    for index in path:
        locs = getattr(written, "item_locs", None)
        if locs is None or index > len(locs):
            return loc
        loc, written = locs[index - 1], written[index - 1]
    return loc


def _first_unread(value: Any) -> tuple[Any, tuple[int, ...]] | None:
    """The first boolean or overflowed decimal in ``value`` or its nested lists, or item of a list that is neither
    number nor list, with its 1-based index path; else None."""
    return (value, ()) if type(value) in _UNREAD else first_odd_item(value, _NUMBERS)


_UNREAD = {bool, OverflowedFloat}  # an array's items that read as no number it holds
_NUMBERS = {int, float, list}  # the types of a list's items an array holds
