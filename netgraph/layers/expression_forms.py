"""The parts of Wolfram expression syntax beyond elementwise arithmetic: several outputs and whole-array functions.

``{e1, e2}`` at the top gives ports Output1, Output2; ``<|"mean" -> e1, "std" -> e2|>`` names them.
``Total[x]``/``Mean[x]`` reduce level 1, ``Total[x, n]`` levels 1 to n, ``Total[x, {n}]`` level n,
``Total[x, {m, n}]`` levels m to n; ``Dot[a, b]`` contracts a's last level with b's first; ``Part[x, i, All, j]``
or ``x[[i, All, j]]`` indexes levels from 1 (negative from the end), and inside ``[[ ]]`` a span ``i;;j`` (or
``;;j``, ``i;;``, ``i;;j;;step``) keeps the elements i to j of its level; ``Clip[x, {lo, hi}]`` (``Clip[x]``:
-1 to 1; ``Clip[x, {lo, hi}, {vl, vh}]``: vl below lo, vh above hi); ``First[x]``, ``Last[x]`` (``Part[x, 1]``,
``Part[x, -1]``), ``Length[x]`` (the elements at level 1),
``Variance[x]``, ``StandardDeviation[x]`` (over level 1, n - 1 in the denominator), ``EuclideanDistance[u, v]``,
``HammingDistance[u, v]`` (the positions where they differ), ``Reverse[x]`` (level 1), ``Transpose[x]`` (levels 1
and 2), ``Tr[m]`` (a matrix's diagonal sum), ``Det[m]`` (a square matrix's determinant), ``Norm[x]`` (a vector's
2-norm, a matrix's largest singular value), ``Norm[x, p]`` (p-norms), and those of ``expression_derived`` (more
distances, RootMeanSquare, Differences, Accumulate). Level and index arguments are constants. The shapes these need
are resolved by ``expression_shapes.lower``.
"""

from __future__ import annotations

import ast
import functools
import math
import re
from typing import Any, Callable, TypeVar

from netgraph.core.wording import counted
from netgraph.layers.expression_derived import DERIVED_FORMS
from netgraph.layers.expression_errors import (APPLIED_FUNCTION, PART_OF_FUNCTION, ExpressionError, _col,
                                               wolfram_number)
from netgraph.layers.expression_lists import is_function_call

T = TypeVar("T")

__all__ = ["STRUCTURAL", "OTHER_FORMS", "LONG_CHAIN", "outputs", "structural", "part_index", "chain_terms",
           "not_allowed", "check_extent", "once_per_tree"]

#: Whole-array functions -> (fewest, most) arguments.
STRUCTURAL = {"Total": (1, 2), "Mean": (1, 2), "Dot": (2, 2), "Part": (2, 9), "Clip": (1, 3), "Norm": (1, 2),
              "Length": (1, 1), "First": (1, 1), "Last": (1, 1), "Variance": (1, 1), "StandardDeviation": (1, 1),
              "EuclideanDistance": (2, 2), "Reverse": (1, 1), "Transpose": (1, 1), "Tr": (1, 1), "Det": (1, 1),
              "HammingDistance": (2, 2), **DERIVED_FORMS}

