"""Wolfram's implicit multiplication: ``2 #x``, ``2 Sin[#]``, ``#a #b``, ``(#+1)(#-1)`` are products, as ``*`` is.

``with_products`` reads the translated (Python) text as tokens and puts a ``*`` between two operands that stand side
by side: a number, a name or slot, a call ``f(...)`` (Wolfram's ``f[...]``), a part ``x[...]`` or a parenthesis.
Juxtaposition is Wolfram's Times, so ``*``'s precedence is its precedence: ``2 #x^2`` is ``2 * #x^2``, ``#a/#b #c``
is ``#a/#b * #c``. Forms Wolfram might read otherwise are refused, never guessed: operands on two lines, or an
operator starting a line after a complete one (Wolfram ends an expression at a line break outside brackets), a
product after a signed exponent (``#x^-2 #y``), a list beside a value.

>>> with_products("2 _s_x", [0, 1, 2, 2, 2, 3], "2 #x")[0]
'2 *_s_x'
"""

from __future__ import annotations

import keyword
import re

from netgraph.layers.expression_errors import ExpressionError

__all__ = ["with_products"]

_TOKEN = re.compile(r"""(?P<number>(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?(?:[jJ](?!\w))?)
                      |(?P<name>[^\W\d]\w*)
                      |(?P<string>"[^"]*")
                      |(?P<space>\s+)
                      |(?P<op>\*\*|.)""", re.VERBOSE | re.DOTALL)


def _tokens(py: str) -> list[tuple[str, str, int]]:
    """(kind, text, start) of each token of ``py`` but spaces, which are kept as kind "space" too."""
    return [(m.lastgroup, m.group(), m.start()) for m in _TOKEN.finditer(py)]


def _source(text: str, origin: list[int], at: int) -> str:
    """The character of the original text that the translated character ``at`` came from."""
    return text[origin[at]] if at < len(origin) and origin[at] < len(text) else ""


def _ends_operand(token: tuple[str, str, int], text: str, origin: list[int]) -> bool:
    kind, value, at = token
    if kind in ("number", "name"):
        return not keyword.iskeyword(value)
    return value in ")]" and _source(text, origin, at) in ")]"  # not a list's or <| |>'s close


def _starts_operand(token: tuple[str, str, int], text: str, origin: list[int]) -> bool:
    kind, value, at = token
    if kind in ("number", "name"):
        return not keyword.iskeyword(value)
    return value == "(" and _source(text, origin, at) == "("  # not a call's [ nor a list's {


def with_products(py: str, origin: list[int], text: str) -> tuple[str, list[int]]:
    """``py`` (translated from ``text``, ``origin`` its columns there) with a ``*`` between juxtaposed operands."""
    tokens = _tokens(py)
    inserts: list[int] = []  # token indices a '*' goes before
    solid, depth = [i for i, t in enumerate(tokens) if t[0] != "space"], 0
    for k, (before, after) in enumerate(zip(solid, solid[1:])):
        depth += (tokens[before][1] in "([{") - (tokens[before][1] in ")]}")
        if not depth and tokens[after][0] == "op" and tokens[after][1] not in "([{":
            _check_operator_line(tokens, before, after, text, origin)
        if _ends_operand(tokens[before], text, origin) and _starts_operand(tokens[after], text, origin):
            _check_product(tokens, solid, k, text, origin, depth)
            inserts.append(after)
    if not inserts:
        return py, origin
    out, columns, last = [], [], 0
    for i in inserts:
        at = tokens[i][2]
        out += [py[last:at], "*"]
        columns += origin[last:at] + [origin[at]]
        last = at
    out.append(py[last:])
    columns += origin[last:]
    return "".join(out), columns


