"""``Loc``: where a value is (line, column); ``ScalarText``: where each character of a scalar's value is, for a
scalar whose text is not its value column by column (block scalars, escapes, several lines); ``core_value``: a
plain scalar's value (YAML 1.2 core); ``core_refusal``: why a scalar resolved or tagged int, float or bool is not read.

``ScalarText(lines, line, col, value, style)`` aligns the value with the source from the scalar's 0-based start
on first use: each value character matches the next equal source character, skipping indentation and line breaks
a fold removed; an escape sequence gives one character, an escaped line break none.

>>> text = ScalarText(["f: |-", "  #x +", "    +* 2"], 0, 3, "#x +\\n  +* 2", "|")
>>> text.position(8)  # the '*': line 3, column 6 (0-based: 2, 5)
(2, 5)
"""

from __future__ import annotations

import math
import re
from typing import Any, NamedTuple

from netgraph.spec.line_breaks import line_col

__all__ = ["Loc", "ScalarText", "core_value", "core_refusal", "CORE", "OverflowedFloat"]

# YAML 1.2 core schema for plain scalars (as JSON and most YAML tools now read them), not PyYAML's YAML 1.1: only
# true/false are booleans (yes, no, on, NO stay text), 5e-1 is a float, 1:30 and 1_000 are text, dates stay text;
# (kind, form, first characters). A scalar tagged !!int, !!float or !!bool is read by the same forms.
CORE = [("bool", "true|True|TRUE|false|False|FALSE", "tTfF"),
        ("int", "[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+", "-+0123456789"),
        ("float", r"[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN)",
         "-+0123456789.")]
_FORMS = {kind: re.compile(form) for kind, form, _ in CORE}
_EXAMPLES = {"int": "10, -3, 0o17, 0x1F", "float": "0.5, 1e-3, .inf", "bool": "true or false"}
_LEADING_ZERO = re.compile(r"[-+]?0[0-9]+")  # 010: 8 in YAML 1.1 (octal), 10 in YAML 1.2: refused

_ESCAPE_WIDTH = {"x": 4, "u": 6, "U": 10}  # \xhh, \uhhhh, \Uhhhhhhhh; others are two characters
_FOLDED = " \n\u2028\u2029"  # value characters a line break gives (YAML keeps '\u2028' and '\u2029' as they are)


class Loc(NamedTuple):
    """1-based line and column of a value; ``inner``: a single-line scalar's first content column (past a quote)."""

    line: int
    col: int
    inner: int | None = None
    text: Any = None  # (ScalarText, offset) of a scalar whose value is not its text column by column

    def __repr__(self) -> str:
        return f"Loc(line={self.line}, col={self.col}, inner={self.inner})"

    def at(self, offset: int) -> Loc:
        """The position ``offset`` characters into a scalar (itself when unknown)."""
        if self.text is not None:
            scalar, base = self.text
            line, col = scalar.position(base + offset)
            return Loc(line + 1, col + 1, None, (scalar, base + offset))
        return Loc(self.line, self.inner + offset, self.inner + offset) if self.inner is not None else self

    @classmethod
    def of_offset(cls, text: str, at: int, start: int = 0, start_line: int = 1) -> Loc:
        """Where the character at offset ``at`` of ``text`` is, as YAML counts lines (``line_breaks.line_col``; the
        1-based ``start_line`` of offset ``start``, known already, spares reading the text before it)."""
        return cls(*line_col(text, at, start, start_line))


