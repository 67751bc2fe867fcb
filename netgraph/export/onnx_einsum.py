"""ONNX ``Einsum`` of two operands that is a matrix product (see ``onnx_ops`` for MatMul).

* Of two computed tensors sharing their leading letters, the batch first, each product over the last two:
  ``bij,bjk->bik``, and either operand transposed there (attention written with einsum: the scores
  ``bhid,bhjd->bhij``, then ``bhij,bhjd->bhid``) -> DotLayer (mapped over the shared letters after the batch),
  after a TransposeLayer of the last two levels of an operand written transposed.
* Wolfram's Dot of two computed tensors of any ranks after the same leading letters, the batch first: the last
  letter of the first contracted with the first after those letters of the second (``bij,bj->bi``, ``bj,bjk->bk``,
  ``bi,bi->b``, ``bni,bni->bn``, ``baij,bj->bai``, ``bi,bijk->bjk``; our DotLayer of any ranks) -> DotLayer, mapped
  as above.
* Of a computed tensor and a constant matrix (``bnd,de->bne``; a weight matrix ``bnd,ed->bne``) -> LinearLayer, as a
  MatMul by it.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from netgraph.core.graph import NetGraph
from netgraph.core.ports import NetPort
from netgraph.export.onnx_ops import Context, Converted, Unsupported, mapped, product_by_constant, text
from netgraph.layers import DotLayer, TransposeLayer

__all__ = ["EINSUM_CONVERTERS"]

_FORMS = ("Wolfram's Dot after shared leading letters: bAj,bjB->bAB (bij,bjk->bik, bij,bj->bi, bi,bi->b, "
          "baij,bj->bai), bij,bjk->bik with either operand transposed (bji, bkj), or x by a constant matrix: "
          "bnd,de->bne or bnd,ed->bne")


def _einsum(node: Any, ctx: Context) -> Converted:
    equation = text(ctx.attributes(node)["equation"]).replace(" ", "")
    left, _, out = equation.partition("->")
    terms = left.split(",")
    converted = None
    if len(terms) == 2 and len(node.input) == 2 and "." not in equation and len(set(terms[0])) == len(terms[0]):
        x, y = terms
        if node.input[1] in ctx.constants and node.input[0] not in ctx.constants:
            converted = _by_matrix(node, ctx, x, y, out)
        elif not set(node.input) & set(ctx.constants):
            _refuse_broadcasting(node, ctx, x, y)
            converted = _dot(node, x, y, out) or _product(node, x, y, out)
    if converted is None:
        raise Unsupported(f"an einsum that is not a matrix product of two operands, found {equation!r}",
                          attribute="equation", expected=_FORMS, found=equation)
    return converted


def _refuse_broadcasting(node: Any, ctx: Context, x: str, y: str) -> None:
    """Refuse a letter the operands give different known sizes (one of them 1: ONNX broadcasts it, a DotLayer takes
    the same size on both sides)."""
    shapes = [ctx.shapes.get(name) or () for name in node.input]
    sizes = [dict(zip(term, shape)) if len(shape) == len(term) else {} for term, shape in zip((x, y), shapes)]
    for letter in dict.fromkeys(x):
        first, second = sizes[0].get(letter), sizes[1].get(letter)
        if isinstance(first, int) and isinstance(second, int) and first != second:
            found = f"letter {letter!r} of size {first} in the first operand, {second} in the second"
            raise Unsupported(f"an einsum broadcasting a letter of size 1 against another size, found {found}",
                              expected="each letter shared by the operands of the same size in both", found=found)


def _by_matrix(node: Any, ctx: Context, x: str, y: str, out: str) -> Converted | None:
    """x's last letter contracted with a constant (d, e) or (e, d) matrix: a LinearLayer (None: another form)."""
    contracted, matrix = x[-1], ctx.constants[node.input[1]]
    if len(y) != 2 or contracted not in y or matrix.ndim != 2:
        return None
    new = y.replace(contracted, "", 1)
    if new in x or new == contracted or out != x[:-1] + new:
        return None
    return product_by_constant(node.input[0], matrix if y[0] == contracted else matrix.T, ctx)


def _product(node: Any, x: str, y: str, out: str) -> Converted | None:
    """Two computed tensors of the same letters before their last two (the batch first), a matrix product there."""
    shared = len(x) - 2
    if shared < 1 or len(y) != len(x) or len(out) != len(x) or not x[:shared] == y[:shared] == out[:shared]:
        return None
    (i, k), tails = out[shared:], (x[shared:], y[shared:])
    contracted = set(tails[0]) & set(tails[1])
    if len(contracted) != 1 or len(set(out)) != len(out) or contracted & set(out):
        return None
    (j,) = contracted
    if tails[0] not in (i + j, j + i) or tails[1] not in (j + k, k + j):
        return None
    flipped = (tails[0] == j + i, tails[1] == k + j)
    dot = mapped(DotLayer(), shared - 1)
    if not any(flipped):
        return Converted(dot, tuple(node.input))
    swap = TransposeLayer((*range(1, shared), shared + 1, shared))  # the last two of the levels after the batch
    layers, edges = {"dot": dot}, []
    for port, flip in zip(("Input1", "Input2"), flipped):
        if flip:
            layers[f"{port}_transposed"] = swap
            edges += [(NetPort(port), f"{port}_transposed"), (f"{port}_transposed", NetPort("dot", port))]
        else:
            edges.append((NetPort(port), NetPort("dot", port)))
    return Converted(NetGraph(layers, edges), tuple(node.input))


def _dot(node: Any, x: str, y: str, out: str) -> Converted | None:
    """Wolfram's Dot of any ranks after the same leading letters (the batch first): ``x = S A j``, ``y = S j B``,
    ``out = S A B`` (``bij,bj->bi``, ``bj,bjk->bk``, ``bi,bi->b``, ``baij,bjkl->baikl``) -> a DotLayer mapped over S
    after the batch (None: another form)."""
    shared = len(os.path.commonprefix((x, y, out)))
    j = x[-1] if x else ""
    if (shared < 1 or len(x) <= shared or y[shared:shared + 1] != j or len(set(y)) != len(y)
            or len(set(out)) != len(out) or out != x[:-1] + y[shared + 1:]):
        return None
    return Converted(mapped(DotLayer(), shared - 1), tuple(node.input))


EINSUM_CONVERTERS: dict[str, Callable[[Any, Context], Converted]] = {"Einsum": _einsum}
