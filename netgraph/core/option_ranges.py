"""The range of a number option, declared once on its layer class (``RANGES``) for the layer's check and the spec
schema alike: ``DropoutLayer.RANGES = {"p": Within(0.0, 1.0, open_high=True)}``.

>>> Within(0.0, 1.0, open_high=True).schema
{'minimum': 0.0, 'exclusiveMaximum': 1.0}
>>> range_schema(Within(1), listed=True)  # an int option's, or each of a list's: a positive one
{'minimum': 1, 'items': {'minimum': 1}}
"""

from __future__ import annotations

import dataclasses
import math

__all__ = ["Within", "range_schema"]


@dataclasses.dataclass(frozen=True)
class Within:
    """Numbers from ``low`` to ``high``, either end left out when open (``open_low``, ``open_high``).

    >>> p_range = Within(0.0, 1.0, open_high=True)  # as DropoutLayer.RANGES = {"p": p_range}
    >>> 0.0 in p_range, 1.0 in p_range
    (True, False)
    """

    low: float = -math.inf
    high: float = math.inf
    open_low: bool = False
    open_high: bool = False

    def __contains__(self, number: float) -> bool:
        """Whether the number ``number`` lies in this range (NaN never does).

        >>> 2.0 in Within(0.0, open_low=True), 0.0 in Within(0.0, open_low=True), math.inf in Within(open_high=True)
        (True, False, False)
        """
        above = self.low < number if self.open_low else self.low <= number
        return above and (number < self.high if self.open_high else number <= self.high)

    @property
    def schema(self) -> dict:
        """The JSON Schema keywords of this range (they constrain numbers only: other values pass them)."""
        out = {}
        if self.low > -math.inf:
            out["exclusiveMinimum" if self.open_low else "minimum"] = self.low
        if self.high < math.inf:
            out["exclusiveMaximum" if self.open_high else "maximum"] = self.high
        return out


def range_schema(within: Within, listed: bool = False) -> dict:
    """``within``'s keywords for an option holding a number, or (``listed``) a number or a list of them (a kernel
    size per dimension)."""
    keywords = within.schema
    return {**keywords, "items": keywords} if listed and keywords else keywords
