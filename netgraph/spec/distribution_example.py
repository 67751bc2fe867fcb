"""Parameters that make a distribution, for an example in a message (``distribution: GammaDistribution`` without its
parameters says how to write it, with an example of that distribution).

>>> from netgraph.layers.distributions import DISTRIBUTIONS
>>> example_args(DISTRIBUTIONS["GammaDistribution"], 2), example_args(DISTRIBUTIONS["BinomialDistribution"], 2)
([0.5, 0.5], [2, 0.5])
"""

from __future__ import annotations

from typing import Any

from netgraph.core.errors import NetGraphError

__all__ = ["example_args"]

#: parameters tried, in order: numbers (then a count first), vectors, a mean vector and a covariance matrix
_TRIED_ARGS = ([0.5] * 4, [2, 0.5, 1, 1], [0, 1], [1] * 4, [[0.5, 0.5]] * 4, [[0, 0], [[1, 0], [0, 1]]])


def example_args(cls: type, count: int) -> list[Any] | None:
    """The first of ``_TRIED_ARGS`` that distribution ``cls`` takes as its first ``count`` parameters (one list of them
    for a ``ONE_LIST`` one), or None."""
    for args in _TRIED_ARGS:
        try:
            cls(args[:count]) if cls.ONE_LIST else cls(*args[:count])
        except NetGraphError:
            continue
        return args[:count]
    return None
