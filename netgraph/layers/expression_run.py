"""Running a parsed expression's tree: ``to_code`` writes torch code for the compiled forward, ``evaluate`` runs it
directly (the reference interpreter, also used to fold constants). Both look each operator symbol and named function
up in the same tables, so they agree node for node.
"""

from __future__ import annotations

import math
import operator
from typing import Any, Callable

import torch
import torch.nn.functional as F

from netgraph.layers.expression_forms import children, once_per_tree, repeated_subtrees
from netgraph.layers.expression_steps import cut_steps, detached_whole_step
from netgraph.layers.function_table import INTERNAL_FUNCTIONS, NAMED_FUNCTIONS, NamedFunction

__all__ = ["to_code", "to_codes", "input_code", "evaluate", "table_entry", "literal", "LOWERED"]


def table_entry(name: str) -> NamedFunction:
    """The table entry ``name`` (a named function, else an internal one), for code and evaluation alike."""
    return NAMED_FUNCTIONS[name] if name in NAMED_FUNCTIONS else INTERNAL_FUNCTIONS[name]


def literal(value: float) -> str:
    """``value`` as Python source (NaN and the infinities spelled as float(...))."""
    return "float('nan')" if value != value else f"float('{value}')" if abs(value) == float("inf") else repr(value)


def to_code(tree: tuple, names: dict[str, str], local: Callable[[str], str] | None = None) -> str:
    """Python source (torch ops) for ``tree``, with slot ``s`` written as ``names[s]``.

    It mirrors ``evaluate`` node for node: each operator symbol and named function is looked up in the same table
    by both. A node that involves no tensor (a comparison; ``If`` with two constant branches) takes the dtype of its
    first slot. With ``local`` (a temporary's name), a repeated subexpression is computed once: ``(t := ...)``.
    """
    return to_codes([tree], names, local)[0]


def input_code(tree: tuple, name: str, local: Callable[[str], str] | None) -> str:
    """``to_code`` of ``tree`` of the one slot ``Input`` named ``name`` (an ElementwiseLayer's): its code is written
    once per tree, and names each input; a tree computing a part once names its temporaries each time (``local``)."""
    written = _input_template(tree)
    return written.replace(_INPUT, name) if written and name.isidentifier() else to_code(tree, {"Input": name}, local)


_INPUT = "__netgraph_input__"  # no name in code that ``_code`` writes


def _input_template(tree: tuple) -> str | None:
    """``tree``'s code with its slot ``Input`` named ``_INPUT``; None where it computes a repeated part once. Kept per
    default dtype: a constant bound beyond its range is written as infinite (``_in_range``)."""
    dtype = torch.get_default_dtype()
    template = _TEMPLATES.get(dtype)
    if template is None:
        template = _TEMPLATES[dtype] = once_per_tree(
            lambda t: None if repeated_subtrees(t)[1] else to_code(t, {"Input": _INPUT}))
    return template(tree)


_TEMPLATES: dict[torch.dtype, Callable[[tuple], str | None]] = {}


def to_codes(trees: list[tuple], names: dict[str, str], local: Callable[[str], str] | None = None) -> list[str]:
    """``to_code`` of each of several outputs' ``trees``, for code that runs them in this order (a tuple of them): a
    subexpression repeated across them, as ``Total[#x]`` in ``{Total[#x], #x / Total[#x]}``, is computed once too.

    >>> from netgraph.layers.expression import parse
    >>> to_codes([parse("Exp[#x]").tree, parse("1 + Exp[#x]").tree], {"x": "x"}, lambda hint: f"t_{hint}")
    ['(t_e := torch.exp(x))', '(1.0 + t_e)']

    A detached whole step (``detached_whole_step``) runs on its slots detached, and uses a subexpression computed
    once for all outputs detached, attached again to its slots by an exact 0 (``_attached``).
    """
    whole = trees[0] if len(trees) == 1 else ("outputs", tuple(trees))
    (classes, repeated), done = repeated_subtrees(whole) if local is not None else ({}, ()), {}
    steps = cut_steps(whole)
    loose = [detached_whole_step(tree) for tree in trees]
    if not repeated:  # the usual case, as fast as before
        return [_attached(_code(tree, _detached_names(tree, names), None, steps), tree, names) if apart
                else _code(tree, names, None, steps) for tree, apart in zip(trees, loose)]

    def coder(detach: bool) -> Callable[[tuple], str]:
        own = _detached_names(whole, names) if detach else names

        def code(t: tuple) -> str:
            c = classes.get(id(t))
            if c not in repeated:
                return _code(t, own, code, steps)
            if c not in done:  # the name after the code: inner temporaries first
                text, done[c] = _code(t, names, attached, steps), local("e")
                return f"({done[c]} := {text}).detach()" if detach else f"({done[c]} := {text})"
            return f"{done[c]}.detach()" if detach else done[c]
        return code
    attached, detached = coder(False), coder(True)
    return [_attached(detached(tree), tree, names) if apart else attached(tree) for tree, apart in zip(trees, loose)]