#: Wolfram functions written otherwise here -> how.
OTHER_FORMS = {"NetArray": "NetArray (a learnable array) is a NetArrayLayer feeding a port of its own: #x * #w, with "
                           "an edge from NetArrayLayer(output=...) to the port w",
               "Which": "Which is written with If: Which[c1, a, c2, b] is If[c1, a, If[c2, b, ...]]",
               "Piecewise": "Piecewise is written with If: Piecewise[{{a, c}}, d] is If[c, a, d]",
               # logic: a comparison is 1 or 0 (Boole[x] makes any other value one), as for && and ||
               **{name: f"{name} is written with arithmetic, as a comparison is 1 or 0 (and Boole[x] is, for any x): "
                        f"{name}[#x > 1{'' if name == 'Not' else ', #y > 1'}] is {form}"
                  for name, form in [("And", "(#x > 1) * (#y > 1)"), ("Or", "Unitize[(#x > 1) + (#y > 1)]"),
                                     ("Xor", "(#x > 1) != (#y > 1)"), ("Not", "1 - (#x > 1)")]},
               # comparisons by name: Wolfram's operator forms are read (a comparison is 1 or 0)
               **{name: f"{name} is written as its operator: {name}[#x, #y] is #x {op} #y (1 where true, else 0)"
                  for name, op in [("Equal", "=="), ("Unequal", "!="), ("Greater", ">"), ("GreaterEqual", ">="),
                                   ("Less", "<"), ("LessEqual", "<=")]},
               "Slot": "Slot is written #: Slot[1] is #1 (the port Input1), Slot[\"x\"] is #x",
               # Wolfram's sign tests (Negative[x] is -x here: expression_truth.negative_read_as_truth)
               **{name: f"{name} is Wolfram's test x {op} 0, written as its comparison here: {name}[#x] is #x {op} 0 "
                        f"(1 where true, else 0)"
                  for name, op in [("NonNegative", ">="), ("Positive", ">"), ("NonPositive", "<="),
                                   ("PossibleZeroQ", "==")]},
               **{name: f"{name} is written with If: {name}[#x, d] is If[Abs[#x] < d, 0, #x] ({why})"
                  for name, why in [("Threshold", "Wolfram's hard threshold: values below d in magnitude become 0"),
                                    ("Chop", "Chop[#x]: d = 10^-10")]}}


def outputs(node: ast.AST, text: str, origin: list[int], sub: Callable[[ast.AST], tuple]) -> tuple:
    """``{e1, e2}`` (ports Output1, Output2) or ``<|"a" -> e1, "b" -> e2|>`` at the top: several outputs."""
    if isinstance(node, ast.Tuple):
        if text[_col(node, origin)] != "{":
            raise ExpressionError("several outputs are written {e1, e2} or <|\"a\" -> e1, \"b\" -> e2|>", text,
                                  _col(node, origin))
        names = tuple(f"Output{i}" for i in range(1, len(node.elts) + 1))
        values = node.elts
    else:
        if not all(isinstance(k, ast.Constant) and isinstance(k.value, str) for k in node.keys):
            raise ExpressionError("the keys of <| ... |> must be port names in double quotes", text, _col(node, origin))
        names, values = tuple(k.value for k in node.keys), node.values
    if not names:  # {}: no output at all
        raise ExpressionError("an empty list {} of outputs: write one expression, or several {e1, e2}", text,
                              _col(node, origin))
    if len(set(names)) != len(names):
        raise ExpressionError(f"several outputs need distinct names, found {list(names)}", text, _col(node, origin))
    return ("outputs", names, tuple(sub(v) for v in values))


#: A chain of more terms than this (``#a + #b - #c + ...``) is summed as a balanced tree, so that its length is no
#: depth.
LONG_CHAIN = 16


_NOT_ALLOWED = {ast.Compare: "a chained comparison (1 < #x < 2: write (1 < #x) * (#x < 2))",
                ast.BoolOp: "And (& or &&; multiply the comparisons instead: (#x > 1) * (#x < 2))",
                ast.Starred: "'*' before an argument", ast.Attribute: "a second '.' in a number",
                ast.Call: "a call of something other than a function name",
                ast.Tuple: "a list inside an expression (the whole expression may be a list {e1, e2} of outputs)",
                ast.Dict: "an association inside an expression (the whole expression may be one <| ... |>)",
                ast.IfExp: "Python's conditional x if c else y (write If[c, x, y])",
                ast.UnaryOp: "'not' (for Not[c] write 1 - c, as a comparison is 1 or 0)",  # - and + are read
                ast.Set: "an entry of <| ... |> without its name (write <|\"name\" -> value|>)"}
_OTHER_COMPARISONS = {ast.Is: "is", ast.IsNot: "is not", ast.In: "in", ast.NotIn: "not in"}


