"""How deep and how large a user's value of nested lists, tuples and mappings is, measured once per distinct list:
a list held many times (``x = [x, x]`` thirty times over: 2**30 members when expanded, 31 lists) or holding itself
(``b = []; b.append(b)``) is measured in time linear in its distinct lists, without recursion, where walking it as
nested values would double at each level or never end. Layer making refuses such an option value at once
(``layer_making``), so that the walks after it (checks, freezing, printing, writing) stay bounded.

>>> x = 0
>>> for _ in range(30):
...     x = [x, x]
>>> value_extent(x)
Extent(depth=30, members=2147483646, cyclic=False)
>>> b = []
>>> b.extend([b, b])
>>> value_extent(b).cyclic, value_extent({"a": (1, [2])}), value_extent(3)
(True, Extent(depth=3, members=5, cyclic=False), Extent(depth=0, members=0, cyclic=False))
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from typing import Any, NamedTuple

__all__ = ["Extent", "value_extent", "NESTED"]

NESTED = (list, tuple, Mapping)  # what a value nests: each a level; a mapping's keys and values its members


class Extent(NamedTuple):
    """A value's ``depth`` (levels of nested containers; a scalar 0), ``members`` (of every container, each
    repeat counted: as many as walking it as nested values meets) and whether it holds itself (``cyclic``: then
    endless, and depth and members are 0)."""

    depth: int
    members: int
    cyclic: bool


def value_extent(value: Any, kinds: tuple[type, ...] = NESTED) -> Extent:
    """``value``'s Extent, its containers the instances of ``kinds`` (see the module): each distinct one measured
    once, depth first on an explicit stack; a container met again inside itself makes it ``cyclic``."""
    if not isinstance(value, kinds):
        return Extent(0, 0, False)
    measured: dict[int, tuple[int, int]] = {}  # id -> (depth, members), of containers measured
    open_ids: set[int] = set()  # the containers on the path being walked (a child among them: a cycle)
    stack: list[list] = [[value, None]]  # [container, its containers (None: not yet listed)]
    while stack:
        entry = stack[-1]
        node, inner = entry
        if inner is None:
            if id(node) in measured:  # listed twice before it was measured
                stack.pop()
                continue
            entry[1] = inner = _inner(node, kinds)
            open_ids.add(id(node))
            unique = list({id(child): child for child in inner}.values())
            if not open_ids.isdisjoint(map(id, unique)):
                return Extent(0, 0, True)
            if _flat_sequences(unique, kinds):  # (an array's rows) measured at once, in C
                measured.update(zip(map(id, unique), zip(itertools.repeat(1), map(len, unique))))
                continue
            for child in unique:
                if id(child) in measured:
                    continue
                if _inner(child, kinds):
                    stack.append([child, None])
                else:  # (most lists: numbers alone) measured at once
                    measured[id(child)] = (1, len(child) * (2 if _is_mapping(child) else 1))
            continue
        stack.pop()
        open_ids.discard(id(node))
        depths = [measured[id(child)] for child in inner]
        measured[id(node)] = (1 + max((d for d, _ in depths), default=0),
                              len(node) * (2 if _is_mapping(node) else 1) + sum(m for _, m in depths))
    return Extent(*measured[id(value)], False)


def _inner(node: Any, kinds: tuple[type, ...]) -> list:
    """The containers among ``node``'s members (a mapping's keys and values); found in one pass in C where it
    holds none (a 16M-item list of numbers)."""
    members = [x for pair in node.items() for x in pair] if _is_mapping(node) else node
    found = [kind for kind in set(map(type, members)) if issubclass(kind, kinds)]
    if not found:
        return []
    return [x for x in members if type(x) is found[0]] if len(found) == 1 else [x for x in members
                                                                                if isinstance(x, kinds)]


def _flat_sequences(nodes: list, kinds: tuple[type, ...]) -> bool:
    """Whether ``nodes`` are all lists or tuples holding no container (found in C)."""
    return all(type(node) is list or type(node) is tuple for node in nodes) and not any(
        issubclass(kind, kinds) for kind in set(map(type, itertools.chain.from_iterable(nodes))))


def _is_mapping(node: Any) -> bool:
    return type(node) is not list and type(node) is not tuple and isinstance(node, Mapping)  # (abc's check is slow)
