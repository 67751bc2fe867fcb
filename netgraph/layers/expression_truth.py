"""Where an expression reads a value as true (not 0) or false (0): If's and Which's conditions, Piecewise's, Boole,
Unitize, the connectives (Not, And, Or, Xor, Nand, Nor, written ``!``, ``&&``, ``||``), and through arithmetic (whose
operands, read so, are truth values: Unitize[a + b] is Or), functions that are 0 exactly where their argument is
(``keeps_zero``), Map[f, x] (f[x]), Part and the functions that rearrange elements, and an applied pure function
(refused: its body and arguments are read as it is): ``readings`` decides it for every form.
``negative_read_as_truth`` refuses Wolfram's test Negative[x] read so, since Negative[x] is -x here (old specs), true
for every x but 0."""

from __future__ import annotations

import ast
import math
import re
from typing import Any

from netgraph.core.naming_scope import quoted, shortened
from netgraph.layers.expression_errors import NOT_SIGN, ExpressionError, Origin, _col, part_text
from netgraph.layers.expression_forms import OTHER_FORMS, not_allowed, not_allowed_col
from netgraph.layers.expression_pure import MAP_FORM
from netgraph.layers.expression_text import prefix_not

__all__ = ["negative_read_as_truth", "keeps_zero", "readings", "is_bang", "first_bang",
           "unreadable_not"]

#: Functions that read arguments as true (not 0) or false (0): name -> how many, from the first
_TRUTH_READERS = {"If": 1, "Boole": 1, "Unitize": 1, "Not": 1, "And": math.inf, "Or": math.inf, "Xor": math.inf,
                  "Nand": math.inf, "Nor": math.inf}
#: Functions that keep 0 exactly (f(0) == 0 and f(v) != 0 for every v != 0) of their one argument: a test of zero
#: reads through them to their argument; through any other function it reads a number (UnitStep, Min[x, 0], Exp)
_ZERO_KEEPING = frozenset({"Negative", "Abs", "Sign", "Sqrt", "CubeRoot", "Tanh", "Sinh",
                           "ArcTan", "ArcSinh", "ArcTanh", "ArcSin", "Erf", "InverseErf", "HardTanh", "Gudermannian",
                           "SoftSign", "Clip"})
#: Functions of several arguments that keep 0 in one where each other argument is a constant c passing the test
_KEEP_WITH = {"Max": lambda c: c < 0, "Min": lambda c: c > 0}
#: Arithmetic (and its operators, + - * / ^ . %): Wolfram has no number for it over a truth value (True + 1 stays
#: True + 1), and it builds truth values of comparisons (Unitize[a + b] is Or, a * b And, 1 - c Not), so each operand
#: of arithmetic read as true or false is read so
_ARITHMETIC = frozenset({"Plus", "Subtract", "Times", "Divide", "Power", "Minus", "Square", "Reciprocal", "Mod",
                         "Quotient", "Dot"})


def _constant(node: ast.AST) -> Any:
    """The value of ``node`` where it is a number or a list of numbers written out (-1, {0, 1}), else None."""
    try:
        return ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return None


def is_condition(name: str, i: int) -> bool:
    """Whether ``name`` reads its argument ``i`` as true or false (If's first, each of Which's c in c1, a, c2, b)."""
    return i % 2 == 0 if name == "Which" else i < _TRUTH_READERS.get(name, 0)


def keeps_zero(name: str, args: list[ast.AST], i: int) -> bool:
    """Whether ``name[args]`` is 0 exactly where its argument ``i`` is (a test of zero reads through it to that
    argument): a zero-keeping function of one argument, Clip[x, {lo, hi}] with lo < 0 < hi, Max[x, c] (c < 0),
    Min[x, c] (c > 0); an If's or a Which's branches."""
    if name in ("If", "Which"):
        return i > 0 and not is_condition(name, i)
    if len(args) == 1:
        return name in _ZERO_KEEPING
    if name == "Clip" and i == 0:
        bounds = _constant(args[1])
        return isinstance(bounds, tuple) and len(bounds) == 2 and all(isinstance(b, (int, float)) for b in bounds) \
            and bounds[0] < 0 < bounds[1]
    test = _KEEP_WITH.get(name)
    others = [_constant(a) for j, a in enumerate(args) if j != i]
    return test is not None and all(isinstance(c, (int, float)) and test(c) for c in others)


def called(node: ast.Call) -> tuple[str, list[ast.AST]] | None:
    """The function name and arguments ``node`` calls: Map[f, x], Map[f, x, levels] and Map[f][x] call f on x (f
    applies to every element), as the layer reads Map[f, x] (``expression_pure.mapped_call``); None where it calls
    no name (an applied pure function, Function[x, x^2][a])."""
    if isinstance(node.func, ast.Name):
        if node.func.id == "Map" and len(node.args) in (2, 3) and isinstance(node.args[0], ast.Name):
            return node.args[0].id, [node.args[1]]
        return node.func.id, node.args
    if _map_operator(node) and node.args:
        return node.func.args[0].id, node.args[:1]
    return None


