"""Where in nested lists of numbers (an array written as Python or YAML lists) the item at fault is, as a 1-based
index path: the first row unlike its first sibling, the first item that is no number, the first of a magnitude.

>>> ragged_row([[1.0, 2.0], [3.0]]), ragged_row([[1, 2], [3, 4]])
(((2,), 'row [2] has 1 value where row [1] has 2'), None)
>>> first_odd_item([[1, 2.5], [3, "x"]], {int, float, list}), path_of_magnitude([[1.0], [-1e39]], 1e39)
(('x', (2, 2)), (2, 1))
"""

from __future__ import annotations

from typing import Any

__all__ = ["ragged_row", "first_odd_item", "path_of_magnitude"]


def ragged_row(value: Any, at: tuple[int, ...] = ()) -> tuple[tuple[int, ...], str] | None:
    """For nested lists whose rows differ in length, the path of the first row unlike its first sibling and words
    naming it (1-based paths), else None."""
    if not isinstance(value, (list, tuple)) or not value:
        return None
    first, listed = value[0], isinstance(value[0], (list, tuple))
    for i, row in enumerate(value[1:], 2):
        if isinstance(row, (list, tuple)) != listed:
            kinds = ("a single value", "a list") if listed else ("a list", "a single value")
            return (*at, i), f"row {[*at, i]} is {kinds[0]} where row {[*at, 1]} is {kinds[1]}"
        if listed and len(row) != len(first):
            return (*at, i), (f"row {[*at, i]} has {len(row)} value{'' if len(row) == 1 else 's'} where row "
                              f"{[*at, 1]} has {len(first)}")
    return next((r for i, row in enumerate(value, 1) if (r := ragged_row(row, (*at, i)))), None)


def first_odd_item(value: Any, plain: set[type], at: tuple[int, ...] = ()) -> tuple[Any, tuple[int, ...]] | None:
    """The first item of ``value``'s nested lists whose type is not in ``plain`` (the lists and tuples among them
    are looked into), with its path; None if none."""
    types = set(map(type, value)) if isinstance(value, (list, tuple)) else set()  # one pass in C over a row
    if not types <= plain:
        return next((v, (*at, i)) for i, v in enumerate(value, 1) if type(v) not in plain)
    return next((found for i, item in enumerate(value, 1)
                 if (found := first_odd_item(item, plain, (*at, i))) is not None), None) \
        if list in types or tuple in types else None


def path_of_magnitude(value: Any, magnitude: float, at: tuple[int, ...] = ()) -> tuple[int, ...] | None:
    """The path of the first number in ``value``'s nested lists whose magnitude is ``magnitude``, else None."""
    for i, item in enumerate(value, 1):
        if isinstance(item, (list, tuple)):
            if (found := path_of_magnitude(item, magnitude, (*at, i))) is not None:
                return found
        elif isinstance(item, (int, float)) and abs(float(item)) == magnitude:
            return (*at, i)
    return None
