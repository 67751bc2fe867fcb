"""Shapes for expressions with whole-array functions (Total, Mean, Dot, Part, Max, Norm, Length...) or several outputs.

``lower(tree, shapes)`` walks a parsed tree with the shapes of its slots (without the batch dim) and returns
the tree in executable form and the shape of its value: levels become torch dims, indices become 0-based,
and an operand of lower rank in an elementwise operation gets size-1 dims inserted after the batch dim
(numpy's rule, as FunctionLayer's elementwise expressions). The lowered node kinds are registered with
``expression`` so ``to_code`` and ``evaluate`` run them (differently: code uses einsum and indexing, the
reference path broadcasting products and ``select``).

>>> from netgraph.layers.expression import parse, to_code
>>> tree, shape = lower(parse("Total[#m, {2}] + #v").tree, {"m": (3, 4), "v": (3,)})
>>> shape, to_code(tree, {"m": "m", "v": "v"})
((3,), '(m.sum((2,)) + v)')
"""

from __future__ import annotations

import string
from collections.abc import Mapping
from typing import Any, Callable

import torch

from netgraph.core.conflicts import Conflict
from netgraph.core.types import broadcast, length_reason, format_shape
from netgraph.core.wording import counted
from netgraph.layers import expression
from netgraph.layers.cosine import cosine_code, cosine_distance
from netgraph.layers.determinant import det_code, det_reference, widened_call, widened_call_code
from netgraph.layers.expression_derived import DERIVED_FORMS, DISTANCES, derived
from netgraph.layers.expression_run import LOWERED, literal
from netgraph.layers.expression_spans import (fixed_span, span_least_length, span_text, unsized_span_length,
                                               variable_span)
from netgraph.layers._shapes import level_range, levels_run

__all__ = ["STRUCTURAL_KINDS", "is_structural", "lower", "lower_outputs", "least_lengths", "extremum_hint"]

STRUCTURAL_KINDS = {"Total", "Mean", "Dot", "Part", "outputs", "Max", "Min", "Norm", "Length", "Variance",
                    "StandardDeviation", "EuclideanDistance", "HammingDistance", "Reverse", "Transpose", "Tr", "Det",
                    *DERIVED_FORMS}


def is_structural(tree: Any) -> bool:
    """Whether a parsed tree uses a whole-array function or has several outputs."""
    if not isinstance(tree, tuple) or not tree or not isinstance(tree[0], str):
        return False
    return tree[0] in STRUCTURAL_KINDS or any(is_structural(c) for c in tree[1:])


def lower_outputs(tree: tuple, shapes: Mapping[str, tuple]) -> list[tuple[str, tuple, tuple]]:
    """(port, lowered tree, shape) per output: ``Output`` alone, or the ports of ``{...}`` / ``<|...|>``."""
    names, trees = (tree[1], tree[2]) if tree[0] == "outputs" else (("Output",), (tree,))
    found = []
    for name, sub in zip(names, trees):
        lowered, shape = lower(sub, shapes)
        if shape is None:
            raise Conflict(f"output {name!r} uses no input (it is a constant)",
                           expected="an input", found="a constant")
        found.append((name, lowered, shape))
    return found


def least_lengths(tree: tuple, shapes: Mapping[str, tuple]) -> dict[str, tuple[int, str]]:
    """Each variable length that needs more than 1 element -> (least, why): one a Variance or StandardDeviation in
    ``tree`` runs over (its argument's level 1) needs 2, as Wolfram's Variance of one element is undefined and
    n - 1 = 0 would make it NaN (a fixed length of 1 is a Conflict in ``_variance``); one a Part index i reaches
    needs |i|. Each is checked per call (``netgraph.backend.derived_lengths``)."""
    found: dict[str, tuple[int, str]] = {}

    def need(name: Any, least: int, why: str) -> None:
        if isinstance(name, str) and least > found.get(name, (1, ""))[0]:
            found[name] = (least, why)

    def visit(t: Any) -> None:
        if not isinstance(t, tuple):
            return
        if t and t[0] in ("Variance", "StandardDeviation"):
            shape = lower(t[1], shapes)[1]
            if shape:
                need(shape[0], 2, f"{t[0]} divides by n - 1 (the variance of one element is undefined, as in "
                                  f"Wolfram), so a length of 1 would make it NaN")
        if t and t[0] == "Part":  # an index into a variable length: element i exists in sequences of i or more
            for level, (i, size) in enumerate(zip(t[2], lower(t[1], shapes)[1])):
                if isinstance(i, int):
                    need(size, abs(i), f"{t[3] if len(t) > 3 else 'Part'} takes element {i} at level {level + 1}")
                elif isinstance(i, tuple):  # a span: its ends (a derived length of 0 is refused too)
                    need(size, span_least_length(i), f"Part takes the span {span_text(i)} at level {level + 1}")
        for child in t:
            visit(child)
    visit(tree)
    return found


