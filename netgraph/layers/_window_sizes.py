"""The spatial size rules of convolution and pooling windows (ConvolutionLayer, PoolingLayer): the Output's size
from the Input's and back, plain and with torch's ceil_mode, over known sizes and variable lengths.

>>> out_size(28, 3, 1, 0, 1), in_size(26, 3, 1, 0, 1), ceil_out_size(5, 2, 2, 0, 1)
(26, 28, 3)
"""

from __future__ import annotations

from typing import Any

from netgraph.core.length_names import shifted_length, strided_length
from netgraph.core.conflicts import Conflict

__all__ = ["out_size", "in_size", "ceil_out_size", "ceil_in_size"]


def out_size(size: Any, k: int, s: int, p: int, d: int) -> Any:
    """The output size of windows of kernel ``k`` (stride, padding, dilation) over ``size``."""
    return _windows(size, _shift(k, p, d), s, f"kernel {k} (dilation {d}, padding {p})")


def in_size(out: Any, k: int, s: int, p: int, d: int) -> Any:
    """The input size that gives output size ``out`` (None when several do: a stride above 1)."""
    if isinstance(out, str):
        return _lengths_giving(out, _shift(k, p, d), s)
    if not isinstance(out, int) or s != 1:
        return None
    if out - 2 * p + d * (k - 1) < 1:  # the padding alone makes more: no input gives this output
        raise Conflict(f"port 'Output' has a spatial size of {out}, too small for kernel {k} (dilation {d}, "
                       f"padding {p}): an input of size 1 gives {1 + 2 * p - d * (k - 1)}",
                       port="Output", expected=1 + 2 * p - d * (k - 1), found=out)
    return out - 2 * p + d * (k - 1)


def _shift(k: int, p: int, d: int) -> int:
    """What the padding and the kernel's span add to the size: the output is ``ceil((size + shift) / s)``."""
    return 2 * p - d * (k - 1)


def _ceil_shift(k: int, s: int, p: int, d: int) -> int:
    """What ceil_mode adds to the size before striding: its output is ``ceil((size + shift) / s)``."""
    return _shift(k, p, d) - 1 + s


def _windows(size: Any, shift: int, s: int, window: str) -> Any:
    """``ceil((size + shift) / s)`` windows (``window`` says which) over ``size``, a known size or a variable length
    (unknown stays unknown; a variable length "n" gives one named after it); a Conflict where a known size is too
    small for one window."""
    if not isinstance(size, int):
        return strided_length(shifted_length(size, shift), s)
    out = (size + shift - 1) // s + 1
    if out < 1:
        raise Conflict(f"a spatial size of {size} is too small for {window}; it needs at least {1 - shift}",
                       expected=f"at least {1 - shift}", found=size)
    return out


def _lengths_giving(out: str, shift: int, s: int) -> Any:
    """The variable input length whose ``_windows`` is the variable length ``out``."""
    return shifted_length(strided_length(out, s, inverse=True), -shift)


def ceil_out_size(size: Any, k: int, s: int, p: int, d: int) -> Any:
    """torch's ceil_mode: ``ceil((size + 2p - d(k-1) - 1) / s) + 1`` windows, less a last one that would start in
    the right padding; over a variable length only where no window can start there (``s + p <= d(k-1) + 1``)."""
    if isinstance(size, str) and s + p > d * (k - 1) + 1:
        raise Conflict(f"ceil_mode over a variable length ({size}): with stride {s} and padding {p} past the "
                       f"kernel's span {d * (k - 1) + 1}, whether torch drops a last window starting in the padding "
                       f"depends on the length; give it a known size, or a stride at most the span less the padding",
                       expected="a known size", found=size)
    out = _windows(size, _ceil_shift(k, s, p, d), s, f"kernel {k} (dilation {d}, padding {p}, stride {s}, ceil_mode)")
    if isinstance(size, int) and out > 1 and (out - 1) * s >= size + p:  # torch drops a last window that starts
        out -= 1  # in the right padding
    return out


def ceil_in_size(out: Any, k: int, s: int, p: int, d: int) -> Any:
    """``in_size`` under ceil_mode."""
    if isinstance(out, str):
        return _lengths_giving(out, _ceil_shift(k, s, p, d), s)
    return in_size(out, k, s, p, d) if s == 1 else None  # at stride 1 ceil_mode changes nothing
