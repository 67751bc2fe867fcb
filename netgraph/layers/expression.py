"""Wolfram slot expressions (``"#Means + #Stds * #Random"``), parsed safely, never evaluated as Python.

The text is translated (``#x`` -> a slot, ``^`` -> power, ``f[x]`` -> ``f(x)``), parsed with ``ast``,
and every node is checked against an allowlist: numbers, slots, ``+ - * / ^ %``, comparisons, and
the named functions of ``netgraph.layers.function_table`` (a name defined by a Wolfram expression is
expanded in place). The result is a small tree of tuples that ``to_code`` turns into
torch code for the compiled forward and ``evaluate`` runs directly (the reference interpreter; both in
``expression_run``).
Constant sub-expressions are folded in float64 torch arithmetic, so ``2^99999999`` is ``inf``, not a hang.

>>> e = parse("#Means + #Stds * #Random")
>>> e.slots
('Means', 'Stds', 'Random')
>>> to_code(e.tree, {"Means": "m", "Stds": "s", "Random": "r"})
'(m + (s * r))'
>>> parse("Exp[#] ^ 2").slots
('Input',)
"""

from __future__ import annotations

import ast
import functools
import math
import re
import warnings
from dataclasses import dataclass
from typing import Callable

from netgraph.core.errors import OptionError, did_you_mean, nearest_name
from netgraph.core.option_words import EXPRESSION_PATTERN
from netgraph.core.wording import counted_either
from netgraph.layers.expression_errors import (EMPTY_FUNCTION, ExpressionError, Origin, PlacedOverflow, _col,
                                                constant_argument_problem, constant_result, part_text, syntax_error)
from netgraph.core.layer_being_read import layer_being_read, read_before
from netgraph.core.naming_scope import quoted
from netgraph.core.user_frame import user_stacklevel
from netgraph.layers.expression_indeterminate import IndeterminateWarning, kept_parts, name_part, noting
from netgraph.layers.expression_forms import (LONG_CHAIN, STRUCTURAL, chain_terms, check_extent,
                                              not_allowed, not_allowed_col, outputs, number, part_index, structural)
from netgraph.layers.expression_folding import divided_by_constant_0, expanded_constant, special_constant
from netgraph.layers.expression_folding import fold as _fold
from netgraph.layers.expression_run import evaluate, table_entry, to_code
from netgraph.layers.expression_dot import dot_before_times
from netgraph.layers.expression_names import CALLABLE, case_hint, known_function, only_argument, unknown_function
from netgraph.layers.expression_lists import (flattened_lists, function_argument_error, is_function_call,
                                             list_argument, pure_function_argument)
from netgraph.layers.expression_truth import first_bang, negative_read_as_truth, unreadable_not
from netgraph.layers.expression_pure import MAP_FORM, applied_body, function_body, mapped_call
from netgraph.layers.expression_text import (SLOT_PREFIX, list_beside_value, parenthesised_after, translate,
                                              unmatched_bracket)
from netgraph.layers.function_table import (INTERNAL_FUNCTIONS, NAMED_FUNCTIONS, NO_REAL_VALUE_AS_NAN,
                                            OTHER_FORMS_OF, CLIPS, NamedFunction, torch_name_hint)

__all__ = ["Expression", "parse", "parse_definition", "apply", "apply_all", "to_code", "evaluate",
           "FUNCTIONS", "ExpressionError", "is_expression", "parse_quietly", "warn_indeterminate"]

MAX_LENGTH, MAX_DEPTH = 2000, 60

#: Function name -> its entry in the one table of named functions (kept under its older name).
FUNCTIONS: dict[str, NamedFunction] = NAMED_FUNCTIONS
_CONSTANTS = {"Pi": 3.141592653589793, "E": 2.718281828459045, "Infinity": float("inf"),
              "Indeterminate": float("nan"), "Degree": 3.141592653589793 / 180, "GoldenRatio": 1.618033988749895,
              "EulerGamma": 0.5772156649015329}
