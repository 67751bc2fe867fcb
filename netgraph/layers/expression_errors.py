"""Errors in an expression's text, at the column of the user's text they point to: ExpressionError, and where an
``ast`` node of the Python form the text is translated to starts in that text (``Origin``, ``_col``)."""

from __future__ import annotations

import ast
import math
import re

from netgraph.core.errors import OptionError
from netgraph.core.naming_scope import quoted

__all__ = ["ExpressionError", "PlacedOverflow", "Origin", "constant_result", "constant_argument_problem",
           "part_text", "wolfram_number", "VARIABLE_REFUSED", "NOT_SIGN", "APPLIED_FUNCTION",
           "PART_OF_FUNCTION", "EMPTY_FUNCTION", "syntax_error"]

#: Function's variable {written} is {why}
VARIABLE_REFUSED = ("Function's variable {!r} is {}: name each variable once, by a new name, as "
                    "Function[{{x, y}}, x * y]")

#: the refusal of Wolfram's prefix Not, !c (and of Factorial, x!)
NOT_SIGN = "'!' (Not, or Factorial after a value) is not allowed: for Not[c] write 1 - c (a comparison is 1 or 0)"

#: what an applied pure function is (Wolfram's (body &)[args] is Function[body][args]), for "... is not allowed"
APPLIED_FUNCTION = ("a pure function applied to arguments, Function[...][args] or (body &)[args] (write its body on "
                    "the arguments instead: #x^2 for (#^2 &)[#x])")
#: the refusal of a part of a pure function, (body &)[[i]] (Wolfram's part i of Function[body], not of its value)
PART_OF_FUNCTION = ("a part of a pure function, (body &)[[i]] (Wolfram's part i of Function[body], not of its "
                    "value), is not allowed: take the part of an array instead, #x[[1]]")
#: the refusal of a pure function of no body, &[#x] or (&)[#x]
EMPTY_FUNCTION = ("a pure function with an empty body (nothing before &) is not allowed: write a formula before &, "
                  "such as \"#x^2 &\"")
#: Python's parser takes at most this many brackets one inside another ((((#x)))), Sin[Sin[#x]]: 2)
PARSER_BRACKETS = 200


def syntax_error(msg: str) -> str:
    """The refusal of a text Python's parser could not read, from its message ``msg``."""
    if msg == "too many nested parentheses":
        return (f"brackets ( ), [ ] or {{ }} nested more than {PARSER_BRACKETS} deep (the parser's limit): "
                f"write the expression with fewer brackets one inside another")
    return f"syntax error ({msg})"

SHOWN_EXPRESSION = 200  # an expression's text in a message is shown whole (with a caret under its column) up to this
_ONE_LINE = str.maketrans({"\r": " ", "\n": "\u23ce", "\t": " ", "\v": " ", "\f": " "})


class ExpressionError(OptionError):
    """A FunctionLayer expression is malformed or uses something outside the allowlist (kind "expression-syntax";
    option ``function``: every expression a layer parses is its ``function=`` option).

    >>> from netgraph import FunctionLayer
    >>> FunctionLayer("#x +* 2")
    Traceback (most recent call last):
    netgraph.layers.expression_errors.ExpressionError: expression '#x +* 2' at column 5: syntax error (invalid syntax)
        #x +* 2
            ^
    """

    def __init__(self, message: str, text: str, column: int | None = None):
        self.column = column  # in ``text`` as given (a YAML value's position adds it); the message's: in it stripped
        text, column = text.strip(), None if column is None else self.shown_column(text, column)
        where = f" at column {column + 1}" if column is not None else ""
        # a line break is drawn as ⏎ (\r\n as " ⏎"): one line keeps the caret under it, and the break shows; NUL, a
        # bidi override, ESC are '?' (not echoed)
        shown = "".join(c if c.isprintable() else "?" for c in re.sub(r"\r(?!\n)", "\n", text).translate(_ONE_LINE))
        pointer = f"\n    {shown}\n    {' ' * column}^" if column is not None and len(text) < SHOWN_EXPRESSION else ""
        super().__init__(f"expression {quoted(text, SHOWN_EXPRESSION)}{where}: {message}{pointer}",
                         kind="expression-syntax", option="function")


    @staticmethod
    def shown_column(text: str, column: int) -> int:
        """``column`` of ``text`` as given, in the message's text: spaces and line breaks around it ('>' blocks end in
        one) are not shown."""
        return max(column - (len(text) - len(text.lstrip())), 0)