def _levels(spec: tuple, rank: int, what: str) -> tuple[int, ...]:
    first, last = (1, spec[1]) if spec[0] == "upto" else spec[1:]
    first, last = (first if first > 0 else rank + first + 1), (last if last > 0 else rank + last + 1)
    if not 1 <= first <= last <= rank:
        shown = f"1 to {spec[1]}" if spec[0] == "upto" else (
            f"{spec[1]}" if spec[1] == spec[2] else f"{spec[1]} to {spec[2]}")
        raise Conflict(f"{what}: levels {shown} do not exist in an input of rank {rank} ({levels_run(rank)})",
                       expected=level_range(rank), found=shown)
    return tuple(range(first - 1, last))


def _align(trees: list[tuple], shapes: list[Any]) -> tuple[list[tuple], Any]:
    """Operands of an elementwise node with their ranks matched, and the broadcast shape (None: all constants)."""
    known = [s for s in shapes if s is not None]
    if not known:
        return trees, None
    rank = max(len(s) for s in known)
    out = [t if s is None or len(s) == rank else ("align", rank - len(s), t) for t, s in zip(trees, shapes)]
    try:
        joint = broadcast(*known)
    except Conflict as exc:
        reason = length_reason(exc)
        raise Conflict(f"operands of shapes {', '.join(map(format_shape, known))} do not broadcast{reason}",
                       expected=exc.expected, found=exc.found) from None
    return out, joint


def lower(tree: tuple, shapes: Mapping[str, tuple]) -> tuple[tuple, Any]:
    """The executable tree and the value's shape (None for a constant); Conflict when shapes do not fit."""
    kind = tree[0]
    if kind == "const":
        return tree, None
    if kind == "slot":
        return tree, tuple(shapes[tree[1]])
    if kind == "outputs":
        raise Conflict("several outputs ({...} or <|...|>) are only allowed at the top of the expression",
                       expected="the top of the expression", found="several outputs")
    if kind in ("Total", "Mean"):
        child, shape = _tensor(tree[1], shapes, kind)
        dims = _levels(tree[2], len(shape), kind)
        method = "sum" if kind == "Total" else "mean"
        return ("reduce", method, tuple(d + 1 for d in dims), child), tuple(
            d for i, d in enumerate(shape) if i not in dims)
    if kind in ("Max", "Min"):  # the largest (smallest) element of all arguments, at every level (Wolfram's)
        return _extremum(tree, shapes), ()
    if kind == "Norm":
        return _norm(tree, shapes)
    if kind == "Length":  # the elements at level 1 (a variable length's: its examples run in groups of one length)
        child, shape = lower(tree[1], shapes)
        return ("length", len(shape), child), ()
    if kind in ("Variance", "StandardDeviation"):
        return lower(_variance(tree, shapes), shapes)
    if kind == "cosine":  # CosineDistance's (expression_derived): a number per example
        return ("cosine", lower(tree[1], shapes)[0], lower(tree[2], shapes)[0]), ()
    if kind in DERIVED_FORMS or kind in DISTANCES:
        return lower(derived(tree, shapes, lower), shapes)
    if kind in ("Reverse", "Transpose", "Tr", "Det"):
        return _rearranged(tree, shapes)
    if kind == "Dot":
        return _dot(tree, shapes)
    if kind == "Part":
        return _part(tree, shapes)
    children = [lower(c, shapes) for c in tree[2 if kind in ("bin", "cmp", "call") else 1:]]
    aligned, shape = _align([c[0] for c in children], [c[1] for c in children])
    return (*tree[:2 if kind in ("bin", "cmp", "call") else 1], *aligned), shape


def _extremum(tree: tuple, shapes: Mapping[str, tuple]) -> tuple:
    """``Max[x, y, ...]``: each array argument's largest element (a number is itself), then the largest of those."""
    reduced = []
    for child, shape in (lower(c, shapes) for c in tree[1:]):
        dims = tuple(range(1, len(shape) + 1)) if shape else ()
        reduced.append(("reduce", "amax" if tree[0] == "Max" else "amin", dims, child) if dims else child)
    return expression.apply_all(tree[0], reduced)