_BINOPS = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.Pow: "**", ast.Mod: "%"}
_CMPOPS = {ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">=", ast.Eq: "==", ast.NotEq: "!="}
_VARIADIC = ("Plus", "Times", "Min", "Max")  # Wolfram's take any number of arguments (one: itself)
_ALL_OF = ("KroneckerDelta", "UnitStep")  # Wolfram's take any number: 1 where it holds of each (a product)
_FLATTENING = {"Max", "Min"}  # of an array, its largest element: Map[Max, #m] is no Max[#m]


@dataclass(frozen=True)
class Expression:
    """A parsed expression: the source text, its slots (ports: named ones in order of appearance, numbered ones
    ``#1``, ``#2`` in number order, as Wolfram passes arguments by position), and its tree."""

    text: str
    slots: tuple[str, ...]
    tree: tuple
    indeterminate: tuple[tuple[str, str | None], ...] = ()  # (part, output) Wolfram makes Indeterminate (NaN here)


def _slot_name(ident: str) -> str:
    rest = ident[len(SLOT_PREFIX):]
    return "Input" if rest == "" else (f"Input{rest}" if rest.isdigit() else rest)


def is_expression(text: str) -> bool:
    """Whether a function option is an expression (in ``#`` slots, or Wolfram's ``Function[x, x^2]``), not a name.

    >>> is_expression("Function[x, Max[x, 0]]"), is_expression("#^2"), is_expression("Ramp")
    (True, True, False)
    """
    return re.search(EXPRESSION_PATTERN, text) is not None


def parse(text: str, layer_type: str | None = None, option: str | None = None) -> Expression:
    """Parse and validate ``text``; raise ExpressionError (an OptionError) with the column on failure. Its
    IndeterminateWarnings name ``layer_type`` and ``option`` where given (``warn_indeterminate``)."""
    if not isinstance(text, str):
        raise OptionError(f"an expression must be a string, found {type(text).__name__}", kind="option-value",
                          option="function", expected="an expression string", found=text)
    expr = parse_quietly(text)
    warn_indeterminate(expr, layer_type, option)
    return expr


def warn_indeterminate(expr: Expression, layer_type: str | None = None, option: str | None = None) -> None:
    """Warn of each indeterminate part ``expr`` keeps (an IndeterminateWarning naming the layer being read from a net
    file, its type, ``option`` and the output): the parse is cached, so its caller, the layer, warns; not where the
    reader makes a layer again (a net's second ``ref:`` use) or one in no net (an unused ``nets:`` definition)."""
    if read_before():
        return
    for part, port in expr.indeterminate:
        warnings.warn(IndeterminateWarning(expr.text, part, layer_type, option, layer_being_read(), port),
                      stacklevel=user_stacklevel())


def parse_definition(text: str) -> Expression:
    """Parse a table entry's definition, which may use ``INTERNAL_FUNCTIONS`` too (an expression may not)."""
    return parse_quietly(text, True)


