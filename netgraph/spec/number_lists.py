"""A long flat flow list of plain numbers (an array written inline: ``[0.5, -1, 2e-3, ...]``), read in one pass.

Composing each number as a value of its own (its tag resolved, its form checked, its place made) took 15 s for a
million. At the list's '[' a look ahead in the text checks that the list holds plain numbers alone, of the forms
``scalar_spans.CORE`` reads (an int of 18 digits or fewer without a leading zero, a float); the parser's events for
them are then taken in a loop and their values converted at once, and each item's place is worked out when first
asked (``ItemLocs``). A list with anything else in it (a number written otherwise, a word, a quote, a comment, an
anchor, a tag) is composed value by value, so that its problems are told as before.

>>> text = "a: [1, -2.5,\\n    3e2]\\n"
>>> number_texts(text, text.index("["), 2)
(3, 21)
>>> locs = ItemLocs(text, 3, 21, Loc(1, 4))
>>> [(loc.line, loc.col) for loc in locs]
[(1, 5), (1, 8), (2, 5)]
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator, Sequence
from typing import Any

from netgraph.spec.scalar_spans import Loc, OverflowedFloat
from netgraph.spec.yaml_values import YSeq

__all__ = ["NumberLists", "ItemLocs", "number_texts", "MIN_NUMBERS"]

MIN_NUMBERS = 64  # shorter lists are composed value by value (a look ahead costs about as much as a few items)
# CORE's int and float forms (not .inf), with no leading zero and no more than 18 digits before the point (an int
# that may not fit in 64 bits, and 010, are told by the composer; 00.5 and longer floats are composed there too)
_NUMBER = r"[-+]?(?:(?:0|[1-9][0-9]{0,17})(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][-+]?[0-9]+)?"
_BLANK = r"[ \t\r\n]*"
_NUMBER_LIST = re.compile(rf"\[{_BLANK}(?:{_NUMBER}{_BLANK},{_BLANK})*+(?P<last>{_NUMBER}{_BLANK})?\]")
_NUMBERS = re.compile(_NUMBER)


def number_texts(text: str, start: int, fewest: int) -> tuple[int, int] | None:
    """(How many numbers, the offset past its ']') of the flow list at ``start`` when it holds at least ``fewest``
    plain numbers and nothing else, each of a form read as it is written; else None."""
    found = _NUMBER_LIST.match(text, start)
    if found is None:
        return None
    end = found.end()
    commas = text.count(",", start, end)
    if commas + 1 < fewest:
        return None
    return commas + (found.group("last") is not None), end  # (a comma may end the list: '[1, 2, ]')


class ItemLocs(Sequence):
    """Where each number of a flow list of plain numbers is (``Loc``s, as the composer gives a plain scalar),
    worked out from the text when first asked; a walk in order reads the text once."""

    def __init__(self, text: str, start: int, end: int, loc: Loc) -> None:
        self.text, self.start, self.end, self.loc = text, start, end, loc
        self.offsets: list[int] | None = None
        self.known = (start, loc.line, start - loc.col + 1)  # an offset, its line and its line's start

    def __len__(self) -> int:
        return len(self._offsets())

    def __getitem__(self, index: Any) -> Any:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        at = self._offsets()[index]
        offset, line, line_start = self.known if at >= self.known[0] else (self.start, self.loc.line,
                                                                           self.start - self.loc.col + 1)
        breaks = self.text.count("\n", offset, at)
        if breaks:
            line, line_start = line + breaks, self.text.rfind("\n", offset, at) + 1
        self.known = at, line, line_start
        return Loc(line, at - line_start + 1, at - line_start + 1)

    def __iter__(self) -> Iterator[Loc]:
        return (self[i] for i in range(len(self)))

    def _offsets(self) -> list[int]:
        if self.offsets is None:
            self.offsets = [found.start() for found in _NUMBERS.finditer(self.text, self.start, self.end)]
        return self.offsets


class NumberLists:
    """The composer's reading of a long flat flow list of plain numbers (it has ``text``, ``depth``, ``deepest``,
    ``max_depth``, ``nodes``, ``max_nodes``, ``count`` and the parser's ``get_event``)."""

    def number_list(self, event: Any, loc: Loc) -> YSeq | None:
        """The list that ``event`` starts, read in one pass, when it is a long list of plain numbers; else None
        (nothing read)."""
        start = event.start_mark.index
        if self.depth + 1 > self.max_depth or self.text[start:start + 1] != "[":
            return None  # its items would be too deep (told by the composer), or a mark not at the text
        found = number_texts(self.text, start, MIN_NUMBERS)
        if found is None or self.nodes + found[0] >= self.max_nodes:  # past yaml_nodes: refused where composing does
            return None
        size, end = found
        get = self.get_event
        texts = [get().value for _ in range(size)]
        get()  # the list's end
        values = [int(t) if t.lstrip("+-").isdigit() else float(t) for t in texts]
        if math.inf in values or -math.inf in values:  # a float written too large: shown as written
            values = [OverflowedFloat(v, t) if isinstance(v, float) and math.isinf(v) else v
                      for v, t in zip(values, texts)]
        self.count(size, loc)
        self.deepest = max(self.deepest, self.depth + 1)
        out = YSeq(values)
        out.loc, out.item_locs = loc, ItemLocs(self.text, start, end, loc)
        return out
