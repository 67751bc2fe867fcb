"""The names an expression may call, and the refusal of a call of any other name, with a hint at what was meant
(another form, another library's name, a lower-case spelling, a near name)."""

from __future__ import annotations

import ast

from netgraph.core.errors import did_you_mean
from netgraph.layers.expression_errors import ExpressionError, _col
from netgraph.layers.expression_forms import OTHER_FORMS, STRUCTURAL
from netgraph.layers.expression_text import parenthesised_after
from netgraph.layers.function_table import INTERNAL_FUNCTIONS, LOWERCASE_NAMES, NAMED_FUNCTIONS, torch_name_hint

#: the functions an expression may call by name (the table's, then the whole-array ones)
CALLABLE = (*NAMED_FUNCTIONS, *STRUCTURAL)

__all__ = ["CALLABLE", "known_function", "unknown_function", "case_hint", "only_argument"]


def known_function(name: str, internal: bool) -> bool:
    """Whether ``name`` is a function an expression may call (``Function`` too: ``Function[#^2 &]``)."""
    return name in CALLABLE or name == "Function" or (internal and name in INTERNAL_FUNCTIONS)


def unknown_function(name: str, text: str, col: int, argument: str | None = None) -> ExpressionError:
    """The refusal of a call of ``name``, no function here, at ``col``, with a hint (another form, another library's
    or a lower-case name, a near name; ``argument``: the text of its only argument)."""
    if name in OTHER_FORMS:
        return ExpressionError(OTHER_FORMS[name], text, col)
    hint = torch_name_hint(name, argument) or case_hint(name) or did_you_mean(name, CALLABLE)
    return ExpressionError(f"unknown function {name!r}{hint}", text, col)


def case_hint(name: str) -> str:
    """' (Wolfram's names are case-sensitive: did you mean Exp?)' for another spelling of a function's name (exp,
    relu for Ramp, logisticsigmoid), else ''."""
    meant = LOWERCASE_NAMES.get(name) or next((f for f in CALLABLE if f.lower() == name.lower()), None)
    return f" (Wolfram's names are case-sensitive: did you mean {meant}?)" if meant and meant != name else ""


def only_argument(call: ast.Call, text: str, origin: list[int]) -> str | None:
    """The text of the one argument of ``call`` (a function called by name) as the user wrote it, or None."""
    col, name = _col(call, origin), call.func.id  # type: ignore[attr-defined]
    if len(call.args) != 1 or text[col:col + len(name)] != name:
        return None
    return parenthesised_after(text, col + len(name), "[]")