def not_allowed_col(node: ast.AST, text: str, origin: list[int]) -> int:
    """Where the error that ``node`` is not allowed points: an And at its '&', anything else where it starts."""
    if not isinstance(node, ast.BoolOp):
        return _col(node, origin)
    col = _col(node.values[0], origin, end=True)
    return col + len(text[col:]) - len(text[col:].lstrip())


def not_allowed(node: ast.AST) -> str:
    """What ``node`` is, in a user's words, for the message that it is not allowed."""
    if isinstance(node, ast.Constant):
        return f"constant {node.value!r}"
    if isinstance(node, ast.BoolOp) and isinstance(node.op, ast.Or):
        return "Or (|| or 'or'; Unitize the sum of the comparisons: Unitize[(#x > 1) + (#x < -1)])"
    if isinstance(node, ast.Compare) and (other := next((o for o in node.ops if type(o) in _OTHER_COMPARISONS), None)):
        return f"{_OTHER_COMPARISONS[type(other)]!r} (comparisons are <, <=, >, >=, == and !=)"
    if isinstance(node, ast.Call) and getattr(getattr(node.func, "func", 0), "id", 0) == "Function":
        return APPLIED_FUNCTION  # Function[...][args]
    return _NOT_ALLOWED.get(type(node), f"Python's {type(node).__name__.lower()}")


#: The most operations and levels an expression may have once its named functions are expanded: the compiled forward
#: writes it as one line (Python's parser takes 200 nested brackets), and a definition that uses its argument twice
#: (CubeRoot, Sech) doubles the work at each level it is nested in itself.
MAX_NODES, MAX_EXPANDED_DEPTH = 20_000, 190


_NUMBER = re.compile(r"[0-9.]+(?:(?:[eE]|\*\^)[-+]?[0-9]+)?")  # 1e400, 1*^400, 100...0
OVERFLOW = "overflows to infinity (past 1.8e308, the largest float); write Infinity if that is meant"


def number(node: ast.Constant, text: str, origin: list[int]) -> tuple:
    """("const", a number literal's value); ExpressionError naming a literal too large for a float (1e400)."""
    try:
        value = float(node.value)
    except OverflowError:  # an integer past 1.8e308
        value = math.inf
    if math.isinf(value):
        col = _col(node, origin)
        found = _NUMBER.match(text, col)
        literal = found.group() if found else str(node.value)
        raise ExpressionError(f"the number {literal[:40]}{'...' if len(literal) > 40 else ''} {OVERFLOW}", text, col)
    return ("const", value)


def children(node: tuple) -> list[tuple]:
    """The subtrees of ``node`` (the trees of several outputs included)."""
    kids = []
    for c in node[1:]:
        if isinstance(c, tuple) and c and isinstance(c[0], str):
            kids.append(c)
        elif isinstance(c, tuple):  # the trees of several outputs
            kids += [d for d in c if isinstance(d, tuple) and d and isinstance(d[0], str)]
    return kids


def once_per_tree(walk: Callable[[tuple], T]) -> Callable[[tuple], T]:
    """``walk``, run once per tree (by identity: parsed trees are cached, and a chain of 10,000 Tanh layers holds
    one), its result kept with the tree (so that the tree's id names no other tree while it is kept)."""
    seen: dict[int, tuple[tuple, T]] = {}

    @functools.wraps(walk)
    def walked(tree: tuple) -> T:
        found = seen.get(id(tree))
        if found is not None and found[0] is tree:
            return found[1]
        if len(seen) > 4096:
            seen.clear()
        found = seen[id(tree)] = (tree, walk(tree))
        return found[1]
    return walked


@once_per_tree
def repeated_subtrees(tree: tuple) -> tuple[dict[int, int], set[int]]:
    """Each node's class (by ``id``; equal subtrees share one: same kind and operator, children of the same classes)
    and the classes of more than one place in ``tree`` (constants and slots aside), which the compiled forward
    computes once: ArcCot's definition uses ``Min[Floor[Abs[#]], 1]`` three times. Walked once per distinct node,
    and once per tree (``once_per_tree``)."""
    return _repeated(tree)