@functools.lru_cache(maxsize=4096)
def parse_quietly(text: str, internal: bool = False) -> Expression:
    """``parse`` without its IndeterminateWarnings; pure and frozen, so identical FunctionLayers parse once."""
    if len(text) > MAX_LENGTH:
        raise ExpressionError(f"longer than {MAX_LENGTH} characters", text[:40] + "...")
    if not text.strip():
        raise ExpressionError("is empty: write a formula of the #slots, such as \"#x * LogisticSigmoid[#y]\"", text)
    if trailing := re.search(r",\s*(?:[\]}]|\|>)", text):  # Python reads f(x, ) as f(x); Wolfram's Exp[x, ] Null
        raise ExpressionError("a ',' with no argument after it", text, trailing.start())
    if given := pure_function_argument(text):  # Max[#^2 &, 1]; Min[1, Sin[#] &] (its & would be read as the end's)
        called, at, start = given
        raise function_argument_error(called, text, start) if known_function(called, internal) else \
            unknown_function(called, text, at)  # Select[#x, # > 0 &]: its name is the problem
    py, columns = translate(text)
    if unmatched := unmatched_bracket(text):  # Python would read Sin[#x) as Sin(x) and name its own brackets
        raise unmatched
    py = py.replace("\r", " ").replace("\n", " ")  # a line break is a space (a YAML block scalar's lines)
    if not py.strip():  # "&": a pure function of no body
        raise ExpressionError(EMPTY_FUNCTION, text, max(text.find("&"), 0))
    origin = Origin(columns, py)
    try:
        node = ast.parse(py.strip(), mode="eval")
    except SyntaxError as exc:
        at, msg = ((exc.offset or 1) - 1 + origin.lead, exc.msg) if exc.offset else \
            (len(py.rstrip()) - 1, "it ends before it is complete")  # offset 0: Python met the end of the text
        col = origin[min(max(at, 0), len(origin) - 1)] if origin else 0
        if beside := unreadable_not(text, py, columns) or list_beside_value(text):  # ! first, as Wolfram's Not
            raise beside from None
        if mapped := re.search(r"(?<![\w#])Map\s*\[", text):  # Map[#^2 &, #x]: a pure function inside a call
            raise ExpressionError(MAP_FORM, text, mapped.start()) from None
        raise ExpressionError(syntax_error(msg), text, col) from None
    except (ValueError, RecursionError, MemoryError) as exc:
        raise ExpressionError(f"cannot be parsed ({type(exc).__name__}: {str(exc)[:80]})", text) from None
    if refused := negative_read_as_truth(node.body, text, origin) or first_bang(node.body, text, origin):
        raise refused  # a Negative read as true or false before the ! (And, Not) reading it, ! before other checks
    slots: list[str] = []
    try:
        with noting() as notes:
            tree = _convert(dot_before_times(node.body), text, origin, slots, 0, internal)
    except RecursionError:
        raise ExpressionError("nested too deeply", text) from None
    except PlacedOverflow as exc:  # a constant folded to infinity, or not real
        raise ExpressionError(str(exc), text, exc.column) from None
    check_extent(tree, text)
    if slots and tree[0] == "const":  # If[1, 2, #x] is 2: the forward would return a float, not a tensor
        raise ExpressionError(constant_result(tree[1], any(isinstance(part, ast.Name) and part.id.startswith(
            SLOT_PREFIX) for part in ast.walk(node))), text)  # slots: a Function's variables once used
    return Expression(text, _positional_order(slots), tree, kept_parts(tree, notes))


def _positional_order(slots: list[str]) -> tuple[str, ...]:
    """``slots``, numbered ones (``Input2``, ``Input1``) as ``Input1`` to the highest: ``#2 - #1`` wired [p, q] is
    q - p, and ``#2 &`` takes two arguments (Wolfram's), ports Input1 and Input2, as Function[{x, y}, y] does."""
    if not slots or not all(s.startswith("Input") and s[5:].isdigit() for s in slots):
        return tuple(slots)
    return tuple(f"Input{i}" for i in range(1, max(int(s[5:]) for s in slots) + 1))


def _convert(node: ast.AST, text: str, origin: list[int], slots: list[str], depth: int, internal: bool) -> tuple:
    """The tree of ``node``; a constant it makes indeterminate is named by its text."""
    try:
        tree = _converted(node, text, origin, slots, depth, internal)
    except OverflowError as exc:  # a constant folded past a real number: at the innermost part that made it
        raise PlacedOverflow.at(exc, _col(node, origin)) from None
    if tree[:2] == ("bin", "*") or (tree[0] == "const" and tree[1] != tree[1]):  # NaN, or maybe by NaN (Mod[#x, 0]'s)
        name_part(tree, part_text(node, text, origin))
    return tree


