"""An expression applied to each element (ElementwiseLayer, ThreadingLayer), where every argument is a number.

Wolfram's ``Max[x, y]`` of arrays is their largest element (FunctionLayer, where f gets whole arrays); of numbers it is
the larger one, so where f is applied to each element it is the elementwise maximum, and ``Max[x]`` is x.

>>> from netgraph.layers.expression import parse
>>> per_element(parse("Max[#, 0]")).tree
('call', 'Max', ('slot', 'Input'), ('const', 0.0))
"""

from __future__ import annotations

import functools

from netgraph.layers.expression import Expression, apply_all

__all__ = ["per_element", "unit_range"]

#: Functions whose every value is in [0, 1] or NaN whatever their argument (NaN where it is NaN, which an argument
#: such as Sqrt[#] or Log[#] also makes of finite data: left to the non-finite checks).
_UNIT_RANGE = frozenset({"LogisticSigmoid"})


@functools.lru_cache(maxsize=4096)
def per_element(expr: Expression) -> Expression:
    """``expr`` as a function applied to each element (ElementwiseLayer, ThreadingLayer): there every argument of
    ``Max``/``Min`` is a number, so ``Max[x, y]`` is the elementwise maximum and ``Max[x]`` is x. Once per
    expression: layers of one expression share its tree, and the code written for it (``input_code``)."""
    return Expression(expr.text, expr.slots, _per_element(expr.tree))


def _per_element(tree: tuple) -> tuple:
    if not isinstance(tree, tuple) or not tree or not isinstance(tree[0], str) or tree[0] in ("const", "slot"):
        return tree
    children = tuple(_per_element(c) if isinstance(c, tuple) else c for c in tree[1:])
    if tree[0] in ("Max", "Min"):
        return apply_all(tree[0], list(children))
    return (tree[0], *children)


def unit_range(tree: tuple) -> bool:
    """True where ``tree`` is such a function of anything (``LogisticSigmoid[#]``, ``LogisticSigmoid[2 # + 1]``): its
    every value is in [0, 1] or NaN (ElementwiseLayer's ``probability_outputs``)."""
    return tree[0] == "call" and tree[1] in _UNIT_RANGE and len(tree) == 3