def _repeated(tree: tuple) -> tuple[dict[int, int], set[int]]:
    classes: dict[int, int] = {}
    keys: dict[tuple, int] = {}
    uses: dict[int, int] = {}
    leaves: set[tuple] = set()
    stack = [tree]
    while stack:
        node = stack[-1]
        todo = [k for k in children(node) if id(k) not in classes]
        if todo:
            stack += todo
            continue
        stack.pop()
        if id(node) in classes:
            continue
        if node[0] in ("const", "slot"):
            key = (node[0], repr(node[1]))  # repr: -0.0 is not 0.0
            leaves.add(key)
        else:  # an operator's children by class; other nodes' parts by value where plain data, else by identity
            plain = node[0] in ("bin", "cmp", "call", "neg")
            key = tuple(classes[id(c)] if isinstance(c, tuple) and c and isinstance(c[0], str) else c if plain
                        else _part_key(c) for c in node)
        if key not in keys:  # a new class: its children are used once more
            keys[key] = len(keys)
            for kid in children(node):
                uses[classes[id(kid)]] = uses.get(classes[id(kid)], 0) + 1
        classes[id(node)] = keys[key]
    return classes, {c for c, n in uses.items() if n > 1} - {keys[k] for k in leaves}


def _part_key(part: Any) -> Any:
    """A lowered node's part (a level list (1,), a method "mean", a count) by type and value, so that a subtree
    lowered twice (StandardDeviation's x - Mean[x]) is one class; anything else by identity."""
    if isinstance(part, (str, int, float)) or isinstance(part, tuple) and all(isinstance(p, (int, str)) for p in part):
        return type(part).__name__, repr(part)  # repr: -0.0 is not 0.0, True not 1
    return id(part)


def check_extent(tree: tuple, text: str) -> None:
    """An ExpressionError when ``tree`` (shared subtrees counted each time they are used) has more than
    ``MAX_NODES`` operations or ``MAX_EXPANDED_DEPTH`` levels; walked once per distinct subtree."""
    extent: dict[int, tuple[int, int]] = {}
    stack = [tree]
    while stack:
        node = stack[-1]
        kids = children(node)
        todo = [k for k in kids if id(k) not in extent]
        if todo:
            stack += todo
            continue
        stack.pop()
        extent[id(node)] = (1 + sum(extent[id(k)][0] for k in kids),
                            1 + max((extent[id(k)][1] for k in kids), default=0))
    size, depth = extent[id(tree)]
    if size > MAX_NODES:
        raise ExpressionError(f"expands to {size:,} operations (at most {MAX_NODES:,}): a named function that uses its "
                              f"argument more than once (CubeRoot, Sech, Gamma, ...) repeats it at each level it is "
                              f"nested in", text)
    if depth > MAX_EXPANDED_DEPTH:
        raise ExpressionError(f"is nested {depth} levels deep once its named functions are expanded (at most "
                              f"{MAX_EXPANDED_DEPTH})", text)


def chain_terms(node: ast.BinOp) -> tuple[str, list[tuple[bool, ast.AST]]]:
    """The operator and terms (negated, node) of Python's left-nested chain ``a + b - c`` or ``a * b * c``.

    >>> op, terms = chain_terms(ast.parse("a + b - c", mode="eval").body)
    >>> op, [(negated, ast.unparse(t)) for negated, t in terms]
    ('+', [(False, 'a'), (False, 'b'), (True, 'c')])
    """
    group = (ast.Add, ast.Sub) if isinstance(node.op, (ast.Add, ast.Sub)) else (ast.Mult,)
    terms = []
    while isinstance(node, ast.BinOp) and isinstance(node.op, group):
        terms.append((isinstance(node.op, ast.Sub), node.right))
        node = node.left
    terms.append((False, node))
    return "+" if group[0] is ast.Add else "*", terms[::-1]


