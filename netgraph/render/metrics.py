"""Helvetica's glyph widths for the built-in layout: how wide a line of text is drawn, so boxes hold their text.

Widths are Helvetica's (and Arial's, which shares them) for printable ASCII and a few wide signs past it (Æ Œ — … ‰,
Ш Щ Ж Ю Ы), in thousandths of an em; an accented letter counts as its base letter (À as A), a combining mark
nothing, another capital (Cyrillic, Greek) 0.8 em, an East Asian wide one (Chinese, Japanese, Korean, fullwidth
forms) a full em, any other character an average letter.

>>> round(text_width("MMMM", 10), 1), round(text_width("ill", 10), 1)  # "ill" keeps the average letter's room
(33.3, 17.4)
>>> round(text_width("ABCDEF", 10), 1), round(text_width("ABCDEF", 10, bold=True), 1)
(40.6, 41.7)
>>> text_width("À", 10) == text_width("A", 10), round(text_width("ШΩ", 10), 1), text_width("—…", 10)
(True, 18.0, 20.0)
>>> text_width("·", 10), text_width("※", 10)  # East Asian ambiguous width: a full em past Latin-1
(5.8, 10.0)
"""

from __future__ import annotations

from unicodedata import category, east_asian_width, normalize

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
_CAPITAL = 0.8  # about the width of a capital past ASCII (Cyrillic, Greek), in ems, regular and bold
_WIDE_SIGNS = {"Æ": 1.0, "Œ": 1.0, "—": 1.0, "…": 1.0, "‰": 1.0, "™": 1.0, "æ": 0.889, "œ": 0.944, "Ш": 1.0,
               "Щ": 1.02, "Ж": 0.923, "Ю": 1.031, "Ы": 0.979, "ш": 0.833, "щ": 0.843, "ы": 0.854, "ю": 0.854,
               "ω": 0.844}  # the wider of Helvetica's (Arial's) regular and bold widths


def _em(c: str, widths: tuple[int, ...]) -> float:
    """The width of ``c`` in ems (see the module's docstring)."""
    code = ord(c) - _FIRST
    if 0 <= code < len(widths):
        return widths[code] / 1000
    if c in _WIDE_SIGNS:
        return _WIDE_SIGNS[c]
    if _is_mark(c):
        return 0.0
    if east_asian_width(c) in "WF":
        return 1.0
    if (parts := normalize("NFKD", c)) != c:  # an accented letter: its base letter and marks (À: A)
        return sum(_em(part, widths) for part in parts)
    if category(c) == "Lu":
        return _CAPITAL
    ambiguous = east_asian_width(c) == "A" and ord(c) > 0xFF and not category(c).startswith("L")  # ※ →, not · °
    return 1.0 if ambiguous else CHAR


def _is_mark(c: str) -> bool:
    """Whether ``c`` is a combining mark, drawn over the letter before it (no room of its own)."""
    return category(c) in ("Mn", "Me")


def text_width(text: str, size: float, bold: bool = False) -> float:
    """About how wide ``text`` is at ``size`` pt in Helvetica (``bold``: Helvetica Bold), never less than ``CHAR`` ems
    a character (a combining mark none), a full em a wide one (the estimate the layout's spacing was made with:
    lowercase text keeps its room)."""
    widths = _BOLD if bold else _REGULAR
    if text.isascii():
        return max(len(text) * CHAR, sum(_em(c, widths) for c in text)) * size
    wide = sum(east_asian_width(c) in "WF" for c in text)
    letters = sum(not _is_mark(c) for c in text)
    return max(letters * CHAR + wide * (1 - CHAR), sum(_em(c, widths) for c in text)) * size
