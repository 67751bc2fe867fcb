"""Runs of plain numbers in a flow list (an array written inline: ``[0.5, -1, 2e-3, ...]``), read in one pass.

Composing each number as a value of its own (its tag resolved, its form checked, its place made) took 15 s for a
million. Before each item of a flow list a look ahead in the text finds the run of plain numbers there, each followed
by a comma, of the forms ``scalar_spans.CORE`` reads as written (an int of 18 digits or fewer without a leading zero,
a float); a long run's events are taken from the parser in a loop and its values converted at once, and each item's
place is worked out when first asked (``ItemLocs``). Anything else (the last item, a number written otherwise, a
word, a quote, a comment, an anchor, a tag) is composed as before, so that its problems are told as before, at its
place; the run after it is read in one pass again.

>>> text = "a: [1, -2.5,\\n    3e2, x]\\n"
>>> run_end(text, 4)
(3, 22)
>>> locs = ItemLocs([])
>>> locs.add_run(text, 4, 22, 3, Loc(1, 5))
>>> locs.append(Loc(2, 10, 10))
>>> [(loc.line, loc.col) for loc in locs], len(locs)
([(1, 5), (1, 8), (2, 5), (2, 10)], 4)
"""

from __future__ import annotations

import bisect
import math
import re
from collections.abc import Iterator, Sequence
from typing import Any

from netgraph.spec.scalar_spans import Loc, OverflowedFloat

__all__ = ["NumberLists", "ItemLocs", "run_end", "MIN_NUMBERS"]

MIN_NUMBERS = 64  # shorter runs are composed value by value (a look ahead costs about as much as a few items)
# CORE's int and float forms (not .inf), with no leading zero and no more than 18 digits before the point (an int
# that may not fit in 64 bits, and 010, are told by the composer; 00.5 and longer floats are composed there too)
_NUMBER = r"[-+]?(?:(?:0|[1-9][0-9]{0,17})(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][-+]?[0-9]+)?"
_BLANK = r"[ \t\r\n]*"
_RUN = re.compile(rf"(?:{_NUMBER}{_BLANK},{_BLANK})*+")  # each number followed by its comma
_NUMBERS = re.compile(_NUMBER)


def run_end(text: str, start: int) -> tuple[int, int]:
    """(How many numbers, the offset where the run ends: the next item's start) of the run at ``start``."""
    end = _RUN.match(text, start).end()
    return text.count(",", start, end), end


class ItemLocs(Sequence):
    """Where each item of a flow list is (``Loc``s, as the composer gives a plain scalar): those composed as given,
    those of a run of numbers worked out from the text when first asked; a walk in order reads the text once."""

    def __init__(self, locs: list[Loc]) -> None:
        self.locs: list[Loc | None] = list(locs)
        self.runs: list[list] = []  # [first index, text, start, end, line, line start, offsets or None]
        self.firsts: list[int] = []
        self.known = (-1, 0, 0, 0)  # of the last item worked out: its run, offset, line and line's start

    def append(self, loc: Loc) -> None:
        self.locs.append(loc)

    def add_run(self, text: str, start: int, end: int, count: int, loc: Loc) -> None:
        """A run of ``count`` numbers from offset ``start`` to ``end`` of ``text``, the first at ``loc``."""
        self.firsts.append(len(self.locs))
        self.runs.append([len(self.locs), text, start, end, loc.line, start - loc.col + 1, None])
        self.locs.extend([None] * count)

    def __len__(self) -> int:
        return len(self.locs)

    def __getitem__(self, index: Any) -> Any:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        loc = self.locs[index]
        return loc if loc is not None else self._in_run(index % len(self.locs))

    def __iter__(self) -> Iterator[Loc]:
        return (self[i] for i in range(len(self)))

    def __eq__(self, other: object) -> bool:
        """Equal to a list (or ``ItemLocs``) of the same places, as the list of places it stands for."""
        return list(self) == list(other) if isinstance(other, (list, ItemLocs)) else NotImplemented

    __hash__ = None  # it grows, as a list does

    def _in_run(self, index: int) -> Loc:
        which = bisect.bisect_right(self.firsts, index) - 1
        first, text, start, end, line, line_start, offsets = run = self.runs[which]
        if offsets is None:
            offsets = run[6] = [found.start() for found in _NUMBERS.finditer(text, start, end)]
        at = offsets[index - first]
        known_run, offset, known_line, known_start = self.known
        if known_run == which and offset <= at:  # on from the last one worked out
            start, line, line_start = offset, known_line, known_start
        breaks = text.count("\n", start, at)
        if breaks:
            line, line_start = line + breaks, text.rfind("\n", start, at) + 1
        self.known = which, at, line, line_start
        return Loc(line, at - line_start + 1, at - line_start + 1)


class NumberLists:
    """The composer's reading of runs of plain numbers in a flow list (it has ``text``, ``depth``, ``deepest``,
    ``max_depth``, ``nodes``, ``max_nodes``, ``count`` and the parser's ``peek_event`` and ``get_event``)."""

    def number_run(self, out: list, locs: list | ItemLocs) -> ItemLocs | None:
        """Read the long run of plain numbers that starts at the next item of the flow list being read into ``out``
        (its places in ``locs``, which it returns, made an ``ItemLocs``); None when none starts there."""
        mark = self.peek_event().start_mark
        start = mark.index
        first = self.text[start:start + 1]
        if self.depth + 1 > self.max_depth or not first or first not in "+-.0123456789":
            return None  # its items would be too deep (told by the composer), or no number there
        count, end = run_end(self.text, start)
        if count < MIN_NUMBERS or self.nodes + count >= self.max_nodes:  # past yaml_nodes: refused where composing is
            return None
        get = self.get_event
        texts = [get().value for _ in range(count)]
        values = [int(t) if t.lstrip("+-").isdigit() else float(t) for t in texts]
        if math.inf in values or -math.inf in values:  # a float written too large: shown as written
            values = [OverflowedFloat(v, t) if isinstance(v, float) and math.isinf(v) else v
                      for v, t in zip(values, texts)]
        self.count(count, Loc(mark.line + 1, mark.column + 1))
        self.deepest = max(self.deepest, self.depth + 1)
        out.extend(values)
        locs = locs if isinstance(locs, ItemLocs) else ItemLocs(locs)
        locs.add_run(self.text, start, end, count, Loc(mark.line + 1, mark.column + 1))
        return locs