def _constant_ints(node: ast.AST, text: str, origin: list[int], what: str) -> tuple[int, ...]:
    """A level or index argument: an int or ``{i, j}`` of ints (constants, as Wolfram's level specs)."""
    items = node.elts if isinstance(node, ast.Tuple) else [node]
    values = []
    for item in items:
        if isinstance(item, ast.UnaryOp) and isinstance(item.op, ast.USub) and isinstance(item.operand, ast.Constant):
            item = ast.Constant(-item.operand.value)
        if not (isinstance(item, ast.Constant) and type(item.value) is int):
            raise ExpressionError(f"{what} must be an integer or a list of integers", text, _col(node, origin))
        values.append(item.value)
    return tuple(values)


def _norm_p(args: list[ast.AST], text: str, origin: list[int], sub: Callable[[ast.AST], tuple]) -> float:
    """The p of ``Norm[x, p]`` (2 when absent): a constant at least 1, or Infinity, as Wolfram's."""
    if not args:
        return 2.0
    tree = sub(args[0])
    if tree[0] != "const" or not tree[1] >= 1:  # NaN too
        found = f", found {tree[1]!r}" if tree[0] == "const" else ""
        raise ExpressionError(f"Norm[x, p] needs a constant p >= 1 or Infinity{found}", text, _col(args[0], origin))
    return float(tree[1])


def structural(node: ast.Call, text: str, origin: list[int], sub: Callable[[ast.AST], tuple]) -> tuple:
    name, args = node.func.id, node.args
    low, high = STRUCTURAL[name]
    if not low <= len(args) <= high:
        counts = counted(low, "argument") if low == high else f"{low} to {counted(high, 'argument')}"
        raise ExpressionError(f"{name} takes {counts}, found {len(args)}", text, _col(node, origin))
    if name in ("First", "Last", "Part"):
        _refuse_part_of_function(args[0], text, origin, node)
    if name in ("First", "Last"):
        return ("Part", sub(args[0]), (1 if name == "First" else -1,), name)
    if name == "Norm":  # of a number: its absolute value, for every p
        tree, p = sub(args[0]), _norm_p(args[1:], text, origin, sub)
        return (name, tree, p) if tree[0] != "const" else ("const", abs(tree[1]))
    if name == "Length":  # of a number: no elements
        tree = sub(args[0])
        return (name, tree) if tree[0] != "const" else ("const", 0.0)
    if name in ("Dot", "Variance", "StandardDeviation", "EuclideanDistance", "Reverse", "Transpose", "Tr", "Det",
                "HammingDistance", *DERIVED_FORMS):
        return (name, *(sub(a) for a in args))
    if name == "Clip":  # Clip[x] is Clip[x, {-1, 1}]; bounds are constants
        bounds = (-1.0, 1.0)
        if len(args) > 1:
            bounds = _constant_bounds(args[1], text, origin, sub)
        return ("Clip", sub(args[0]), *bounds, *(_constant_pair(args[2], text, origin, sub) if args[2:] else ()))
    if name == "Part":
        return ("Part", sub(args[0]), tuple(_part_entry(a, text, origin) for a in args[1:]))
    if len(args) == 1:
        return (name, sub(args[0]), ("upto", 1))
    if isinstance(args[1], ast.Name) and args[1].id == "Infinity":  # Total[x, Infinity]: every level, as Total[x, -1]
        return (name, sub(args[0]), ("upto", -1))
    levels = _constant_ints(args[1], text, origin, f"{name}'s level")
    if 0 in levels or (isinstance(args[1], ast.Tuple) and len(levels) not in (1, 2)):
        raise ExpressionError(f"{name}[x, n] totals levels 1 to n, {name}[x, {{n}}] level n, {name}[x, {{m, n}}] "
                              f"levels m to n (non-zero)", text, _col(args[1], origin))
    spec = ("upto", levels[0]) if not isinstance(args[1], ast.Tuple) else ("span", levels[0], levels[-1])
    return (name, sub(args[0]), spec)


