"""The cosine distance 1 - a.b / (|a| |b|) of vectors of a batch, (batch, n), at any scale: each vector divided by
its largest |x| first (at least its dtype's smallest normal number, so that a zero vector stays zero), whose norm is
then 1 to sqrt(n), neither underflowing nor overflowing (parallel vectors of norm 1e-20 in float32 are 0 apart, not
-7e-6). a.b is divided by Sqrt[(a.a) (b.b)], not |a| |b|, which rounds apart from a.a: a vector is exactly 0 from
itself (the root of a square is exact). The scale is a constant to the gradient (detached): the distance is
scale-invariant, so its gradient through the scale is 0 but for roundings, and computing that (amax's backward, the
quotient's by its divisor) made the distance 2-3x the unscaled formula's cost; it is now about 1.1-1.3x. torch's
``cosine_similarity`` is no cheaper way: in float32 its norms overflow at 1e20 (0.7 off) and lose digits at 1e-20
(1e-6 off). The one definition of ``NetPairEmbeddingOperator``'s ``"Cosine"`` distance
(a zero vector 1 from any other, torch's) and of a ``FunctionLayer``'s ``CosineDistance[u, v]`` (NaN there,
Wolfram's Indeterminate): ``cosine_code`` writes for the compiled forward what ``cosine_distance`` computes.

>>> cosine_distance(torch.tensor([[1e-30, 0.0]]), torch.tensor([[2e-30, 0.0]]))
tensor([0.])
>>> cosine_code("u", "v")[:40]
'(lambda a, b: 1 - (a * b).sum(1) / torch'
"""

from __future__ import annotations

import torch

__all__ = ["cosine_distance", "cosine_code"]

_SCALED = "{0} / {0}.detach().abs().amax(1, keepdim=True).clamp_min(torch.finfo({0}.dtype).tiny)"
_DISTANCE = "1 - (a * b).sum(1) / torch.sqrt(((a * a).sum(1) * (b * b).sum(1)){})"
_ZERO_FAR = ".clamp_min(1.0)"  # the product of the scaled squares is >= 1 but for a zero vector's 0: 1 from it


def cosine_code(a: str, b: str, zero_is_nan: bool = False) -> str:
    """Code for the cosine distance of the vectors ``a`` and ``b`` (each used once); ``zero_is_nan``: NaN where one
    is zero (0 / 0), else 1."""
    scaled = f"(lambda a, b: ({_SCALED.format('a')}, {_SCALED.format('b')}))({a}, {b})"
    return f"(lambda a, b: {_DISTANCE.format('' if zero_is_nan else _ZERO_FAR)})(*{scaled})"


def cosine_distance(a: torch.Tensor, b: torch.Tensor, zero_is_nan: bool = False) -> torch.Tensor:
    """What ``cosine_code`` writes, computed."""
    a, b = (x / x.detach().abs().amax(1, keepdim=True).clamp_min(torch.finfo(x.dtype).tiny) for x in (a, b))
    squares = (a * a).sum(1) * (b * b).sum(1)
    return 1 - (a * b).sum(1) / torch.sqrt(squares if zero_is_nan else squares.clamp_min(1.0))
