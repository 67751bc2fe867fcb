"""PartLayer's parts: each level's spec parsed, and the check of the lengths a fixed part is taken from: a level
whose size is known only at the call (a variable length ``"n"``) must hold the part, as a fixed size must when the
net is built.

A span may take every k-th element (Wolfram's ``Span[1, -1, 2]``, ``"1;;-1;;2"``): its level is (start, stop, k).

>>> part_bounds(3, 5), part_bounds(3, 2), part_bounds((2, 3), 2), part_bounds((-3, -2), 4)
((2, 3), None, None, (1, 3))
>>> part_level("1;;-1;;2"), span_length((1, -1, 2), "n"), span_length((2, 6, 3), "n"), span_count((2, 4, 2), 5)
((1, -1, 2), 'n_over_2', 2, 2)
>>> fitting_lengths(3), fitting_lengths((-3, 2)), fitting_lengths((1, -1))
('of at least 3', 'from 3 to 4', 'of at least 1')
"""

from __future__ import annotations

from typing import Any

import torch

from netgraph.core.errors import DataError, OptionError, did_you_mean
from netgraph.core.option_problems import option_problem
from netgraph.core.tracing import tracing
from netgraph.core.length_names import shifted_length, strided_length
from netgraph.layers._modules import LayerModule
from netgraph.layers._shapes import is_int, span_bounds

__all__ = ["part_level", "span_length", "span_count", "span_text", "part_bounds", "fitting_range", "fitting_lengths",
           "stepped_count", "PartModule"]


def part_level(spec: Any) -> Any:
    """An int (≠0), 'All', or a span (start, stop) of 1-based ints (None = open end); a bad spec is reported
    (``option_problem``), 'All' standing in for it."""
    if is_int(spec) and spec != 0:
        return int(spec)
    if spec == "All":
        return "All"
    if bounds := span_bounds(spec, stepped=True):
        return bounds
    return option_problem(OptionError(f"PartLayer: each level must be a non-zero integer (1-based, negative from the "
                                      f"end), 'All', or a span such as '2;;5' or '1;;-1;;2' (a positive step), found "
                                      f"{spec!r}{did_you_mean(spec, ('All',)) if isinstance(spec, str) else ''}",
                                      option="part", expected="a non-zero integer, 'All' or a span",
                                      found=spec), "All")


def span_text(spec: tuple) -> str:
    """A parsed span as written: ``"2;;5"``, ``"1;;-1;;2"``."""
    return ";;".join(map(str, spec))


def span_count(spec: tuple, size: int) -> int:
    """How many elements span ``spec`` takes from a level of known ``size`` (0 when it does not fit)."""
    bounds = part_bounds(spec[:2], size)
    return 0 if bounds is None else len(range(*bounds, spec[2] if len(spec) > 2 else 1))


def span_length(spec: tuple[int, int], size: Any) -> Any:
    """The length of span ``spec`` of a variable length ``size`` ("n"): ``"2;;All"`` is n - 1 (named after n),
    ``"2;;4"`` and ``"-3;;-1"`` are 3, ``"1;;-1;;2"`` ceil(n / 2) (``n_over_2``); None when unknown."""
    start, stop, step = (*spec, 1)[:3]
    if not isinstance(size, str) or (start < 0 < stop):
        return None
    if (start > 0) == (stop > 0):  # both from the front, or both from the end
        return stepped_count(0, stop - start + 1, step) if stop >= start else None
    return strided_length(shifted_length(size, stop - start + 2), step)  # from start (1-based) to stop from the end


def part_bounds(spec: int | tuple[int, int], size: int) -> tuple[int, int] | None:
    """The 0-based [start, stop) of part ``spec`` (a 1-based index, negative from the end, or a span
    (start, stop)) in a level of ``size``; None when the level does not hold it."""
    if isinstance(spec, int):
        start = spec - 1 if spec > 0 else size + spec
        return (start, start + 1) if 0 <= start < size else None
    start = spec[0] - 1 if spec[0] > 0 else size + spec[0]
    stop = spec[1] if spec[1] > 0 else size + spec[1] + 1
    return (start, stop) if 0 <= start < stop <= size else None


def fitting_range(spec: int | tuple[int, int]) -> tuple[int, int | None] | None:
    """The lengths that hold part ``spec``: (least, most, None when unbounded), None when none does; worked out from
    the part's ends, never by trying lengths (a part of 10**9 would take 10**9 steps)."""
    if isinstance(spec, int):
        return abs(spec), None
    start, stop = spec[0], spec[1]
    if (start > 0) == (stop > 0):  # both from the front or both from the end: start must not pass stop
        return (max(abs(start), abs(stop)), None) if start <= stop else None
    if start > 0:  # from the front to the end: the level must reach both ends
        return start - stop - 1, None
    least, most = max(-start, stop), stop - start - 1  # from the end to the front: start must come before stop
    return (least, most) if least <= most else None


def fitting_lengths(spec: int | tuple[int, int]) -> str:
    """The lengths that hold part ``spec``, in words (they are one range: "of at least 3", "from 3 to 4")."""
    if (fits := fitting_range(spec)) is None:
        return "of no size"
    return f"of at least {fits[0]}" if fits[1] is None else f"from {fits[0]} to {fits[1]}"


def stepped_count(start: int, stop: int, step: int) -> int:
    """``len(range(start, stop, step))`` for a positive step, for ends too large for ``len`` (past sys.maxsize)."""
    return max(0, -((start - stop) // step))


class PartModule(LayerModule):
    """``x[index]``, first checking that each level sized only at the call holds its part: ``ranged`` holds
    (dim of ``x``, part, the option's text, the level's name) for each (the compiler names the layer)."""

    def __init__(self, index: tuple, ranged: tuple[tuple[int, Any, str, str], ...]):
        super().__init__()
        self.index, self.ranged, self.layer_label = index, ranged, "PartLayer"
        self.layer_path: tuple[str, ...] | None = None  # the compiler tells its path, for its errors' Diagnostic.layer

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not tracing():
            for dim, spec, text, name in self.ranged:
                if part_bounds(spec, x.shape[dim]) is None:
                    raise DataError(f"{self.layer_label}: part {text} of level {dim} is out of range for a length of "
                                    f"{x.shape[dim]} along {name}; it takes lengths {fitting_lengths(spec)}",
                                    port="Input", layer=self.layer_path, kind="data-shape")
        return x[self.index]