def part_index(node: ast.Subscript, text: str, origin: list[int]) -> tuple:
    """The levels of ``x[[...]]``: an int (1-based, negative from the end), None for All, or a span
    ``("span", start, stop, step)`` (1-based and inclusive as Wolfram's; None for an open end or an end All)."""
    _refuse_part_of_function(node.value, text, origin, node)
    whole = node.slice
    if isinstance(whole, ast.Tuple) and whole.elts and whole.col_offset < whole.elts[0].col_offset:
        # x[[{1, 2}]] reads as x[(1, 2,)], the same tuple as x[[1, 2]]: a list, not two levels' indices
        raise ExpressionError("a list of parts {i, j, ...} inside [[ ]] is not supported; take the parts one at a "
                              "time (#x[[1]], #x[[2]]) or a span (#x[[1;;2]])", text, _col(whole, origin))
    entries = whole.elts if isinstance(whole, ast.Tuple) else [whole]
    return tuple(_part_entry(e, text, origin) for e in entries)


def _refuse_part_of_function(whole: ast.AST, text: str, origin: list[int], part: ast.AST) -> None:
    """Refuse ``part`` of ``whole`` when ``whole`` is ``Function[...]``: Wolfram's part of the function, not of its
    value, as ``(body &)[[i]]`` is refused."""
    if is_function_call(whole):
        raise ExpressionError(PART_OF_FUNCTION, text, _col(part, origin))


def _part_entry(node: ast.AST, text: str, origin: list[int]) -> int | tuple | None:
    if isinstance(node, ast.Name) and node.id == "All":
        return None
    if isinstance(node, ast.Slice):
        to_end = isinstance(node.upper, ast.Name) and node.upper.id == "All"  # Wolfram's 2;;All: to the last element
        upper = None if to_end else node.upper
        start, stop, step = (None if n is None else _part_int(n, text, origin, what)
                             for n, what in ((node.lower, "start"), (upper, "end"), (node.step, "step")))
        if step is not None and step < 0:
            raise ExpressionError(f"a span's step must be a positive integer, found {step} (reversed spans are not "
                                  f"supported)", text, _col(node, origin))
        return ("span", start, stop, step or 1)
    return _part_int(node, text, origin, "index")


def _part_int(node: ast.AST, text: str, origin: list[int], what: str) -> int:
    value = _constant_ints(node, text, origin, f"a Part {what}")
    if len(value) != 1 or value[0] == 0:
        all_ = " or All" if what == "index" else ""
        raise ExpressionError(f"a Part {what} must be a non-zero integer (1-based, negative from the end){all_}", text,
                              _col(node, origin))
    return value[0]


def _two_constants(node: ast.AST, sub: Callable[[ast.AST], tuple]) -> tuple | None:
    """The two constants of a list ``{a, b}`` (Clip's bounds or values), or None where it is not one."""
    trees = [sub(i) for i in node.elts] if isinstance(node, ast.Tuple) else []
    return (trees[0][1], trees[1][1]) if len(trees) == 2 and all(t[0] == "const" for t in trees) else None


def _constant_bounds(node: ast.AST, text: str, origin: list[int], sub: Callable[[ast.AST], tuple]) -> tuple:
    pair = _two_constants(node, sub)
    # not min <= max: torch's clamp gives all max past it, and NaN everywhere for an Indeterminate (NaN) bound
    if pair is None or not pair[0] <= pair[1]:
        found = f", found {{{wolfram_number(pair[0])}, {wolfram_number(pair[1])}}}" if pair else ""
        raise ExpressionError(f"Clip[x, {{min, max}}] takes two constant bounds, min <= max{found}", text,
                              _col(node, origin))
    return pair


def _constant_pair(node: ast.AST, text: str, origin: list[int], sub: Callable[[ast.AST], tuple]) -> tuple:
    """Clip's values {vl, vh} (for x below its min and above its max): two constants."""
    pair = _two_constants(node, sub)
    if pair is None:
        raise ExpressionError("Clip[x, {min, max}, {vmin, vmax}] takes two constant values, vmin for x below min and "
                              "vmax for x above max", text, _col(node, origin))
    return pair
