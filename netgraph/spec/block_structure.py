"""A block collection that would pass the yaml_nodes limit, refused when the parser reaches it by reading its lines
ahead in the text: composing a million '- [1]' or '- a: 1' items before refusing took 15-20 s with libyaml.

The look ahead follows the block structure line by line while each line is one of a few certain forms: blank or a
comment, then entries ('- ', nested on one line as '- - '), an optional plain key ('word:') and an optional value:
a plain word, a one-line quoted scalar without escapes, or a one-line flow list of plain words. A key with no value
opens the collection on the next lines (more indented, or '- ' at the key's column). Anything else (an alias, a
tag, a multi-line scalar, a key given twice, 'layers', an indentation no open collection has, nesting past
yaml_depth) ends it: the values counted before are certain. Values are counted as the composer counts them, each
after its items; items that repeat the shape of the one or two before them are counted in C (``block_repeats``).

>>> text = "a:\\n  - [1, 2]\\n  - b: x\\n    c: 'y'\\nd: 1\\n"
>>> [passing_offset(text, 0, ":", room, 99)[0] for room in (2, 4, 9, 11)]  # '2', 'b', the list (at its '-'), '1'
[11, 18, 5, 37]
"""

from __future__ import annotations

import re
from typing import Any

from netgraph.spec.block_repeats import FLOW_ITEM, LINE, repeated
from netgraph.spec.line_breaks import line_start
from netgraph.spec.scalar_spans import Loc

__all__ = ["BlockLookahead", "passing_offset"]

_DASH = re.compile(r"- +")


class BlockLookahead:
    """The composer's look ahead at a block collection (it has ``text``, ``nodes``, ``max_nodes``, ``depth``,
    ``max_depth`` and ``count``)."""

    block_checked = -1  # the text before this offset is inside a block collection looked ahead at already

    def block_ahead(self, event: Any, kind: str, layers: bool) -> tuple | None:
        """Refuse the block list ('-') or mapping (':') ``event`` starts at the value that passes yaml_nodes; the
        collection (offset, column, kind) for ``item_ahead``, None for a flow or 'layers:' one."""
        start = event.start_mark.index
        if getattr(event, "flow_style", True) or layers or (kind == "-") != (self.text[start:start + 1] == "-"):
            return None  # a flow collection (flow_lists), a 'layers:' one (yaml_layers counts it), a mark elsewhere
        begins = line_start(self.text, start)
        if not self.text[begins:start].strip(" "):  # else its first item shares its line with another node
            self._look_ahead(start, start, kind, None)
        return start, start - begins, kind

    def item_ahead(self, collection: tuple, given: dict | None = None) -> None:
        """Look ahead from the next item of a block ``collection`` (from ``block_ahead``) when it begins a line past
        the text looked at (a look ahead stopped before it); ``given``: the keys of a mapping so far."""
        start, column, kind = collection
        at = self.peek_event().start_mark.index
        if at < self.block_checked:
            return  # inside the text looked at
        begins = line_start(self.text, at)
        first = begins + column
        if not self.text[begins:first].strip(" ") and \
                (at == first if kind == ":" else self.text[first:first + 1] == "-" and first < at):
            self._look_ahead(first, start, kind, given)

    def _look_ahead(self, first: int, start: int, kind: str, given: dict | None) -> None:
        room = self.max_nodes - self.nodes
        if first < self.block_checked or len(self.text) - first <= room:
            return  # read already, or too little text left to pass the limit (each value takes a character)
        at, self.block_checked = passing_offset(self.text, first, kind, room, self.max_depth - self.depth, start, given)
        if at is not None:
            self.count(room + 1, Loc.of_offset(self.text, at))


class _Open:
    """An open collection: its column, kind ('-', ':', 'i' for '- ' at its key's column), offset and the keys read
    (``given``: those of a mapping before the item a look ahead starts at); ``items``: (offset, values counted
    before it) of its last items that began a line, latest first (their shapes are tried for repeats); ``skip``:
    items not tried after a try that failed, ``skip_next``: the next such count."""

    __slots__ = ("column", "kind", "keys", "given", "at", "items", "skip", "skip_next")

    def __init__(self, column: int, kind: str, at: int):
        self.column, self.kind, self.keys, self.given, self.at = column, kind, set(), {}, at
        self.items: list[tuple[int, int]] = []
        self.skip, self.skip_next = 0, 1

    def has(self, key: str) -> bool:
        return key in self.keys or key in self.given


class _Scan:
    """The state of one look ahead: the open collections, values counted, ``passing``: the offset of the value past
    ``room``."""

    def __init__(self, room: int, depth_room: int, opened: int | None, given: dict | None):
        self.room, self.depth_room, self.opened, self.given = room, depth_room, opened, given
        self.stack: list[_Open] = []
        self.counted, self.passing = 0, None

    def add(self, at: int, values: int = 1) -> bool:
        """Count ``values`` at ``at``; whether they pass the room (``passing`` then set)."""
        self.counted += values
        if self.counted > self.room and self.passing is None:
            self.passing = at
        return self.passing is not None

    def open(self, column: int, kind: str, at: int) -> bool:
        """Open a collection; False when it would pass yaml_depth (the composer refuses it first)."""
        if len(self.stack) > self.depth_room:
            return False
        self.stack.append(_Open(column, kind, at))
        if len(self.stack) == 1 and self.opened is not None:  # a look ahead from a later item
            self.stack[0].at, self.stack[0].given = self.opened, self.given or {}
        return True


