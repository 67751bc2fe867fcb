"""ONNX ``Einsum`` of two operands that is a matrix product (see ``onnx_ops`` for MatMul).

* Of two computed tensors sharing their leading letters, the batch first, each product over the last two:
  ``bij,bjk->bik``, and either operand transposed there (attention written with einsum: the scores
  ``bhid,bhjd->bhij``, then ``bhij,bhjd->bhid``) -> DotLayer (mapped over the shared letters after the batch),
  after a TransposeLayer of the last two levels of an operand written transposed.
* Of a matrix and a vector of the same leading letters (``bij,bj->bi``, ``bj,bjk->bk``: our DotLayer of a matrix and
  a vector) -> DotLayer, mapped as above.
* Of two vectors of the same letters (``bi,bi->b``, ``bni,bni->bn``: a dot product per example, or per position)
  -> DotLayer, mapped as above.
* Of a computed tensor and a constant matrix (``bnd,de->bne``; a weight matrix ``bnd,ed->bne``) -> LinearLayer, as a
  MatMul by it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from netgraph.core.graph import NetGraph
from netgraph.core.ports import NetPort
from netgraph.export.onnx_ops import Context, Converted, Unsupported, mapped, product_by_constant, text
from netgraph.layers import DotLayer, TransposeLayer

__all__ = ["EINSUM_CONVERTERS"]

_FORMS = ("bij,bjk->bik (either operand transposed: bji, bkj), a matrix by a vector (bij,bj->bi, bj,bjk->bk), two "
          "vectors (bi,bi->b), or x by a constant matrix: bnd,de->bne or bnd,ed->bne")


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
            converted = _product(node, x, y, out) or _matrix_vector(node, x, y, out) or _vectors(node, x, y, out)
    if converted is None:
        raise Unsupported(f"an einsum that is not a matrix product of two operands, found {equation!r}",
                          attribute="equation", expected=_FORMS, found=equation)
    return converted


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


def _matrix_vector(node: Any, x: str, y: str, out: str) -> Converted | None:
    """A matrix by a vector (``bij,bj->bi``) or a vector by a matrix (``bj,bjk->bk``), of the same letters before
    (the batch first): a DotLayer (None: another form)."""
    matrix, vector = (x, y) if len(x) == len(y) + 1 else (y, x)
    shared, j = len(vector) - 1, vector[-1]
    if (shared < 1 or len(matrix) != len(vector) + 1 or len(out) != len(vector) or len(set(matrix)) != len(matrix)
            or not matrix[:shared] == vector[:shared] == out[:shared] or j == out[-1]):
        return None
    if matrix[shared:] != (out[-1] + j if matrix is x else j + out[-1]):
        return None
    return Converted(mapped(DotLayer(), shared - 1), tuple(node.input))


def _vectors(node: Any, x: str, y: str, out: str) -> Converted | None:
    """Two vectors of the same letters (``bi,bi->b``; the batch first), their last contracted: a DotLayer (None:
    another form)."""
    if len(x) < 2 or x != y or out != x[:-1]:
        return None
    return Converted(mapped(DotLayer(), len(x) - 2), tuple(node.input))


EINSUM_CONVERTERS: dict[str, Callable[[Any, Context], Converted]] = {"Einsum": _einsum}
