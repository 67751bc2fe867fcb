"""Python's and numpy's integers: what counts as an int, and numpy's read as Python's.

Wherever an option, index or path takes an int, numpy's integers (``np.int64(2)``) work as Python's do; ``bool``
is never an int here.

>>> import numpy as np
>>> is_int(3), is_int(True), plain_int(np.int64(2)), plain_index(("enc", np.int64(-1)))
(True, False, 2, ('enc', -1))
"""

from __future__ import annotations

import numbers
from typing import Any

__all__ = ["INT64_BOUND", "is_int", "plain_int", "plain_index"]

INT64_BOUND = 2**63  # integers fit in 64 bits, -2**63 to 2**63 - 1: a spec's (yaml_nodes), indices (int64 tensors)


def is_int(value: Any) -> bool:
    """Whether ``value`` is a Python int (not a bool)."""
    return isinstance(value, int) and not isinstance(value, bool)


def plain_int(value: Any) -> Any:
    """numpy's integers (any ``numbers.Integral`` but Python's int and bool) as Python's int; anything else as it is."""
    return int(value) if isinstance(value, numbers.Integral) and not isinstance(value, (bool, int)) else value


def plain_index(value: Any) -> Any:
    """``plain_int`` of a layer index, or of each part of a tuple or list path (kept a tuple or list)."""
    if isinstance(value, (tuple, list)):
        return (tuple if isinstance(value, tuple) else list)(plain_index(v) for v in value)
    return plain_int(value)