def _map_operator(node: ast.Call) -> bool:
    """Whether ``node`` is Map's operator form of a name, Map[f][x]."""
    f = node.func
    return isinstance(f, ast.Call) and isinstance(f.func, ast.Name) and f.func.id == "Map" and len(f.args) == 1 \
        and isinstance(f.args[0], ast.Name)


#: Functions that pick or rearrange the elements of their first argument (Negative threads over them as over Map):
#: a test read of their value reads that argument's elements
_PICKING = frozenset({"Part", "First", "Last", "Reverse", "Transpose"})


def readings(node: ast.AST, read: bool) -> list[tuple[ast.AST, bool]]:
    """The parts of ``node``, each with whether its value is read as true or false (``read``: whether ``node``'s
    is): the one rule for every form that reads a truth value. An applied pure function is not evaluated (it is
    refused): its body and arguments are read as it is."""
    if isinstance(node, ast.Call):
        if (call := called(node)) is None:
            return [(node.func, read), *((a, read) for a in node.args)]
        name, args = call
        if name == "Function":  # its value is its body's, Function[x, body]
            return [(a, read and i == len(args) - 1) for i, a in enumerate(args)]
        if name == "Piecewise" and args and isinstance(args[0], ast.Tuple):  # {{value, condition}, ...}, default
            pairs = [p.elts for p in args[0].elts if isinstance(p, ast.Tuple) and len(p.elts) == 2]
            return [part for v, c in pairs for part in ((v, read), (c, True))] + [(a, read) for a in args[1:]]
        return [(a, is_condition(name, i) or read and (name in _ARITHMETIC or keeps_zero(name, args, i) or
                                                       i == 0 and name in _PICKING)) for i, a in enumerate(args)]
    if isinstance(node, ast.Subscript):  # x[[i]] is Part[x, i]
        return [(node.value, read), (node.slice, False)]
    if isinstance(node, ast.BinOp):  # arithmetic
        return [(node.left, read), (node.right, read)]
    if isinstance(node, (ast.UnaryOp, ast.BoolOp)):  # -x and +x: arithmetic; not (!), and (&&), or (||) read as truth
        signed = isinstance(node, ast.UnaryOp) and not isinstance(node.op, ast.Not)
        return [(child, read or not signed) for child in ast.iter_child_nodes(node)]
    return [(child, False) for child in ast.iter_child_nodes(node)]  # a comparison reads numbers; a list: outputs


def negative_read_as_truth(body: ast.AST, text: str, origin: list[int]) -> ExpressionError | None:
    """The error for the first ``Negative[x]`` in ``body`` whose value is read as true or false (``readings``), or
    None: Wolfram's Negative is the test x < 0, but Negative[x] is -x here (old specs), true for every x but 0. It
    also names the refused form around it (||, Which, Not[...]) that reads it, whose own error would come next."""
    stack: list[tuple[ast.AST, bool, ast.AST | None, ast.AST | None]] = \
        [(body, False, None, None)] if "Negative" in text else []
    while stack:  # most texts have no Negative: no walk
        node, read, around, arithmetic = stack.pop()
        call = called(node) if isinstance(node, ast.Call) else None
        around = node if _refused(node, call) else around  # Map[Negative][x] refuses itself
        arithmetic = (node if _arithmetic(node, call) else arithmetic) if read else None  # the innermost
        if read and call and call[0] == "Negative" and len(call[1]) == 1:
            problem = _negative_problem(node, call[1][0], text, origin, arithmetic)
            return ExpressionError(problem + _refused_around(around, text, origin), text, _col(node, origin))
        stack.extend((part, reads, around, arithmetic) for part, reads in reversed(readings(node, read)))
    return None


#: The forms that read truth values and are refused themselves, each saying how to write it
_REFUSED_READERS = {name: OTHER_FORMS[name] for name in ("Not", "And", "Or", "Xor", "Which", "Piecewise")}


def _refused(node: ast.AST, call: tuple[str, list[ast.AST]] | None) -> bool:
    """Whether ``node`` is a refused form that reads truth values or passes them on (||, !, Not[...], Map[f][x], an
    applied pure function)."""
    if isinstance(node, ast.BoolOp) or isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        return True
    return isinstance(node, ast.Call) and (call is None or call[0] in _REFUSED_READERS or _map_form(node))


