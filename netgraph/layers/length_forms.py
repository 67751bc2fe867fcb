"""The forms an output dim's sizes take over the input sizes probed (``function_lengths``): a line ``a * p + b``, a
stride's ceiling ``ceil((a * p + b) / k)``, and a line over sizes that all step by ``k`` (a module taking only even
lengths: ``p / 2`` where ``p`` is even), each with whole ``a > 0``."""

from __future__ import annotations

import math
from collections.abc import Sequence

__all__ = ["affine_form", "stride_form", "size_step", "stepped_form"]


def affine_form(sizes: Sequence[int], found: Sequence[int]) -> tuple[int, int] | None:
    """``(a, b)``, whole ``a > 0``, with ``found`` the sizes ``a * p + b`` at ``sizes`` ``p``, or None."""
    i = next((i for i, p in enumerate(sizes) if p != sizes[0]), None)
    if i is None:
        return None
    a, rest = divmod(found[i] - found[0], sizes[i] - sizes[0])
    b = found[0] - a * sizes[0]
    return (a, b) if not rest and a > 0 and all(o == a * p + b for p, o in zip(sizes, found)) else None


def stride_form(sizes: Sequence[int], found: Sequence[int], max_stride: int) -> tuple[int, int, int] | None:
    """``(a, b, k)``, the smallest stride ``k`` (then the smallest ``a``, ``b``) with ``found`` the sizes
    ``ceil((a * p + b) / k)`` at ``sizes`` ``p``, or None (the last size is the farthest from the first): each
    size ``o`` at ``p`` bounds ``b`` to ``k * (o - 1) - a * p < b <= k * o - a * p``.

    >>> stride_form((5, 6, 7, 8), [2, 3, 3, 4], 8)  # x[:, 1::2]: floor(n / 2)
    (1, -1, 2)
    """
    slope = (found[-1] - found[0]) / (sizes[-1] - sizes[0])
    for k in range(2, max_stride + 1):
        for a in range(max(1, round(slope * k) - 1), round(slope * k) + 2):
            least = max(k * (o - 1) - a * p for p, o in zip(sizes, found)) + 1
            if least <= min(k * o - a * p for p, o in zip(sizes, found)):
                return a, least, k
    return None


def size_step(sizes: Sequence[int]) -> int:
    """The largest step all ``sizes`` are apart by (the gcd of their distances from the first); 0 for one size.

    >>> size_step((6, 8, 12)), size_step((5, 8)), size_step((4,))
    (2, 3, 0)
    """
    return math.gcd(*(p - sizes[0] for p in sizes[1:]))


def stepped_form(sizes: Sequence[int], found: Sequence[int]) -> tuple[int, int, int] | None:
    """``(a, b, k)``, ``k >= 2``, with ``found`` exactly ``(a * p + b) / k`` at ``sizes`` ``p``, where the sizes
    all step by some ``g >= 2`` (``p = g * m + r``) and ``found`` is a line ``a' * m + c`` of ``m``; else None, and None
    for two sizes (any two fit a line: a third, not used to fit it, must confirm it). Such
    sizes fit many ceilings (``ceil(p / 2)`` and ``ceil((p - 1) / 2)`` agree at every even ``p``): the one taken is
    exact there, so sizes that are all multiples of ``k`` give ``b = 0`` for ``p / k``.

    >>> stepped_form((6, 8, 10, 108), [3, 4, 5, 54]), stepped_form((5, 7, 9), [1, 2, 3])  # n_over_2, n_minus_3_over_2
    ((1, 0, 2), (1, -3, 2))
    """
    step = size_step(sizes)
    if step < 2 or len(sizes) < 3 or (line := affine_form([p // step for p in sizes], found)) is None:
        return None
    slope, c = line  # found = slope * (p - r) / step + c
    common = math.gcd(slope, step)
    a, k = slope // common, step // common
    return (a, k * c - a * (sizes[0] % step), k) if k > 1 else None
