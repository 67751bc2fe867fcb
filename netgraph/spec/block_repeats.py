"""Items of a block collection that repeat the shape of the item (or two items) before them, counted in C for the
block look ahead (``block_structure``): followed line by line, a million '- [1]' items took 4 s; as repeats, 0.1 s
(2 million '- 1' lines: 0.3 s; composing them before refusing the next took 20 s).

An item's shape is its lines with each plain word, quoted scalar and flow list item replaced by its kind, and the
comments by any comment: the keys nested in it stay as written (so a repeat holds no key twice), the collection's
own keys (of a mapping's items) are any plain word. Items of one shape hold the same values in the same order.

>>> shape = item_shape("  - a: [1, x]\\n    b: 'q'  # note\\n", 2, "-")
>>> bool(shape.fullmatch("  - a: [-3, y_2]\\n    b: 'r'\\n")), bool(shape.fullmatch("  - a: [1]\\n    b: 'q'\\n"))
(True, False)
"""

from __future__ import annotations

import functools
import re
from typing import Any

__all__ = ["after_lines", "item_shape", "new_keys", "own_keys", "repeated", "FLOW_ITEM", "LINE",
           "MAX_SHAPE_LINES"]

# the tokens and lines the block look ahead reads (block_structure), ASCII: fast
WORD = r"[0-9A-Za-z_][0-9A-Za-z_.+-]*"  # a plain scalar that is one value on its line
PLAIN = rf"[-+]?{WORD}"  # as a value, signed too ('- -3' is the item -3: an entry's '-' takes a space)
KEY = r"[0-9A-Za-z_][0-9A-Za-z_.+-]{0,1000}"  # a simple key is at most 1024 characters
QUOTED = r"'[ -&(-~]*'|\"[ !#-\[\]-~]*\""  # one line, printable ASCII, no escapes: one value at its quote
_FLOW = rf"\[ *(?:{PLAIN} *(?:, *{PLAIN} *)*)?\]"  # one line, plain words only: items are certain
FLOW_ITEM = re.compile(PLAIN)  # an item of such a flow list
LINE = re.compile(rf"( *)((?:- +)*)(?:({KEY}):(?: +|(?=[\r\n])))?"  # a line: indent, entries, simple key, value
                  rf"({PLAIN}|{_FLOW}|{QUOTED})? *(?:(?<= )#[\t -~]*|(?<=^)#[\t -~]*)?\r?\n", re.M)
_END = r"(?: +#[\t -~]*| *)\r?\n"  # spaces, or a comment after a space, then the line break
MAX_SHAPE_LINES = 64  # longer items are followed line by line
_SKIP_GROWTH = 2  # after a try that fails, the shapes of that many times more items are not tried


def after_lines(text: str, start: int, end: int, lines: int, char: str = "\n") -> int:
    """The offset just past ``lines`` line breaks (or ``char``s) from ``start`` (``text[start:end]`` holds them): a
    bisection, each step counting in C only the half it looks at."""
    low, high, before = start, end, 0  # ``before``: the line breaks before ``low``
    while low < high:
        middle = (low + high) // 2
        seen = before + text.count(char, low, middle)
        if seen < lines:
            low, before = middle + 1, seen + (text[middle] == char)
        else:
            high = middle
    return low


def item_shape(item: str, column: int, kind: str) -> re.Pattern | None:
    """The pattern matching items of the same shape as ``item`` (lines that the look ahead has read) of a list
    ('-') or mapping (':': its keys, at ``column``, are any plain word), one after another; None for a longer item."""
    lines = item.splitlines(True)
    if len(lines) > MAX_SHAPE_LINES:
        return None
    own = kind == ":" and " " * column
    return _compiled(tuple(_line_shape(line, bool(own) and line.startswith(own) and line[column] not in " -#\r\n")
                           for line in lines))


@functools.lru_cache(maxsize=256)
def _compiled(shapes: tuple) -> re.Pattern:
    return re.compile(f"(?:{''.join(shapes)})*+")


def _line_shape(line: str, own_key: bool) -> str:
    found = LINE.match(line)  # the look ahead has read it: it matches
    indent, dashes, key, value = found.groups()
    if not dashes and key is None and value is None:
        return r" *(?:#[\t -~]*)?\r?\n"  # a blank or comment line
    out = re.escape(indent + dashes)
    if key is not None:
        spaces = line[found.end(3) + 1:found.start(4)] if value else ""
        out += (f"(?:{KEY})" if own_key else re.escape(key)) + ":" + re.escape(spaces)
    if value is not None and value[0] == "[":
        items = len(FLOW_ITEM.findall(value))
        out += rf"\[ *{PLAIN} *(?:, *{PLAIN} *){{{items - 1}}}\]" if items else r"\[ *\]"
    elif value is not None:
        out += f"(?:{QUOTED})" if value[0] in "'\"" else PLAIN
    return out + _END


def repeated(scan: Any, text: str, pos: int, top: Any) -> int | None:
    """Count the items of the open collection ``top`` from ``pos`` that repeat the shape of the item, or the two
    items, before them (read line by line, from ``top.items``), all but the last (it closes what it opens line by
    line) and none past the room: the offset of the next item, None when none repeats. A mapping's repeats end
    before a key given twice or 'layers'."""
    if top.skip:
        top.skip -= 1
        return None
    kind = ":" if top.kind == ":" else "-"
    for period, (start, counted) in enumerate(top.items, 1):
        block, values = text[start:pos], scan.counted - counted
        shape, lines = item_shape(block, top.column, kind), block.count("\n")
        end = shape.match(text, pos).end() if shape is not None else pos
        count = min(text.count("\n", pos, end) // lines - 1, (scan.room - scan.counted) // values)  # see above
        if count > 0 and kind == ":":
            names = own_keys(top.column).findall(text, pos, after_lines(text, pos, end, count * lines))
            given = new_keys(top, names[:count * period])
            count = given // period
            top.keys.difference_update(names[count * period:given])  # a period cut short is read line by line
        if count > 0:
            top.skip_next = 1
            scan.counted += count * values
            return after_lines(text, pos, end, count * lines)
    top.skip, top.skip_next = top.skip_next, top.skip_next * _SKIP_GROWTH
    return None


@functools.lru_cache(maxsize=64)
def own_keys(column: int) -> re.Pattern:
    """The keys of a mapping at ``column`` in a run of its items (its other lines are more indented or '- ')."""
    return re.compile(rf"^ {{{column}}}({WORD}):", re.M)


def new_keys(mapping: Any, names: list[str]) -> int:
    """How many of ``names`` come before a key given twice (in the open ``mapping`` or before it) or 'layers'; they
    are added to its keys."""
    found = set(names)
    if len(found) == len(names) and "layers" not in found and mapping.keys.isdisjoint(found) and \
            mapping.given.keys().isdisjoint(found):
        mapping.keys |= found  # the usual case, in C
        return len(names)
    for i, name in enumerate(names):
        if mapping.has(name) or name == "layers":
            return i
        mapping.keys.add(name)
    return len(names)
