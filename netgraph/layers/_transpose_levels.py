"""TransposeLayer's permutations as the user may write them: Wolfram's ``"n <-> m"`` swap, and torch's ``permute``
dims with the batch first, which a hint turns into the TransposeLayer that equals them.

>>> level_swap(" 1 <-> 3 ")
(1, 3)
>>> swap_permutation((1, 3), 4)
[3, 2, 1, 4]
>>> torch_dims_hint((0, 2, 3, 1)).split(": ")[1]
'it is TransposeLayer([3, 1, 2]) here (levels count from 1 after the batch)'
>>> torch_dims_hint((1, 0, 2))
''
"""

from __future__ import annotations

import re
from typing import Any

from netgraph.layers._shapes import is_int

__all__ = ["level_swap", "swap_permutation", "torch_dims_hint", "level_groups_advice"]


def level_swap(perm: str) -> tuple[int, int] | None:
    """Wolfram's ``n <-> m`` (levels n and m swapped) as ``(n, m)``; None for a bad swap. Its permutation waits for
    the input's rank (``swap_permutation``): a level the user names may be far past any rank."""
    found = re.fullmatch(r"\s*([1-9][0-9]{0,99})\s*<->\s*([1-9][0-9]{0,99})\s*", perm)  # past 100 digits: int()s limit
    if not found or found.group(1) == found.group(2):
        return None
    return int(found.group(1)), int(found.group(2))


def swap_permutation(swap: tuple[int, int], rank: int) -> list[int]:
    """The permutation of levels 1..rank that swaps the two levels of ``swap`` (both at most ``rank``)."""
    a, b = swap
    return [b if k == a else a if k == b else k for k in range(1, rank + 1)]


def torch_dims_hint(dims: Any) -> str:
    """For torch's ``permute`` dims with the batch first (``(0, 2, 3, 1)``: output dim i is input dim dims[i]): the
    TransposeLayer that equals it (level dims[i] goes to level i), else ''."""
    if not isinstance(dims, (list, tuple)) or not all(is_int(v) for v in dims) or len(dims) < 3 or dims[0] != 0 or \
            sorted(dims) != list(range(len(dims))):
        return ""
    perm = [0] * (len(dims) - 1)
    for level, source in enumerate(dims[1:], 1):
        perm[source - 1] = level
    return (f"; torch's permute({', '.join(map(str, dims))}) counts the batch dim: it is TransposeLayer({perm}) here "
            f"(levels count from 1 after the batch)")


def level_groups_advice(level: Any) -> str:
    """'; Wolfram's FlattenLayer[{{2, 3}, {1}}] is TransposeLayer([3, 1, 2]) then FlattenLayer(1) here' for
    Wolfram's level groups (each output level merges a group's input levels, in order), else ''."""
    if not (isinstance(level, (list, tuple)) and level and all(isinstance(g, (list, tuple)) and g for g in level)):
        return ""
    order = [v for group in level for v in group]
    if not all(is_int(v) for v in order) or sorted(order) != list(range(1, len(order) + 1)):
        return ("; Wolfram's level groups (FlattenLayer[{{2, 3}, {1}}]) are a TransposeLayer putting each group's "
                "levels together, in order, then a ReshapeLayer multiplying each group's sizes")
    perm = [0] * len(order)
    for position, v in enumerate(order, 1):
        perm[v - 1] = position
    steps = [f"TransposeLayer({perm})"] if perm != sorted(perm) else []
    merged = [i for i, group in enumerate(level) if len(group) > 1]
    if merged == [0] or merged == [len(level) - 1]:
        n = len(level[merged[0]]) - 1
        steps.append(f"FlattenLayer({n if merged == [0] else -n})")
    elif merged:
        steps.append("a ReshapeLayer multiplying each group's sizes")
    wolfram = str([list(g) for g in level]).replace("[", "{").replace("]", "}")
    return f"; Wolfram's FlattenLayer[{wolfram}] is {' then '.join(steps)} here"