def extremum_hint(tree: Any) -> str:
    """Why an output is a scalar where an array was expected, when the expression takes Max (or Min) of several."""
    def several(t: Any) -> bool:
        return isinstance(t, tuple) and bool(t) and ((t[0] in ("Max", "Min") and len(t) > 2) or any(map(several, t)))
    return "" if not several(tree) else (" (Max[x, y] and Min[x, y] of arrays are their largest and smallest "
                                         "element, a number, as Wolfram's Max flattens its arguments; elementwise: "
                                         "Ramp[#x] for Max[#x, 0], Clip[#x, {lo, hi}] against constants, "
                                         "ThreadingLayer(\"Max\") for two arrays)")


def _variance(tree: tuple, shapes: Mapping[str, tuple]) -> tuple:
    """Wolfram's ``Variance[x]`` over level 1 (n - 1 in the denominator; a matrix's: per column), and its square
    root ``StandardDeviation[x]``, written with Total, Mean and Length (each sequence's own length); a vector's
    as ``Norm[x - Mean[x]] / Sqrt[n - 1]``."""
    x, (_, shape) = tree[1], _tensor(tree[1], shapes, tree[0])
    if isinstance(shape[0], int) and shape[0] < 2:
        raise Conflict(f"{tree[0]} needs 2 or more elements at level 1, found {shape[0]}",
                       expected="2 or more", found=shape[0])
    centred, less_one = ("bin", "-", x, ("Mean", x, ("upto", 1))), ("bin", "-", ("Length", x), ("const", 1.0))
    if tree[0] == "StandardDeviation" and len(shape) == 1:  # Norm: a constant vector's gradient 0, not Sqrt's NaN
        # centred twice: float32's rounding of Mean[x] (far from 0: 1e6 + noise) is taken out again, as torch.std's
        twice = ("bin", "-", centred, ("Mean", centred, ("upto", 1)))
        return ("bin", "/", ("Norm", twice, 2.0), ("call", "Sqrt", less_one))
    variance = ("bin", "/", ("Total", ("bin", "**", centred, ("const", 2.0)), ("upto", 1)), less_one)
    return variance if tree[0] == "Variance" else expression.apply("Sqrt", [variance])


def _rearranged(tree: tuple, shapes: Mapping[str, tuple]) -> tuple[tuple, tuple]:
    """Wolfram's ``Reverse[x]`` (level 1 reversed), ``Transpose[x]`` (levels 1 and 2 swapped), ``Tr[m]``,
    ``Det[m]`` (of a square matrix)."""
    kind, (child, shape) = tree[0], _tensor(tree[1], shapes, tree[0])
    if kind == "Reverse":
        return ("flip", child), shape
    if kind == "Det":
        return ("det", _square_size(shape), child), ()
    if kind == "Tr" and len(shape) != 2:
        raise Conflict(f"Tr takes a matrix, found {format_shape(shape)}", expected="a matrix", found=shape)
    if kind == "Tr":
        return ("trace", child), ()
    if len(shape) < 2:
        raise Conflict(f"Transpose needs an array of rank 2 or more, found {format_shape(shape)}",
                       expected="rank 2 or more", found=shape)
    if isinstance(shape[0], str):
        raise Conflict(f"Transpose would move the variable length {shape[0]} of {format_shape(shape)} from level 1 "
                       f"(a sequence's length stays first)", expected="a sequence's length stays first", found=shape)
    return ("swap", child), (shape[1], shape[0], *shape[2:])


def _square_size(shape: tuple) -> int | None:
    """The size of the square matrix ``shape`` (None: not known yet; its two dims unify once known), else Conflict:
    Det takes a square matrix, not two known different sizes, nor a variable length (each example's differs)."""
    square = len(shape) == 2 and not any(isinstance(d, str) for d in shape) and \
        (None in shape or shape[0] == shape[1])
    if not square:
        raise Conflict(f"Det takes a square matrix, found {format_shape(shape)}", expected="a square matrix",
                       found=shape)
    return shape[0] if shape[0] is not None else shape[1]


def _tensor(tree: tuple, shapes: Mapping[str, tuple], what: str) -> tuple[tuple, tuple]:
    lowered, shape = lower(tree, shapes)
    if shape is None or not shape:
        raise Conflict(f"{what} needs an array argument, found {'a constant' if shape is None else 'a scalar ()'}",
                       expected="an array argument", found="a constant" if shape is None else "a scalar ()")
    return lowered, shape