def _check_product(tokens: list, solid: list[int], k: int, text: str, origin: list[int], depth: int) -> None:
    """Refuse the product of ``tokens[solid[k]]`` and the next operand (``depth`` brackets in) where Wolfram might
    read it otherwise."""
    left_end, right_start, broken = _gap(tokens, solid[k], solid[k + 1], text, origin)
    if not depth and broken:
        left, right = _operands(text, left_end, right_start)
        raise ExpressionError(f"{left} and {right} are on two lines: Wolfram ends an expression at a line break; "
                              f"write {left} * {right} to multiply, or an operator before the break", text, right_start)
    k = _operand_start(tokens, solid, k)
    while k >= 2 and (tokens[solid[k - 1]][1] == "**" or tokens[solid[k - 1]][1] in "+-" and
                      tokens[solid[k - 2]][1] == "**"):
        if tokens[solid[k - 1]][1] in "+-":  # x^-2 y: Wolfram's reading of a signed exponent's product is unsure
            left, right = _operands(text, left_end, right_start)
            left = tokens[solid[k - 1]][1] + left  # the exponent's sign: -2, not 2
            raise ExpressionError(f"a product after a signed exponent ({left} {right}) is not read: write "
                                  f"(...^{left}) * {right} or ...^({left} * {right})", text, right_start)
        k = _operand_start(tokens, solid, k - 2)  # the base: x^2^-1 y is x^(2^-1) y


def _gap(tokens: list, before: int, after: int, text: str, origin: list[int]) -> tuple[int, int, bool]:
    """Where in ``text`` the gap between ``tokens[before]`` and ``tokens[after]`` starts and ends, and whether a line
    breaks in it."""
    left_end, right_start = origin[tokens[before][2] + len(tokens[before][1])], origin[tokens[after][2]]
    return left_end, right_start, "\n" in text[left_end:right_start] or "\r" in text[left_end:right_start]


def _check_operator_line(tokens: list, before: int, after: int, text: str, origin: list[int]) -> None:
    """Refuse an operator that starts a line after a complete operand, outside brackets (``#x`` then ``+1``): Wolfram
    ends the expression at the break, and the next line is another."""
    if not _ends_operand(tokens[before], text, origin):
        return
    left_end, right_start, broken = _gap(tokens, before, after, text, origin)
    if broken:
        left, right = _operands(text, left_end, right_start)[0], text[right_start:].splitlines()[0][:20]
        raise ExpressionError(f"{left} ends a line and {right} starts the next: Wolfram ends an expression at a line "
                              f"break outside brackets, so the next line would be another; put the operator before "
                              f"the break", text, right_start)


def _operand_start(tokens: list, solid: list[int], k: int) -> int:
    """Where (an index into ``solid``) the operand that ends at ``tokens[solid[k]]`` starts: a name, a number,
    ``(``, or the function name of a call (its brackets and parts included)."""
    while tokens[solid[k]][1] in ")]":
        depth = 0
        while True:
            value = tokens[solid[k]][1]
            depth += value in ")]"
            depth -= value in "(["
            if depth == 0 or k == 0:
                break
            k -= 1
        if k > 0 and tokens[solid[k]][1] in "([" and (tokens[solid[k - 1]][0] == "name" or
                                                        tokens[solid[k - 1]][1] in ")]"):
            k -= 1  # f(...) or x[...]: the operand goes on to its function or value
        else:
            break
    return k


def _operands(text: str, left_end: int, right_start: int) -> tuple[str, str]:
    """The operands that end at ``text[left_end - 1]`` and start at ``text[right_start]``, short, for a message
    (40 characters each way at most: reading back over the whole text per product would take quadratic time)."""
    part = text[max(left_end - 40, 0):left_end].rstrip()
    m = re.search(r"(?:#?[A-Za-z0-9_.]+(?:\[[^\[\]]*\])?|\([^()]*\)|\S)\Z", part)
    left = m.group() if m else part[-12:]
    m = re.match(r"\s*(#?[A-Za-z0-9_.]+(?:\[[^\[\]]*\])?|\([^()]*\)|\S)", text[right_start:right_start + 40])
    return left, m.group(1) if m else text[right_start:right_start + 12]
