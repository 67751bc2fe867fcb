"""Wolfram's spans ``start;;stop;;step`` in a FunctionLayer's ``x[[...]]`` (1-based, inclusive, negative from the
end; None for an open end), resolved against a level's size: a fixed size gives a 0-based slice, a size not known
yet a length where both ends count from the start, and a variable length ``"n"`` a slice read per call (negative
from the end) with the derived length PartLayer names too (``2;;`` of n is ``n_minus_1``; a step strides over it).

>>> variable_span(("span", 2, None, 1), "n", 0, ("n", 3)), variable_span(("span", 2, None, 2), "n", 0, ("n", 3))
(((1, None, 1), 'n_minus_1'), ((1, None, 2), 'n_minus_1_over_2'))
>>> span_least_length(("span", 2, -2, 1))
3
"""

from __future__ import annotations

from typing import Any

from netgraph.core.conflicts import Conflict
from netgraph.core.types import format_shape
from netgraph.layers._part_range import fitting_range, span_length, stepped_count
from netgraph.layers._shapes import slice_step

__all__ = ["span_text", "fixed_span", "unsized_span_length", "variable_span", "span_least_length"]


def span_text(span: tuple) -> str:
    """The span as Wolfram writes it: ``2;;``, ``1;;-1;;2``."""
    _, start, stop, step = span
    return f"{'' if start is None else start};;{'' if stop is None else stop}{'' if step == 1 else f';;{step}'}"


def _ends(span: tuple) -> tuple[int, int]:
    """The 1-based ends, an open start 1 and an open end -1 (the last element)."""
    return (1 if span[1] is None else span[1]), (-1 if span[2] is None else span[2])


def fixed_span(span: tuple, size: int, level: int, shape: tuple) -> tuple[int, int, int]:
    """The span of a level of fixed ``size`` as a 0-based (start, stop, step) slice; Conflict when it does not fit."""
    text, step = span_text(span), span[3]
    first, last = (e if e > 0 else size + e + 1 for e in _ends(span))
    if not (1 <= first <= size and 1 <= last <= size):
        raise Conflict(f"Part: the span {text} does not fit level {level + 1} of {format_shape(shape)} (its ends "
                       f"must be in 1..{size} or -{size}..-1)", expected=f"1..{size} or -{size}..-1", found=text)
    if last < first:
        raise Conflict(f"Part: the span {text} selects nothing at level {level + 1} of {format_shape(shape)} (it "
                       f"needs a span that selects something)", expected="a span that selects something", found=text)
    return first - 1, last, slice_step(step)


def unsized_span_length(span: tuple) -> int | None:
    """The length of the span at a level of unknown size: known when both ends count from the start."""
    _, start, stop, step = span
    first = 1 if start is None else start
    return stepped_count(first - 1, stop, step) if first > 0 and stop is not None and stop > 0 else None


def variable_span(span: tuple, size: str, level: int, shape: tuple) -> tuple[tuple[int, int | None, int], Any]:
    """The span of a variable length ``size``: its 0-based slice (negative from the end, so each sequence's own
    elements) and its length, a fixed size or ``size`` changed (``n_minus_2``; a step divides it, rounded up as a
    stride's: ``1;;-1;;2`` of n is ``n_over_2``); Conflict when it has none."""
    first, last, step = *_ends(span), span[3]
    where = f"the span {span_text(span)} of the variable length {size} (level {level + 1} of {format_shape(shape)})"
    if first < 0 < last:
        raise Conflict(f"Part: {where} has no length netgraph can name (its start counts from the end, its end from "
                       f"the start): count both from one end, or the start from the start (2;;-2)",
                       expected="both ends from one end, or i;;-j", found=span_text(span))
    stepped = span_length((first, last, step), size)
    if stepped is None:
        raise Conflict(f"Part: {where} selects nothing (its end is before its start)",
                       expected="a span that selects something", found=span_text(span))
    return (first - 1 if first > 0 else first, last if last > 0 else (last + 1 or None), slice_step(step)), stepped


def span_least_length(span: tuple) -> int:
    """The shortest length the span selects something from (its step aside: a span's first element is taken); 1
    when no length does (the span's shape reports that)."""
    fits = fitting_range(_ends(span))
    return fits[0] if fits else 1
