"""Wolfram's ``Det[m]`` of a batch of square matrices, with exact gradients at singular matrices too.

``torch.linalg.det``'s gradient at a singular matrix is 0, not the transposed adjugate (the cofactor matrix). For
sizes up to 3 (known when the code is written) the determinant is Leibniz's sum of signed products, a polynomial
whose gradient is the cofactor matrix everywhere, made of products and sums only (so it exports to ONNX); larger
or unknown sizes use ``torch.linalg.det``, in float32 for a float16 or bfloat16 matrix (torch's CPU LU has no kernel
for them), the result in the matrix's dtype.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable

import torch

__all__ = ["det_code", "det_reference", "EXACT_SIZES", "widened_call_code", "widened_call"]

EXACT_SIZES = 3  # the largest size written as Leibniz's sum (3! = 6 products of 3)


def _terms(n: int) -> list[tuple[int, tuple[int, ...]]]:
    """Leibniz's terms of an n x n determinant: (sign, the column of each row).

    >>> _terms(2)
    [(1, (0, 1)), (-1, (1, 0))]
    """
    terms = []
    for columns in itertools.permutations(range(n)):
        inversions = sum(a > b for a, b in itertools.combinations(columns, 2))
        terms.append((-1 if inversions % 2 else 1, columns))
    return terms


def widened_call_code(call: str, x: str, options: str = "") -> str:
    """Code for ``call`` of ``x`` (and ``options``, code of keyword arguments) computed in float32 where ``x`` is
    narrower (float16, bfloat16: torch's CPU LU and SVD have no kernels for them), the result in ``x``'s dtype. Type
    promotion (adding a float32 zero), not a branch on the dtype, which fx cannot trace; the argument used once.

    >>> widened_call_code("torch.linalg.det", "x")
    '(lambda m: torch.linalg.det(m + m.new_zeros(1, dtype=torch.float32)).to(m.dtype))(x)'
    """
    return f"(lambda m: {call}(m + m.new_zeros(1, dtype=torch.float32){options}).to(m.dtype))({x})"


def widened_call(call: Callable[[torch.Tensor], torch.Tensor], x: torch.Tensor) -> torch.Tensor:
    """``call(x)`` as ``widened_call_code``'s code computes it."""
    return call(x + x.new_zeros(1, dtype=torch.float32)).to(x.dtype)


def det_code(size: int | None, x: str) -> str:
    """Code for the determinants of ``x`` (batch, size, size), the argument used once.

    >>> det_code(2, "x")
    '(lambda m: m[:, 0, 0] * m[:, 1, 1] - m[:, 0, 1] * m[:, 1, 0])(x)'
    """
    if size is None or size > EXACT_SIZES:
        return widened_call_code("torch.linalg.det", x)
    sums = ""
    for sign, columns in _terms(size):
        product = " * ".join(f"m[:, {row}, {column}]" for row, column in enumerate(columns))
        sums += (product if not sums else f" {'-' if sign < 0 else '+'} {product}")
    return f"(lambda m: {sums})({x})"


def det_reference(size: int | None, x: torch.Tensor) -> torch.Tensor:
    """The determinants of ``x`` (batch, size, size), as ``det_code``'s code computes them.

    >>> det_reference(2, torch.tensor([[[1.0, 2.0], [2.0, 4.0]]]))
    tensor([0.])
    """
    if size is None or size > EXACT_SIZES:
        return widened_call(torch.linalg.det, x)
    total = None
    for sign, columns in _terms(size):
        product = x[:, 0, columns[0]]
        for row, column in enumerate(columns[1:], 1):
            product = product * x[:, row, column]
        total = product if total is None else total + product if sign > 0 else total - product
    return total