def _converted(node: ast.AST, text: str, origin: list[int], slots: list[str], depth: int, internal: bool) -> tuple:
    if depth > MAX_DEPTH:
        raise ExpressionError(f"nested deeper than {MAX_DEPTH} levels", text, _col(node, origin))

    def sub(n: ast.AST) -> tuple:
        return _convert(n, text, origin, slots, depth + 1, internal)

    if isinstance(node, ast.Constant) and type(node.value) in (int, float):
        return number(node, text, origin)
    if isinstance(node, ast.Name):
        if node.id.startswith(SLOT_PREFIX):
            name = _slot_name(node.id)
            if name not in slots:
                slots.append(name)
            return ("slot", name)
        if node.id in _CONSTANTS:
            return ("const", _CONSTANTS[node.id])
        if depth == 0 and node.id in CALLABLE:  # FunctionLayer[Sin] is Sin[#]&
            return sub(ast.Call(func=node, args=[ast.Name(id=SLOT_PREFIX, col_offset=node.col_offset)], keywords=[],
                                col_offset=node.col_offset))
        raise ExpressionError(_unknown_name(node.id, text, _col(node, origin)), text, _col(node, origin))
    if isinstance(node, ast.BinOp) and len((chain := chain_terms(node))[1]) > LONG_CHAIN:  # a + b - c + ...
        return _balanced([_fold(("neg", sub(t))) if negated else sub(t) for negated, t in chain[1]], chain[0])
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.MatMult):  # Wolfram's a . b (translated to a @ b)
        return ("Dot", sub(node.left), sub(node.right))
    if isinstance(node, ast.BinOp) and type(node.op) in _BINOPS:
        return _fold(("bin", _BINOPS[type(node.op)], sub(node.left), sub(node.right)),
                     lambda: part_text(node.right, text, origin))
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        operand = sub(node.operand)
        return _fold(("neg", operand)) if isinstance(node.op, ast.USub) else operand
    if isinstance(node, ast.Compare) and len(node.ops) == 1 and type(node.ops[0]) in _CMPOPS:
        left, right = sub(node.left), sub(node.comparators[0])
        if any(t[0] == "const" and t[1] != t[1] for t in (left, right)):  # NaN compares false to everything
            raise ExpressionError(f"{part_text(node, text, origin)!r} compares with Indeterminate: a NaN is unequal "
                                  f"to everything, so it is false (!= true) whatever the input; Wolfram leaves it "
                                  f"unevaluated",
                                  text, _col(node, origin))
        return _fold(("cmp", _CMPOPS[type(node.ops[0])], left, right))
    if depth == 0 and isinstance(node, (ast.Dict, ast.Tuple)):
        return outputs(node, text, origin, sub)
    if isinstance(node, ast.Subscript):  # x[[i, j;;k]]
        return ("Part", sub(node.value), part_index(node, text, origin))
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in STRUCTURAL \
            and not node.keywords:
        tree = structural(node, text, origin, sub)
        if tree[0] == "Clip":  # Clip[x, {lo, hi}] is Min[Max[x, lo], hi]; Clip[x, {lo, hi}, {vl, vh}] (CLIPS)
            return _expand(CLIPS[len(tree)], [tree[1], *(("const", c) for c in tree[2:])])
        return tree
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and not node.keywords:
        if node.func.id == "Function":  # Function[body] is body &; Function[x, body] is body with x as #
            body, variables = function_body(node, text, origin, [*_CONSTANTS, *FUNCTIONS, *STRUCTURAL])
            slots.extend(_slot_name(v) for v in variables if _slot_name(v) not in slots)  # each a port, used or not
            return _convert(body, text, origin, slots, depth, internal)  # the body itself: <|...|> outputs too
        if node.func.id == "Apply":  # Wolfram's FunctionLayer[Apply[#1 + #2 &]]: #1, #2 are the ports
            return applied_body(node, text, origin, sub)
        if node.func.id == "Map":  # Map[Ramp, #x] is Ramp[#x]: a named function applies to every element
            if node.args and isinstance(node.args[0], ast.Name) and (hint := case_hint(node.args[0].id)):
                raise ExpressionError(f"unknown function {node.args[0].id!r}{hint}", text, _col(node.args[0], origin))
            return sub(mapped_call(node, text, origin, set(FUNCTIONS) - _FLATTENING))
        name = node.func.id
        if name.startswith(SLOT_PREFIX):
            raise list_beside_value(text) or ExpressionError(  # # {1, 2}: Python reads a call
                f"a port (#{_slot_name(name)}) cannot be called: write #x[[i]] for a part of it", text,
                _col(node, origin))
        if name not in FUNCTIONS and not (internal and name in INTERNAL_FUNCTIONS):
            raise unknown_function(name, text, _col(node, origin), only_argument(node, text, origin))
        flat = flattened_lists(node.args, text, origin) if name in _FLATTENING else node.args  # Max[x, {1, 2}]
        if given := next(filter(is_function_call, flat), None):  # Max[#x, Function[#^2]]: not a new port
            raise function_argument_error(name, text, _col(given, origin))
        if name in _FLATTENING and node.args and not flat:  # Wolfram's Max[{}] is -Infinity, Min[{}] Infinity
            return ("const", -math.inf if name == "Max" else math.inf)
        if name in _FLATTENING and flat and not internal:  # Wolfram's Max flattens: the largest element
            return _extremum(name, [sub(a) for a in flat])
        if listed := list_argument(name, flat, text, origin):  # Plus[#x, {1, 2}]: a list of values
            raise listed
        if name in (*_VARIADIC, *_ALL_OF) and not flat:  # Plus[x] and Times[x] are x, as Wolfram's
            raise ExpressionError(f"{name} takes 1 or more arguments, found 0", text, _col(node, origin))
        if name in _VARIADIC:
            return apply_all(name, [sub(a) for a in flat])
        if name == "Power" and len(node.args) != 2 and node.args:  # Wolfram's Power[a, b, c] is a^(b^c); Power[a] a
            return _converted(functools.reduce(lambda p, b: ast.BinOp(b, ast.Pow(), p, col_offset=b.col_offset),
                                               node.args[::-1]), text, origin, slots, depth, internal)  # a^b^c
        if name in _ALL_OF and len(node.args) > 1:  # Wolfram's: 1 where all are equal (all >= 0), else 0
            args = [sub(a) for a in node.args]
            return apply_all("Times", [apply(name, [args[0], a]) for a in args[1:]] if name == "KroneckerDelta"
                             else [apply(name, [a]) for a in args])
        arities = (table_entry(name).arity, *(form.arity for form in OTHER_FORMS_OF.get(name, ())))
        if len(node.args) not in arities:
            raise ExpressionError(f"{name} takes {counted_either(arities, 'argument')}, found {len(node.args)}",
                                  text, _col(node, origin))
        args = _if_arguments(node.args, sub, slots) if name == "If" else [sub(a) for a in node.args]
        if problem := constant_argument_problem(name, args):
            raise ExpressionError(f"{part_text(node, text, origin)!r} {problem}", text, _col(node, origin))
        return apply(name, args)
    if isinstance(node, ast.Call) and (beside := list_beside_value(text)):  # {a} (b): Python reads a call
        raise beside
    allowed = "" if isinstance(node, (ast.BoolOp, ast.Call)) else (  # And, Or: their advice says how to write them
        f" (only numbers, #slots, + - * / ^ %, comparisons and the functions {', '.join(sorted(FUNCTIONS))}; the "
        f"whole-array functions {', '.join(sorted(STRUCTURAL))})")
    raise ExpressionError(f"{not_allowed(node)} is not allowed{allowed}", text, not_allowed_col(node, text, origin))