def _code(tree: tuple, names: dict[str, str], code: Callable[[tuple], str] | None, steps: frozenset[int]) -> str:
    """``tree``'s code; a step in ``steps`` (``cut_steps``) detached, where its parent uses it."""
    kind = tree[0]
    if kind == "const":
        return literal(tree[1])
    if kind == "slot":
        return names[tree[1]]
    if code is None:
        def code(t: tuple) -> str:
            return _code(t, names, None, steps)
    if kind in LOWERED:
        return LOWERED[kind][0](tree, lambda t: _detached(code, t, steps))
    if clipped := _clipped(tree):
        return _clip_code(_detached(code, clipped[0], steps), clipped[1], clipped[2])
    if tree[:2] == ("call", "If") and tree[2][0] == "cmp":
        where = _where_code(tree, code, steps, _typed_first_branch(tree, names))
        return f"{where}.to({names[_first_slot(tree)]}.dtype)" if _constant_branches(tree) else where
    args = [_detached(code, a, steps) for a in tree[2 if kind in ("bin", "cmp", "call") else 1:]]
    if kind == "neg":
        return f"(-{args[0]})"
    if kind == "bin":  # a negative base in brackets: Python reads -2.0 ** x as -(2.0 ** x)
        base = f"({args[0]})" if tree[1] == "**" and args[0].startswith("-") else args[0]
        return f"({base} {tree[1]} {args[1]})"
    if kind == "cmp":
        return f"({args[0]} {tree[1]} {args[1]}).to({names[_first_slot(tree)]}.dtype)"
    name = tree[1]
    if name == "If":
        code = f"torch.where({args[0]} != 0, {_typed_first_branch(tree, names) or args[1]}, {args[2]})"
        return f"{code}.to({names[_first_slot(tree)]}.dtype)" if _constant_branches(tree) else code
    if name in ("Min", "Max"):
        return _min_max_code(name, tree[2:], args)
    entry = table_entry(name)
    if len(args) > 1 and not entry.numbers and (slot := _first_slot(tree)):  # atan2 takes no number: a tensor
        args = [f"{names[slot]}.new_tensor({a})" if child[0] == "const" else a for a, child in zip(args, tree[2:])]
    return entry.code(*args)


def _slots(tree: tuple) -> list[str]:
    """The slots ``tree`` uses, in order."""
    found = {}
    stack = [tree]
    while stack:
        node = stack.pop()
        if node[0] == "slot":
            found[node[1]] = None
        stack += reversed(children(node))
    return list(found)


def _detached_names(tree: tuple, names: dict[str, str]) -> dict[str, str]:
    """``names`` of ``tree``'s slots, detached (``detached_whole_step``)."""
    return {**names, **{s: f"{_operand(names[s])}.detach()" for s in _slots(tree)}}


def _operand(text: str) -> str:
    return text if text.isidentifier() else f"({text})"


def _attached(code: str, tree: tuple, names: dict[str, str]) -> str:
    """``code`` (a whole step run on detached inputs) attached to ``tree``'s slots again by subtracting their empty
    sums, an exact 0: the value is the same to the bit (-0. too), its derivative by each slot 0 in both modes."""
    zeros = " + ".join(f"{_operand(names[s])}.reshape(-1)[:0].sum()" for s in _slots(tree))
    return f"({code} - ({zeros}))"


def _detached(code: Callable[[tuple], str], tree: tuple, steps: frozenset[int]) -> str:
    """``code(tree)``, detached where ``tree`` is a step to cut (``expression_steps``)."""
    return f"{code(tree)}.detach()" if id(tree) in steps else code(tree)


def _where_code(tree: tuple, code: Callable[[tuple], str], steps: frozenset[int], first: str | None) -> str:
    """``If[a op b, x, y]``: ``torch.where`` on the comparison itself, as it would be on its 1 or 0 being non-zero
    (one op, not three: an ONNX export is a plain Where on the compare, which imports as one layer again); ``first``:
    x's code where it is not ``code``'s (``_typed_first_branch``)."""
    test = tree[2]
    return (f"torch.where({code(test[2])} {test[1]} {code(test[3])}, {first or _detached(code, tree[3], steps)}, "
            f"{_detached(code, tree[4], steps)})")


