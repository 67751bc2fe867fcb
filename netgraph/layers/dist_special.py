"""lgamma differences for the discrete log-masses, without the cancellation of lgammas at large arguments.

float32's lgamma(2**24) is 2.6e8, held to within 16: a difference of such lgammas (a log-mass's coefficient, 33.3
for a NegativeBinomial with n = 3 at a count of 2**24) lost every digit. ``log_orderings`` takes the difference
through log B(a, b) = lgamma(a) + lgamma(b) − lgamma(a + b) in R's form for a large argument (``lbeta``, from
Stirling's series), as its rounding is that of the result, not of the lgammas.

>>> x = torch.tensor([0.0, 3.0, 2.0 ** 24])
>>> [round(v, 4) for v in log_orderings(x, torch.full_like(x, 3.0)).tolist()]  # log((x + 1)(x + 2) / 2)
[0.0, 2.3026, 32.5779]
"""

from __future__ import annotations

import math

import torch

__all__ = ["log_orderings", "stirling_remainder", "STIRLING_FROM"]

#: From this argument up ``stirling_remainder`` holds to float64's precision (its next term is below 2e-15).
STIRLING_FROM = 20.0
#: The series' coefficients B₂ₖ / (2k (2k − 1)), k = 1..4, of 1/z^(2k−1).
_SERIES = (1 / 12, -1 / 360, 1 / 1260, -1 / 1680)


def stirling_remainder(z: torch.Tensor) -> torch.Tensor:
    """lgamma(z) − ((z − ½) log z − z + ½ log 2π), for z >= ``STIRLING_FROM`` (Stirling's series, four terms).

    >>> z = torch.tensor([20.0, 1e6], dtype=torch.float64)
    >>> err = stirling_remainder(z) - (torch.lgamma(z) - ((z - 0.5) * z.log() - z + 0.5 * math.log(2 * math.pi)))
    >>> bool(err[0].abs() < 1e-14)
    True
    """
    w = (z * z).reciprocal()
    total = w * _SERIES[-1] + _SERIES[-2]
    for c in reversed(_SERIES[:-2]):
        total = total * w + c
    return total / z


def log_orderings(x: torch.Tensor, n: torch.Tensor) -> torch.Tensor:
    """lgamma(x + n) − lgamma(n) − lgamma(x + 1) for a count x >= 0 and a real n > 0 (the log of the number of orders
    of x failures before the n-th success, for an integer n): the lgammas themselves where both n and x + 1 are below
    ``STIRLING_FROM`` (or x = 0: exactly 0), else −log(x + n) − log B(n, x + 1) with the larger argument's lgamma
    differences from Stirling's series. Differentiable in both (n's gradient is digamma(x + n) − digamma(n)).
    """
    x1, s = x + 1, x + n
    lo, hi = torch.minimum(n, x1), torch.maximum(n, x1)
    direct = torch.lgamma(s) - torch.lgamma(n) - torch.lgamma(x1)
    big = hi.clamp(min=STIRLING_FROM)  # where the lgammas are used, a stand-in that keeps this side finite
    total = lo + big
    log_beta = (torch.lgamma(lo) + (stirling_remainder(big) - stirling_remainder(total)) + lo - lo * total.log()
                + (big - 0.5) * torch.log1p(-lo / total))
    return torch.where((hi < STIRLING_FROM) | (x == 0), direct, -torch.log(s) - log_beta)
