"""A flow list that would pass the yaml_nodes limit, refused when the parser reaches its '[' by looking ahead in the
text: composing 2 million values before refusing the next one took 15 s, a look ahead in C a fraction of a second.

The look ahead reads a run of plain words, numbers, commas, brackets and white space (anything else, a quote, a
comment or a mapping, ends it: the values it counts are certain) and counts items by their commas, as the composer
counts values: each scalar, each inner list after its items. A list that passes the limit is refused with the
message and at the value ``count`` refuses; such a list that is also invalid YAML may be refused for its length.

>>> [passing_value("[1, 2, [3, 4], 5]", 0, room) for room in (3, 5, 6)]  # the 4th value is '4', the 6th '5'
[(11, 17), (15, 17), (None, 17)]
"""

from __future__ import annotations

import re
from typing import Any

from netgraph.spec.block_repeats import after_lines
from netgraph.spec.scalar_spans import Loc

__all__ = ["FlowLookahead", "passing_value"]

_FLOW_RUN = re.compile(r"[][, \t\r\n0-9A-Za-z_.+-]*")  # plain words and numbers in flow lists (ASCII: fast)
_BRACKET = re.compile(r"[\[\]]")
_ITEM_START = re.compile(r"[ \t\r\n]*,?[ \t\r\n]*")


class FlowLookahead:
    """The composer's look ahead at a flow list (it has ``text``, ``nodes``, ``max_nodes`` and ``count``)."""

    flow_checked = -1  # the text before this offset is inside a flow list looked ahead at already

    def flow_ahead(self, event: Any) -> None:
        """Refuse the flow list ``event`` starts, at the value that passes yaml_nodes (``count``), if it would."""
        mark = event.start_mark
        start = mark.index
        if not getattr(event, "flow_style", False) or start < self.flow_checked or self.text[start:start + 1] != "[":
            return  # a block list or a mapping, a list inside one looked at, or a mark not at the text
        room = self.max_nodes - self.nodes
        passing, self.flow_checked = passing_value(self.text, start, room)
        if passing is not None:
            self.count(room + 1, Loc.of_offset(self.text, passing, start, mark.line + 1))


def passing_value(text: str, start: int, room: int) -> tuple[int | None, int]:
    """(The offset of the value that makes the flow list at ``start`` hold more than ``room`` values, else None;
    where the run of plain text looked at ends)."""
    end = _FLOW_RUN.match(text, start).end()
    if (end - start) // 2 <= room:  # each value takes 2 characters or more ('1,', '[]'): no more than room
        return None, end
    count, opened, pos = 0, [], start
    for bracket in _BRACKET.finditer(text, start, end):
        at = bracket.start()
        if opened:  # the plain scalars between the last bracket and this one
            found, items = _item(text, pos, at, room - count)
            if found is not None:
                return found, end
            count += items
        if text[at] == "[":
            opened.append(at)
        else:
            inner = opened.pop()
            if not opened:
                return None, end
            count += 1  # an inner list: counted after its items, refused at its '['
            if count > room:
                return inner, end
        pos = at + 1
    return None, end


def _item(text: str, start: int, end: int, room: int) -> tuple[int | None, int]:
    """(The offset of item ``room`` (0-based) of the comma-separated plain scalars in ``text[start:end]``, else None;
    how many there are)."""
    first = _ITEM_START.match(text, start, end).end()  # past the comma after an inner list
    tail = max(first, text.rfind(",", first, end) + 1)  # the text after the last comma: an item unless blank
    items = text.count(",", first, end) + (text[tail:end].strip(" \t\r\n") != "")
    if items <= room:
        return None, items
    return _ITEM_START.match(text, after_lines(text, first, end, room, ","), end).end(), items  # past ``room`` commas