def _map_form(node: ast.Call) -> bool:
    """Whether ``node`` is a Map the layer refuses (MAP_FORM): Map[f][x], Map[f, x, levels]."""
    return _map_operator(node) or isinstance(node.func, ast.Name) and node.func.id == "Map" and len(node.args) == 3


def _refused_around(form: ast.AST | None, text: str, origin: list[int]) -> str:
    """The words naming ``form``, the refused form around a Negative (|| or && at its operator), or ''."""
    if form is None:
        return ""
    col = ExpressionError.shown_column(text, not_allowed_col(form, text, origin))
    if is_bang(form, text, origin):  # Wolfram's prefix Not
        advice = NOT_SIGN
    elif isinstance(form, ast.Call) and _map_form(form):
        advice = MAP_FORM
    elif isinstance(form, ast.Call) and isinstance(form.func, ast.Name):
        advice = _REFUSED_READERS[form.func.id]
    else:
        advice = f"{not_allowed(form)} is not allowed either"
    return f"; then, at column {col + 1}: {advice}"


def _arithmetic(node: ast.AST, call: tuple[str, list[ast.AST]] | None) -> bool:
    """Whether ``node`` is arithmetic: an operator (+ - * / ^ . %, a sign) or a call of Plus, Times, ..."""
    return isinstance(node, ast.BinOp) or isinstance(node, ast.UnaryOp) and not isinstance(node.op, ast.Not) or \
        call is not None and call[0] in _ARITHMETIC


def _negative_problem(call: ast.Call, x: ast.AST, text: str, origin: list[int], arithmetic: ast.AST | None) -> str:
    """Why ``call``, Negative of ``x``, is refused where its value is read as true or false (through ``arithmetic``
    where not None): Wolfram's test is x < 0."""
    argument = shortened(part_text(x, text, origin))
    if not isinstance(x, (ast.Name, ast.Constant, ast.Call, ast.Subscript)):
        argument = f"({argument})"
    through = "" if arithmetic is None else (
        f" (through the arithmetic {quoted(part_text(arithmetic, text, origin))}, which Wolfram does not compute "
        f"over a truth value: True + 1 stays True + 1)")
    return (f"{quoted(part_text(call, text, origin))} is read as true or false{through}, as Wolfram's test Negative "
            f"(x < 0), but Negative[x] is -x here (true for every x but 0): write x < 0, here {argument} < 0")


def is_bang(node: ast.AST, text: str, origin: list[int]) -> bool:
    """Whether ``node`` is Wolfram's prefix Not, ``!c`` (Python's ``not``; the word ``not`` is refused otherwise)."""
    return isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not) and text[_col(node, origin)] == "!"


def first_bang(body: ast.AST, text: str, origin: list[int]) -> ExpressionError | None:
    """The refusal of the first ``!c`` in ``body``, or None: before any other check of what ``c`` is."""
    cols = [_col(n, origin) for n in ast.walk(body) if is_bang(n, text, origin)] if "!" in text else []
    return ExpressionError(NOT_SIGN, text, min(cols)) if cols else None


def unreadable_not(text: str, py: str, columns: list[int]) -> ExpressionError | None:
    """Where Python cannot read ``py`` (``text`` translated, ``columns`` its columns) for a ``not`` after an operator
    (``1 - !c``): the refusal of a Negative read as true or false under it, else of the first ``!``; None where
    ``text`` has no ``!``. Each ``not`` is read bracketed with its operand, as far as Wolfram's Not reaches."""
    if "!" not in text:
        return None
    inserts = [insert for m in re.finditer(r"\bnot\b", py) for insert in ((m.start(), 1, "("),
                                                                          (_operand_end(py, m.end()), 0, ")"))]
    out, cols, last = [], [], 0
    for at, _, bracket in sorted(inserts):
        out += [py[last:at], bracket]
        cols += [*columns[last:at], columns[at] if at < len(columns) else len(text)]
        last = at
    bracketed = "".join([*out, py[last:]])
    origin = Origin([*cols, *columns[last:]], bracketed)
    try:
        body = ast.parse(bracketed.strip(), mode="eval").body
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return prefix_not(text)
    return negative_read_as_truth(body, text, origin) or first_bang(body, text, origin) or prefix_not(text)


def _operand_end(py: str, i: int) -> int:
    """Where the operand of a ``not`` ending at ``py[i]`` ends: at an ``and``, ``or``, ``,`` or closing bracket of its
    own depth, or the end (Not binds more loosely than arithmetic and comparisons, as Python's not)."""
    depth = 0
    for j in range(i, len(py)):
        if py[j] in "([{":
            depth += 1
        elif py[j] in ")]}," and depth == 0 or not depth and re.match(r" (?:and|or) ", py[j:j + 5]):
            return j
        elif py[j] in ")]}":
            depth -= 1
    return len(py)
