"""Wolfram's precedence of Dot (``a . b``, translated to Python's ``a @ b``) over Times, where Python reads them at one
level."""

from __future__ import annotations

import ast

__all__ = ["dot_before_times"]

_TIMES_LEVEL = (ast.Mult, ast.Div, ast.Mod)  # the operators Python reads at @'s precedence


def dot_before_times(node: ast.AST) -> ast.AST:
    """``node`` with Wolfram's precedence of Dot (``a . b``, translated to ``a @ b``) over Times: Python reads
    ``a * b @ c`` as ``(a * b) @ c``, Wolfram as ``a * (b . c)`` (and ``a / b . c`` as ``a / (b . c)``). A product
    in parentheses, ``(a * b) . c``, stays the Dot's operand (it starts after its parent's column)."""
    for name, value in ast.iter_fields(node):
        if isinstance(value, ast.AST):
            setattr(node, name, dot_before_times(value))
        elif isinstance(value, list):
            setattr(node, name, [dot_before_times(v) if isinstance(v, ast.AST) else v for v in value])
    if not (isinstance(node, ast.BinOp) and isinstance(node.op, ast.MatMult)):
        return node
    left = node.left
    if not (isinstance(left, ast.BinOp) and isinstance(left.op, _TIMES_LEVEL) and
            (left.lineno, left.col_offset) == (node.lineno, node.col_offset)):
        return node
    dot = ast.copy_location(ast.BinOp(left=left.right, op=node.op, right=node.right), left.right)
    dot.end_lineno, dot.end_col_offset = node.end_lineno, node.end_col_offset
    return ast.copy_location(ast.BinOp(left=left.left, op=left.op, right=dot), node)
