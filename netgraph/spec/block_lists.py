"""A block list or mapping that would pass the yaml_nodes limit, refused when the parser reaches its first item by
looking ahead in the text (as ``flow_lists`` does for '[' lists): composing 2 million '- 1' lines before refusing
the next one took 20 s with libyaml, minutes with the pure parser; the look ahead counts lines in C.

The look ahead reads the run of lines that follow the first item at its indentation, each one plain item: '- word'
in a list, 'word: word' in a mapping (anything else, a comment, a quote, a nested value, a blank line, ends it:
the values it counts are certain). A list item is one value, a mapping's line two (key and value), counted as the
composer counts them; a collection that passes the limit is refused with the message and at the value ``count``
refuses. A mapping whose keys repeat is left to the composer (too many duplicate keys are refused first), as is a
'layers:' collection (yaml_layers refuses it first).

>>> passing_line("x:\\n  - 1\\n  - 2\\n  - 3\\n", 5, "-", 1)  # the 2nd item is the one past room 1: line 2, col 5
(13, 14)
"""

from __future__ import annotations

import functools
import re
from typing import Any

from netgraph.spec.scalar_spans import Loc

__all__ = ["BlockLookahead", "passing_line"]

_WORD = r"[0-9A-Za-z_][0-9A-Za-z_.+-]*"  # a plain scalar that is one value on its line (ASCII: fast)
_VALUE = rf"[-+]?{_WORD}"  # as a value, signed too ('- -3' is the item -3: an entry's '-' takes a space)
_MIN_LINE = 4  # '- 1\n', 'a: 1': the fewest characters a counted line takes


@functools.lru_cache(maxsize=64)
def _run(indent: int, kind: str) -> re.Pattern:
    """The run of plain item lines at ``indent`` of a list ('-') or a mapping (':')."""
    head = " " * indent + ("- +" if kind == "-" else rf"{_WORD}: +")  # spaces written out, possessive: 6x faster
    return re.compile(rf"(?:{head}{_VALUE} *\r?\n)*+")


@functools.lru_cache(maxsize=64)
def _keys(indent: int) -> re.Pattern:
    return re.compile(rf"^{' ' * indent}([^:\n]*):", re.M)  # in a run checked already


class BlockLookahead:
    """The composer's look ahead at a block collection (it has ``text``, ``nodes``, ``max_nodes`` and ``count``)."""

    def block_ahead(self, event: Any, kind: str, layers: bool) -> None:
        """Refuse the block list ('-') or mapping (':') ``event`` starts at the value that passes yaml_nodes."""
        start, room = event.start_mark.index, self.max_nodes - self.nodes
        if getattr(event, "flow_style", True) or layers or len(self.text) - start <= _MIN_LINE * room // 2:
            return  # a flow collection (flow_lists), a 'layers:' one, or too little text left to pass the limit
        line_start = self.text.rfind("\n", 0, start) + 1
        if self.text[line_start:start].strip(" ") or (kind == "-") != (self.text[start:start + 1] == "-"):
            return  # the first item shares its line with another node: not looked at
        found = passing_line(self.text, start, kind, room)
        if found is None:
            return
        at, line_end = found
        keys = _keys(start - line_start).findall(self.text, line_start, line_end) if kind == ":" else []
        if len(set(keys)) != len(keys):
            return  # a key given twice: the composer reports duplicates (too many are refused at once)
        line = event.start_mark.line + 1 + self.text.count("\n", start, at)
        self.count(room + 1, Loc(line, at - self.text.rfind("\n", 0, at)))


def passing_line(text: str, start: int, kind: str, room: int) -> tuple[int, int] | None:
    """(The offset of the value past ``room`` values in the block collection whose first item is at ``start``, the
    end of its line), or None when the run of plain item lines holds no more than ``room`` values."""
    line_start = text.rfind("\n", 0, start) + 1
    end = _run(start - line_start, kind).match(text, line_start).end()
    per_line = 1 if kind == "-" else 2
    if text.count("\n", line_start, end) * per_line <= room:
        return None
    target = room // per_line  # the 0-based line holding the passing value
    low, high, before = line_start, end, 0  # the first offset past ``target`` line breaks: a bisection counting in C
    while low < high:  # ``before``: the line breaks before ``low``; each step counts only the half it looks at
        middle = (low + high) // 2
        seen = before + text.count("\n", low, middle)
        if seen < target:
            low, before = middle + 1, seen + (text[middle] == "\n")
        else:
            high = middle
    line_end, indent = text.index("\n", low), start - line_start
    if kind == ":" and room % 2 == 0:
        return low + indent, line_end  # the key
    after = text.index("-" if kind == "-" else ":", low + indent) + 1  # the entry's '-', the key's ':'
    return after + len(text[after:line_end]) - len(text[after:line_end].lstrip(" ")), line_end