class PlacedOverflow(OverflowError):
    """A constant folded past a real number (10^400, Sqrt[-1], 1/0), at the ``column`` of the part of the text that
    made it (an OverflowError still: If's branch not taken may hold one)."""

    def __init__(self, message: str, column: int):
        super().__init__(message)
        self.column = column

    @classmethod
    def at(cls, error: OverflowError, column: int) -> PlacedOverflow:
        """``error`` placed at ``column``, unless an inner part placed it already."""
        return error if isinstance(error, PlacedOverflow) else cls(str(error), column)


class Origin(list):
    """Column in the expression's text of each character of its Python form ``py``, which is parsed stripped;
    ``lead``: the spaces stripped in front."""

    def __init__(self, columns: list[int], py: str):
        super().__init__(columns)
        self.source = py.strip()
        self.lead = len(py) - len(py.lstrip())


def _col(node: ast.AST, origin: list[int], end: bool = False) -> int:
    """The column in the user's text where ``node`` starts (``end``: where it ends)."""
    off = getattr(node, "end_col_offset" if end else "col_offset", 0)
    if isinstance(origin, Origin):  # ast's offsets count UTF-8 bytes of the stripped text
        off = len(origin.source.encode("utf-8")[:off].decode("utf-8", "ignore")) + origin.lead
    return origin[off] if 0 <= off < len(origin) else 0


def constant_result(value: float, slots_used: bool) -> str:
    """Why an expression with ports is the constant ``value``: a Function's body that uses none of its variables
    (``Function[x, 2]``: no ``slots_used``), else constant If conditions (``If[1, 2, #x]``)."""
    if not slots_used:
        return (f"is the constant {value!r}: the body of Function uses none of its variables, and the result must "
                f"depend on an input port (use one, as Function[x, 2 x])")
    return f"is the constant {value!r} once its constant If conditions pick their branches; the result must depend " \
           f"on an input port"


def constant_argument_problem(name: str, args: list[tuple]) -> str | None:
    """Why function ``name`` refuses its constant ``args`` (trees), after the part's text, or None: Indeterminate read
    as true or false (If, Boole); Surd's n no integer (Wolfram's Surd::int: Surd[x, 2.5] stays unevaluated)."""
    if name in ("If", "Boole") and args[0][0] == "const" and math.isnan(args[0][1]):
        return ("reads Indeterminate as true or false: a NaN is neither (Wolfram leaves it unevaluated): write the "
                "branch meant, or Indeterminate for a NaN")
    n = args[1] if name == "Surd" else ("slot",)
    if n[0] == "const" and not (math.isnan(n[1]) or n[1].is_integer()):
        return (f"takes an integer n, as Wolfram's Surd[x, n], found n = {wolfram_number(n[1])}: write x^(1/n) for "
                f"that power")
    return None


def part_text(node: ast.AST, text: str, origin: list[int]) -> str:
    """The text ``node`` was translated from (to the end of ``text`` where its end maps to no column)."""
    start, end = _col(node, origin), _col(node, origin, end=True)
    return text[start:end if end > start else len(text)].strip()


def wolfram_number(value: float) -> str:
    """``value`` exactly, as the expression language writes it: 2, 2.0000001, Infinity, -Infinity, Indeterminate (NaN).

    >>> wolfram_number(2.0000001), wolfram_number(-float("inf")), wolfram_number(2.0), wolfram_number(1e300)
    ('2.0000001', '-Infinity', '2', '1e+300')
    """
    if math.isnan(value):
        return "Indeterminate"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    return str(int(value)) if value.is_integer() and abs(value) < 2**53 else repr(value)