def _norm(tree: tuple, shapes: Mapping[str, tuple]) -> tuple[tuple, tuple]:
    """Wolfram's ``Norm[x, p]``: a number's absolute value, a vector's p-norm, a matrix's p = 1 (largest column sum
    of absolute values), 2 (largest singular value) or Infinity (largest row sum) norm."""
    (child, shape), p = lower(tree[1], shapes), tree[2]
    if len(shape) > 2:
        raise Conflict(f"Norm takes a number, a vector or a matrix, found an array of shape {format_shape(shape)} "
                       f"(for the 2-norm of all its elements write Sqrt[Total[#x^2, {len(shape)}]])",
                       expected="a number, a vector or a matrix", found=shape)
    if len(shape) == 2 and p not in _MATRIX_NORMS:
        raise Conflict(f"Norm[m, {p:g}] of a matrix: Wolfram's matrix norms are p = 1, 2 and Infinity",
                       expected="p = 1, 2 and Infinity", found=p)
    return (expression.apply("Abs", [child]) if not shape else ("norm", len(shape), p, child)), ()


#: Wolfram's matrix p-norms -> the dims (after the batch) summed, then maximised over; 2: the largest singular value
_MATRIX_NORMS = {1.0: (1, 1), float("inf"): (2, 1), 2.0: None}


def _dot(tree: tuple, shapes: Mapping[str, tuple]) -> tuple[tuple, tuple]:
    (a, sa), (b, sb) = _tensor(tree[1], shapes, "Dot"), _tensor(tree[2], shapes, "Dot")
    if None not in (sa[-1], sb[0]) and sa[-1] != sb[0]:
        raise Conflict(f"Dot: the last dimension of {format_shape(sa)} must equal the first of {format_shape(sb)}",
                       expected=sa[-1], found=sb[0])
    return ("dot", len(sa), len(sb), a, b), (*sa[:-1], *sb[1:])


def _part(tree: tuple, shapes: Mapping[str, tuple]) -> tuple[tuple, tuple]:
    """Each level's index 0-based (an int drops the level), a span as a 0-based (start, stop, step) slice."""
    what = tree[3] if len(tree) > 3 else "Part"  # First[x], Last[x]: Part[x, 1], Part[x, -1]
    child, shape = _tensor(tree[1], shapes, what)
    index = tree[2]
    if len(index) > len(shape):
        raise Conflict(f"{what}: {counted(len(index), 'index', 'indices')} for an array of shape {format_shape(shape)}",
                       expected=len(shape), found=len(index))
    resolved, kept = [], []
    for level, (i, size) in enumerate(zip(index, shape)):
        if i is None:
            resolved.append(None)
            kept.append(size)
        elif isinstance(i, tuple) and size is None:  # a size not known yet: checked once it is (compiling needs it)
            resolved.append(None)
            kept.append(unsized_span_length(i))
        elif isinstance(i, tuple) and isinstance(size, str):  # a variable length: each sequence's own elements
            span, length = variable_span(i, size, level, shape)
            resolved.append(span)
            kept.append(length)
        elif isinstance(i, tuple):
            span = fixed_span(i, size, level, shape)
            resolved.append(span)
            kept.append(len(range(*span)))
        elif not isinstance(size, int):  # not known yet (checked once it is), or a variable length (per call:
            resolved.append(i - 1 if i > 0 else i)  # least_lengths); Python's index counts from the end as Wolfram's
        elif not -size <= i <= size:
            raise Conflict(f"{what}: index {i} does not exist at level {level + 1} of {format_shape(shape)} (indices "
                           f"run from -{size} to {size})",
                           expected=f"-{size} to {size}", found=i)
        else:
            resolved.append(i - 1 if i > 0 else size + i)
    return ("index", tuple(resolved), child), (*kept, *shape[len(index):])


# -- code and evaluation of the lowered kinds -------------------------------------------------------------
def _dot_equation(ra: int, rb: int) -> str:
    letters = iter(string.ascii_lowercase[1:])
    a = [next(letters) for _ in range(ra - 1)]
    k, b = next(letters), [next(letters) for _ in range(rb - 1)]
    return f"z{''.join(a)}{k},z{k}{''.join(b)}->z{''.join(a)}{''.join(b)}"


