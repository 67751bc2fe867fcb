"""An expression applied to each element (ElementwiseLayer, ThreadingLayer), where every argument is a number.

Wolfram's ``Max[x, y]`` of arrays is their largest element (FunctionLayer, where f gets whole arrays); of numbers it is
the larger one, so where f is applied to each element it is the elementwise maximum, and ``Max[x]`` is x.

>>> from netgraph.layers.expression import parse
>>> per_element(parse("Max[#, 0]")).tree
('call', 'Max', ('slot', 'Input'), ('const', 0.0))
"""

from __future__ import annotations

from netgraph.layers.expression import Expression, apply_all

__all__ = ["per_element", "UnitRangeOutputs"]

#: Functions whose every value is in [0, 1] whatever their (real) argument, NaN only where it is NaN.
_UNIT_RANGE = frozenset({"LogisticSigmoid"})


def per_element(expr: Expression) -> Expression:
    """``expr`` as a function applied to each element (ElementwiseLayer, ThreadingLayer): there every argument of
    ``Max``/``Min`` is a number, so ``Max[x, y]`` is the elementwise maximum and ``Max[x]`` is x."""
    return Expression(expr.text, expr.slots, _per_element(expr.tree))


def _per_element(tree: tuple) -> tuple:
    if not isinstance(tree, tuple) or not tree or not isinstance(tree[0], str) or tree[0] in ("const", "slot"):
        return tree
    children = tuple(_per_element(c) if isinstance(c, tuple) else c for c in tree[1:])
    if tree[0] in ("Max", "Min"):
        return apply_all(tree[0], list(children))
    return (tree[0], *children)


class UnitRangeOutputs:
    """ElementwiseLayer's ``probability_outputs``: ``Output`` where its expression is such a function of anything
    (``LogisticSigmoid[#]``, ``LogisticSigmoid[2 # + 1]``), so a cross-entropy it feeds leaves its check out."""

    def probability_outputs(self) -> frozenset[str]:
        tree = self._expr.tree
        return _OUTPUT if tree[0] == "call" and tree[1] in _UNIT_RANGE and len(tree) == 3 else frozenset()


_OUTPUT = frozenset({"Output"})