def _if_arguments(nodes: list[ast.AST], sub: Callable[[ast.AST], tuple], slots: list[str]) -> list[tuple]:
    """If's trees: the branch a constant condition drops gives its ports, but a constant in it is not refused
    (If[1, #x, Sqrt[-1]] is #x; a value in it is no output's, as an indeterminate one is not warned of)."""
    trees = [sub(nodes[0])]
    condition = trees[0][1] if trees[0][0] == "const" and not math.isnan(trees[0][1]) else None
    dropped = None if condition is None else 2 if condition != 0 else 1
    for i, node in enumerate(nodes[1:], 1):
        try:
            trees.append(sub(node))
        except OverflowError:
            if i != dropped:
                raise
            ports = sorted((n for n in ast.walk(node) if isinstance(n, ast.Name) and n.id.startswith(SLOT_PREFIX)),
                           key=lambda n: n.col_offset)
            slots.extend(name for name in dict.fromkeys(_slot_name(n.id) for n in ports) if name not in slots)
            trees.append(("const", 0.0))  # the branch not taken
    return trees


def _unknown_name(name: str, text: str, col: int) -> str:
    """Why the name at ``text[col]`` is refused; a function (or a slip for one) called with parentheses, as
    ``exp(#a)``, is told the whole fix, ``Exp[#a]``."""
    arguments = parenthesised_after(text, col + len(name)) if text[col:col + len(name)] == name else None
    if name in CALLABLE:
        return f"{name} is a function: call it on its arguments, as {name}[{arguments or '#x'}]"
    meant = nearest_name(name, CALLABLE) if arguments is not None else None
    hint = torch_name_hint(name, arguments if arguments and "," not in arguments else None) or \
        (f" (did you mean {meant}[{arguments}]? a function's arguments go in brackets)" if meant else
         did_you_mean(name, [*_CONSTANTS, *CALLABLE]))
    return f"unknown name {quoted(name)}{hint}; ports are written #{name}"