def _dot_reference(ra: int, rb: int, a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """sum over k of a[..., k] b[k, ...], by broadcasting (the reference path)."""
    a = a.reshape(*a.shape, *(1,) * (rb - 1))
    b = b.reshape(b.shape[0], *(1,) * (ra - 1), *b.shape[1:])
    return (a * b).sum(ra)


def _index_reference(index: tuple, x: torch.Tensor) -> torch.Tensor:
    for dim in reversed(range(len(index))):
        if isinstance(index[dim], tuple):  # a variable length's ends may count from the end (negative, None)
            start, stop, step = slice(*index[dim]).indices(x.shape[dim + 1])
            x = torch.narrow(x, dim + 1, start, stop - start)
            if step != 1:
                x = torch.index_select(x, dim + 1, torch.arange(0, stop - start, step, device=x.device))
        elif index[dim] is not None:
            x = torch.select(x, dim + 1, index[dim])
    return x


def _index_code(index: tuple, code: str) -> str:
    def entry(i: Any) -> str:
        if isinstance(i, tuple):
            return f"{i[0]}:{'' if i[1] is None else i[1]}" + (f":{i[2]}" if i[2] != 1 else "")
        return ":" if i is None else str(i)
    return f"{code}[:, {', '.join(entry(i) for i in index)}]"


def _norm_code(t: tuple, code: Callable[[tuple], str]) -> str:
    (rank, p), x = t[1:3], code(t[3])
    if rank == 1:
        return f"torch.linalg.vector_norm({x}, ord={literal(p)}, dim=1)"
    if p == 2:
        return widened_call_code("torch.linalg.matrix_norm", x, ", ord=2")
    summed, maximised = _MATRIX_NORMS[p]
    return f"{x}.abs().sum({summed}).amax({maximised})"


def _norm_reference(rank: int, p: float, x: torch.Tensor) -> torch.Tensor:
    if rank == 1:
        return torch.linalg.vector_norm(x, ord=p, dim=1)  # as the code: its gradient at 0 is 0, not NaN
    if p == 2:
        return widened_call(torch.linalg.svdvals, x)[:, 0]
    summed, maximised = _MATRIX_NORMS[p]
    return torch.amax(torch.sum(torch.abs(x), summed), maximised)


def _length_code(t: tuple, code: Callable[[tuple], str]) -> str:
    """The length of level 1 per example: ones over the batch and that level (their sum), the argument used once."""
    rank, x = t[1], code(t[2])
    if rank == 0:
        return f"torch.zeros_like({x})"
    return f"torch.ones_like({x if rank == 1 else f'{x}.sum({tuple(range(2, rank + 1))})'}).sum(1)"


def _length_reference(rank: int, x: torch.Tensor) -> torch.Tensor:
    return torch.full(x.shape[:1], x.shape[1] if rank else 0, dtype=x.dtype, device=x.device)


_KINDS: dict[str, tuple[Callable, Callable]] = {
    "align": (lambda t, c: f"{c(t[2])}[:, {', '.join(['None'] * t[1])}]",
              lambda t, e: (lambda x: x.reshape(x.shape[0], *(1,) * t[1], *x.shape[1:]))(e(t[2]))),
    "reduce": (lambda t, c: f"{c(t[3])}.{t[1]}({t[2]})", lambda t, e: getattr(torch, t[1])(e(t[3]), dim=t[2])),
    "norm": (_norm_code, lambda t, e: _norm_reference(t[1], t[2], e(t[3]))),
    "length": (_length_code, lambda t, e: _length_reference(t[1], e(t[2]))),
    "flip": (lambda t, c: f"{c(t[1])}.flip(1)", lambda t, e: torch.flip(e(t[1]), (1,))),
    "cumsum": (lambda t, c: f"{c(t[1])}.cumsum(1)", lambda t, e: torch.cumsum(e(t[1]), 1)),  # Accumulate
    "swap": (lambda t, c: f"{c(t[1])}.transpose(1, 2)", lambda t, e: torch.movedim(e(t[1]), 2, 1)),
    "trace": (lambda t, c: f"{c(t[1])}.diagonal(0, 1, 2).sum(-1)",
              lambda t, e: torch.diagonal(e(t[1]), dim1=1, dim2=2).sum(1)),
    "det": (lambda t, c: det_code(t[1], c(t[2])), lambda t, e: det_reference(t[1], e(t[2]))),
    "dot": (lambda t, c: f"torch.einsum({_dot_equation(t[1], t[2])!r}, {c(t[3])}, {c(t[4])})",
            lambda t, e: _dot_reference(t[1], t[2], e(t[3]), e(t[4]))),
    "index": (lambda t, c: _index_code(t[1], c(t[2])), lambda t, e: _index_reference(t[1], e(t[2]))),
    "cosine": (lambda t, c: cosine_code(c(t[1]), c(t[2]), zero_is_nan=True),
               lambda t, e: cosine_distance(e(t[1]), e(t[2]), zero_is_nan=True)),
}
LOWERED.update(_KINDS)
