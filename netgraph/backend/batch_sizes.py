"""The batch size a compiled net without inputs draws: ``module(batch_size=n)`` (and ``net(batch_size=n)``)."""

from __future__ import annotations

import math
import operator
from typing import Any

from netgraph.core.errors import OptionError

__all__ = ["checked_batch_size", "largest_batch"]

_TORCH_SIZES = 2**63  # torch's sizes are int64: a tensor's element count stays below this


def largest_batch(net: Any) -> int:
    """The largest batch size whose draws torch can hold: 2**63 over the most elements one example has at any port."""
    most = max((math.prod(t.shape) for node in net.ir.nodes for t in node.types.values()
                if t.shape and all(isinstance(d, int) for d in t.shape)), default=1)
    return _TORCH_SIZES // max(most, 1)


def checked_batch_size(value: Any, bound: int = _TORCH_SIZES) -> int:
    """``module(batch_size=n)`` of a net with no inputs: ``n`` as an int >= 0 (any integer type; 0 draws an empty
    batch) below ``bound`` (``largest_batch``), else OptionError.

    >>> checked_batch_size(2.5)
    Traceback (most recent call last):
    netgraph.core.errors.OptionError: batch_size must be an integer >= 0 (the number of examples to draw), found 2.5
    """
    try:
        n = operator.index(value) if not isinstance(value, bool) else -1
    except TypeError:
        n = -1
    if n < 0:
        raise OptionError(f"batch_size must be an integer >= 0 (the number of examples to draw), found {value!r}",
                          option="batch_size")
    if n >= bound:  # torch's randn overflowed (TypeError) or its storage size did (RuntimeError)
        power = f"2**{bound.bit_length() - 1}" if bound & (bound - 1) == 0 else str(bound)
        raise OptionError(f"batch_size must be below {power} here (a batch's elements, this many times an "
                          f"example's, must stay below torch's largest size 2**63), found {value!r}",
                          option="batch_size", expected=f"below {power}", found=value)
    return n