def passing_offset(text: str, start: int, kind: str, room: int, depth_room: int, opened: int | None = None,
                   given: dict | None = None) -> tuple[int | None, int]:
    """(The offset of the value past ``room`` values in the block collection whose item is at ``start``, else None;
    the offset where the look ahead stopped). ``depth_room``: the levels left below the collection; ``opened``: its
    offset when ``start`` is a later item; ``given``: the keys of a mapping before that item."""
    scan = _Scan(room, depth_room, opened, given)
    pos = line_start(text, start)
    awaited = (start - pos, kind)  # the collection the next line opens: column, kind
    while True:
        line = LINE.match(text, pos)
        if line is None:
            return None, pos
        indent, dashes, key, value = line.groups()
        column = len(indent)
        if not dashes and key is None:
            if value is None:
                pos = line.end()  # a blank or comment line
                continue
            return None, pos  # a scalar alone: a continuation
        entry = "-" if dashes else ":"
        ok = _opens(scan, awaited, column, entry, pos + column) if awaited else _continues(scan, column, entry, pos)
        if not ok:
            return None, pos
        if scan.passing is not None:
            return scan.passing, pos
        if not scan.stack:
            return None, pos  # the collection ended
        top, awaited = scan.stack[-1], None
        after = repeated(scan, text, pos, top) if top.items and top.items[0][0] < pos else None
        if after is not None:
            pos, top.items = after, [(after, scan.counted)]  # the next item, read line by line
            continue
        top.items = [(pos, scan.counted), *top.items[:1]]
        awaited = _entries(scan, line, column)
        if scan.passing is not None:
            return (scan.passing if _given_on(text, line, scan.passing) else None), pos
        if awaited is False:
            return None, pos
        pos = line.end()


def _given_on(text: str, line: re.Match, at: int) -> bool:
    """Whether the composer is given the value at ``at`` on ``line`` before the next line is read: YAML's scanner reads
    the token after a flow collection or quoted scalar that ends a line (it may be a key) first, so one in or at
    such a value is given only when the next line (past blank and comment lines) begins as the look ahead reads."""
    value = line.group(4)
    if value is None or value[0] not in "['\"" or at < line.start(4):
        return True
    pos = line.end()
    while (after := LINE.match(text, pos)) is not None and not any(after.groups()[1:]):
        pos = after.end()  # a blank or comment line
    return pos >= len(text) or after is not None


def _opens(scan: _Scan, awaited: tuple, column: int, entry: str, at: int) -> bool:
    """The line opens the collection a key (or the look ahead's start) awaits: more indented, or '- ' at the key's
    column; a less indented line means the key's value is empty (not looked at)."""
    parent, kind = awaited
    if kind is not None:  # the start: the collection the event begins
        return column == parent and entry == kind and scan.open(column, kind, at)
    if column > parent:
        return scan.open(column, entry, at)
    return column == parent and entry == "-" and scan.open(column, "i", at)


def _continues(scan: _Scan, column: int, entry: str, pos: int) -> bool:
    """A line that closes the collections more indented than it (counting them) and continues the one at its column."""
    stack, keep = scan.stack, len(scan.stack)
    if keep and stack[-1].column == column and (stack[-1].kind == ":") == (entry == ":"):
        return True  # the usual line: the next item of the innermost collection
    while keep and (stack[keep - 1].column > column or (stack[keep - 1].column == column and
                                                        stack[keep - 1].kind == "i" and entry != "-")):
        keep -= 1
    if keep and (stack[keep - 1].column != column or (stack[keep - 1].kind == ":") != (entry == ":")):
        return False  # no open collection at this column takes this entry
    while len(stack) > keep:
        if scan.add(stack.pop().at):
            return True
    return True


def _entries(scan: _Scan, line: re.Match, column: int) -> Any:
    """Count the ``line``'s values (the top collection continued or opened at ``column``); the collection its key
    opens on the next lines ((parent column, None)), None when it ends complete, False when it ends the look ahead."""
    _, dashes, key, value = line.groups()
    pos = line.start()
    for dash in list(_DASH.finditer(dashes))[1:]:  # '- - 1': a list opened at each further '-'
        if not scan.open(column + dash.start(), "-", pos + column + dash.start()):
            return False
    at = line.start(3) if key is not None else line.start(4)
    if key is not None and dashes and not scan.open(column + len(dashes), ":", at):
        return False
    if len(scan.stack) + (value is not None and value[0] == "[") > scan.depth_room:
        return False  # nested past yaml_depth: the composer refuses it first
    if key is not None:
        if scan.stack[-1].has(key) or key == "layers":
            return False  # duplicate keys are reported (too many refused at once); 'layers:' counts layers
        scan.stack[-1].keys.add(key)
        if scan.add(at):
            return None
        if value is None:
            return (column + len(dashes), None)
        at = line.start(4)
    elif value is None:
        return False  # a '- ' whose item is on the next lines: not looked at
    if value[0] == "[":
        for item in FLOW_ITEM.finditer(value):
            if scan.add(at + item.start()):
                return None
    scan.add(at)
    return None
