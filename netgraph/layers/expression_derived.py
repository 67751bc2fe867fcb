"""Wolfram functions a FunctionLayer expression writes with the whole-array forms already there.

``SquaredEuclideanDistance[u, v]`` is ``Total[(u - v)^2]``, ``ManhattanDistance[u, v]`` ``Total[Abs[u - v]]``,
``ChessboardDistance[u, v]`` ``Max[Abs[u - v]]`` (of two vectors of one length, or two numbers: no broadcasting),
``CosineDistance[u, v]`` ``1 - Dot[u, v] / (Norm[u] Norm[v])`` (of two vectors, each scaled by its largest |x| first
as ``netgraph.layers.cosine``'s, ``expression_shapes``' ``"cosine"``; NaN if one is zero),
``RootMeanSquare[x]`` ``Sqrt[Mean[x^2]]`` (over level 1, as Mean; of a vector ``Norm[x] / Sqrt[Length[x]]``,
gradient 0 at zero), ``Differences[x]`` ``x[[2;;]] - x[[;;-2]]`` (level 1, at least 2 elements, one fewer) and
``Accumulate[x]`` the running totals along level 1 (torch's ``cumsum``, expression_shapes' ``"cumsum"``), as
``expression_shapes.lower`` lowers the trees ``derived`` gives. ``EuclideanDistance`` and ``HammingDistance``
(expression_forms' structural forms) are written here too, so that all six distances refuse operands of different
shapes alike.

>>> from netgraph.layers.expression_shapes import lower
>>> derived(("ManhattanDistance", ("slot", "u"), ("slot", "v")), {"u": (3,), "v": (3,)}, lower)[0]
'Total'
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from netgraph.core.conflicts import Conflict
from netgraph.core.types import format_shape

__all__ = ["DERIVED_FORMS", "DISTANCES", "derived"]

#: Each function here -> (fewest, most) arguments.
DERIVED_FORMS = {"SquaredEuclideanDistance": (2, 2), "ManhattanDistance": (2, 2), "ChessboardDistance": (2, 2),
                 "CosineDistance": (2, 2), "RootMeanSquare": (1, 1), "Differences": (1, 1), "Accumulate": (1, 1)}

#: The distances ``derived`` writes: these and the first two, EuclideanDistance (``Norm[u - v]``) and HammingDistance
#: (``Total[u != v]``, the positions where they differ), listed with the structural forms.
DISTANCES = ("EuclideanDistance", "HammingDistance", *(name for name in DERIVED_FORMS if name.endswith("Distance")))

_SQUARED = ("const", 2.0)


def derived(tree: tuple, shapes: Mapping[str, tuple], lower: Callable[..., tuple]) -> tuple:
    """The tree of existing forms computing ``tree`` (a function of ``DERIVED_FORMS`` or ``DISTANCES``); Conflict
    when its arguments' shapes do not fit it. ``lower``: expression_shapes' (a tree and shapes -> lowered tree,
    shape)."""
    kind = tree[0]
    if kind in DISTANCES:
        return _distance(tree, shapes, lower)
    shape = lower(tree[1], shapes)[1]
    if not shape:
        found = "a constant" if shape is None else "a scalar ()"
        raise Conflict(f"{kind} needs an array argument, found {found}", expected="an array argument", found=found)
    if kind == "RootMeanSquare" and len(shape) == 1:  # Norm: a zero vector's gradient 0, not Sqrt's NaN at 0
        return ("bin", "/", ("Norm", tree[1], 2.0), ("call", "Sqrt", ("Length", tree[1])))
    if kind == "RootMeanSquare":
        return ("call", "Sqrt", ("Mean", ("bin", "**", tree[1], _SQUARED), ("upto", 1)))
    if kind == "Differences" and isinstance(shape[0], int) and shape[0] < 2:
        raise Conflict(f"Differences needs at least 2 elements at level 1 (found {shape[0]})",
                       expected="at least 2 elements at level 1", found=shape[0])
    if kind == "Differences":
        return ("bin", "-", ("Part", tree[1], (("span", 2, None, 1),)), ("Part", tree[1], (("span", None, -2, 1),)))
    return ("cumsum", tree[1])


def _distance(tree: tuple, shapes: Mapping[str, tuple], lower: Callable[..., tuple]) -> tuple:
    """The six distances (``DISTANCES``) of two vectors of equal length (or, but CosineDistance, two numbers): none
    broadcasts, as Wolfram's."""
    kind, u, v = tree
    difference = ("bin", "-", u, v)
    shape = lower(difference, shapes)[1]
    if shape is None and kind != "CosineDistance":  # two numbers given as constants (folded when parsed)
        return ("const", _number_distance(kind, u[1], v[1]))
    vectors = shape is not None and len(shape) == 1
    if (shape is not None and len(shape) > 1) or (kind == "CosineDistance" and not vectors):
        what = "two vectors" if kind == "CosineDistance" else "two vectors (or numbers)"
        found = "two constants" if shape is None else format_shape(shape)
        raise Conflict(f"{kind} takes {what}, found {found}", expected=what, found=found)
    _same_lengths(kind, lower(u, shapes)[1], lower(v, shapes)[1])
    if kind == "EuclideanDistance":
        return ("Norm", difference, 2.0)
    if kind == "CosineDistance":  # the pair operator's scale-invariant one (netgraph.layers.cosine), NaN at zero
        return ("cosine", u, v)
    if kind == "HammingDistance":
        each = ("cmp", "!=", u, v)
    elif kind == "SquaredEuclideanDistance":
        each = ("bin", "**", difference, _SQUARED)
    else:
        each = ("call", "Abs", difference)
    if kind == "ChessboardDistance":
        return ("Max", each)
    return ("Total", each, ("upto", 1)) if vectors else each


def _number_distance(kind: str, u: float, v: float) -> float:
    """A distance of two numbers."""
    gap = abs(u - v)
    return float(u != v) if kind == "HammingDistance" else gap * gap if kind == "SquaredEuclideanDistance" else gap


def _same_lengths(kind: str, u: tuple | None, v: tuple | None) -> None:
    """Conflict unless a distance's operands have one shape (a constant is a number; unknown sizes fit any):
    Wolfram's compares vectors of equal length, it does not broadcast."""
    u, v = u or (), v or ()
    if len(u) != len(v) or any(a != b and a is not None and b is not None for a, b in zip(u, v)):
        what = "two vectors of equal length" + ("" if kind == "CosineDistance" else " (or two numbers)")
        raise Conflict(f"{kind} compares {what}, found {format_shape(u)} and {format_shape(v)}",
                       expected="two equal shapes", found=(u, v))
