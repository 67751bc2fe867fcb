"""A Slice by a negative step (``torch.flip(x, [k])`` exports as starts -1, ends -(2**63 - 1), steps -1) of a
non-batch axis k: the axis reversed (a SequenceReverseLayer, between TransposeLayers swapping levels 1 and k for
another level), then the elements the slice takes as a PartLayer span of the reversed axis with the positive step
(``x[s:e:-k]`` is the reversed axis from n - s on, up to its n - 1 - e th element, every k-th)."""

from __future__ import annotations

from typing import Any

from netgraph.core.chain import NetChain
from netgraph.export.onnx_ops import Unsupported
from netgraph.layers import SequenceReverseLayer, TransposeLayer

__all__ = ["OPEN_END", "reversal", "reversed_span"]

OPEN_END = 2 ** 62  # torch marks an open end of a slice by +-(2**63 - 1)


def reversal(level: int) -> Any:
    """A layer reversing ``level`` (1 the first level after the batch)."""
    if level == 1:
        return SequenceReverseLayer()
    swap = TransposeLayer((level, *range(2, level), 1))  # levels 1 and ``level`` swapped: its own inverse
    return NetChain([swap, SequenceReverseLayer(), swap])


def reversed_span(start: int, end: int, step: int, size: Any) -> str | None:
    """The span of the reversed axis (of ``size``, an int or a name) that ``start:end:-step`` takes, as Wolfram's
    ``"a;;b;;k"``; None for the whole axis at step 1. A start or end past the axis is clamped where its size is
    known (as ONNX does); over a length unknown at import they count from the end, and a span that takes nothing
    or whose elements depend on the length (ends counted from either end, neither at the axis's) is refused."""
    if isinstance(size, int):
        first = size - min(max(start + size if start < 0 else start, 0), size - 1)  # 1-based, in the reversed axis
        last = size - 1 - min(max(end + size if end < 0 else end, -1), size - 1)
        if last < first:
            raise Unsupported(f"slice {start}:{end}:{-step} of {size} elements takes none", expected="a slice taking "
                              "some elements", found=f"{start}:{end}:{-step}")
        last = -1 if last == size else last
    else:
        first = 1 if start >= OPEN_END else -start if start < 0 else -(start + 1)
        last = -1 if end <= -OPEN_END else -end - 1 if end < 0 else -end - 2
        _refuse_unsure(first, last, f"{start}:{end}:{-step}")
    if first == 1 and last == -1 and step == 1:
        return None
    return f"{first};;{last}" + (f";;{step}" if step > 1 else "")


def _refuse_unsure(first: int, last: int, shown: str) -> None:
    """Unsupported for a span over an axis of unknown length (1-based, negative from the end) that takes nothing
    (``last`` 0, or before ``first`` counted from the same end), or that counts its ends from different ends, neither
    the axis's own (which elements, if any, it takes then depends on the length: ONNX clamps, a span would fail)."""
    same_end = (first > 0) == (last > 0)
    if last == 0 or (same_end and last < first):
        why = "takes none at any length"
    elif not same_end and first != 1 and last != -1:
        why = "takes elements that depend on the length (its ends count from different ends of the axis)"
    else:
        return
    raise Unsupported(f"slice {shown} of an axis of unknown length {why}", expected="a slice taking some elements, "
                      "counted from one end of the axis", found=shown)
