"""Step subexpressions: the parts of an expression's tree whose derivative is 0 wherever it is defined (Floor,
Ceiling, Round, IntegerPart, torch's sign, a product with the constant 0, and what is built from them, constants and
comparisons alone: Sign, UnitStep, Unitize and KroneckerDelta, whose definitions add 0 * Min[Abs[#], 1] to keep a NaN;
whole-array functions of steps too, Total[Floor[#x]]).

Reverse mode stops at a step: Floor's gradient is zeros, whatever reached it. Forward mode (``torch.func.jvp``,
``jacfwd``) instead carries the step's zero tangent on, and the product rule multiplies it by the other factor's
value: 0 * Infinity (Gamma's Exp[LogAbsGamma[#]] at 0) or 0 * NaN (ArcSech's gate times ArcCosh beyond its
domain) is NaN where reverse mode gives the limit. The expression runner therefore detaches a step where it
meets a part that is no step, an operator or a whole-array function (``cut_steps``): neither mode sees its tangent,
and both give the same derivative. A whole expression that is a step is not detached (its gradient stays 0, and
its output is still attached to the inputs), nor is a step of constants and comparisons (which carries no tangent).
A whole step whose step function takes an operator's value (Quotient's Round of a quotient) would pass its zero
gradient back through that operator, where 0 / NaN or 0 * Infinity is NaN (forward mode's tangent stays 0): it runs
on its inputs detached, attached again by an exact 0 (``detached_whole_step``).

>>> from netgraph.layers.expression import parse
>>> tree = parse("Floor[#x] * Exp[#x]").tree
>>> [node[1] for node in tree[2:] if id(node) in cut_steps(tree)]
['Floor']
"""

from __future__ import annotations

from netgraph.layers.expression_forms import children, once_per_tree
from netgraph.layers.function_table import ZERO_DERIVATIVE

__all__ = ["cut_steps", "detached_whole_step"]

_OPERATORS = ("bin", "neg", "call", "cmp")
_NO_TANGENT, _ZERO_TANGENT = 1, 2  # a step of constants and comparisons; one with a zero tangent (Floor[#x])


@once_per_tree
def cut_steps(tree: tuple) -> frozenset[int]:
    """The ids of the steps in ``tree`` with a zero tangent whose parent is no step: the ones to detach. Walked
    once per distinct node, and once per tree (``once_per_tree``)."""
    return frozenset(_cut(tree)[0])


@once_per_tree
def detached_whole_step(tree: tuple) -> bool:
    """Whether ``tree`` is a whole step with a zero tangent in which a step function (Floor, Round, ...) takes an
    operator's value that may pass its zero gradient back as 0 * Infinity or 0 / 0, ``Round[#m / #n]``: the one to
    run on detached inputs. A step function of slots, finite constants, sums and negations (``Floor[#x]``,
    ``Floor[#m / 2 + 1]``, Sign's ``SignOrZero[#]``) gives its zero gradient to them directly and runs as it is."""
    _, kinds, fed = _cut(tree)
    return kinds[id(tree)] == _ZERO_TANGENT and fed


@once_per_tree
def _cut(tree: tuple) -> tuple[set[int], dict[int, int | None], bool]:
    """The steps to cut, each node's step kind, and whether a step function takes a value not ``_linear`` (walked
    once per tree for both ``cut_steps`` and ``detached_whole_step``; read, never changed)."""
    kinds: dict[int, int | None] = {}
    cut: set[int] = set()
    fed = False
    stack = [tree]
    while stack:
        node = stack[-1]
        if todo := [k for k in children(node) if id(k) not in kinds]:
            stack += todo
            continue
        stack.pop()
        kinds[id(node)] = kind = _step_kind(node, kinds)
        if kind is None and node[0] != "outputs":  # an operator, or a lowered node (Dot[Floor[#x], Log[#x]])
            cut.update(id(k) for k in children(node) if kinds[id(k)] == _ZERO_TANGENT)
        elif node[0] == "call" and node[1] in ZERO_DERIVATIVE and not fed:
            fed = not all(_linear(k, kinds) for k in children(node))
    return cut, kinds, fed


def _linear(tree: tuple, kinds: dict[int, int | None]) -> bool:
    """Whether ``tree`` passes a zero gradient back to its slots as zeros: it is built of slots, steps, finite
    constants, sums, negations, products with and quotients by a finite constant (not 0) alone."""
    stack = [tree]
    while stack:
        node = stack.pop()
        if node[0] in ("slot", "const") or kinds[id(node)] is not None:
            continue
        if node[0] == "neg" or node[:2] in (("bin", "+"), ("bin", "-")):
            stack += children(node)
        elif node[:2] == ("bin", "*") and (finite := [k for k in node[2:] if _finite(k)]):
            stack += [k for k in node[2:] if k is not finite[0]]
        elif node[:2] == ("bin", "/") and _finite(node[3]) and node[3][1] != 0:
            stack.append(node[2])
        else:
            return False
    return True


def _finite(node: tuple) -> bool:
    return node[0] == "const" and abs(node[1]) < float("inf")


def _step_kind(node: tuple, kinds: dict[int, int | None]) -> int | None:
    """_NO_TANGENT or _ZERO_TANGENT where ``node`` is a step (``kinds`` holds its children's), else None."""
    if node[0] in ("const", "cmp"):
        return _NO_TANGENT
    if node[0] in ("slot", "outputs"):
        return None
    parts = [kinds[id(k)] for k in children(node)]
    if node[0] == "call" and node[1] in ZERO_DERIVATIVE or _times_zero(node):  # Floor[#x], 0 * Min[Abs[#x], 1]
        return _NO_TANGENT if all(part == _NO_TANGENT for part in parts) else _ZERO_TANGENT
    if node[:2] == ("call", "If"):  # its condition chooses between values: only they count
        parts = parts[1:]
    return None if None in parts else max(parts, default=_NO_TANGENT)  # lowered nodes too: Total[Floor[#x]]


def _times_zero(node: tuple) -> bool:
    """Whether ``node`` is a product with the constant 0: its value is 0 (or NaN, which Sign's and UnitStep's
    definitions keep so), its derivative 0 wherever it has one."""
    return node[:2] == ("bin", "*") and any(k[0] == "const" and k[1] == 0 for k in node[2:])
