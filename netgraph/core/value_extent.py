"""How deep and how large a user's value of nested lists, tuples and mappings is, measured once per distinct list:
a list held many times (``x = [x, x]`` thirty times over: 2**30 members when expanded, 31 lists) or holding itself
(``b = []; b.append(b)``) is measured in time linear in its distinct lists, without recursion, where walking it as
nested values would double at each level or never end. Layer making refuses such an option value at once
(``layer_making``), so that the walks after it (checks, freezing, printing, writing) stay bounded.

>>> x = 0
>>> for _ in range(30):
...     x = [x, x]
>>> value_extent(x)
Extent(depth=30, members=2147483646, elements=1073741824, cyclic=False)
>>> b = []
>>> b.extend([b, b])
>>> value_extent(b).cyclic, value_extent({"a": (1, [2])}), value_extent(3)
(True, Extent(depth=3, members=5, elements=3, cyclic=False), Extent(depth=0, members=0, elements=0, cyclic=False))
"""

from __future__ import annotations

import itertools
import operator
import sys
from collections.abc import Mapping
from typing import Any, NamedTuple

__all__ = ["Extent", "value_extent", "NESTED", "TREE_DEPTH"]

TREE_DEPTH = 64  # levels walked level by level; a value nested deeper is measured per distinct container
NESTED = (list, tuple, Mapping)  # what a value nests: each a level; a mapping's keys and values its members
_SCALARS = frozenset({int, float, str, bool, type(None)})  # members no kind of container is


class Extent(NamedTuple):
    """A value's ``depth`` (levels of nested containers; a scalar 0), ``members`` (of every container, each
    repeat counted: as many as walking it as nested values meets), ``elements`` (those members that are not
    containers: an array's numbers) and whether it holds itself (``cyclic``: then endless, and the counts 0)."""

    depth: int
    members: int
    elements: int
    cyclic: bool


def value_extent(value: Any, kinds: tuple[type, ...] = NESTED) -> Extent:
    """``value``'s Extent, its containers the instances of ``kinds`` (see the module): level by level, in C, while
    no container is met twice (a tree: an array's rows); else each distinct one measured once (``_shared_extent``)."""
    if not isinstance(value, kinds):
        return Extent(0, 0, 0, False)
    if (type(value) is tuple or type(value) is list) and _SCALARS.issuperset(map(type, value)):
        return Extent(1, len(value), len(value), False)  # a flat one, as a (3, 3) kernel size: the walk's result
    level, found, depth, members, elements = [value], [type(value)], 0, 0, 0
    while level:
        depth += 1
        has_mappings = any(map(_is_mapping_type, found))
        count = sum(map(_size, level)) if has_mappings else sum(map(len, level))
        members += count
        level, found = _containers_within(level, kinds, has_mappings)
        elements += count - len(level)
        if level and not _each_held_once(level, depth):  # a container met again: shared, or inside itself
            return _shared_extent(value, kinds)
    return Extent(depth, members, elements, False)


def _each_held_once(level: list, depth: int) -> bool:
    """Whether no container of ``level`` (those at ``depth``) is held twice within it, nor is any container
    above it (then the walk, level by level, meets each member once, and stays within TREE_DEPTH levels: a cycle
    is endless). Checked in C: each held by its container alone (CPython's reference counts, as a fresh array's
    rows are), else by sorting their ids."""
    if depth > TREE_DEPTH:
        return False
    if set(map(sys.getrefcount, level)) == _HELD_ONCE:
        return True
    ids = sorted(map(id, level))
    return not any(map(operator.eq, ids, itertools.islice(ids, 1, None)))


def _containers_within(level: list, kinds: tuple[type, ...], has_mappings: bool) -> tuple[list, list[type]]:
    """The containers among the members of the containers ``level`` (a mapping's keys and values), each repeat
    kept, and their types; found in C where they are all containers or none are (an array's rows, its numbers)."""
    def members() -> Any:
        if not has_mappings:
            return itertools.chain.from_iterable(level)
        return itertools.chain.from_iterable(
            itertools.chain.from_iterable(node.items()) if _is_mapping(node) else node for node in level)
    types = set(map(type, members()))
    found = [kind for kind in types if issubclass(kind, kinds)]
    if not found:
        return [], found
    if len(found) == len(types):
        return list(members()), found
    return [x for x in members() if isinstance(x, kinds)], found


def _shared_extent(value: Any, kinds: tuple[type, ...]) -> Extent:
    """``value``'s Extent, each distinct container measured once, depth first on an explicit stack; a container
    met again inside itself makes it ``cyclic``."""
    measured: dict[int, tuple[int, int, int]] = {}  # id -> (depth, members, elements), of containers measured
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
                return Extent(0, 0, 0, True)
            for child in unique:
                if id(child) in measured:
                    continue
                if _inner(child, kinds):
                    stack.append([child, None])
                else:  # (most lists: numbers alone) measured at once
                    measured[id(child)] = (1, _size(child), _size(child))
            continue
        stack.pop()
        open_ids.discard(id(node))
        depths = [measured[id(child)] for child in inner]
        measured[id(node)] = (1 + max((d for d, _, _ in depths), default=0), _size(node) + sum(m for _, m, _ in depths),
                              _size(node) - len(inner) + sum(e for _, _, e in depths))
    return Extent(*measured[id(value)], False)


def _size(node: Any) -> int:
    """How many members ``node`` has (a mapping's keys and values)."""
    return len(node) * (2 if _is_mapping(node) else 1)


def _inner(node: Any, kinds: tuple[type, ...]) -> list:
    """The containers among ``node``'s members (a mapping's keys and values); found in one pass in C where it
    holds none (a 16M-item list of numbers)."""
    members = [x for pair in node.items() for x in pair] if _is_mapping(node) else node
    found = [kind for kind in set(map(type, members)) if issubclass(kind, kinds)]
    if not found:
        return []
    return [x for x in members if type(x) is found[0]] if len(found) == 1 else [x for x in members
                                                                                if isinstance(x, kinds)]


def _is_mapping(node: Any) -> bool:
    return _is_mapping_type(type(node))


def _held_once() -> set[int]:
    """The reference counts ``_each_held_once`` sees of a container that its container alone holds."""
    held = [[]]
    return set(map(sys.getrefcount, _containers_within([held], NESTED, False)[0]))


_HELD_ONCE = _held_once()


def _is_mapping_type(kind: type) -> bool:
    return kind is not list and kind is not tuple and issubclass(kind, Mapping)  # (abc's check is slow)
