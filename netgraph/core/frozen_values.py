"""A value made hashable, as a ``Diagnostic`` or a ``Conflict`` keeps the values it compares (a user's list or dict):
lists and tuples as tuples, dicts (any mapping) as tuples of ``(key, value)`` pairs, sets as frozensets, each nested
value so too; any other unhashable value (an array, a user's object), or one nested past ``DEEPEST`` levels (a hostile
value), as its short repr.

>>> frozen_value([1, [2, 3]]), frozen_value({"a": [2]}), frozen_value({3}), frozen_value(bytearray(b"x"))
((1, (2, 3)), (('a', (2,)),), frozenset({3}), "bytearray(b'x')")
"""

from __future__ import annotations

import reprlib
from collections.abc import Mapping

__all__ = ["frozen_value", "DEEPEST"]

DEEPEST = 32  # a shape nests a few levels; deeper is a hostile value, kept as its repr


def frozen_value(value: object, depth: int = 0) -> object:
    """``value`` hashable (see the module): itself where it is already."""
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
