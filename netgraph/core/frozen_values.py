"""A value made hashable, as a ``Diagnostic`` or a ``Conflict`` keeps the values it compares (a user's list or dict):
lists and tuples as tuples, dicts (any mapping) as tuples of ``(key, value)`` pairs, sets as frozensets, each nested
value so too; any other unhashable value (an array, a user's object), one nested past ``DEEPEST`` levels, or a whole
value of more than ``LARGEST`` members, a list held many times counted each time, or holding itself (a hostile value:
``b = []; b.append(b); b.append(b)`` doubles at each level; ``value_extent``), as its short repr.

>>> frozen_value([1, [2, 3]]), frozen_value({"a": [2]}), frozen_value({3}), frozen_value(bytearray(b"x"))
((1, (2, 3)), (('a', (2,)),), frozenset({3}), "bytearray(b'x')")
"""

from __future__ import annotations

import reprlib
from collections.abc import Mapping

from netgraph.core.value_extent import NESTED, value_extent

__all__ = ["frozen_value", "DEEPEST", "LARGEST"]

DEEPEST = 32  # a shape nests a few levels; deeper is a hostile value, kept as its repr
LARGEST = 100_000  # members, each repeat counted: more is a hostile value (its tuples would be as large): its repr


def frozen_value(value: object, depth: int = 0) -> object:
    """``value`` hashable (see the module): itself where it is already."""
    if depth == 0 and isinstance(value, NESTED) and ((extent := value_extent(value)).cyclic
                                                     or extent.members > LARGEST):
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