class ScalarText:
    """One scalar's value and source; ``position(offset)`` is the 0-based (line, column) of a value character."""

    __slots__ = ("lines", "start", "value", "style", "_positions")

    def __init__(self, lines: Any, line: int, col: int, value: str, style: str | None):
        self.lines, self.value, self.style = lines, value, style
        block = style in ("|", ">")
        self.start = (line + 1, 0) if block else (line, col + (1 if style in ('"', "'") else 0))
        self._positions: list[tuple[int, int]] | None = None

    def position(self, offset: int) -> tuple[int, int]:
        if self._positions is None:
            self._positions = self._align()
        if not self._positions:
            return self.start
        if offset < len(self._positions):
            return self._positions[max(0, offset)]
        line, col = self._positions[-1]
        return line, col + offset - len(self._positions) + 1

    def _align(self) -> list[tuple[int, int]]:
        lines, out = self.lines, []
        line, col = self.start

        def char(line: int, col: int) -> str:
            return lines[line][col] if col < len(lines[line]) else "\n"

        for v in self.value:
            while line < len(lines):
                ch = char(line, col)
                if self.style == '"' and ch == "\\":
                    after = char(line, col + 1)
                    if after == "\n":  # an escaped line break: no character
                        line, col = line + 1, 0
                        continue
                    out.append((line, col))
                    col += _ESCAPE_WIDTH.get(after, 2)
                    break
                matched = ch == v or (v in _FOLDED and ch in " \n")  # '\n': the end of a source line
                if matched:
                    out.append((line, col))
                line, col = (line + 1, 0) if ch == "\n" else (line, col + 1)
                if matched:
                    break
        return out


def core_value(kind: str, text: str) -> Any:
    """A plain scalar's value by the YAML 1.2 core schema (``yaml_nodes._CORE`` resolved it to ``kind``).

    >>> core_value("int", "0o17"), core_value("int", "0x1F"), core_value("float", "-.Inf"), core_value("bool", "True")
    (15, 31, -inf, True)
    """
    if kind == "bool":
        return text.lower() == "true"
    if kind == "int":  # the forms _CORE matches (no 0b, no '_'; leading zeros refused before)
        return int(text, 0)
    value = float(text.lower().replace(".inf", "inf").replace(".nan", "nan"))
    return OverflowedFloat(value, text) if math.isinf(value) and "inf" not in text.lower() else value


class OverflowedFloat(float):
    """A number written too large for a float (``1e400``): its value is ±inf, and it shows as written, so that a
    problem with it says ``found 1e400``. A copy or pickle of it is a plain float.

    >>> value = core_value("float", "-1e400")
    >>> value == float("-inf"), f"found {value}", [value]
    (True, 'found -1e400', [-1e400])
    """

    text: str

    def __new__(cls, value: float, text: str) -> OverflowedFloat:
        out = super().__new__(cls, value)
        out.text = text
        return out

    def __repr__(self) -> str:
        return self.text

    __str__ = __repr__

    def __reduce__(self) -> tuple:
        return float, (float(self),)


def core_refusal(kind: str, text: str) -> str | None:
    """Why ``text`` is not read as ``kind`` (int, float, bool; None when it is, or another kind): not a YAML 1.2 core
    form of it, or an integer with a leading zero (octal offered where every digit is 0-7).

    >>> core_refusal("int", "0099")
    "'0099': a number with a leading zero is ambiguous (YAML 1.1 reads it as octal, YAML 1.2 as decimal); write 99"
    >>> core_refusal("int", "1:30")
    "cannot read '1:30' as int: a spec reads YAML 1.2 values (int: 10, -3, 0o17, 0x1F)"
    """
    if kind == "int" and _LEADING_ZERO.fullmatch(text):
        shown, digits = repr(text[:40]), text.lstrip("+-0")  # the words made only for a refusal: every number asks
        octal = f" (or 0o{digits[:40]} for octal)" if text[0] == "0" and digits and max(digits) <= "7" else ""
        return (f"{shown}: a number with a leading zero is ambiguous (YAML 1.1 reads it as octal, YAML 1.2 as "
                f"decimal); write {(text[0] if text[0] in '+-' else '') + (digits or '0')[:40]}{octal}")
    if kind in _FORMS and not _FORMS[kind].fullmatch(text):
        return f"cannot read {text[:40]!r} as {kind}: a spec reads YAML 1.2 values ({kind}: {_EXAMPLES[kind]})"
    return None
