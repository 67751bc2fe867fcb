"""A Slice by a negative step (``torch.flip(x, [k])`` exports as starts -1, ends -(2**63 - 1), steps -1) of a
non-batch axis k: the axis reversed (a SequenceReverseLayer, between TransposeLayers swapping levels 1 and k for
another level), then the elements the slice takes as a PartLayer span of the reversed axis with the positive step
(``x[s:e:-k]`` is the reversed axis from n - s on, up to its n - 1 - e th element, every k-th)."""

from __future__ import annotations

from typing import Any

from netgraph.core.chain import NetChain
from netgraph.export.onnx_ops import Unsupported
from netgraph.layers import SequenceReverseLayer, TransposeLayer

__all__ = ["reversal", "reversed_span"]

_OPEN = 2 ** 62  # torch marks an open end of a slice by +-(2**63 - 1)


def reversal(level: int) -> Any:
    """A layer reversing ``level`` (1 the first level after the batch)."""
    if level == 1:
        return SequenceReverseLayer()
    swap = TransposeLayer((level, *range(2, level), 1))  # levels 1 and ``level`` swapped: its own inverse
    return NetChain([swap, SequenceReverseLayer(), swap])


def reversed_span(start: int, end: int, step: int, size: Any) -> str | None:
    """The span of the reversed axis (of ``size``, an int or a name) that ``start:end:-step`` takes, as Wolfram's
    ``"a;;b;;k"``; None for the whole axis at step 1. A start or end past the axis is clamped where its size is
    known (as ONNX does); over a length unknown at import they count from the end."""
    if isinstance(size, int):
        first = size - min(max(start + size if start < 0 else start, 0), size - 1)  # 1-based, in the reversed axis
        last = size - 1 - min(max(end + size if end < 0 else end, -1), size - 1)
        if last < first:
            raise Unsupported(f"slice {start}:{end}:{-step} of {size} elements takes none", expected="a slice taking "
                              "some elements", found=f"{start}:{end}:{-step}")
        last = -1 if last == size else last
    else:
        first = 1 if start >= _OPEN else -start if start < 0 else -(start + 1)
        last = -1 if end <= -_OPEN else -end - 1 if end < 0 else -end - 2
    if first == 1 and last == -1 and step == 1:
        return None
    return f"{first};;{last}" + (f";;{step}" if step > 1 else "")
