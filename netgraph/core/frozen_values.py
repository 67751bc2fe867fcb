"""A value made hashable, as a ``Diagnostic`` or a ``Conflict`` keeps the values it compares (a user's list or dict):
lists and tuples as tuples, dicts (any mapping) as tuples of ``(key, value)`` pairs, sets as frozensets, each nested
value so too; any other unhashable value (an array, a user's object), one nested past ``DEEPEST`` levels, or a whole
value of more than ``LARGEST`` members counted as nested lists repeat them (a hostile value: ``b = []; b.append(b);
b.append(b)`` doubles at each level), as its short repr.

>>> frozen_value([1, [2, 3]]), frozen_value({"a": [2]}), frozen_value({3}), frozen_value(bytearray(b"x"))
((1, (2, 3)), (('a', (2,)),), frozenset({3}), "bytearray(b'x')")
"""

from __future__ import annotations

import reprlib
from collections.abc import Mapping

__all__ = ["frozen_value", "DEEPEST", "LARGEST"]

DEEPEST = 32  # a shape nests a few levels; deeper is a hostile value, kept as its repr
LARGEST = 100_000  # members, each repeat counted: more is a hostile value (its tuples would be as large), kept as its repr


def frozen_value(value: object, depth: int = 0) -> object:
    """``value`` hashable (see the module): itself where it is already."""
    if depth == 0 and _members_over(value, LARGEST):
        return reprlib.repr(value)
    if isinstance(value, (list, tuple, Mapping)) and depth >= DEEPEST:
        return reprlib.repr(value)
    if isinstance(value, (list, tuple)):
        return tuple(frozen_value(v, depth + 1) for v in value)
    if isinstance(value, Mapping):
        return tuple((frozen_value(k, depth + 1), frozen_value(v, depth + 1)) for k, v in value.items())
    if isinstance(value, (set, frozenset)):
        return frozenset(value)  # its members are hashable
    try:
        hash(value)
    except TypeError:
        return reprlib.repr(value)
    return value


def _members_over(value: object, most: int) -> bool:
    """Whether ``value``'s lists, tuples and mappings hold more than ``most`` members down to ``DEEPEST`` levels, a
    member held twice counted twice (as ``frozen_value`` would copy it); counted level by level, stopping past
    ``most``."""
    level, count, items = 0, 0, [value]
    while items and level < DEEPEST:
        items = [x for item in items if isinstance(item, (list, tuple, Mapping))
                 for x in (_pairs(item) if isinstance(item, Mapping) else item)]
        count, level = count + len(items), level + 1
        if count > most:
            return True
    return False


def _pairs(mapping: Mapping) -> list:
    return [x for pair in mapping.items() for x in pair]