def _constant_branches(tree: tuple) -> bool:
    return tree[3][0] == "const" and tree[4][0] == "const"


def _typed_first_branch(tree: tuple, names: dict[str, str]) -> str | None:
    """If's first branch written as a 0-dim tensor of its first slot's dtype where both branches are numbers the
    default dtype rounds (torch.where of two numbers is of it: Pi in a float64 net was Pi in float32); else None."""
    if not _constant_branches(tree) or all(v != v or torch.tensor(v).item() == v for _, v in tree[3:5]):
        return None
    return f"{_operand(names[_first_slot(tree)])}.new_full((), {literal(tree[3][1])})"  # a fill: no host copy


def _clipped(tree: tuple) -> tuple[tuple, float, float] | None:
    """(x, lo, hi) of ``tree`` if it is Max[x, lo], Min[x, hi] or Min[Max[x, lo], hi] (Clip; lo <= hi) of constant
    bounds, neither NaN (-Infinity or Infinity for a bound not given); else None. Its gradient is 0 at a bound and
    beyond it, as Ramp's (relu's) at 0 and HardTanh's at -1 and 1 (clamp's is 1 at a bound); see ``_clip_code``."""
    bound = _constant_bound(tree)
    if bound is None:
        return None
    inner = _constant_bound(bound[0]) if tree[1] == "Min" else None
    if inner is not None and bound[0][1] == "Max" and inner[1] <= bound[2]:
        return inner[0], inner[1], bound[2]
    return bound


def _constant_bound(tree: tuple) -> tuple[tuple, float, float] | None:
    """(x, lo, hi) of Max[x, lo] (hi Infinity) or Min[x, hi] (lo -Infinity) of a constant bound, not NaN; else None."""
    if tree[:2] not in (("call", "Max"), ("call", "Min")) or len(tree) != 4:
        return None
    consts = [c for c in tree[2:] if c[0] == "const"]
    if len(consts) != 1 or consts[0][1] != consts[0][1]:
        return None
    value, bound = next(c for c in tree[2:] if c[0] != "const"), consts[0][1]
    return (value, bound, math.inf) if tree[1] == "Max" else (value, -math.inf, bound)


def _clip_code(value: str, lo: float, hi: float) -> str:
    """Code clipping ``value`` to [lo, hi] (see ``_clipped``) in one op that ONNX exports: relu for Max[x, 0] (its
    gradient 1 at Infinity, as Ramp's), the identity between infinite bounds, else hardtanh, whose gradient is 0 at
    an infinite bound too (Max[x, 1] at Infinity); an integer ``value`` first cast as clamp's result would be (the
    bounds are floats). A bound beyond the working precision's range is infinite, as any constant (``#x + 1e300``
    is Infinity in float32)."""
    lo, hi = (_in_range(b, torch.get_default_dtype()) for b in (lo, hi))
    if lo == -math.inf and hi == math.inf:
        return value
    if value.isidentifier():  # port names, temporaries (a float's dtype kept without a call; a compound value of an
        # integer input is not cast)
        value = (f"({value} if {value}.is_floating_point() else "
                 f"{value}.to(torch.result_type({value}, {literal(lo if lo != -math.inf else hi)})))")
    return f"torch.relu({value})" if (lo, hi) == (0, math.inf) else f"F.hardtanh({value}, {literal(lo)}, {literal(hi)})"


def _in_range(bound: float, dtype: torch.dtype) -> float:
    """``bound``, or the infinity it rounds to in ``dtype`` (torch's ops refuse a number beyond a dtype's range)."""
    if not dtype.is_floating_point or abs(bound) <= torch.finfo(dtype).max:
        return bound
    return torch.tensor(bound, dtype=torch.float64).to(dtype).item()


def _clip(value: torch.Tensor, lo: float, hi: float) -> torch.Tensor:
    """``_clip_code``'s computation, run."""
    if lo == -math.inf and hi == math.inf:
        return value
    value = value.to(torch.result_type(value, lo if lo != -math.inf else hi))
    lo, hi = (_in_range(b, value.dtype) for b in (lo, hi))
    if lo == -math.inf and hi == math.inf:
        return value
    return torch.relu(value) if (lo, hi) == (0, math.inf) else F.hardtanh(value, lo, hi)