def apply(name: str, args: list[tuple]) -> tuple:
    """The tree of table function ``name`` applied to the trees ``args`` (a definition is expanded in place).

    >>> apply("Subtract", [("slot", "a"), ("const", 1.0)])
    ('bin', '-', ('slot', 'a'), ('const', 1.0))
    """
    entry = table_entry(name)
    if len(args) != entry.arity:  # Log[b, x], ArcTan[x, y], Mod[m, n, d]
        entry = next((form for form in OTHER_FORMS_OF.get(name, ()) if form.arity == len(args)), entry)
    if name == "If" and args[0][0] == "const":  # a constant condition picks its branch (torch.where needs a tensor)
        return args[1] if args[0][1] != 0 else args[2]
    return _expand(entry, args) if entry.definition is not None else _fold(("call", entry.name, *args))


def _extremum(name: str, trees: list[tuple]) -> tuple:
    """Wolfram's ``Max[x, y, ...]`` (or Min): the largest element of all its arguments, at every level (by its arrays'
    shapes: ``expression_shapes.lower``; elementwise: ``expression_elementwise.per_element``)."""
    if all(t[0] == "const" for t in trees):
        return apply_all(name, trees)
    return (name, *trees)


def _expand(entry: NamedFunction, args: list[tuple]) -> tuple:
    """The tree of ``entry``'s definition with its slots (``#`` or ``#1``, ``#2``) replaced by ``args``."""
    if (by_0 := divided_by_constant_0(entry.name, args)) is not None:
        return by_0  # Mod[m, 0]: NaN, noted (Quotient[m, 0] is refused)
    if all(a[0] == "const" for a in args) and (special := special_constant(entry.name, args)) is not None:
        return special  # LogGamma[0]: Infinity, though its definition's log|Gamma[0]| is refused for Gamma[0]
    slots = ("Input",) if entry.arity == 1 else tuple(f"Input{i}" for i in range(1, entry.arity + 1))
    tree = _substitute(parse_definition(entry.definition).tree, dict(zip(slots, args)))
    if all(a[0] == "const" for a in args):
        return expanded_constant(tree, args, entry.name in NO_REAL_VALUE_AS_NAN)
    return tree


def _substitute(tree: tuple, values: dict[str, tuple]) -> tuple:
    """``tree`` with its slots replaced by ``values``, and what they make constant folded (``Log[2]`` in Log[2, #x])."""
    if tree[0] == "slot":
        return values[tree[1]]
    node = tuple(_substitute(c, values) if isinstance(c, tuple) else c for c in tree)
    if node[:2] == ("call", "If") and node[2][0] == "const":
        return node[3] if node[2][1] != 0 else node[4]
    if node[:2] == ("bin", "*") and node[3] == ("const", 1):  # x * 1 is x to the bit (Mod's at a constant divisor)
        return node[2]
    return _fold(node) if node[0] in ("bin", "cmp", "call", "neg") else node


def _balanced(trees: list[tuple], op: str) -> tuple:
    """The sum (or product) of ``trees`` as a balanced tree: depth log2(n), not n as Python's left-nested chain."""
    if len(trees) == 1:
        return trees[0]
    half = len(trees) // 2
    return _fold(("bin", op, _balanced(trees[:half], op), _balanced(trees[half:], op)))


def apply_all(name: str, trees: list[tuple]) -> tuple:
    """Wolfram's ``Plus[a, b, c, ...]`` (or Times, Min, Max) as a balanced tree of the two-argument function."""
    if len(trees) == 1:
        return trees[0]
    half = len(trees) // 2
    return apply(name, [apply_all(name, trees[:half]), apply_all(name, trees[half:])])
