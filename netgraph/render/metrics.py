"""Helvetica's glyph widths for the built-in layout: how wide a line of text is drawn, so boxes hold their text.

Widths are Helvetica's (and Arial's, which shares them) for printable ASCII, in thousandths of an em; other
characters count as an average letter, East Asian wide ones (Chinese, Japanese, Korean, fullwidth forms) a full em.

>>> round(text_width("MMMM", 10), 1), round(text_width("ill", 10), 1)  # "ill" keeps the average letter's room
(33.3, 17.4)
>>> round(text_width("ABCDEF", 10), 1), round(text_width("ABCDEF", 10, bold=True), 1)
(40.6, 41.7)
"""

from __future__ import annotations

from unicodedata import east_asian_width

__all__ = ["text_width", "CHAR"]

CHAR = 0.58  # the average width of a Helvetica letter, in ems: for characters past ASCII
_FIRST = 32  # the space; the tables run to "~" (126)
_REGULAR = (
    278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278, 556, 556, 556, 556, 556, 556, 556,
    556, 556, 556, 278, 278, 584, 584, 584, 556, 1015, 667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667, 556, 833,
    722, 778, 667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 278, 278, 278, 469, 556, 333, 556, 556, 500, 556,
    556, 278, 556, 556, 222, 222, 500, 222, 833, 556, 556, 556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, 334,
    260, 334, 584)
_BOLD = (
    278, 333, 474, 556, 556, 889, 722, 238, 333, 333, 389, 584, 278, 333, 278, 278, 556, 556, 556, 556, 556, 556, 556,
    556, 556, 556, 333, 333, 584, 584, 584, 611, 975, 722, 722, 722, 722, 667, 611, 778, 722, 278, 556, 722, 611, 833,
    722, 778, 667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 333, 278, 333, 584, 556, 333, 556, 611, 556, 611,
    556, 333, 611, 611, 278, 278, 556, 278, 889, 611, 611, 611, 611, 389, 556, 333, 611, 556, 778, 556, 556, 500, 389,
    280, 389, 584)


def _em(c: str, widths: tuple[int, ...]) -> float:
    code = ord(c) - _FIRST
    if 0 <= code < len(widths):
        return widths[code] / 1000
    return 1.0 if east_asian_width(c) in "WF" else CHAR


def text_width(text: str, size: float, bold: bool = False) -> float:
    """About how wide ``text`` is at ``size`` pt in Helvetica (``bold``: Helvetica Bold), never less than ``CHAR`` ems
    a character, a full em a wide one (the estimate the layout's spacing was made with: lowercase text keeps its
    room)."""
    widths = _BOLD if bold else _REGULAR
    wide = 0 if text.isascii() else sum(east_asian_width(c) in "WF" for c in text)
    return max(len(text) * CHAR + wide * (1 - CHAR), sum(_em(c, widths) for c in text)) * size
