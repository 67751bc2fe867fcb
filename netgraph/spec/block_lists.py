"""Runs of plain block items, counted in C for the block look ahead (``block_structure``): composing 2 million '- 1'
lines before refusing the next one took 20 s with libyaml, minutes with the pure parser.

A run is the lines that follow an item at its indentation, each one plain item: '- word' in a list, 'word: word' in
a mapping (anything else ends it). A list item is one value, a mapping's line two (key and value), counted as the
composer counts them.

>>> text = "x:\\n  - 1\\n  - 2\\n  - 3\\n"
>>> passing_line(text, 3, plain_run(text, 3, 2, "-"), 2, "-", 1)  # the 2nd item is past room 1: line 2, col 5
13
"""

from __future__ import annotations

import functools
import re

__all__ = ["after_lines", "passing_line", "plain_run", "WORD", "PLAIN", "KEY", "QUOTED"]

# the tokens the block look ahead reads (block_structure, block_repeats), ASCII: fast
WORD = r"[0-9A-Za-z_][0-9A-Za-z_.+-]*"  # a plain scalar that is one value on its line
PLAIN = rf"[-+]?{WORD}"  # as a value, signed too ('- -3' is the item -3: an entry's '-' takes a space)
KEY = r"[0-9A-Za-z_][0-9A-Za-z_.+-]{0,1000}"  # a simple key is at most 1024 characters
QUOTED = r"'[ -&(-~]*'|\"[ !#-\[\]-~]*\""  # one line, printable ASCII, no escapes: one value at its quote


@functools.lru_cache(maxsize=64)
def _run(indent: int, kind: str) -> re.Pattern:
    """The run of plain item lines at ``indent`` of a list ('-') or a mapping (':')."""
    head = " " * indent + ("- +" if kind == "-" else rf"{WORD}: +")  # spaces written out, possessive: 6x faster
    return re.compile(rf"(?:{head}{PLAIN} *\r?\n)*+")


def plain_run(text: str, line_start: int, indent: int, kind: str) -> int:
    """Where the run of plain item lines of a list ('-') or mapping (':') at ``indent`` from ``line_start`` ends."""
    return _run(indent, kind).match(text, line_start).end()


def passing_line(text: str, line_start: int, end: int, indent: int, kind: str, room: int) -> int:
    """The offset of the value past ``room`` values in the run of plain item lines from ``line_start`` to ``end`` (from
    ``plain_run``; it holds more) of a list ('-') or mapping (':') at ``indent``."""
    per_line = 1 if kind == "-" else 2
    low = after_lines(text, line_start, end, room // per_line)  # the line holding the passing value
    if kind == ":" and room % 2 == 0:
        return low + indent  # the key
    line_end, after = text.index("\n", low), text.index("-" if kind == "-" else ":", low + indent) + 1  # '-', ':'
    return after + len(text[after:line_end]) - len(text[after:line_end].lstrip(" "))


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
