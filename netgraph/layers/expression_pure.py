"""Wolfram's pure functions in expressions: ``Function[body]``, ``Function[x, body]`` (its variables as slots),
``Apply[f]`` and ``Map[f, x]``, read by ``expression.parse``."""

from __future__ import annotations

import ast
import re
from typing import Callable, Collection

from netgraph.layers.expression_errors import VARIABLE_REFUSED, ExpressionError, _col
from netgraph.layers.expression_text import SLOT_PREFIX

__all__ = ["applied_body", "function_body", "mapped_call", "MAP_FORM"]


def applied_body(node: ast.Call, text: str, origin: list[int], sub: Callable[[ast.AST], tuple]) -> tuple:
    """``Apply[f]`` of a pure function ``f`` (``body &`` or ``Function[body]``, read as its body): the body."""
    body = node.args[0] if len(node.args) == 1 else None
    if body is None or (isinstance(body, ast.Name) and not body.id.startswith(SLOT_PREFIX)):
        raise ExpressionError("Apply[f] takes a pure function of #1, #2, ... (Apply[#1 + #2 &]), its arguments the "
                              "ports Input1, Input2, ...", text, _col(node, origin))
    return sub(body)


MAP_FORM = ("Map[f, x] takes a function name f, which applies to every element already (Map[Ramp, #x] is Ramp[#x]); "
            "a pure function's body is written on the array itself (Map[#^2 &, #x] is #x^2), a whole-array function "
            "of each element of level 1 takes levels (Map[Total, #m] is Total[#m, {2}]), and a net applied to each "
            "element of a sequence is NetMapOperator(net)")


def mapped_call(node: ast.Call, text: str, origin: list[int], names: Collection[str]) -> ast.Call:
    """Wolfram's ``Map[f, x]`` of a named function ``f`` of ``names`` (elementwise: it applies to every element
    already) as the call ``f[x]``; any other Map is an ExpressionError saying how to write it."""
    f = node.args[0] if len(node.args) == 2 else None
    if not isinstance(f, ast.Name) or f.id not in names:
        raise ExpressionError(MAP_FORM, text, _col(node, origin))
    return ast.Call(func=f, args=[node.args[1]], keywords=[], lineno=node.lineno, col_offset=node.col_offset,
                    end_lineno=node.end_lineno, end_col_offset=node.end_col_offset)


def function_body(node: ast.Call, text: str, origin: list[int], reserved: Collection[str]) -> tuple[ast.AST, list[str]]:
    """The body of Wolfram's ``Function[body]``, or of ``Function[x, body]`` / ``Function[{x, y}, body]`` with its
    variables as slots: one is ``#`` (port ``Input``, as Wolfram's FunctionLayer[Function[x, x^2]]), several ``#1,
    #2, ...`` (``Input1``, ...); and those slots, in order (each variable is a port, used in the body or not)."""
    if len(node.args) == 1:
        return node.args[0], []
    if len(node.args) != 2:
        raise ExpressionError(f"Function takes a body, or variables and a body (Function[x, x^2]), found "
                              f"{len(node.args)} arguments", text, _col(node, origin))
    variables, body = node.args
    names = [v.id if isinstance(v, ast.Name) else None for v in getattr(variables, "elts", [variables])]
    if not names or None in names or isinstance(variables, ast.Tuple) and text[_col(variables, origin)] != "{":
        raise ExpressionError("Function[x, body] names its variables by a name x or a list {x, y}", text,
                              _col(variables, origin))
    for variable, name in zip(getattr(variables, "elts", [variables]), names):
        written = re.match(r"#?\w*", text[_col(variable, origin):]).group()  # x, or #x (not the slot's _s_x)
        if name.startswith(SLOT_PREFIX) or name in reserved or names.count(name) > 1:
            why = "a slot" if name.startswith(SLOT_PREFIX) else "named twice" if names.count(name) > 1 else \
                "a function or constant of expressions"  # an outer variable again: _check_nested_variables
            raise ExpressionError(VARIABLE_REFUSED.format(written, why), text, _col(variables, origin))
    slots = {name: SLOT_PREFIX + ("" if len(names) == 1 else str(i)) for i, name in enumerate(names, 1)}
    _check_nested_variables(body, names, text, origin)
    _check_free_symbols(body, names, text, origin, reserved)
    for part in ast.walk(body):  # iterative: a long chain a + b + ... does not recurse
        if isinstance(part, ast.Name) and part.id.startswith(SLOT_PREFIX):
            raise ExpressionError("a Function[x, body] names its arguments: write them by name in the body, not as "
                                  "#slots (or write the body alone, #x^2 &)", text, _col(part, origin))
        if isinstance(part, ast.Name) and part.id in slots:
            part.id = slots[part.id]
    return body, list(slots.values())


def _check_nested_variables(body: ast.AST, names: list[str], text: str, origin: list[int]) -> None:
    """ExpressionError where a Function in ``body`` declares one of ``names`` again (Function[{x, y}, Function[{z,
    y}, z]]), before its own variable z would be read as a free symbol of the Function around it."""
    for part in (p for p in ast.walk(body) if isinstance(p, ast.Call) and getattr(p.func, "id", 0) == "Function"):
        for variable in (v for v in getattr(part.args[0], "elts", part.args[:1]) if getattr(v, "id", 0) in names):
            if len(part.args) == 2:
                raise ExpressionError(VARIABLE_REFUSED.format(variable.id, "a variable of the Function around it "
                                      "already"), text, _col(part.args[0], origin))


_PART_NAMES = ("All",)  # names a Part spec takes (x[[All, 1]])


def _check_free_symbols(body: ast.AST, names: list[str], text: str, origin: list[int],
                        reserved: Collection[str]) -> None:
    """ExpressionError at the first name in ``body`` that is none of the Function's variables ``names``, nor a
    function or constant of expressions: a free symbol, which has no value in a net (a called name is a function,
    which the conversion checks)."""
    called = {id(node.func) for node in ast.walk(body) if isinstance(node, ast.Call)}
    free = [part for part in ast.walk(body) if isinstance(part, ast.Name) and id(part) not in called
            and not part.id.startswith(SLOT_PREFIX) and part.id not in (*names, *reserved, *_PART_NAMES)]
    if not free:
        return
    first = min(free, key=lambda part: _col(part, origin))
    shown, more = ", ".join(names), ", ".join([*names, first.id])
    ports = ", ".join(f"Input{i}" for i in range(1, len(names) + 2))
    raise ExpressionError(f"unknown symbol {first.id!r} in the body of Function[{shown}, ...]: it is not one of its "
                          f"variables ({shown}), and a free symbol has no value in a net; make it a variable, "
                          f"Function[{{{more}}}, ...] (ports {ports}), or write a number", text, _col(first, origin))
