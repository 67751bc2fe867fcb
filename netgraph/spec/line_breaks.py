"""Lines and columns of a spec's text as YAML (and PyYAML's marks, libyaml's and the pure parser's alike) count
them: a line break is '\\n', '\\r\\n' (one break), a lone '\\r', '\\x85', '\\u2028' or '\\u2029' (not Python's
``str.splitlines``, which also breaks at '\\v', '\\f' and '\\x1c'-'\\x1e'). Every position worked out from the text
by hand comes from here, so that it is the one the parser gives for the same place.

>>> text = "a: 1\\rb: 2\\r\\nc: 3\\u2028d: [4]"
>>> line_col(text, text.index("4")), yaml_lines(text)
((4, 5), ['a: 1', 'b: 2', 'c: 3', 'd: [4]'])
"""

from __future__ import annotations

import re

__all__ = ["BREAKS", "blank_tab_lines", "line_col", "line_start", "uniform_breaks", "yaml_lines"]

BREAKS = "\n\r\x85\u2028\u2029"  # the characters that end a line ('\r\n' is one break)
_BREAK = re.compile("\r\n|[\n\r\x85\u2028\u2029]")
_LAST_BREAK = re.compile("(?s:.*)(?:\r\n|\r(?!\n)|[\n\x85\u2028\u2029])")  # the last one before the end
_LONE_CR = re.compile("\r(?!\n)")
_NOT_BREAKS = re.compile("[\x0b\x0c\x1c-\x1e]")  # line breaks to str.splitlines only
_TAB_BLANK = re.compile("(?<![^\n\r\x85\u2028\u2029])[ \t]*\t[ \t]*(?![^\n\r\x85\u2028\u2029])")  # a line of blanks
_FIRST_WINDOW = 128  # characters searched back for a line's start at first (then 4 times as many, and so on)


def line_start(text: str, at: int) -> int:
    """The offset where the line holding offset ``at`` starts: a search back that reads about as many characters as
    that line has before ``at`` (never the whole text before it), so a look ahead stays linear."""
    stop = at - 1 if at > 0 and text[at - 1:at + 1] == "\r\n" else at  # the '\n' of '\r\n' is on the '\r''s line
    width = _FIRST_WINDOW
    while True:
        low = max(0, stop - width)
        found = _LAST_BREAK.match(text, low, stop)
        if found is not None:
            return found.end()
        if low == 0:
            return 0
        width *= 4


def line_col(text: str, at: int, start: int = 0, start_line: int = 1) -> tuple[int, int]:
    """The 1-based (line, column) of offset ``at``; ``start_line``: the line of offset ``start`` (<= ``at``), known
    already (a parser's mark), so that only the text between is read."""
    breaks = text.count("\r", start, at) - text.count("\r\n", start, at + 1)  # lone '\r's ('\r\n' counts at '\n')
    breaks += sum(text.count(c, start, at) for c in "\n\x85\u2028\u2029")
    return start_line + breaks, at - line_start(text, at) + 1


def yaml_lines(text: str) -> list[str]:
    """``text``'s lines, without their breaks (a final break ends the last line, as in ``str.splitlines``)."""
    if _NOT_BREAKS.search(text) is None:
        return text.splitlines()  # the same lines, in C
    lines = _BREAK.split(text)
    if lines[-1] == "":
        lines.pop()
    return lines


def uniform_breaks(text: str) -> str:
    """``text`` with each line break other than '\\n' and '\\r\\n' written '\\n': the same lines, columns and offsets,
    for the look aheads, whose line grammar knows those two (``block_structure``, ``flow_lists``)."""
    if text.count("\r") != text.count("\r\n"):  # first: '\r\x85' is two breaks, '\r\n' one
        text = _LONE_CR.sub("\n", text)
    for other in "\x85\u2028\u2029":
        text = text.replace(other, "\n")  # in C, and no copy when there is none
    return text


def blank_tab_lines(text: str) -> str:
    """``text`` with each line made only of spaces and tabs (a tab among them) made of spaces alone, as many: YAML 1.2
    takes tabs in a blank line, PyYAML refuses them; the same lines, columns and offsets (``text`` itself if none).

    >>> blank_tab_lines("a: 1\\n\\t \\nb: 2\\n")
    'a: 1\\n  \\nb: 2\\n'
    """
    if "\t" not in text:
        return text
    return _TAB_BLANK.sub(lambda blank: " " * len(blank.group()), text)