def _min_max_code(name: str, children: tuple, args: list[str]) -> str:
    """Min or Max of two tensors, or of a tensor and a NaN constant (Max[#, Indeterminate]; other constants are
    ``_clipped``)."""
    consts = [c[0] == "const" for c in children]
    if consts[0] or consts[1]:
        tensor, const = (args[1], args[0]) if consts[0] else (args[0], args[1])
        return f"torch.clamp({tensor}, {'max' if name == 'Min' else 'min'}={const})"
    return f"torch.{'minimum' if name == 'Min' else 'maximum'}({args[0]}, {args[1]})"


def _first_slot(tree: tuple) -> str:
    if tree[0] == "slot":
        return tree[1]
    for child in tree[1:]:
        if isinstance(child, tuple):
            found = _first_slot(child)
            if found:
                return found
    return ""


_BINARY = {"+": operator.add, "-": operator.sub, "*": operator.mul, "/": operator.truediv, "**": operator.pow,
           "%": operator.mod}
_COMPARE = {"<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge, "==": operator.eq,
            "!=": operator.ne}


def evaluate(tree: tuple, env: dict[str, Any], fold: bool = False, steps: frozenset[int] | None = None) -> Any:
    """Run ``tree`` on the tensors in ``env`` (the reference interpreter; also used for folding); the steps of
    ``steps`` (those of ``tree``, ``cut_steps``, if not given) detached, as the compiled code's.

    >>> from netgraph.layers.expression import parse
    >>> evaluate(parse("(2 < #x) * #x").tree, {"x": torch.tensor([1.0, 3.0])})
    tensor([0., 3.])
    """
    kind = tree[0]
    if kind == "const":
        return torch.tensor(tree[1], dtype=torch.float64) if fold else tree[1]
    if kind == "slot":
        return env[tree[1]]
    if steps is None and not fold and detached_whole_step(tree):  # as to_codes's
        slots = _slots(tree)
        value = evaluate(tree, {**env, **{s: env[s].detach() for s in slots}}, steps=cut_steps(tree))
        return value - sum(env[s].reshape(-1)[:0].sum() for s in slots)
    steps = frozenset() if fold else cut_steps(tree) if steps is None else steps

    def run(t: tuple) -> Any:
        value = evaluate(t, env, fold, steps)
        return value.detach() if id(t) in steps else value
    if kind in LOWERED:
        return LOWERED[kind][1](tree, run)
    if not fold and (clipped := _clipped(tree)):
        return _clip(run(clipped[0]), clipped[1], clipped[2])
    args = [run(a) for a in tree[2 if kind in ("bin", "cmp", "call") else 1:]]
    if kind == "neg":
        return -args[0]
    if kind == "bin":
        return _BINARY[tree[1]](*args)
    if kind == "cmp":
        return _COMPARE[tree[1]](*args).to(_slot_dtype(tree, env))
    name = tree[1]
    if name == "If":
        first = args[0].new_full((), args[1], dtype=_slot_dtype(tree, env)) if _constant_branches(tree) else args[1]
        result = torch.where(args[0] != 0, first, args[2])
        return result.to(_slot_dtype(tree, env)) if _constant_branches(tree) else result
    if name in ("Min", "Max"):
        return _min_max(name, *args)
    entry = table_entry(name)
    if len(args) > 1 and not entry.numbers and (tensor := next((a for a in args if isinstance(a, torch.Tensor)),
                                                               None)) is not None:
        args = [a if isinstance(a, torch.Tensor) else tensor.new_tensor(a) for a in args]  # as to_code's
    return entry.function(*args)


#: Node kinds made by ``expression_shapes.lower`` once the shapes are known: kind -> (code, evaluation).
LOWERED: dict[str, tuple[Callable, Callable]] = {}


def _slot_dtype(tree: tuple, env: dict[str, Any]) -> torch.dtype:
    slot = _first_slot(tree)
    return env[slot].dtype if slot else torch.float64  # no slot: constant folding, in float64


def _min_max(name: str, a: Any, b: Any) -> Any:
    """``_min_max_code``'s computation, run (in folding, of constants too)."""
    if isinstance(a, torch.Tensor) and isinstance(b, torch.Tensor):
        return (torch.minimum if name == "Min" else torch.maximum)(a, b)
    tensor, const = (b, a) if not isinstance(a, torch.Tensor) else (a, b)
    return torch.clamp(tensor, **{"max" if name == "Min" else "min": const})
