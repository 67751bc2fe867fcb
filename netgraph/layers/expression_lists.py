"""Lists ``{a, b}`` as arguments: Wolfram's Max and Min flatten them (``Max[x, {1, {2}}]`` is ``Max[x, 1, 2]``); with
any other function a list makes a list of values (Wolfram's numeric functions thread over it: ``Plus[x, {1, 2}]`` is
``{x + 1, x + 2}``), which no port here is, so a list as its argument is refused at the list's column; so is a pure
function as an argument (``Max[#^2 &, 1]``, ``Max[Function[#^2], 1]``: a function where a value is wanted), ``body &``
read before Python's parser reads its ``&``."""

from __future__ import annotations

import ast
import re

from netgraph.layers.expression_errors import ExpressionError, _col
from netgraph.layers.expression_text import function_start, open_bracket_before

__all__ = [
    "flattened_lists", "list_argument", "pure_function_argument", "is_function_call", "function_argument_error"]


def _is_list(node: ast.AST, text: str, origin: list[int]) -> bool:
    """Whether ``node`` is a Wolfram list ``{...}`` (not Python's ``(a, b)``)."""
    return isinstance(node, ast.Tuple) and text[_col(node, origin):_col(node, origin) + 1] == "{"


def flattened_lists(args: list[ast.AST], text: str, origin: list[int]) -> list[ast.AST]:
    """``args`` with every list ``{...}`` among them replaced by its elements, at every level (``{}`` by none)."""
    flat: list[ast.AST] = []
    for arg in args:
        flat += flattened_lists(arg.elts, text, origin) if _is_list(arg, text, origin) else [arg]
    return flat


def list_argument(name: str, args: list[ast.AST], text: str, origin: list[int]) -> ExpressionError | None:
    """The refusal of the first list ``{...}`` in ``args`` of the function ``name`` (not Max or Min), or None."""
    listed = next((a for a in args if _is_list(a, text, origin)), None)
    if listed is None:
        return None
    return ExpressionError(f"a list as an argument of {name} is not allowed: it makes a list of values (Wolfram's "
                           f"numeric functions thread over one: Plus[x, {{1, 2}}] is {{x + 1, x + 2}}), which no port "
                           f"holds; only Max and Min take lists (flattened: Max[x, {{1, 2}}] is Max[x, 1, 2]), and the "
                           f"whole expression may be a list {{e1, e2}} of outputs", text, _col(listed, origin))


#: the ``&`` ending a pure function given as an argument: closing brackets, then a ``,`` or a closing bracket (not
#: ``[``: ``(body &)[x]``, a pure function applied, is refused as such)
_FUNCTION_ARGUMENT = re.compile(r"(?<!&)&(?!&)(?=[\s)]*(?:[,\]}]|\Z))")


def pure_function_argument(text: str) -> tuple[str, int, int] | None:
    """The first pure function ``body &`` given as a function's argument (``Max[#^2 &, 1]``), read in the text before
    Python's parser would read its ``&``: (the name of the function it is given to, that name's column, the pure
    function's start); or None (Apply takes one; Map, Part, First and Last refuse theirs)."""
    for amp in _FUNCTION_ARGUMENT.finditer(text):
        j = open_bracket_before(text, amp.start())
        while j > 0 and text[j] == "(":  # (body &) as an argument
            j = open_bracket_before(text, j)
        name = re.search(r"(\w+)\s*\Z", text[:j]) if j > 0 and text[j] == "[" else None
        if name and name.group(1) not in ("Apply", "Map", "Part", "First", "Last"):  # their refusals are their own
            return name.group(1), name.start(1), function_start(text, amp.start())
    return None


def is_function_call(node: ast.AST) -> bool:
    """Whether ``node`` is Wolfram's ``Function[...]``, a pure function (as ``body &``)."""
    return isinstance(node, ast.Call) and getattr(node.func, "id", None) == "Function"


def function_argument_error(called: str, text: str, column: int) -> ExpressionError:
    """The refusal of a pure function (``body &``, ``Function[body]``) at ``column`` given to ``called``."""
    return ExpressionError(f"a pure function (body &) cannot be an argument of {called}, which takes values: write "
                           f"its body on the values instead (#x^2, not #^2 & meant for #x)", text, column)
